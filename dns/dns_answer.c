/*
 * dns_answer.c - a libunbound result as a struct dns_answer: the status
 * (NXDOMAIN and NODATA apart, every failure a TEMPFAIL), DNSSEC's verdict,
 * the records' fields read from their rdata, and a copy of the reply.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns_answer.h"

#define DNS_RCODE_NOERROR	0
#define DNS_RCODE_FORMERR	1
#define DNS_RCODE_SERVFAIL	2
#define DNS_RCODE_NXDOMAIN	3
#define DNS_RCODE_REFUSED	5

/* dns_get16 - a big-endian 16-bit field */
static uint16_t
dns_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* dns_get32 - a big-endian 32-bit field */
static uint32_t
dns_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* dns_answer_free - release the records and everything copied */
void
dns_answer_free(struct dns_answer *ans)
{
	size_t i;

	for (i = 0; i < ans->count; i++) {
		free(ans->records[i].text);
		free(ans->records[i].rdata);
	}
	free(ans->records);
	free(ans->canonname);
	free(ans->packet);
	if (ans->reason_buf != NULL && ans->reason == ans->reason_buf)
		ans->reason = NULL;
	free(ans->reason_buf);
	ans->records = NULL;
	ans->count = 0;
	ans->canonname = NULL;
	ans->packet = NULL;
	ans->packetlen = 0;
	ans->reason_buf = NULL;
}

/* dns_answer_fail - see dns_answer.h */
enum dns_status
dns_answer_fail(struct dns_answer *ans, enum dns_status status,
		const char *reason)
{
	size_t i;

	for (i = 0; i < ans->count; i++) {
		free(ans->records[i].text);
		free(ans->records[i].rdata);
	}
	free(ans->records);
	ans->records = NULL;
	ans->count = 0;
	ans->min_ttl = 0;
	ans->status = status;
	ans->reason = reason;
	return status;
}

/* dns_name_char - one label byte as dn_expand writes it; the length */
static size_t
dns_name_char(uint8_t c, char *out)
{
	if (strchr("\".;\\()@$", c) != NULL && c != '\0') {
		out[0] = '\\';
		out[1] = (char)c;
		return 2;
	}
	if (c > 0x20 && c < 0x7f) {
		out[0] = (char)c;
		return 1;
	}
	snprintf(out, 5, "\\%03u", (unsigned)c);
	return 4;
}

/* dns_rdata_name - see dns_answer.h */
int
dns_rdata_name(const uint8_t *rdata, size_t rdlen, size_t *pos, char *out,
	       size_t size)
{
	size_t p = *pos, o = 0, wire = 0;
	char esc[5];

	if (size < 2)
		return -1;
	for (;;) {
		size_t len, i;

		if (p >= rdlen)
			return -1;
		len = rdata[p++];
		wire += len + 1;
		if (len > 63 || wire > 255)
			return -1;	/* a pointer or a reserved label type */
		if (len == 0)
			break;
		if (len > rdlen - p)
			return -1;
		if (o > 0)
			out[o++] = '.';
		for (i = 0; i < len; i++) {
			size_t n = dns_name_char(rdata[p + i], esc);

			if (o + n + 2 > size)
				return -1;
			memcpy(out + o, esc, n);
			o += n;
		}
		p += len;
	}
	if (o == 0)
		out[o++] = '.';
	out[o] = '\0';
	*pos = p;
	return 0;
}

/* dns_record_text - give rec a copy of the n bytes at text */
static int
dns_record_text(struct dns_record *rec, const char *text, size_t n)
{
	if ((rec->text = malloc(n + 1)) == NULL)
		return -1;
	memcpy(rec->text, text, n);
	rec->text[n] = '\0';
	rec->textlen = n;
	return 0;
}

