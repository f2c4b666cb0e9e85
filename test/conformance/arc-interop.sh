#!/bin/bash
# arc-interop.sh - ARC (RFC 8617) against an independent implementation,
# Debian's python3-dkim (dkimpy), both ways: chains dkimpy seals must pass
# "trustmx arc verify", chains "trustmx arc seal" makes must pass
# dkim.arc_verify, with RSA and Ed25519 keys, 1 to 4 hops and mixed
# sealers; and the failures (tampering, broken numbering, cv=fail, keys
# missing or unreachable, garbage, more than 50 sets) must fail in both.
# Keys come from dnsmasq in the test's own namespace, for both sides.
# Ends with a table of every case.
set -u
. "$TMX_SRCDIR/test/stack/netns.sh"
tmx_enter "$@"
. "$TMX_SRCDIR/test/stack/assert.sh"
. "$TMX_SRCDIR/test/stack/dns.sh"
tmx_need dnsmasq openssl jq
PY=/usr/bin/python3
"$PY" -c 'import dkim, nacl, authres, dns.resolver' 2>/dev/null ||
	tmx_skip "python3-dkim, python3-nacl, python3-authres or python3-dnspython missing"

START=$(date +%s%N)
T=$TMX_TMP
CASES=()

# dk.py - dkimpy's side, many jobs in one process (Python's start costs
# more than a job): tab-separated lines on stdin,
#   seal IN OUT DOMAIN SELECTOR KEYFILE ALG [FOOTER]   one hop
#   verify FILE                                        prints "cv=..."
cat >"$T/dk.py" <<'EOF'
import base64
import hashlib
import sys

import dkim
import nacl.signing

# dkimpy 1.1.4's ARC code allows only rsa-sha256 (ARC_HASH_ALGORITHMS, and
# arc_sign forces it), while its DKIM code does ed25519-sha256 (RFC 8463).
# Widen the ARC allow-list and give its ARC signer a nacl key: hashing,
# canonicalization and the Ed25519 signature stay dkimpy's and libsodium's.
dkim.ARC_HASH_ALGORITHMS[b"ed25519-sha256"] = hashlib.sha256
rsa_key = dkim.parse_pem_private_key


def crlf(data):
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def verdict(msg):
    cv, _, reason = dkim.arc_verify(msg)
    # None: the newest seal says cv=fail, the chain has ended
    return (cv or dkim.CV_Fail).decode(), reason


def seal(src, dst, domain, selector, keyfile, alg, footer=""):
    """one hop: an A-R saying what dkimpy found, FOOTER added to the body
    the way a mailing list does, then the ARC set"""
    with open(src, "rb") as f:
        msg = crlf(f.read())
    cv, _ = verdict(msg)
    head, sep, body = msg.partition(b"\r\n\r\n")
    if footer:
        body += footer.encode() + b"\r\n"
    srv = ("mx." + domain).encode()
    msg = b"Authentication-Results: " + srv + b"; arc=" + cv.encode() + \
        b"\r\n" + head + sep + body
    with open(keyfile, "rb") as f:
        key = f.read().strip()
    dkim.parse_pem_private_key = rsa_key if alg == "rsa-sha256" else \
        lambda seed: nacl.signing.SigningKey(base64.b64decode(seed))
    signer = dkim.ARC(msg, signature_algorithm=alg.encode())
    hdrs = signer.sign(selector.encode(), domain.encode(), key, srv,
                       include_headers=[b"from", b"to", b"subject",
                                        b"date", b"message-id"])
    if not hdrs:
        sys.exit("dkimpy added no ARC set to " + dst)
    with open(dst, "wb") as f:
        f.write(b"".join(hdrs) + msg)


for line in sys.stdin:
    job = line.rstrip("\n").split("\t")
    if job[0] == "seal":
        seal(*job[1:])
    else:
        with open(job[1], "rb") as f:
            cv, reason = verdict(crlf(f.read()))
        print("cv=" + cv, flush=True)
        if cv != "pass":
            print(job[1] + ": " + str(reason), file=sys.stderr)
EOF

# Keys, once: RSA 2048 and Ed25519 (dkimpy takes its seed), and an RSA
# key that is published where the signer's should be
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/rsa.pem" 2>/dev/null
openssl genpkey -algorithm ED25519 -out "$T/ed.pem" 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$T/other.pem" 2>/dev/null
openssl pkey -in "$T/ed.pem" -outform DER | tail -c 32 | base64 -w0 >"$T/ed.seed"
RSA_P=$(openssl pkey -in "$T/rsa.pem" -pubout -outform DER | base64 -w0)
ED_P=$(openssl pkey -in "$T/ed.pem" -pubout -outform DER | tail -c 32 | base64 -w0)
OTHER_P=$(openssl pkey -in "$T/other.pem" -pubout -outform DER | base64 -w0)
[ -n "$RSA_P" ] && [ -n "$ED_P" ] && [ -n "$OTHER_P" ] || tmx_die "key generation failed"

