#!/bin/sh
# Make a self-signed certificate + key PEM for confd when none exists.
# confd would create one itself on first start; doing it here lets
# `make run` show where it is.
out=${1:-confd.pem}
[ -s "$out" ] && exit 0
umask 077
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$out.key" -out "$out.crt" -days 3650 -subj "/CN=confd" \
	2>/dev/null || exit 1
cat "$out.crt" "$out.key" >"$out" && rm -f "$out.crt" "$out.key"
echo "mkcert: created $out"