/* dns_record_txt - TXT rdata: character-strings concatenated */
static int
dns_record_txt(struct dns_record *rec, const uint8_t *rdata, size_t rdlen)
{
	size_t pos = 0, out = 0;

	if ((rec->text = malloc(rdlen + 1)) == NULL)
		return -1;
	while (pos < rdlen) {
		size_t n = rdata[pos++];

		if (n > rdlen - pos)
			return -1;
		memcpy(rec->text + out, rdata + pos, n);
		out += n;
		pos += n;
	}
	rec->text[out] = '\0';
	rec->textlen = out;
	return 0;
}

/* dns_record_soa - SOA rdata as one line of presentation text */
static int
dns_record_soa(struct dns_record *rec, const uint8_t *rdata, size_t rdlen)
{
	char mname[DNS_NAME_TEXT_MAX], rname[DNS_NAME_TEXT_MAX];
	char text[2 * DNS_NAME_TEXT_MAX + 64];
	size_t pos = 0;
	int n;

	if (dns_rdata_name(rdata, rdlen, &pos, mname, sizeof(mname)) < 0 ||
	    dns_rdata_name(rdata, rdlen, &pos, rname, sizeof(rname)) < 0 ||
	    rdlen - pos != 20)
		return -1;
	n = snprintf(text, sizeof(text), "%s %s %u %u %u %u %u", mname, rname,
	    dns_get32(rdata + pos), dns_get32(rdata + pos + 4),
	    dns_get32(rdata + pos + 8), dns_get32(rdata + pos + 12),
	    dns_get32(rdata + pos + 16));
	if (n < 0 || (size_t)n >= sizeof(text))
		return -1;
	return dns_record_text(rec, text, (size_t)n);
}

/* dns_record_fields - the type's fields from rdata into rec */
static int
dns_record_fields(struct dns_record *rec, enum dns_type type,
		  const uint8_t *rdata, size_t rdlen)
{
	char name[DNS_NAME_TEXT_MAX];
	size_t pos = 0;

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
		return dns_record_txt(rec, rdata, rdlen);
	case DNS_TYPE_MX:
		if (rdlen < 3)
			return -1;
		rec->preference = dns_get16(rdata);
		pos = 2;
		/* FALLTHROUGH */
	case DNS_TYPE_NS:
	case DNS_TYPE_CNAME:
	case DNS_TYPE_PTR:
		if (dns_rdata_name(rdata, rdlen, &pos, name, sizeof(name)) < 0 ||
		    pos != rdlen)
			return -1;
		return dns_record_text(rec, name, strlen(name));
	case DNS_TYPE_SOA:
		return dns_record_soa(rec, rdata, rdlen);
	default:
		return 0;	/* TLSA and the rest: rdata only */
	}
}

/* dns_record_parse - see dns_answer.h */
int
dns_record_parse(struct dns_record *rec, enum dns_type type,
		 const uint8_t *rdata, size_t rdlen, uint32_t ttl)
{
	memset(rec, 0, sizeof(*rec));
	rec->ttl = ttl;
	if ((rec->rdata = malloc(rdlen > 0 ? rdlen : 1)) == NULL)
		return -1;
	if (rdlen > 0)
		memcpy(rec->rdata, rdata, rdlen);
	rec->rdlen = rdlen;
	if (dns_record_fields(rec, type, rdata, rdlen) < 0) {
		free(rec->text);
		free(rec->rdata);
		memset(rec, 0, sizeof(*rec));
		return -1;
	}
	return 0;
}

/* dns_answer_records - the answer RRset's records into ans */
static enum dns_status
dns_answer_records(struct dns_answer *ans, enum dns_type type,
		   const struct ub_result *res, uint32_t ttl)
{
	size_t n = 0, i;

	while (res->data[n] != NULL)
		n++;
	if ((ans->records = calloc(n, sizeof(*ans->records))) == NULL)
		return dns_answer_fail(ans, DNS_TEMPFAIL, "out of memory");
	for (i = 0; i < n; i++) {
		if (res->len[i] < 0 || dns_record_parse(&ans->records[i], type,
		    (const uint8_t *)res->data[i], (size_t)res->len[i],
		    ttl) < 0)
			return dns_answer_fail(ans, DNS_TEMPFAIL,
			    "malformed record");
		ans->count++;
	}
	ans->min_ttl = ttl;
	ans->status = DNS_OK;
	return DNS_OK;
}

