#!/usr/bin/env bash
# Makes the test-only keys and certificates of the FIT-Connect fake (tests/src/fake_fit_connect.rs).
# Run from this folder: `bash generate.sh`. Needs the openssl command line tool.
# RSA-4096 generation is slow in unoptimised Rust, so the results are committed.
set -euo pipefail
cd "$(dirname "$0")"
DAYS=18250 # 50 years: these never need renewing during the project's life
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

key() { openssl genpkey -quiet -algorithm RSA -pkeyopt "rsa_keygen_bits:$2" -out "$1.key.pem"; }

cat >"$tmp/ext.cnf" <<'CNF'
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[intermediate]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[encryption]
basicConstraints = critical, CA:FALSE
keyUsage = critical, keyEncipherment
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[signing]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
CNF

# self_signed NAME CN
self_signed() {
  openssl req -new -x509 -sha256 -days "$DAYS" -key "$1.key.pem" -subj "/C=DE/O=OZG Portal Tests/CN=$2" \
    -config "$tmp/ext.cnf" -extensions ca -out "$1.pem"
}
# issue NAME CN ISSUER EXTENSIONS
issue() {
  openssl req -new -key "$1.key.pem" -subj "/C=DE/O=OZG Portal Tests/CN=$2" -out "$tmp/$1.csr"
  openssl x509 -req -sha256 -days "$DAYS" -in "$tmp/$1.csr" -CA "$3.pem" -CAkey "$3.key.pem" \
    -CAcreateserial -CAserial "$tmp/$3.srl" -extfile "$tmp/ext.cnf" -extensions "$4" -out "$1.pem"
}

# The trust anchor (the configured root) and an intermediate CA under it.
key root 4096;         self_signed root "Test Verwaltungs-PKI Root"
key intermediate 4096; issue intermediate "Test Verwaltungs-PKI Intermediate" root intermediate
# The destination's encryption key (wrapKey) and signing key (accept/reject events).
key encryption 4096;   issue encryption "Test Destination Encryption" intermediate encryption
key signing 4096;      issue signing "Test Destination Signing" intermediate signing
# The platform's event token key (published in its JWKS, no certificate).
key platform 4096
# Refused: a 2048-bit encryption key with a valid chain.
key short 2048;        issue short "Test Destination Short Key" intermediate encryption
# Refused: the encryption key certified by a root nobody configured.
key foreign-root 4096; self_signed foreign-root "Someone Else's Root"
openssl req -new -key encryption.key.pem -subj "/C=DE/O=Someone Else/CN=Test Destination Encryption" \
  -out "$tmp/foreign.csr"
openssl x509 -req -sha256 -days "$DAYS" -in "$tmp/foreign.csr" -CA foreign-root.pem -CAkey foreign-root.key.pem \
  -CAcreateserial -CAserial "$tmp/foreign-root.srl" -extfile "$tmp/ext.cnf" -extensions encryption \
  -out foreign-encryption.pem
# Not the platform: signs forged event tokens.
key forger 2048
