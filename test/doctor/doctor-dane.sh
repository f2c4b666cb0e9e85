#!/bin/bash
# doctor-dane.sh - "trustmx doctor"'s DNSSEC and DANE checks against a zone
# signed here (ldns-signzone) and served by nsd, and a real Postfix with a
# certificate made here on documentation addresses: a TLSA that matches
# (DANE-EE and DANE-TA), one that does not, an MX without STARTTLS, TLSA
# in an unsigned child zone, hostile TLSA rdata, a tampered signed zone
# (bogus), a wrong anchor and none; each asserted in the --json report.
set -u
. "$TMX_SRCDIR/test/stack/netns.sh"
tmx_enter "$@"
. "$TMX_SRCDIR/test/stack/assert.sh"
. "$TMX_SRCDIR/test/stack/dns.sh"
. "$TMX_SRCDIR/test/stack/certs.sh"
. "$TMX_SRCDIR/test/stack/postfix.sh"
tmx_need nsd ldns-keygen ldns-signzone openssl jq python3

NS=127.0.0.54
Z=$TMX_TMP/zones
PKI=$TMX_TMP/pki
mkdir -p "$Z"

# certificates: one CA, one server certificate for every MX name
tmx_cert_ca "$PKI" >/dev/null 2>&1 || tmx_die "no CA"
tmx_cert_server "$PKI" DNS:mx1.dane.test,DNS:mx2.dane.test,DNS:mx3.dane.test,DNS:mxta.dane.test ||
	tmx_die "no server certificate"
cat "$PKI/server.key" "$PKI/server.crt" "$PKI/ca.crt" >"$PKI/chain.pem"
SPKI=$(openssl x509 -in "$PKI/server.crt" -noout -pubkey |
	openssl pkey -pubin -outform DER | sha256sum | cut -d' ' -f1)
CA_SHA=$(openssl x509 -in "$PKI/ca.crt" -outform DER | sha256sum | cut -d' ' -f1)
WRONG=$(printf 'not the key' | sha256sum | cut -d' ' -f1)

# zone NAME BODY - a zone file with an SOA and an NS on nsd
zone() {
	{
		printf '$ORIGIN %s.\n$TTL 300\n' "$1"
		printf '@ SOA ns.%s. hostmaster.%s. 1 3600 600 86400 300\n' "$1" "$1"
		printf '@ NS ns.%s.\nns A %s\n' "$1" "$NS"
		printf '%s\n' "$2"
	} >"$Z/$1"
}

# sign NAME [FILE] - FILE (default NAME).signed with a new KSK and ZSK of
# zone NAME; the KSK's DS in FILE.ds
sign() {
	local ksk zsk f=${2:-$1}
	(cd "$Z" && ksk=$(ldns-keygen -k -a ECDSAP256SHA256 "$1") &&
		zsk=$(ldns-keygen -a ECDSAP256SHA256 "$1") &&
		ldns-signzone -o "$1" "$f" "$zsk" "$ksk" && cp "$ksk.ds" "$f.ds") ||
		tmx_die "cannot sign $1"
}

# the unsigned child: TLSA there is ignored by senders
zone plain.dane.test "@ MX 10 mx1.dane.test.
mx4 A 192.0.2.28
_25._tcp.mx4 TLSA 3 1 1 $SPKI"
# the tampered child: signed, then its SPF record changed
zone bad.dane.test '@ MX 10 mx1.dane.test.
@ TXT "v=spf1 -all"
_dmarc TXT "v=DMARC1; p=none"'
sign bad.dane.test
sed -i 's/v=spf1 -all/v=spf1 +all/' "$Z/bad.dane.test.signed"
grep -q 'v=spf1 +all' "$Z/bad.dane.test.signed" || tmx_die "tampering failed"
# the parent: five MX hosts, one case each
zone dane.test "@ MX 10 mx1.dane.test.
@ MX 20 mx2.dane.test.
@ MX 30 mx3.dane.test.
@ MX 40 mx4.plain.dane.test.
@ MX 50 mxta.dane.test.
hostile MX 10 mx5.dane.test.
hostile MX 20 mx6.dane.test.
hostile MX 30 mx7.dane.test.
@ TXT \"v=spf1 ip4:192.0.2.0/24 -all\"
_dmarc TXT \"v=DMARC1; p=reject\"
mx1 A 192.0.2.25
mx2 A 192.0.2.26
mx3 A 192.0.2.27
mxta A 192.0.2.25
mx5 A 192.0.2.29
mx6 A 192.0.2.30
mx7 A 192.0.2.31
_25._tcp.mx7 TLSA 3 1 1 $SPKI
_25._tcp.mx5 TLSA 3 1 1 $SPKI
_25._tcp.mx6 TLSA 3 1 1 $SPKI
_25._tcp.mx1 TLSA 3 1 1 $SPKI
_25._tcp.mx2 TLSA 3 1 1 $WRONG
_25._tcp.mx2 TLSA 1 1 1 $SPKI
_25._tcp.mx2 TLSA 3 0 0 0102030405
_25._tcp.mx2 TYPE52 \\# 5 0301010a0b
_25._tcp.mx3 TLSA 3 1 1 $SPKI
_25._tcp.mxta TLSA 2 0 1 $CA_SHA
plain NS ns.plain.dane.test.
ns.plain A $NS
bad NS ns.bad.dane.test.
ns.bad A $NS
$(cat "$Z/bad.dane.test.ds")"
sign dane.test
cp "$Z/dane.test.ds" "$TMX_TMP/anchor.ds"
# a root and a test. zone of our own above it: the chain root.key starts
zone test "dane NS ns.dane.test.
ns.dane A $NS
$(cat "$Z/dane.test.ds")"
sign test
printf '%s\n' '$TTL 300' ". SOA ns.test. hostmaster.test. 1 3600 600 86400 300" \
	". NS ns.test." "test. NS ns.test." "ns.test. A $NS" >"$Z/root"
