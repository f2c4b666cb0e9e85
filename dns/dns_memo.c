/*
 * dns_memo.c - the answers libunbound's cache would give, kept where a
 * blocking lookup finds them without a trip through libunbound's threads
 * (about 100 us a lookup, most of a message's DNS time when everything
 * is cached). It holds only what the cache holds: answers, NODATA and
 * NXDOMAIN, each until its TTL runs out (negative ones at most
 * max_negative_ttl), never a failure; TTLs come out counted down, as from
 * the cache. A direct-mapped table: a newer answer takes the slot. Its
 * size is bounded whatever a hostile zone answers: 1024 replies of at most
 * 2 KB (with their parsed copies, about 5 MB). Cleared when the resolver
 * is replaced.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "dns_answer.h"
#include "dns_int.h"

#define DNS_MEMO_SLOTS		1024	/* a power of two */
#define DNS_MEMO_REPLY_MAX	2048	/* larger replies: libunbound only */
#define DNS_MEMO_LOCKS		16
#define DNS_MEMO_NAME_MAX	254

struct dns_memo_slot {
	char name[DNS_MEMO_NAME_MAX];	/* "" when empty */
	enum dns_type type;
	time_t stored;		/* monotonic seconds */
	time_t expires;
	struct dns_answer ans;
};

static struct dns_memo_slot dns_memo_slots[DNS_MEMO_SLOTS];
static pthread_mutex_t dns_memo_locks[DNS_MEMO_LOCKS] = {
	PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
	PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
	PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
	PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
	PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
	PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
	PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
	PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
};
static uint32_t dns_memo_max_negative = DNS_MAX_NEGATIVE_TTL_DEFAULT;

/* dns_memo_now - monotonic seconds */
static time_t
dns_memo_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* dns_memo_index - the slot of name/type (case does not count) */
static size_t
dns_memo_index(const char *name, enum dns_type type)
{
	uint32_t h = 2166136261u ^ (uint32_t)type;
	size_t len = strlen(name);

	if (len > 0 && name[len - 1] == '.')
		len--;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		h = (h ^ (c >= 'A' && c <= 'Z' ? c + 32 : c)) * 16777619u;
	}
	return h & (DNS_MEMO_SLOTS - 1);
}

/* dns_memo_dup - *to becomes a deep copy of *from; -1 out of memory */
static int
dns_memo_dup(struct dns_answer *to, const struct dns_answer *from)
{
	size_t i;

	*to = *from;
	to->records = NULL;
	to->count = 0;
	to->canonname = NULL;
	to->packet = NULL;
	to->reason_buf = NULL;
	if (from->reason != NULL && from->reason == from->reason_buf) {
		if ((to->reason_buf = strdup(from->reason_buf)) == NULL)
			return -1;
		to->reason = to->reason_buf;
	}
	if ((from->canonname != NULL &&
	     (to->canonname = strdup(from->canonname)) == NULL) ||
	    (from->packet != NULL &&
	     (to->packet = malloc(from->packetlen)) == NULL))
		return -1;
	if (from->packet != NULL)
		memcpy(to->packet, from->packet, from->packetlen);
	if (from->count == 0)
		return 0;
	if ((to->records = calloc(from->count, sizeof(*to->records))) == NULL)
		return -1;
	for (i = 0; i < from->count; i++, to->count++) {
		const struct dns_record *r = &from->records[i];
		struct dns_record *c = &to->records[i];

		*c = *r;
		c->text = NULL;
		c->rdata = NULL;
		if ((r->text != NULL &&
		     (c->text = malloc(r->textlen + 1)) == NULL) ||
		    (r->rdata != NULL && (c->rdata = malloc(r->rdlen)) == NULL))
			return -1;
		if (r->text != NULL)
			memcpy(c->text, r->text, r->textlen + 1);
		if (r->rdata != NULL)
			memcpy(c->rdata, r->rdata, r->rdlen);
	}
	return 0;
}

