#!/bin/sh
# Regenerates the lab's TLS fixtures (not secrets: they only ever serve 127.0.0.1 in tests):
#   ca.crt           a lab CA, which local probe nodes (workerd) trust besides the browser CAs,
#                    since workerd verifies every certificate and cannot be told not to;
#   lab.crt, lab.key the lab servers' certificate, issued by that CA.
# The CA's key is thrown away, so nothing else can ever be issued under it.
# Run from this directory: sh generate.sh
set -eu
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 \
  -keyout "$work/ca.key" -out ca.crt \
  -subj "/O=Relaywatch lab/CN=Relaywatch lab CA" \
  -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
  -addext "keyUsage=critical,keyCertSign,cRLSign"
openssl req -newkey rsa:2048 -nodes -keyout lab.key -out "$work/lab.csr" \
  -subj "/O=Relaywatch lab/CN=lab.test"
cat > "$work/leaf.cnf" <<'EXT'
subjectAltName=DNS:*.lab.test,DNS:lab.test,DNS:localhost,IP:127.0.0.1
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
EXT
openssl x509 -req -in "$work/lab.csr" -CA ca.crt -CAkey "$work/ca.key" -CAcreateserial \
  -CAserial "$work/ca.srl" -days 3650 -sha256 -extfile "$work/leaf.cnf" -out lab.crt
