# certs.sh - sourced by the HAProxy tests: a throwaway CA, a server
# certificate and a client certificate, made with openssl at test time in
# the test's scratch directory (no key is ever committed).
#
#   tmx_certs DIR CLIENT_CN    # DIR/ca.crt, server.pem, client.crt, client.key

# tmx_cert_key FILE - a fresh P-256 key (fast to make, accepted everywhere)
tmx_cert_key() {
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
		-out "$1" 2>/dev/null
}

# tmx_cert_sign DIR NAME SUBJECT EXTFILE - NAME.crt signed by DIR/ca
tmx_cert_sign() {
	tmx_cert_key "$1/$2.key" &&
	openssl req -new -key "$1/$2.key" -subj "$3" -out "$1/$2.csr" &&
	openssl x509 -req -in "$1/$2.csr" -CA "$1/ca.crt" -CAkey "$1/ca.key" \
		-CAcreateserial -days 2 -extfile "$4" -out "$1/$2.crt" 2>/dev/null
}

# tmx_certs DIR CLIENT_CN - the CA, server.pem (cert+key) and the client pair
tmx_certs() {
	dir=$1
	mkdir -p "$dir" || return 1
	tmx_cert_key "$dir/ca.key" &&
	openssl req -x509 -new -key "$dir/ca.key" -subj "/CN=trustmx test CA" \
		-days 2 -out "$dir/ca.crt" || return 1
	printf '%s\n' 'basicConstraints=CA:FALSE' \
		'subjectAltName=DNS:mx.example.test' \
		'extendedKeyUsage=serverAuth' >"$dir/server.ext"
	printf '%s\n' 'basicConstraints=CA:FALSE' \
		'extendedKeyUsage=clientAuth' >"$dir/client.ext"
	tmx_cert_sign "$dir" server "/CN=mx.example.test" "$dir/server.ext" &&
	tmx_cert_sign "$dir" client "/CN=$2" "$dir/client.ext" || return 1
	cat "$dir/server.crt" "$dir/server.key" >"$dir/server.pem"
}