{
	for d in a b c d e; do
		echo "ZONE $d.example"
		echo "TXT rsa._domainkey.$d.example v=DKIM1; k=rsa; p=$RSA_P"
		echo "TXT ed._domainkey.$d.example v=DKIM1; k=ed25519; p=$ED_P"
	done
	echo "TXT revoked._domainkey.a.example v=DKIM1; k=rsa; p="
	echo "TXT wrong._domainkey.a.example v=DKIM1; k=rsa; p=$OTHER_P"
	echo "DELEGATE slow.example 127.0.0.99"
} | tmx_dns_zone
tmx_dns_silent 127.0.0.99 || tmx_die "no silent DNS server"
tmx_dns_start "timeout:1 attempts:1" || tmx_die "dnsmasq did not start"

printf '%s\r\n' \
	'From: Alice <alice@origin.example>' \
	'To: bob@dest.example' \
	'Subject: ARC interop' \
	'Date: Thu, 04 Dec 2025 10:00:00 +0000' \
	'Message-ID: <interop-1@origin.example>' \
	'MIME-Version: 1.0' \
	'Content-Type: text/plain' \
	'' \
	'Hello,  world.   ' \
	"	tabs	and  spaces	" \
	'' \
	'.' \
	'' '' >"$T/base.eml"

# dk_job IN OUT DOMAIN ALG [FOOTER] - a dkimpy hop as a dk.py job line
dk_job() {
	local key=$T/rsa.pem a=rsa-sha256
	[ "$4" = ed ] && key=$T/ed.seed a=ed25519-sha256
	printf 'seal\t%s\t%s\t%s.example\t%s\t%s\t%s%s\n' "$1" "$2" "$3" "$4" \
		"$key" "$a" "${5:+	$5}"
}

# hop KIND DOMAIN ALG IN OUT - one ARC hop: KIND tm or dk, ALG rsa or ed
# (the selector and key), domain DOMAIN.example
hop() {
	if [ "$1" = tm ]; then
		"$TRUSTMX" arc seal --domain "$2.example" --selector "$3" \
			--key "$T/$3.pem" --authserv-id "mx.$2.example" <"$4" >"$5"
	else
		dk_job "$4" "$5" "$2" "$3" | "$PY" "$T/dk.py"
	fi
}

# chain OUT HOP... - seal base.eml hop by hop ("tm:a:rsa dk:b:ed ..."),
# each hop's output in OUT.1, OUT.2, ..., the last in OUT
chain() {
	local out=$1 cur=$T/base.eml i=0 kind d alg
	shift
	for h in "$@"; do
		IFS=: read -r kind d alg <<<"$h"
		i=$((i + 1))
		hop "$kind" "$d" "$alg" "$cur" "$out.$i" || return 1
		cur=$out.$i
	done
	cp "$cur" "$out"
}

# record NAME WANT GOT - one case: a check and a row of the table
record() {
	if [ "$2" = "$3" ]; then
		tmx_pass "$1: $3"
		CASES+=("$1|$2|ok")
	else
		tmx_fail "$1: got \"$3\", want \"$2\""
		CASES+=("$1|$2|FAIL: $3")
	fi
}

# both NAME FILE WANT - trustmx's verdict now; dkimpy's queued for
# dk_verify_all (on a copy: some files are rewritten later)
DKQ=()
both() {
	record "$1 [trustmx]" "cv=$3" "$("$TRUSTMX" arc verify <"$2" 2>/dev/null)"
	cp "$2" "$T/dkq.${#DKQ[@]}"
	DKQ+=("$1|$T/dkq.${#DKQ[@]}|$3")
}

# dk_verify_all - dkimpy's verdicts on everything queued, one process
dk_verify_all() {
	local q name file want i=0
	local -a res
	for q in "${DKQ[@]}"; do
		IFS='|' read -r name file want <<<"$q"
		printf 'verify\t%s\n' "$file"
	done | "$PY" "$T/dk.py" >"$T/dk.out" 2>"$T/dk.err"
	mapfile -t res <"$T/dk.out"
	for q in "${DKQ[@]}"; do
		IFS='|' read -r name file want <<<"$q"
		record "$name [dkimpy]" "cv=$want" "${res[$i]:-(no answer)}"
		i=$((i + 1))
	done
}

# json FILE FILTER - a field of trustmx's --json verdict
json() {
	"$TRUSTMX" arc verify --json <"$1" 2>/dev/null | jq -c -r "$2"
}

