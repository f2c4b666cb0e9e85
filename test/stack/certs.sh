# certs.sh - throwaway certificates for real-stack tests (after netns.sh
# and tmx_enter): a CA, server and client certificates, made with openssl
# at test time in the test's scratch directory (no key is ever committed).
#
#   tmx_certs DIR CLIENT_CN          # DIR/ca.crt, server.pem, client.crt, client.key
#   tmx_cert_ca DIR                  # DIR/ca.crt, DIR/ca.key
#   tmx_cert_server DIR SAN[,SAN...] # DIR/server.crt, server.key, server.pem
#   tmx_cert_client DIR CN           # DIR/client.crt, client.key

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

# tmx_cert_ca DIR - the test's CA: DIR/ca.crt and its key
tmx_cert_ca() {
	tmx_need openssl
	mkdir -p "$1" || return 1
	tmx_cert_key "$1/ca.key" &&
	openssl req -x509 -new -key "$1/ca.key" -subj "/CN=trustmx test CA" \
		-days 2 -out "$1/ca.crt"
}

# tmx_cert_server DIR SANS - a server certificate from DIR's CA for the
# subjectAltName list SANS ("DNS:a.example,DNS:b.example"), its CN the
# first name; DIR/server.pem holds certificate and key
tmx_cert_server() {
	local cn=${2%%,*}
	printf '%s\n' 'basicConstraints=CA:FALSE' "subjectAltName=$2" \
		'extendedKeyUsage=serverAuth' >"$1/server.ext"
	tmx_cert_sign "$1" server "/CN=${cn#*:}" "$1/server.ext" || return 1
	cat "$1/server.crt" "$1/server.key" >"$1/server.pem"
}

# tmx_cert_client DIR CN - a client certificate from DIR's CA
tmx_cert_client() {
	printf '%s\n' 'basicConstraints=CA:FALSE' \
		'extendedKeyUsage=clientAuth' >"$1/client.ext"
	tmx_cert_sign "$1" client "/CN=$2" "$1/client.ext"
}

# tmx_certs DIR CLIENT_CN - the CA, server.pem for mx.example.test and the
# client pair
tmx_certs() {
	tmx_cert_ca "$1" &&
	tmx_cert_server "$1" DNS:mx.example.test &&
	tmx_cert_client "$1" "$2"
}
