/*
 * dns_packet.c - the little read from a whole reply message that the
 * answer needs beyond libunbound's result: the negative TTL of NXDOMAIN
 * and NODATA, from the SOA in the authority section (RFC 2308 section 5).
 * libunbound's own result TTL is no help there: without an SOA it holds
 * the EDNS OPT record's flags (32768 with the DO bit).
 */
#include "dns_answer.h"

#define DNS_HEADER_LEN		12
#define DNS_RR_FIXED_LEN	10	/* type, class, TTL, RDLENGTH */
#define DNS_SOA_FIXED_LEN	20	/* serial, refresh, retry, expire, min */
#define DNS_LABELS_MAX		128

/* dns_packet_get16 - a big-endian 16-bit field */
static uint16_t
dns_packet_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* dns_packet_get32 - a big-endian 32-bit field */
static uint32_t
dns_packet_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* dns_packet_skip_name - past a (possibly compressed) owner name */
static int
dns_packet_skip_name(const uint8_t *pkt, size_t len, size_t *pos)
{
	size_t p = *pos;
	int labels;

	for (labels = 0; labels < DNS_LABELS_MAX; labels++) {
		uint8_t c;

		if (p >= len)
			return -1;
		c = pkt[p];
		if (c == 0) {
			*pos = p + 1;
			return 0;
		}
		if ((c & 0xc0) == 0xc0) {
			if (len - p < 2)
				return -1;
			*pos = p + 2;
			return 0;
		}
		if ((c & 0xc0) != 0)
			return -1;
		p += 1 + (size_t)c;
	}
	return -1;
}

/* dns_packet_skip_rr - past one resource record; its type and TTL */
static int
dns_packet_skip_rr(const uint8_t *pkt, size_t len, size_t *pos,
		   uint16_t *type_r, uint32_t *ttl_r, size_t *rdata_r,
		   size_t *rdlen_r)
{
	size_t p = *pos, rdlen;

	if (dns_packet_skip_name(pkt, len, &p) < 0 ||
	    len - p < DNS_RR_FIXED_LEN)
		return -1;
	*type_r = dns_packet_get16(pkt + p);
	*ttl_r = dns_packet_get32(pkt + p + 4);
	rdlen = dns_packet_get16(pkt + p + 8);
	p += DNS_RR_FIXED_LEN;
	if (rdlen > len - p)
		return -1;
	*rdata_r = p;
	*rdlen_r = rdlen;
	*pos = p + rdlen;
	return 0;
}

/* dns_packet_negative_ttl - see dns_answer.h */
int
dns_packet_negative_ttl(const uint8_t *pkt, size_t len, uint32_t *ttl_r)
{
	size_t pos = DNS_HEADER_LEN, rdata, rdlen;
	unsigned qd, an, ns, i;
	uint16_t type;
	uint32_t ttl, minimum;

	if (len < DNS_HEADER_LEN)
		return -1;
	qd = dns_packet_get16(pkt + 4);
	an = dns_packet_get16(pkt + 6);
	ns = dns_packet_get16(pkt + 8);
	for (i = 0; i < qd; i++) {
		if (dns_packet_skip_name(pkt, len, &pos) < 0 || len - pos < 4)
			return -1;
		pos += 4;
	}
	for (i = 0; i < an; i++)
		if (dns_packet_skip_rr(pkt, len, &pos, &type, &ttl, &rdata,
		    &rdlen) < 0)
			return -1;
	for (i = 0; i < ns; i++) {
		if (dns_packet_skip_rr(pkt, len, &pos, &type, &ttl, &rdata,
		    &rdlen) < 0)
			return -1;
		if (type != DNS_TYPE_SOA)
			continue;
		/* MINIMUM is the last field, after two (compressed) names */
		if (rdlen < DNS_SOA_FIXED_LEN + 2)
			return -1;
		minimum = dns_packet_get32(pkt + rdata + rdlen - 4);
		*ttl_r = ttl < minimum ? ttl : minimum;
		return 1;
	}
	return 0;
}