# --- dkimpy seals, trustmx verifies (and dkimpy agrees) ---
# every dkimpy-only chain in one Python process, the mailing list's too:
# it adds a footer to the body after checking, breaking the older AMS
{
	for alg in rsa ed; do
		dk_job "$T/base.eml" "$T/dk-$alg-1" a $alg
		dk_job "$T/dk-$alg-1" "$T/dk-$alg-2" b $alg
		dk_job "$T/dk-$alg-2" "$T/dk-$alg-3" c $alg
	done
	dk_job "$T/base.eml" "$T/list.1" a rsa
	dk_job "$T/list.1" "$T/list.2" b ed "-- list footer"
} | "$PY" "$T/dk.py" || tmx_fail "dkimpy sealing"
for alg in rsa ed; do
	for n in 1 2 3; do
		both "dkimpy seals $alg x$n" "$T/dk-$alg-$n" pass
	done
done
record "dkimpy x3: trustmx sees 3 sets, sealers a b c" "3 a.example b.example c.example" \
	"$(json "$T/dk-rsa-3" '"\(.nsets) \([.sets[].domain] | join(" "))"')"
both "list footer after hop 1 (dkimpy)" "$T/list.2" pass
record "list footer: oldest_pass, AMS 1 and 2" "2 false true" \
	"$(json "$T/list.2" '"\(.oldest_pass) \(.sets[0].ams_pass) \(.sets[1].ams_pass)"')"

# --- trustmx seals, dkimpy verifies (and trustmx agrees) ---
for alg in rsa ed; do
	chain "$T/tm-$alg" "tm:a:$alg" "tm:b:$alg" "tm:c:$alg" || tmx_fail "trustmx sealing ($alg)"
	for n in 1 2 3; do
		both "trustmx seals $alg x$n" "$T/tm-$alg.$n" pass
	done
done
record "trustmx x3: cv per set, oldest_pass" "none pass pass 0" \
	"$(json "$T/tm-ed" '"\([.sets[].cv] | join(" ")) \(.oldest_pass)"')"
hop tm c rsa "$T/list.2" "$T/list.3" && both "trustmx seals over the list's chain" "$T/list.3" pass

# --- mixed chains ---
chain "$T/mix-1" "dk:a:rsa" "tm:b:ed" && both "dkimpy rsa, then trustmx ed" "$T/mix-1" pass
chain "$T/mix-2" "tm:a:rsa" "dk:b:ed" && both "trustmx rsa, then dkimpy ed" "$T/mix-2" pass
chain "$T/mix-3" "dk:a:ed" "tm:b:rsa" "dk:c:rsa" "tm:d:ed" &&
	both "dkimpy ed, trustmx rsa, dkimpy rsa, trustmx ed" "$T/mix-3" pass
# LF line ends, as a Maildir file has them
tr -d '\r' <"$T/mix-2" >"$T/mix-lf"
hop tm c ed "$T/mix-lf" "$T/mix-lf.out" && both "LF-only message, trustmx 3rd hop" "$T/mix-lf.out" pass

# --- broken chains ---
sed 's/^Hello,  world/Hello,  World/' "$T/tm-rsa.2" >"$T/bad-body"
both "tampered body" "$T/bad-body" fail
record "tampered body: reason" "the body hash does not match the ARC-Message-Signature (bh=)" \
	"$(json "$T/bad-body" .reason)"
sed 's/^Subject: ARC interop/Subject: ARC interop!/' "$T/dk-ed-2" >"$T/bad-subject"
both "tampered signed header (Subject)" "$T/bad-subject" fail
record "tampered Subject: reason" "the ARC-Message-Signature does not verify" \
	"$(json "$T/bad-subject" .reason)"
# a set removed: drop the ARC fields i=1 of a 2-set chain
awk '/^[^ \t]/{skip=0} /^ARC-[A-Za-z-]*: i=1;/{skip=1} !skip' "$T/tm-rsa.2" >"$T/gap"
both "set i=1 removed" "$T/gap" fail
record "set i=1 removed: reason" "an ARC set is missing or incomplete" "$(json "$T/gap" .reason)"
# a set duplicated: ARC-Seal i=1 twice
{ awk '/^[^ \t]/{p=0} /^ARC-Seal: i=1;/{p=1} p' "$T/tm-rsa.2"; cat "$T/tm-rsa.2"; } >"$T/dup"
both "ARC-Seal i=1 duplicated" "$T/dup" fail
record "ARC-Seal i=1 duplicated: reason" "two ARC header fields of one kind share an instance" \
	"$(json "$T/dup" .reason)"