/* dns_memo_age - TTLs counted down by age seconds */
static void
dns_memo_age(struct dns_answer *ans, uint32_t age)
{
	size_t i;

	for (i = 0; i < ans->count; i++)
		ans->records[i].ttl -= age < ans->records[i].ttl ? age :
		    ans->records[i].ttl;
	ans->min_ttl -= age < ans->min_ttl ? age : ans->min_ttl;
	ans->negative_ttl -= age < ans->negative_ttl ? age :
	    ans->negative_ttl;
}

/* dns_memo_get - see dns_int.h */
bool
dns_memo_get(const char *name, enum dns_type type, struct dns_answer *ans_r)
{
	size_t i = dns_memo_index(name, type);
	struct dns_memo_slot *s = &dns_memo_slots[i];
	pthread_mutex_t *lock = &dns_memo_locks[i % DNS_MEMO_LOCKS];
	time_t now = dns_memo_now();
	bool hit = false;

	pthread_mutex_lock(lock);
	if (s->name[0] != '\0' && s->type == type && now < s->expires &&
	    dns_name_equal(s->name, name)) {
		if (dns_memo_dup(ans_r, &s->ans) == 0) {
			dns_memo_age(ans_r, (uint32_t)(now - s->stored));
			ans_r->elapsed_us = 0;
			hit = true;
		} else {
			dns_answer_free(ans_r);
		}
	}
	pthread_mutex_unlock(lock);
	return hit;
}

/* dns_memo_put - see dns_int.h */
void
dns_memo_put(const char *name, enum dns_type type,
	     const struct dns_answer *ans)
{
	size_t i = dns_memo_index(name, type);
	struct dns_memo_slot *s = &dns_memo_slots[i];
	pthread_mutex_t *lock = &dns_memo_locks[i % DNS_MEMO_LOCKS];
	uint32_t ttl;
	time_t now = dns_memo_now();

	if (ans->status == DNS_OK)
		ttl = ans->min_ttl;
	else if (ans->status == DNS_NODATA || ans->status == DNS_NXDOMAIN)
		ttl = ans->negative_ttl < dns_memo_max_negative ?
		    ans->negative_ttl : dns_memo_max_negative;
	else
		return;
	if (ttl == 0 || strlen(name) >= sizeof(s->name) ||
	    ans->packetlen > DNS_MEMO_REPLY_MAX)
		return;
	pthread_mutex_lock(lock);
	if (s->name[0] != '\0')
		dns_answer_free(&s->ans);
	s->name[0] = '\0';
	if (dns_memo_dup(&s->ans, ans) == 0) {
		memcpy(s->name, name, strlen(name) + 1);
		s->type = type;
		s->stored = now;
		s->expires = now + (time_t)ttl;
	} else {
		dns_answer_free(&s->ans);
	}
	pthread_mutex_unlock(lock);
}

/* dns_memo_clear - see dns_int.h */
void
dns_memo_clear(uint32_t max_negative_ttl)
{
	size_t i;

	for (i = 0; i < DNS_MEMO_SLOTS; i++) {
		pthread_mutex_t *lock = &dns_memo_locks[i % DNS_MEMO_LOCKS];

		pthread_mutex_lock(lock);
		if (dns_memo_slots[i].name[0] != '\0')
			dns_answer_free(&dns_memo_slots[i].ans);
		dns_memo_slots[i].name[0] = '\0';
		pthread_mutex_unlock(lock);
	}
	dns_memo_max_negative = max_negative_ttl;
}

/* dns_memo_fork_prepare - no slot half-written across a fork */
void
dns_memo_fork_prepare(void)
{
	for (size_t i = 0; i < DNS_MEMO_LOCKS; i++)
		pthread_mutex_lock(&dns_memo_locks[i]);
}

/* dns_memo_fork_parent - the parent goes on */
void
dns_memo_fork_parent(void)
{
	for (size_t i = DNS_MEMO_LOCKS; i > 0; i--)
		pthread_mutex_unlock(&dns_memo_locks[i - 1]);
}

/* dns_memo_fork_child - the child keeps the answers, with locks of its own */
void
dns_memo_fork_child(void)
{
	for (size_t i = 0; i < DNS_MEMO_LOCKS; i++)
		pthread_mutex_init(&dns_memo_locks[i], NULL);
}
