#!/bin/sh
# Regenerates the certificates of the lab's odd TLS servers (not secrets: they only ever serve
# 127.0.0.1 in tests), the kinds real mail servers present and MTAs accept since they encrypt
# opportunistically without verifying:
#   self-signed.crt/.key  self-signed, for mx.tls-self-signed.lab.test and mx.tls-secure.lab.test;
#   odd-ca.crt            a second lab CA, which local workerd nodes trust besides the first,
#                         so each certificate below fails verification for one reason only;
#   expired.crt/.key      issued by it for mx.tls-expired.lab.test, valid in 2020 only;
#   wrong-name.crt/.key   issued by it for mail.elsewhere.example only;
#   tls12.crt/.key        issued by it for mx.tls12-only.lab.test (and 127.0.0.1): valid.
# The CA's key is thrown away. Run from this directory: sh generate-odd.sh
set -eu
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/db"
touch "$work/db/index"
echo 1000 > "$work/db/serial"
cat > "$work/ca.cnf" <<CNF
[ca]
default_ca = odd
[odd]
database = $work/db/index
serial = $work/db/serial
new_certs_dir = $work/db
default_md = sha256
policy = any
copy_extensions = copy
unique_subject = no
x509_extensions = leaf
[any]
organizationName = optional
commonName = supplied
[leaf]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
CNF

openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 \
  -keyout "$work/odd-ca.key" -out odd-ca.crt \
  -subj "/O=Relaywatch lab/CN=Relaywatch lab odd CA" \
  -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
  -addext "keyUsage=critical,keyCertSign,cRLSign"

openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 \
  -keyout self-signed.key -out self-signed.crt \
  -subj "/O=Relaywatch lab/CN=mx.tls-self-signed.lab.test" \
  -addext "subjectAltName=DNS:mx.tls-self-signed.lab.test,DNS:mx.tls-secure.lab.test"

# leaf <name> <subject CN> <subjectAltName> <start> <end>
leaf() {
  openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$work/$1.csr" \
    -subj "/O=Relaywatch lab/CN=$2" -addext "subjectAltName=$3"
  openssl ca -batch -notext -config "$work/ca.cnf" -cert odd-ca.crt -keyfile "$work/odd-ca.key" \
    -in "$work/$1.csr" -startdate "$4" -enddate "$5" -out "$1.crt"
}
leaf expired mx.tls-expired.lab.test "DNS:mx.tls-expired.lab.test" 20200101000000Z 20210101000000Z
leaf wrong-name mail.elsewhere.example "DNS:mail.elsewhere.example" 20250101000000Z 20350101000000Z
leaf tls12 mx.tls12-only.lab.test "DNS:mx.tls12-only.lab.test,IP:127.0.0.1" 20250101000000Z 20350101000000Z
