#!/bin/sh
# Regenerates the lab's self-signed test certificate (a fixture, not a secret: it only ever
# serves 127.0.0.1 in tests). The lab never verifies it; it exists so STARTTLS and implicit TLS
# can really be negotiated. Run from this directory: sh generate.sh
set -eu
openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 \
  -keyout lab.key -out lab.crt \
  -subj "/O=Relaywatch lab/CN=lab.test" \
  -addext "subjectAltName=DNS:*.lab.test,DNS:lab.test,DNS:localhost,IP:127.0.0.1" \
  -addext "basicConstraints=critical,CA:FALSE" \
  -addext "keyUsage=critical,digitalSignature,keyEncipherment" \
  -addext "extendedKeyUsage=serverAuth"