cat "$Z/test.ds" >>"$Z/root"
sign . root
cp "$Z/root.ds" "$TMX_TMP/root.ds"

cat >"$TMX_TMP/nsd.conf" <<-CONF
	server:
	  ip-address: $NS
	  port: 53
	  username: ""
	  chroot: ""
	  zonesdir: "$Z"
	  pidfile: "$TMX_TMP/nsd.pid"
	  database: ""
	  zonelistfile: "$TMX_TMP/nsd.zonelist"
	  xfrdfile: "$TMX_TMP/nsd.xfrd"
	  xfrdir: "$TMX_TMP"
	  logfile: "$TMX_TMP/nsd-server.log"
	  server-count: 1
	  verbosity: 1
	remote-control:
	  control-enable: no
	zone:
	  name: "."
	  zonefile: root.signed
	zone:
	  name: test
	  zonefile: test.signed
	zone:
	  name: dane.test
	  zonefile: dane.test.signed
	zone:
	  name: bad.dane.test
	  zonefile: bad.dane.test.signed
	zone:
	  name: plain.dane.test
	  zonefile: plain.dane.test
CONF
ip addr add "$NS/8" dev lo 2>/dev/null
tmx_bg nsd nsd -d -c "$TMX_TMP/nsd.conf"
tmx_until 10 tmx_udp_bound "$NS" 53 || { cat "$TMX_TMP/nsd.log" >&2; tmx_die "nsd did not start"; }
tmx_dns_nameserver "$NS" "timeout:2 attempts:1" || tmx_die "no resolv.conf"

# Postfix: STARTTLS on .25 and .26, none on .27; a STARTTLS injector on .29
for a in 25 26 27 28; do tmx_addr 192.0.2.$a; done
tmx_postfix_init
tmx_postfix_set "smtpd_tls_security_level = may" \
	"smtpd_tls_chain_files = $PKI/chain.pem" \
	"inet_interfaces = 127.0.0.1, 192.0.2.25, 192.0.2.26, 192.0.2.27"
tmx_postfix_service \
	'192.0.2.25:smtp inet n - n - - smtpd' \
	'192.0.2.26:smtp inet n - n - - smtpd' \
	'192.0.2.27:smtp inet n - n - - smtpd -o smtpd_tls_security_level=none'
tmx_postfix_start || tmx_die "postfix did not start"
# hostile servers: .29 answers STARTTLS with 220 and one more reply in
# the same packet (plaintext injected into the TLS session), .30 greets
# with an endless line, .31 drips its TLS handshake a byte at a time
tmx_addr 192.0.2.29
tmx_addr 192.0.2.30
tmx_addr 192.0.2.31
tmx_bg smtp-hostile python3 -c '
import socket, sys, threading, time
def inject(c):
    c.sendall(b"220 inject ESMTP\r\n")
    f = c.makefile("rb")
    f.readline()
    c.sendall(b"250-inject\r\n250 STARTTLS\r\n")
    f.readline()
    c.sendall(b"220 go ahead\r\n250 injected\r\n")
    f.readline()
