#!/bin/sh
# Certificates the TLS tests expect to be refused, made with the openssl CLI:
#   other-ca.pem                 a second CA, unknown to the dev CA's users
#   other-client.{crt,key}       a client certificate from that CA
#   other-server.{crt,key}       a server certificate (CN localhost) from it
#   expired-server.{crt,key}     a server certificate from the dev CA that
#                                expired in 2002
# usage: make-bad-certs.sh <dev-certs-dir> <outdir>
set -eu
dev=$1
out=$2
mkdir -p "$out"
cd "$out"
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

key other-ca.key
openssl req -x509 -new -key other-ca.key -subj "/CN=troupe other CA" -days 30 -out other-ca.pem \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null

printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > server.ext
printf 'extendedKeyUsage=clientAuth\n' > client.ext
for who in client server; do
  key other-$who.key
  openssl req -new -key other-$who.key -subj "/CN=localhost" -out other-$who.csr 2>/dev/null
  openssl x509 -req -in other-$who.csr -CA other-ca.pem -CAkey other-ca.key -CAcreateserial \
    -days 30 -extfile $who.ext -out other-$who.crt 2>/dev/null
done

# openssl x509 cannot backdate; openssl ca takes explicit dates.
mkdir -p ca
: > ca/index.txt
echo 1000 > ca/serial
cat > ca.cnf <<CNF
[ca]
default_ca = dev
[dev]
dir = ca
database = ca/index.txt
serial = ca/serial
new_certs_dir = ca
default_md = sha256
policy = any
copy_extensions = none
x509_extensions = ext
[any]
commonName = supplied
[ext]
subjectAltName = DNS:localhost,IP:127.0.0.1
extendedKeyUsage = serverAuth
CNF
key expired-server.key
openssl req -new -key expired-server.key -subj "/CN=localhost" -out expired-server.csr 2>/dev/null
openssl ca -batch -config ca.cnf -cert "$dev/ca.pem" -keyfile "$dev/ca.key" \
  -startdate 20010101000000Z -enddate 20020101000000Z -in expired-server.csr -out expired-server.crt 2>/dev/null
echo ok
