#!/usr/bin/env bash
# gen-certs.sh <outdir>: development certificates for troupe's TLS, HTTPS and
# wss samples, tests and benchmarks, made with the openssl command line.
# `./troupe setup` runs it once into the build tree; nothing here is secret
# and nothing it makes belongs in the repository.
#
# Files written to <outdir> (X = ca, server, client):
#   X-secret.key  RSA private key, encrypted (PKCS#8, AES-256) with the password
#   X.key         the same key, unencrypted
#   X.crt         the certificate alone (PEM)
#   X.pfx         PKCS#12: certificate (+ CA) and key, protected by the password
#   server.pem    certificate followed by its encrypted key, the layout of
#   client.pem      CppServer's dev files: one file for the chain and the key
#   ca.pem        the CA certificate alone (what peers load to verify), no key
#   dh.pem        Diffie-Hellman parameters: the RFC 7919 group ffdhe2048
#   password.txt  the key password (qwerty unless TROUPE_CERT_PASSWORD is set)
#
# ca        self-signed, CN "troupe development CA"
# server    CN=localhost, subjectAltName DNS:localhost, IP:127.0.0.1, IP:::1,
#           extendedKeyUsage serverAuth
# client    CN=troupe-client, extendedKeyUsage clientAuth
# Keys are RSA 2048 (TROUPE_CERT_BITS to change; CppServer's are 4096, which
# makes every handshake of a benchmark several times slower to sign).
#
# Idempotent: when every file is there, the server and client certificates
# verify against the CA, and none expires within 30 days, it does nothing.
# Otherwise the whole set is made anew (a new CA invalidates the old leaves).
set -euo pipefail

[[ $# == 1 ]] || { echo "usage: $0 <outdir>" >&2; exit 2; }
out=$1
pass=${TROUPE_CERT_PASSWORD:-qwerty}
bits=${TROUPE_CERT_BITS:-2048}
days_ca=3650
days_leaf=825
command -v openssl >/dev/null || { echo "gen-certs: openssl not found (apt-get install openssl)" >&2; exit 1; }

log() { printf '[certs] %s\n' "$*"; }

files=(ca-secret.key ca.key ca.crt ca.pem ca.pfx
       server-secret.key server.key server.crt server.pem server.pfx
       client-secret.key client.key client.crt client.pem client.pfx
       dh.pem password.txt)

complete() {
    local f
    for f in "${files[@]}"; do [[ -s $out/$f ]] || return 1; done
    [[ $(cat "$out/password.txt") == "$pass" ]] || return 1
    for f in ca server client; do
        openssl x509 -noout -checkend $((30 * 86400)) -in "$out/$f.crt" >/dev/null 2>&1 || return 1
    done
    openssl verify -CAfile "$out/ca.pem" "$out/server.crt" "$out/client.crt" >/dev/null 2>&1
}

if [[ -d $out ]] && complete; then
    log "up to date in $out"
    exit 0
fi

mkdir -p "$out"
out=$(cd "$out" && pwd)
# Build in a scratch directory beside the output and move the finished set
# in, so an interrupted run never leaves a set that looks complete.
tmp=$(mktemp -d "$out/.gen.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
umask 077

# openssl's chatter goes to a file, shown only when a step fails.
q() { "$@" 2>"$tmp/stderr" || { cat "$tmp/stderr" >&2; echo "gen-certs: failed: $*" >&2; exit 1; }; }

cat >ext.cnf <<'EOF'
[req]
distinguished_name = dn
[dn]

[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[client]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF

key() {   # key NAME: NAME-secret.key (encrypted) and NAME.key (plain)
    q openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:"$bits" \
        -aes-256-cbc -pass pass:"$pass" -out "$1-secret.key"
    q openssl pkey -passin pass:"$pass" -in "$1-secret.key" -out "$1.key"
}

serial() { printf '0x%s' "$(openssl rand -hex 16)"; }

log "CA (RSA $bits)"
key ca
q openssl req -new -x509 -sha256 -days "$days_ca" -key ca.key -config ext.cnf \
    -subj '/O=troupe development/CN=troupe development CA' \
    -set_serial "$(serial)" -extensions ca -out ca.crt

leaf() {   # leaf NAME SUBJECT
    log "$1 certificate"
    key "$1"
    q openssl req -new -key "$1.key" -config ext.cnf -subj "$2" -out "$1.csr"
    q openssl x509 -req -sha256 -days "$days_leaf" -in "$1.csr" -CA ca.crt -CAkey ca.key \
        -set_serial "$(serial)" -extfile ext.cnf -extensions "$1" -out "$1.crt"
    rm -f "$1.csr"
}
leaf server '/O=troupe development/CN=localhost'
leaf client '/O=troupe development/CN=troupe-client'

log "PEM and PKCS#12 variants"
cp ca.crt ca.pem
for n in server client; do
    cat "$n.crt" "$n-secret.key" >"$n.pem"
done
for n in ca server client; do
    chain=()
    [[ $n == ca ]] || chain=(-certfile ca.crt)
    q openssl pkcs12 -export -passout pass:"$pass" -name "troupe $n" \
        -inkey "$n.key" -in "$n.crt" "${chain[@]}" -out "$n.pfx"
done

log "DH parameters (ffdhe2048)"
# The named RFC 7919 group: instant, unlike generating 2048-bit parameters,
# and the group TLS peers already know.
q openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048 -out dh.pem

printf '%s\n' "$pass" >password.txt

q openssl verify -CAfile ca.pem server.crt client.crt >/dev/null

# Private keys stay 0600; certificates, CA and DH files are readable.
chmod 644 ./*.crt ca.pem dh.pem
for f in "${files[@]}"; do mv -f "$f" "$out/$f"; done
log "done: ${#files[@]} files in $out"