def drip(c):
    c.sendall(b"220 drip ESMTP\r\n")
    f = c.makefile("rb")
    f.readline()
    c.sendall(b"250-drip\r\n250 STARTTLS\r\n")
    f.readline()
    c.sendall(b"220 go ahead\r\n")
    c.sendall(b"\x16\x03\x03\x40\x00")
    for _ in range(120):
        time.sleep(0.5)
        c.sendall(b"\x00")
def endless(c):
    c.sendall(b"220 " + b"x" * 65536)
    c.recv(100)
def handle(c, fn):
    try:
        fn(c)
    except OSError:
        pass
    c.close()
def serve(addr, fn):
    s = socket.create_server((addr, 25))
    while True:
        c, _ = s.accept()
        threading.Thread(target=handle, args=(c, fn), daemon=True).start()
threading.Thread(target=serve, args=("192.0.2.30", endless), daemon=True).start()
threading.Thread(target=serve, args=("192.0.2.31", drip), daemon=True).start()
serve("192.0.2.29", inject)'
listens() { ss -Hltn "src = $1 and sport = :25" | grep -q .; }
tmx_until 10 listens 192.0.2.29 && tmx_until 10 listens 192.0.2.30 &&
	tmx_until 10 listens 192.0.2.31 ||
	tmx_die "hostile servers not listening"

# doctor NAME ARGS... - the report of NAME in $TMX_TMP/NAME.json; $RC
doctor() {
	local name=$1
	shift
	"$TRUSTMX" doctor "$name" --helo doctor.test --json "$@" \
		>"$TMX_TMP/$name.json" 2>"$TMX_TMP/$name.err"
	RC=$?
}

# finding JSON CHECK SUBJECT - "verdict|detail|fix" of that finding
finding() {
	jq -r --arg c "$2" --arg s "$3" '[.checks[] |
		select(.check == $c and .subject == $s) |
		"\(.verdict)|\(.detail)|\(.fix)"] | join("\n")' "$1"
}

# want LABEL JSON CHECK SUBJECT VERDICT [REGEX] - one finding asserted
want() {
	local got
	got=$(finding "$2" "$3" "$4")
	if [ "${got%%|*}" != "$5" ]; then
		tmx_fail "$1: $3 $4: got \"$got\", want $5"
	elif [ -n "${6:-}" ] && ! grep -Eq -- "$6" <<<"$got"; then
		tmx_fail "$1: $3 $4: \"$got\" lacks /$6/"
	else
		tmx_pass "$1: $3 $4 = $5"
	fi
}

# 1. the signed domain, each MX host its own case
J=$TMX_TMP/dane.test.json
doctor dane.test --trust-anchor "$TMX_TMP/anchor.ds" --backup-mx mx2.dane.test
tmx_expect "dane.test exit status" "$RC" 2
want anchor "$J" dnssec.anchor dane.test ok 'validates'
want secure "$J" dnssec.status "dane.test MX" ok 'MX: secure'
want secure "$J" dnssec.status "dane.test TXT" ok 'SPF: secure'
want secure "$J" dnssec.status "_dmarc.dane.test TXT" ok 'DMARC: secure'
want dane-ee "$J" dane.match "mx1.dane.test [192.0.2.25]" ok "3 1 1 .*DANE-EE.*$SPKI"
want dane-ta "$J" dane.match "mxta.dane.test [192.0.2.25]" ok "2 0 1 .*DANE-TA"
want nomatch "$J" dane.match "mx2.dane.test [192.0.2.26]" fail \
	"SPKI SHA-256 $SPKI.*_25\\._tcp\\.mx2\\.dane\\.test\\. IN TLSA 3 1 1 $SPKI"
want not-der "$J" dane.match "mx2.dane.test [192.0.2.26]" fail \
	'OpenSSL refused .*; records: ([^)]*, )?3 0 0 0102030405[,)]'
want pkix "$J" dane.usage _25._tcp.mx2.dane.test warn 'PKIX-EE.*not recommended'
want malformed "$J" dane.record _25._tcp.mx2.dane.test warn 'malformed: digest length'
want nostarttls "$J" dane.starttls "mx3.dane.test [192.0.2.27]" fail 'no STARTTLS'
want unsigned "$J" dane.tlsa _25._tcp.mx4.plain.dane.test warn 'unsigned zone: senders ignore'
tmx_expect "no probe of the unsigned TLSA" \
	"$(jq '[.checks[] | select(.subject | startswith("mx4.plain"))
		| select(.check | startswith("dane"))] | length' "$J")" 0

