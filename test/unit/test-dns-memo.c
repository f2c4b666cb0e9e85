/*
 * test-dns-memo.c - dns/'s memo of answers: what it keeps (answers,
 * NODATA, NXDOMAIN for their TTL, negative ones capped) and what it never
 * keeps (failures, TTL 0), copies that outlive the stored answer, names
 * matched without regard to case or a trailing dot, and clearing.
 */
#include <stdlib.h>
#include <string.h>

#include "dns_answer.h"
#include "dns_int.h"
#include "tmx-test.h"

/* answer - a TXT answer with one record of text, ttl seconds */
static void
answer(struct dns_answer *ans, const char *text, uint32_t ttl)
{
	memset(ans, 0, sizeof(*ans));
	ans->status = DNS_OK;
	ans->count = 1;
	ans->records = calloc(1, sizeof(*ans->records));
	ans->records[0].ttl = ttl;
	ans->records[0].text = strdup(text);
	ans->records[0].textlen = strlen(text);
	ans->records[0].rdata = malloc(ans->records[0].textlen + 1);
	ans->records[0].rdlen = ans->records[0].textlen + 1;
	ans->min_ttl = ttl;
	ans->packet = malloc(12);
	memset(ans->packet, 7, 12);
	ans->packetlen = 12;
	ans->canonname = strdup("canon.test");
	ans->security = DNS_SECURE;
}

/* negative - NODATA or NXDOMAIN with a negative ttl */
static void
negative(struct dns_answer *ans, enum dns_status status, uint32_t ttl)
{
	memset(ans, 0, sizeof(*ans));
	ans->status = status;
	ans->negative_ttl = ttl;
	ans->reason_buf = strdup("no such name here");
	ans->reason = ans->reason_buf;
}

static void
test_keep(void)
{
	struct dns_answer a, got;

	dns_memo_clear(300);
	answer(&a, "v=spf1 -all", 120);
	dns_memo_put("Memo.Test.", DNS_TYPE_TXT, &a);
	dns_answer_free(&a);	/* the memo has its own copy */
	TMX_CHECK(dns_memo_get("memo.test", DNS_TYPE_TXT, &got));
	TMX_CHECK(got.status == DNS_OK && got.count == 1);
	TMX_CHECK_STR(got.records[0].text, "v=spf1 -all");
	TMX_CHECK(got.records[0].ttl <= 120 && got.records[0].ttl >= 119);
	TMX_CHECK(got.packetlen == 12 && got.packet[11] == 7);
	TMX_CHECK_STR(got.canonname, "canon.test");
	TMX_CHECK(got.security == DNS_SECURE && got.elapsed_us == 0);
	dns_answer_free(&got);
	TMX_CHECK(!dns_memo_get("memo.test", DNS_TYPE_A, &got));
	TMX_CHECK(!dns_memo_get("other.test", DNS_TYPE_TXT, &got));
	dns_memo_clear(300);
	TMX_CHECK(!dns_memo_get("memo.test", DNS_TYPE_TXT, &got));
}

static void
test_negative(void)
{
	struct dns_answer a, got;

	dns_memo_clear(300);
	negative(&a, DNS_NXDOMAIN, 3600);
	dns_memo_put("gone.test", DNS_TYPE_TXT, &a);
	dns_answer_free(&a);
	TMX_CHECK(dns_memo_get("gone.test", DNS_TYPE_TXT, &got));
	TMX_CHECK(got.status == DNS_NXDOMAIN && got.count == 0);
	TMX_CHECK_STR(got.reason, "no such name here");
	TMX_CHECK(got.reason == got.reason_buf);
	dns_answer_free(&got);
	/* a failure, or a negative answer without a TTL, is never kept */
	negative(&a, DNS_TEMPFAIL, 3600);
	dns_memo_put("fail.test", DNS_TYPE_TXT, &a);
	dns_answer_free(&a);
	TMX_CHECK(!dns_memo_get("fail.test", DNS_TYPE_TXT, &got));
	negative(&a, DNS_NODATA, 0);
	dns_memo_put("nottl.test", DNS_TYPE_TXT, &a);
	dns_answer_free(&a);
	TMX_CHECK(!dns_memo_get("nottl.test", DNS_TYPE_TXT, &got));
	answer(&a, "zero", 0);
	dns_memo_put("zero.test", DNS_TYPE_TXT, &a);
	dns_answer_free(&a);
	TMX_CHECK(!dns_memo_get("zero.test", DNS_TYPE_TXT, &got));
	/* a newer answer for the same name replaces the old one */
	answer(&a, "old", 60);
	dns_memo_put("twice.test", DNS_TYPE_TXT, &a);
	dns_answer_free(&a);
	answer(&a, "new", 60);
	dns_memo_put("twice.test", DNS_TYPE_TXT, &a);
	dns_answer_free(&a);
	TMX_CHECK(dns_memo_get("twice.test", DNS_TYPE_TXT, &got));
	TMX_CHECK_STR(got.records[0].text, "new");
	dns_answer_free(&got);
	dns_memo_clear(300);
}

int
main(void)
{
	test_keep();
	test_negative();
	return TMX_TEST_END();
}