# renumbered: the newest set claims i=3 (a gap at 2)
sed '1,/^Authentication-Results/s/^\(ARC-[A-Za-z-]*\): i=2;/\1: i=3;/' "$T/tm-ed.2" >"$T/renum"
both "newest set renumbered i=3 (gap)" "$T/renum" fail
# garbage tags in the newest ARC-Seal; an unknown cv=
sed '1s/^ARC-Seal: i=2;/ARC-Seal: i=2; ;;garbage==;/' "$T/tm-ed.2" >"$T/garbage"
both "garbage tags in ARC-Seal i=2" "$T/garbage" fail
record "garbage tags: reason" "an ARC-Seal or ARC-Message-Signature is not a tag list" \
	"$(json "$T/garbage" .reason)"
sed '1s/cv=pass;/cv=maybe;/' "$T/tm-ed.2" >"$T/badcv"
both "ARC-Seal cv=maybe" "$T/badcv" fail

# cv=fail: a hop that found the chain broken seals cv=fail, which ends it
hop dk d rsa "$T/bad-body" "$T/cvfail" && both "dkimpy sealed cv=fail on top" "$T/cvfail" fail
record "cv=fail on top: reason" "the newest ARC-Seal says cv=fail" "$(json "$T/cvfail" .reason)"
hop tm e rsa "$T/cvfail" /dev/null 2>/dev/null
record "trustmx refuses to seal over cv=fail: exit" 1 "$?"
hop tm d ed "$T/bad-body" "$T/tmfail" 2>/dev/null
record "trustmx seals a broken chain with cv=fail: exit, cv, i" "0 fail 3" \
	"$? $(json "$T/tmfail" '"\(.sets[-1].cv) \(.sets[-1].instance)"')"
both "trustmx's cv=fail seal ends the chain" "$T/tmfail" fail
hop tm e ed "$T/tmfail" /dev/null 2>/dev/null
record "trustmx refuses to seal over its own cv=fail: exit" 1 "$?"

# keys: none there, revoked, not the signer's, unreachable
seal_as() { # SELECTOR DOMAIN OUT
	"$TRUSTMX" arc seal --domain "$2" --selector "$1" --key "$T/rsa.pem" \
		--authserv-id "mx.$2" <"$T/base.eml" >"$3"
}
seal_as gone a.example "$T/nokey"
both "key not found (NXDOMAIN)" "$T/nokey" fail
record "key not found: temperror, reason" "false no key record (NXDOMAIN)" \
	"$(json "$T/nokey" '"\(.temperror) \(.reason)"')"
seal_as revoked a.example "$T/revoked"
both "revoked key (empty p=)" "$T/revoked" fail
seal_as wrong a.example "$T/wrongkey"
both "published key is not the signer's" "$T/wrongkey" fail
seal_as rsa slow.example "$T/slow"
t0=$(date +%s%N)
record "DNS timeout: cv, temperror" "fail true" "$(json "$T/slow" '"\(.cv) \(.temperror)"')"
ms=$((($(date +%s%N) - t0) / 1000000))
record "DNS timeout: verdict within 3 s" yes "$([ "$ms" -lt 3000 ] && echo yes || echo "no, $ms ms")"
hop tm b rsa "$T/slow" /dev/null 2>/dev/null
record "DNS timeout: trustmx does not seal: exit" 1 "$?"

# 50 sets pass in both, a 51st is refused, a message with 51 fails
cur=$T/base.eml
doms=(a b c d e)
for i in $(seq 1 50); do
	hop tm "${doms[$((i % 5))]}" ed "$cur" "$T/long.$i" || break
	cur=$T/long.$i
done
both "50 sets sealed by trustmx" "$T/long.50" pass
hop tm a ed "$T/long.50" /dev/null 2>/dev/null
record "a 51st set is refused: exit" 1 "$?"
{ awk '/^[^ \t]/{p=0} /^ARC-[A-Za-z-]*: i=50;/{p=1} p' "$T/long.50" | sed 's/i=50;/i=51;/'
  cat "$T/long.50"; } >"$T/long.51"
both "51 sets" "$T/long.51" fail
record "51 sets: reason" "more than 50 ARC sets" "$(json "$T/long.51" .reason)"

dk_verify_all

# --- the table ---
ms=$((($(date +%s%N) - START) / 1000000))
echo
printf '%-58s %-24s %s\n' CASE WANT RESULT
for c in "${CASES[@]}"; do
	IFS='|' read -r name want ok <<<"$c"
	[ ${#want} -gt 24 ] && want="${want:0:21}..."
	printf '%-58s %-24s %s\n' "$name" "$want" "$ok"
done
echo "arc-interop: ${#CASES[@]} cases in $((ms / 1000)).$((ms % 1000 / 100)) s"
tmx_finish