/* dns_answer_bogus - TEMPFAIL with libunbound's why_bogus as the reason */
static enum dns_status
dns_answer_bogus(struct dns_answer *ans, const struct ub_result *res)
{
	ans->security = DNS_BOGUS;
	if (res->why_bogus != NULL &&
	    (ans->reason_buf = strdup(res->why_bogus)) != NULL)
		return dns_answer_fail(ans, DNS_TEMPFAIL, ans->reason_buf);
	return dns_answer_fail(ans, DNS_TEMPFAIL, "DNSSEC validation failed");
}

/* dns_answer_copy - the reply message and the canonical name, copied */
static int
dns_answer_copy(struct dns_answer *ans, const struct ub_result *res)
{
	size_t len;

	if (res->answer_packet != NULL && res->answer_len > 0) {
		ans->packetlen = (size_t)res->answer_len;
		if ((ans->packet = malloc(ans->packetlen)) == NULL)
			return -1;
		memcpy(ans->packet, res->answer_packet, ans->packetlen);
	}
	if (res->canonname != NULL) {
		if ((ans->canonname = strdup(res->canonname)) == NULL)
			return -1;
		len = strlen(ans->canonname);
		if (len > 1 && ans->canonname[len - 1] == '.')
			ans->canonname[len - 1] = '\0';
	}
	return 0;
}

/* dns_answer_negative - the negative TTL from the reply's SOA, if any */
static void
dns_answer_negative(struct dns_answer *ans)
{
	uint32_t ttl;

	if (ans->packet != NULL &&
	    dns_packet_negative_ttl(ans->packet, ans->packetlen, &ttl) == 1)
		ans->negative_ttl = ttl;
}

/* dns_answer_fill - see dns_answer.h */
enum dns_status
dns_answer_fill(struct dns_answer *ans, enum dns_type type, int err,
		const struct ub_result *res)
{
	uint32_t ttl;

	if (err != 0 || res == NULL)
		return dns_answer_fail(ans, DNS_TEMPFAIL, ub_strerror(err));
	if (dns_answer_copy(ans, res) < 0)
		return dns_answer_fail(ans, DNS_TEMPFAIL, "out of memory");
	if (res->bogus)
		return dns_answer_bogus(ans, res);
	ans->security = res->secure ? DNS_SECURE : DNS_INSECURE;
	ttl = res->ttl > 0 ? (uint32_t)res->ttl : 0;
	switch (res->rcode) {
	case DNS_RCODE_NOERROR:
		if (res->havedata && res->data != NULL && res->data[0] != NULL)
			return dns_answer_records(ans, type, res, ttl);
		dns_answer_negative(ans);
		return dns_answer_fail(ans, DNS_NODATA,
		    "no record of that type");
	case DNS_RCODE_NXDOMAIN:
		dns_answer_negative(ans);
		return dns_answer_fail(ans, DNS_NXDOMAIN, "no such name");
	case DNS_RCODE_SERVFAIL:
		return dns_answer_fail(ans, DNS_TEMPFAIL,
		    "SERVFAIL (or no server answered)");
	case DNS_RCODE_REFUSED:
		return dns_answer_fail(ans, DNS_TEMPFAIL, "server REFUSED");
	case DNS_RCODE_FORMERR:
		return dns_answer_fail(ans, DNS_TEMPFAIL, "server FORMERR");
	default:
		return dns_answer_fail(ans, DNS_TEMPFAIL,
		    "server failure (unexpected rcode)");
	}
}
