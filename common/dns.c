/*
 * dns.c - blocking DNS lookups for spf: expansion: res_nquery with a res_state
 * of the call's own (thread-safe, resolv.conf re-read each call), answers
 * parsed with ns_initparse into records the caller owns.
 */
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"

/* Large enough for any answer, including one that fell back to TCP. */
#define DNS_ANSWER_MAX 65536

/* dns_status_str - a word for logs and error messages */
const char *
dns_status_str(enum dns_status status)
{
	switch (status) {
	case DNS_OK:
		return "answer";
	case DNS_NODATA:
		return "NODATA";
	case DNS_NXDOMAIN:
		return "NXDOMAIN";
	case DNS_TEMPFAIL:
		return "temporary failure";
	case DNS_BADNAME:
		return "invalid name";
	}
	return "unknown";
}

/* dns_type_str - the record type's mnemonic */
const char *
dns_type_str(enum dns_type type)
{
	switch (type) {
	case DNS_TYPE_A:
		return "A";
	case DNS_TYPE_MX:
		return "MX";
	case DNS_TYPE_TXT:
		return "TXT";
	case DNS_TYPE_AAAA:
		return "AAAA";
	}
	return "?";
}

/*
 * dns_name_valid - labels of 1-63 visible characters (no backslash, which
 * dn_comp would read as an escape), at most 253 in all, one optional
 * trailing dot.
 */
int
dns_name_valid(const char *name)
{
	size_t len = strlen(name), label = 0, i;

	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0 || len > 253)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c == '.') {
			if (label == 0)
				return 0;
			label = 0;
			continue;
		}
		if (c <= 0x20 || c >= 0x7f || c == '\\')
			return 0;
		if (++label > 63)
			return 0;
	}
	return 1;
}

/* dns_answer_free - release the records and reset the answer */
void
dns_answer_free(struct dns_answer *ans)
{
	size_t i;

	for (i = 0; i < ans->count; i++)
		free(ans->records[i].text);
	free(ans->records);
	ans->records = NULL;
	ans->count = 0;
}

/* dns_fail - set a status without records */
static enum dns_status
dns_fail(struct dns_answer *ans, enum dns_status status, const char *reason)
{
	dns_answer_free(ans);
	ans->status = status;
	ans->reason = reason;
	return status;
}

/* dns_failure_kind - what res_nquery's -1 meant, from h_errno and the reply */
static enum dns_status
dns_failure_kind(const struct __res_state *st, const uint8_t *buf,
		 const char **reason_r)
{
	/* buf holds the reply when one came (the header was zeroed before) */
	int replied = (buf[2] & 0x80) != 0;
	int rcode = buf[3] & 0x0f;

	switch (st->res_h_errno) {
	case HOST_NOT_FOUND:
		*reason_r = "no such name";
		return DNS_NXDOMAIN;
	case NO_DATA:
		*reason_r = "no record of that type";
		return DNS_NODATA;
	case NO_RECOVERY:
		*reason_r = replied && rcode == ns_r_refused ? "server REFUSED" :
			"server failure (FORMERR or NOTIMP)";
		return DNS_TEMPFAIL;
	default:
		*reason_r = replied && rcode == ns_r_servfail ? "SERVFAIL" :
			"timeout or no server answered";
		return DNS_TEMPFAIL;
	}
}

/* dns_text_join - TXT rdata: character-strings concatenated, no separator */
static int
dns_text_join(const uint8_t *rdata, size_t rdlen, struct dns_record *rec)
{
	size_t pos = 0, out = 0;
	char *text;

	if ((text = malloc(rdlen + 1)) == NULL)
		return -1;
	while (pos < rdlen) {
		size_t n = rdata[pos++];

		if (n > rdlen - pos) {
			free(text);
			return -1;
		}
		memcpy(text + out, rdata + pos, n);
		out += n;
		pos += n;
	}
	text[out] = '\0';
	rec->text = text;
	rec->textlen = out;
	return 0;
}

/* dns_record_parse - one answer RR of the type asked into rec; -1 if malformed */
static int
dns_record_parse(ns_msg *msg, ns_rr *rr, enum dns_type type,
		 struct dns_record *rec)
{
	const uint8_t *rdata = ns_rr_rdata(*rr);
	size_t rdlen = ns_rr_rdlen(*rr);
	char host[NS_MAXDNAME];

