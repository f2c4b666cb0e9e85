/*
 * dns_answer.h - private to dns/: turning what libunbound returns into a
 * struct dns_answer, and the rdata readers behind it (unit-tested alone).
 */
#ifndef TMX_DNS_ANSWER_H
#define TMX_DNS_ANSWER_H

#include <unbound.h>

#include "dns.h"

#define DNS_NAME_TEXT_MAX	1025	/* 255 octets, each up to "\DDD" */

/*
 * dns_answer_fill - ans (zeroed by the caller) from ub_resolve's err and
 * res (may be NULL when err is set); copies what it keeps, so the caller
 * frees res. Returns ans->status.
 */
enum dns_status dns_answer_fill(struct dns_answer *ans, enum dns_type type,
				int err, const struct ub_result *res);

/* dns_answer_fail - no records, status and a static reason */
enum dns_status dns_answer_fail(struct dns_answer *ans,
				enum dns_status status, const char *reason);

/*
 * dns_rdata_name - the uncompressed wire name at rdata[*pos] as text
 * (dn_expand's escaping, no trailing dot, "." for the root); advances
 * *pos. 0, or -1 if it runs past rdlen, is compressed or too long.
 */
int dns_rdata_name(const uint8_t *rdata, size_t rdlen, size_t *pos,
		   char *out, size_t size);

/*
 * dns_record_parse - one record's fields from its rdata (names
 * uncompressed, as libunbound hands them over); 0, or -1 if malformed or
 * out of memory. rec is zeroed first; free with dns_answer_free's rules.
 */
int dns_record_parse(struct dns_record *rec, enum dns_type type,
		     const uint8_t *rdata, size_t rdlen, uint32_t ttl);

/*
 * dns_packet_negative_ttl - how long a negative reply message may be
 * cached: the authority SOA's TTL or MINIMUM, whichever is smaller.
 * 1 and *ttl_r set, 0 if there is no SOA, -1 if the message is malformed.
 */
int dns_packet_negative_ttl(const uint8_t *pkt, size_t len, uint32_t *ttl_r);

#endif