# 2. hostile SMTP servers, each bounded
J=$TMX_TMP/hostile.dane.test.json
START=$SECONDS
doctor hostile.dane.test --trust-anchor "$TMX_TMP/anchor.ds"
want injection "$J" dane.starttls "mx5.dane.test [192.0.2.29]" fail 'after its 220 to STARTTLS \(command injection\)'
want endless-line "$J" dane.starttls "mx6.dane.test [192.0.2.30]" warn 'no SMTP greeting'
want drip "$J" dane.starttls "mx7.dane.test [192.0.2.31]" fail 'TLS handshake: timeout'
# the drip server (60 s of bytes) would hold a per-read timeout to the end
[ $((SECONDS - START)) -le 30 ] && tmx_pass "hostile.dane.test in $((SECONDS - START)) s" ||
	tmx_fail "hostile.dane.test took $((SECONDS - START)) s: a probe outlived its deadline"

# 3. a tampered signed zone: its SPF answer is bogus, its MX secure
J=$TMX_TMP/bad.dane.test.json
doctor bad.dane.test --trust-anchor "$TMX_TMP/anchor.ds"
tmx_expect "bad.dane.test exit status" "$RC" 2
want bogus "$J" dnssec.status "bad.dane.test TXT" fail 'SPF: bogus.*SERVFAIL'
want bogus-mx "$J" dnssec.status "bad.dane.test MX" ok 'MX: secure'

# 4. an unsigned domain whose MX host has secure TLSA: DANE is not used
J=$TMX_TMP/plain.dane.test.json
doctor plain.dane.test --trust-anchor "$TMX_TMP/anchor.ds"
want insecure "$J" dnssec.status "plain.dane.test MX" ok 'MX: insecure \(unsigned'
want insecure-mx "$J" dane.mx plain.dane.test warn 'MX RRset is not DNSSEC secure'
want insecure-mx "$J" dane.match "mx1.dane.test [192.0.2.25]" ok '3 1 1'

# 5. an anchor that is not the zone's key: stated, nothing judged bogus
sed 's/\(DS[[:space:]]*[0-9]*[[:space:]]*[0-9]*[[:space:]]*[0-9]*[[:space:]]*\)[0-9a-fA-F]\{8\}/\1deadbeef/' \
	"$TMX_TMP/anchor.ds" >"$TMX_TMP/wrong.ds"
cmp -s "$TMX_TMP/anchor.ds" "$TMX_TMP/wrong.ds" && tmx_die "wrong anchor not made"
J=$TMX_TMP/dane.test.json
doctor dane.test --trust-anchor "$TMX_TMP/wrong.ds"
want wrong-anchor "$J" dnssec.anchor dane.test warn 'no answer under the anchor validated.*DS hash mismatches'
want wrong-anchor "$J" dane.tlsa _25._tcp.mx1.dane.test warn 'DNSSEC not checked'
tmx_expect "wrong anchor: no bogus finding" \
	"$(jq '[.checks[] | select(.verdict == "fail" and (.check | startswith("dnssec")))] | length' "$J")" 0

# 6. the root as anchor: proven by the root's DS of "test", then the chain
J=$TMX_TMP/dane.test.json
doctor dane.test --trust-anchor "$TMX_TMP/root.ds"
want root-anchor "$J" dnssec.anchor . ok 'validates'
want root-anchor "$J" dnssec.status "dane.test MX" ok 'MX: secure'
want root-anchor "$J" dane.tlsa _25._tcp.mx4.plain.dane.test warn 'unsigned zone'

# 7. no --trust-anchor: root.key (its root unreachable here) or none
doctor dane.test
tmx_expect "default anchor: never a DNSSEC warning" \
	"$(jq -r '[.checks[] | select(.check == "dnssec.anchor") | .verdict] | join(",")' "$J")" ok
want default-anchor "$J" dane.tlsa _25._tcp.mx1.dane.test warn 'DNSSEC not checked'

# 8. the table says the same
"$TRUSTMX" doctor dane.test --trust-anchor "$TMX_TMP/anchor.ds" --helo doctor.test \
	>"$TMX_TMP/table.txt" 2>&1
grep -Eq "^dane.match +fail +mx2.dane.test \[192.0.2.26\]" "$TMX_TMP/table.txt" &&
	grep -q "IN TLSA 3 1 1 $SPKI" "$TMX_TMP/table.txt" &&
	tmx_pass "table: the mismatch and its fix" ||
	tmx_fail "table: $(grep dane "$TMX_TMP/table.txt")"

tmx_postfix_problems 'not found|connect from|lost connection' >&2 &&
	tmx_fail "postfix warned"
tmx_finish