	memset(rec, 0, sizeof(*rec));
	rec->ttl = ns_rr_ttl(*rr);
	switch (type) {
	case DNS_TYPE_A:
		if (rdlen != 4)
			return -1;
		rec->addr.family = 4;
		memcpy(rec->addr.bytes, rdata, 4);
		return 0;
	case DNS_TYPE_AAAA:
		if (rdlen != 16)
			return -1;
		rec->addr.family = 6;
		memcpy(rec->addr.bytes, rdata, 16);
		return 0;
	case DNS_TYPE_TXT:
		return dns_text_join(rdata, rdlen, rec);
	case DNS_TYPE_MX:
		if (rdlen < 3)
			return -1;
		rec->preference = (uint16_t)(rdata[0] << 8 | rdata[1]);
		if (dn_expand(ns_msg_base(*msg), ns_msg_end(*msg), rdata + 2,
			      host, sizeof(host)) < 0)
			return -1;
		if ((rec->text = strdup(host)) == NULL)
			return -1;
		rec->textlen = strlen(host);
		return 0;
	}
	return -1;
}

/* dns_answer_parse - the answer section's records of type into ans */
static enum dns_status
dns_answer_parse(const uint8_t *buf, size_t len, enum dns_type type,
		 struct dns_answer *ans)
{
	ns_msg msg;
	ns_rr rr;
	int i, n;

	if (ns_initparse(buf, (int)len, &msg) < 0)
		return dns_fail(ans, DNS_TEMPFAIL, "malformed answer");
	n = ns_msg_count(msg, ns_s_an);
	if (n > 0 && (ans->records = calloc((size_t)n, sizeof(*ans->records))) == NULL)
		return dns_fail(ans, DNS_TEMPFAIL, "out of memory");
	for (i = 0; i < n; i++) {
		struct dns_record *rec = &ans->records[ans->count];

		if (ns_parserr(&msg, ns_s_an, i, &rr) < 0)
			return dns_fail(ans, DNS_TEMPFAIL, "malformed answer");
		/* a CNAME chain comes before the records it leads to */
		if (ns_rr_class(rr) != ns_c_in || (int)ns_rr_type(rr) != (int)type)
			continue;
		if (dns_record_parse(&msg, &rr, type, rec) < 0)
			return dns_fail(ans, DNS_TEMPFAIL, "malformed record");
		if (ans->count == 0 || rec->ttl < ans->min_ttl)
			ans->min_ttl = rec->ttl;
		ans->count++;
	}
	if (ans->count == 0)
		return dns_fail(ans, DNS_NODATA, "no record of that type");
	ans->status = DNS_OK;
	return DNS_OK;
}

/* dns_lookup - one query with its own resolver state */
enum dns_status
dns_lookup(const char *name, enum dns_type type, struct dns_answer *ans_r)
{
	struct __res_state st;
	enum dns_status status;
	uint8_t *buf;
	int n;

	memset(ans_r, 0, sizeof(*ans_r));
	if (!dns_name_valid(name))
		return dns_fail(ans_r, DNS_BADNAME, "invalid domain name");
	if ((buf = calloc(1, DNS_ANSWER_MAX)) == NULL)
		return dns_fail(ans_r, DNS_TEMPFAIL, "out of memory");
	memset(&st, 0, sizeof(st));
	if (res_ninit(&st) < 0) {
		free(buf);
		return dns_fail(ans_r, DNS_TEMPFAIL, "resolver initialisation failed");
	}
	n = res_nquery(&st, name, ns_c_in, (int)type, buf, DNS_ANSWER_MAX);
	if (n < 0) {
		const char *reason;

		status = dns_failure_kind(&st, buf, &reason);
		dns_fail(ans_r, status, reason);
	} else {
		status = dns_answer_parse(buf, n < DNS_ANSWER_MAX ? (size_t)n :
					  DNS_ANSWER_MAX, type, ans_r);
	}
	res_nclose(&st);
	free(buf);
	return status;
}

/* dns_name_equal - see dns.h */
bool
dns_name_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la > 0 && a[la - 1] == '.')
		la--;
	if (lb > 0 && b[lb - 1] == '.')
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}
