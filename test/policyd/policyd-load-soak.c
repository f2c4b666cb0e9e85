/*
 * policyd-load-soak.c - policyd-load's soak mode (-t): for a fixed time,
 * well-behaved clients ask pipelined batches and check every answer
 * against the key's class, while idle, slowloris and garbage clients
 * press on the server and come back whenever it closes them.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "policyd-load.h"

/*
 * Soak mode: one poll loop drives every kind of client for a fixed time.
 * A key's class is a set (deny, relay, other), given by the test from an
 * oracle independent of trustmx; keys whose lists change during the soak
 * have two classes, and either answer is right.
 */
#define SOAK_DENY	1u
#define SOAK_RELAY	2u
#define SOAK_OTHER	4u
#define SOAK_ANSWER_S	5.0	/* a batch unanswered this long: locked out */
#define SOAK_GARBAGE_S	15.0	/* garbage the server never closed */
#define SOAK_SLOW_MS	400	/* slowloris: a byte this often */
#define SOAK_BUF	16384

enum soak_role { SOAK_GOOD, SOAK_IDLE, SOAK_SLOW, SOAK_JUNK };
enum soak_state {
	SOAK_DOWN,	/* not connected; connect at "at" */
	SOAK_READY,	/* good: connected, next batch at "at" */
	SOAK_BUSY,	/* good: a batch is out */
	SOAK_HOLD,	/* idle, slow: connected; slow trickles at "at" */
	SOAK_DRAIN,	/* garbage: sent, waiting for the server to close */
};

struct soak_key {
	char *key;
	unsigned classes;
};

struct soak_conn {
	enum soak_role role;
	enum soak_state state;
	int fd;
	double at;		/* when the next step is due */
	double sent_at;		/* good: the batch went out; junk: the junk */
	long batches;		/* good: on this connection */
	size_t next_key;	/* good: the next key to ask */
	size_t *batch;		/* good: the keys of the batch out */
	int nbatch, nanswered;
	char buf[SOAK_BUF];	/* good: answers not parsed yet */
	size_t len;
	uint8_t trickle[SOAK_BUF];	/* slow: what it sends, byte by byte */
	size_t trickle_len, trickled;
};

struct soak_stats {
	long answered, wrong, lockouts, good_connects;
	double max_latency;
	long idle_connects, idle_closed;
	long slow_connects, slow_closed;
	long junk_sent, junk_closed, junk_unclosed;
	long unexpected;	/* replies to idle or slow connections */
	long connect_failed;	/* by the chaos clients (not a lockout) */
};

static struct soak_key *soak_keys;
static size_t soak_nkeys;
static uint64_t soak_rng;

/* soak_now - monotonic seconds */
static double
soak_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* soak_random - xorshift64: junk and jitter, not security */
static uint64_t
soak_random(void)
{
	soak_rng ^= soak_rng << 13;
	soak_rng ^= soak_rng >> 7;
	soak_rng ^= soak_rng << 17;
	return soak_rng;
}

/* soak_classes - "relay", "deny|other", ... as a class set; 0 if bad */
static unsigned
soak_classes(const char *text)
{
	unsigned set = 0;
	char copy[64], *word, *save = NULL;

	snprintf(copy, sizeof(copy), "%s", text);
	for (word = strtok_r(copy, "|", &save); word != NULL;
	    word = strtok_r(NULL, "|", &save)) {
		if (strcmp(word, "deny") == 0)
			set |= SOAK_DENY;
		else if (strcmp(word, "relay") == 0)
			set |= SOAK_RELAY;
		else if (strcmp(word, "other") == 0)
			set |= SOAK_OTHER;
		else
			return 0;
	}
	return set;
}

/* soak_load_keys - "KEY<TAB>CLASSES[<TAB>...]" lines; -1 on error */
static int
soak_load_keys(const char *path)
{
	FILE *fp = fopen(path, "r");
	char line[512];
	size_t cap = 0;

	if (fp == NULL) {
		perror(path);
		return -1;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		char *tab = strchr(line, '\t'), *end;
		unsigned classes;

		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (tab == NULL) {
			fprintf(stderr, "%s: no class: %s", path, line);
			fclose(fp);
			return -1;
		}
		*tab++ = '\0';
		end = tab + strcspn(tab, "\t\n");
		*end = '\0';
		if ((classes = soak_classes(tab)) == 0) {
			fprintf(stderr, "%s: bad class \"%s\"\n", path, tab);
			fclose(fp);
			return -1;
		}
		if (soak_nkeys == cap) {
			cap = cap ? cap * 2 : 1024;
			soak_keys = realloc(soak_keys, cap * sizeof(*soak_keys));
			if (soak_keys == NULL) {
				fclose(fp);
				return -1;
			}
		}
		soak_keys[soak_nkeys].key = strdup(line);
		soak_keys[soak_nkeys++].classes = classes;
	}
	fclose(fp);
	return soak_nkeys > 0 ? 0 : -1;
}

/* soak_class_of - the class an answer (without its framing) stands for */
static unsigned
soak_class_of(const struct load_opts *o, const char *answer, size_t len)
{
	const char *deny = o->policy ? o->deny_action : "OK reject";
	const char *relay = o->policy ? "OK" : "OK permit";
	const char *other = o->policy ? "DUNNO" : "NOTFOUND ";

	if (len == strlen(deny) && memcmp(answer, deny, len) == 0)
		return SOAK_DENY;
	if (len == strlen(relay) && memcmp(answer, relay, len) == 0)
		return SOAK_RELAY;
	if (len == strlen(other) && memcmp(answer, other, len) == 0)
		return SOAK_OTHER;
	return 0;
}

/* soak_answer - the next whole answer in buf: its text in *text_r and
 * *len_r; the bytes it took, 0 when incomplete, -1 when malformed */
static long
soak_answer(const struct load_opts *o, const char *buf, size_t len,
	    const char **text_r, size_t *len_r)
{
	size_t i, n = 0;

	if (o->policy) {
		const char *end = memmem(buf, len, "\n\n", 2);

		if (end == NULL)
			return len > 8192 ? -1 : 0;
		if (strncmp(buf, "action=", 7) != 0)
			return -1;
		*text_r = buf + 7;
		*len_r = (size_t)(end - buf) - 7;
		return end + 2 - buf;
	}
	for (i = 0; i < len && buf[i] >= '0' && buf[i] <= '9'; i++)
		if ((n = n * 10 + (size_t)(buf[i] - '0')) > 100000)
			return -1;
	if (i == len)
		return len > 6 ? -1 : 0;
	if (i == 0 || buf[i] != ':')
		return -1;
	if (len < i + 1 + n + 1)
		return 0;
	if (buf[i + 1 + n] != ',')
		return -1;
	*text_r = buf + i + 1;
	*len_r = n;
	return (long)(i + 1 + n + 1);
}

/* soak_close - close c's connection; it comes back after delay seconds */
static void
soak_close(struct soak_conn *c, double now, double delay)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->state = SOAK_DOWN;
	c->at = now + delay;
	c->len = 0;
}

/* soak_lockout - a good client was refused, closed on or left waiting */
static void
soak_lockout(struct soak_conn *c, struct soak_stats *st, double now,
	     const char *why)
{
	st->lockouts++;
	if (st->lockouts <= 10)
		fprintf(stderr, "good client locked out: %s\n", why);
	soak_close(c, now, 0.1);
}

/* soak_junk - garbage for the protocol (or for a PROXY listener) */
static size_t
soak_junk(const struct load_opts *o, uint8_t *buf, size_t size)
{
	static const char *const sm[] = {
		"GET / HTTP/1.0\r\n\r\n", "3:abcX", "100001:postscreen ",
		"99999999999999999999:", "-1:x,", "20:postscreen 192.0.2.1;",
	};
	static const char *const po[] = {
		"no equals sign here\n\n", "\x01\x02\x03\n",
		"client_address=192.0.2.1\r\nGET / HTTP/1.1\n\n",
		"=\n\n", "request=smtpd_access_policy\n\x00\n\n",
	};
	uint64_t pick = soak_random() % 10;
	size_t i, len;

	if (pick < 3) {		/* random bytes, a NUL and a bad end */
		len = 1 + soak_random() % 2048;
		for (i = 0; i < len; i++)
			buf[i] = (uint8_t)soak_random();
		buf[0] = o->policy ? (uint8_t)'\0' : (uint8_t)'x';
		return len;
	}
	if (pick == 3 && o->policy) {	/* a value over 8192 bytes */
		len = size < 9000 ? size : 9000;
		memcpy(buf, "ccert_subject=", 14);
		memset(buf + 14, 'y', len - 14);
		return len;
	}
	if (o->policy) {	/* po[4] holds a NUL: its length by hand */
		pick %= sizeof(po) / sizeof(po[0]);
		len = pick == 4 ? 31 : strlen(po[pick]);
		memcpy(buf, po[pick], len);
	} else {
		pick %= sizeof(sm) / sizeof(sm[0]);
		len = strlen(sm[pick]);
		memcpy(buf, sm[pick], len);
	}
	return len;
}

/* soak_connect - bring c up (PROXY header, first trickle, junk) */
static void
soak_connect(const struct load_opts *o, struct soak_conn *c,
	     struct soak_stats *st, double now)
{
	bool crc = soak_random() % 2 == 0;
	uint8_t junk[SOAK_BUF];
	size_t len;
	int hlen;

	if ((c->fd = load_connect(o)) < 0) {
		if (c->role == SOAK_GOOD)
			soak_lockout(c, st, now, strerror(errno));
		else {
			st->connect_failed++;
			soak_close(c, now, 0.2);
		}
		return;
	}
	switch (c->role) {
	case SOAK_GOOD:
		st->good_connects++;
		if (o->proxy_src != NULL && load_proxy(c->fd, o->proxy_src, crc) < 0) {
			soak_lockout(c, st, now, "PROXY header not taken");
			return;
		}
		c->state = SOAK_READY;
		c->at = now;
		c->len = 0;
		return;
	case SOAK_IDLE:
		st->idle_connects++;
		if (o->proxy_src != NULL)
			(void)load_proxy(c->fd, o->proxy_src, crc);
		c->state = SOAK_HOLD;
		c->at = now + 3600;
		return;
	case SOAK_SLOW:	/* through a PROXY listener the header trickles too */
		st->slow_connects++;
		c->trickle_len = 0;
		if (o->proxy_src != NULL) {
			hlen = load_proxy_header(o->proxy_src, crc, c->trickle,
						 sizeof(c->trickle));
			c->trickle_len = hlen > 0 ? (size_t)hlen : 0;
		}
		len = (size_t)snprintf((char *)c->trickle + c->trickle_len,
		    sizeof(c->trickle) - c->trickle_len, "%s", o->policy ?
		    "request=smtpd_access_policy\nccert_subject=" :
		    "99999:postscreen ");
		c->trickle_len += len;
		memset(c->trickle + c->trickle_len, 'a',
		       sizeof(c->trickle) - c->trickle_len);
		c->trickle_len = sizeof(c->trickle);
		c->trickled = 0;
		c->state = SOAK_HOLD;
		c->at = now;
		return;
	case SOAK_JUNK:	/* half of them after a good PROXY header */
		if (o->proxy_src != NULL && soak_random() % 2 == 0)
			(void)load_proxy(c->fd, o->proxy_src, crc);
		len = soak_junk(o, junk, sizeof(junk));
		st->junk_sent++;
		(void)load_write_all(c->fd, junk, len);
		c->state = SOAK_DRAIN;
		c->sent_at = now;
		return;
	}
}

/* soak_send - a batch of depth requests on a good connection */
static void
soak_send(const struct load_opts *o, struct soak_conn *c,
	  struct soak_stats *st, double now)
{
	char out[SOAK_BUF];
	size_t len = 0;
	int i, n;

	for (i = 0; i < o->depth; i++) {
		size_t k = c->next_key++ % soak_nkeys;

		n = load_request(o, soak_keys[k].key, out + len, sizeof(out) - len);
		if (n < 0 || (size_t)n >= sizeof(out) - len)
			break;
		len += (size_t)n;
		c->batch[i] = k;
	}
	c->nbatch = i;
	c->nanswered = 0;
	if (load_write_all(c->fd, out, len) < 0) {
		soak_lockout(c, st, now, "write failed");
		return;
	}
	c->state = SOAK_BUSY;
	c->sent_at = now;
}

/* soak_read_good - answers on a good connection; checks each */
static void
soak_read_good(const struct load_opts *o, struct soak_conn *c,
	       struct soak_stats *st, double now, double interval)
{
	ssize_t n = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);
	const char *text;
	size_t tlen;
	long used;

	if (n <= 0) {
		soak_lockout(c, st, now, n == 0 ? "closed by the server" :
			     strerror(errno));
		return;
	}
	c->len += (size_t)n;
	while ((used = soak_answer(o, c->buf, c->len, &text, &tlen)) != 0) {
		const struct soak_key *k;

		if (used < 0 || c->state != SOAK_BUSY) {
			st->wrong++;
			fprintf(stderr, "unasked or malformed answer: \"%.*s\"\n",
				(int)(c->len > 200 ? 200 : c->len), c->buf);
			soak_close(c, now, 0.1);
			return;
		}
		k = &soak_keys[c->batch[c->nanswered++]];
		st->answered++;
		if ((soak_class_of(o, text, tlen) & k->classes) == 0) {
			st->wrong++;
			if (st->wrong <= 10)
				fprintf(stderr, "%s: wrong answer \"%.*s\"\n",
					k->key, (int)tlen, text);
		}
		memmove(c->buf, c->buf + used, c->len - (size_t)used);
		c->len -= (size_t)used;
		if (c->nanswered == c->nbatch) {
			if (now - c->sent_at > st->max_latency)
				st->max_latency = now - c->sent_at;
			c->batches++;
			c->state = SOAK_READY;
			c->at = c->at + interval > now ? c->at + interval : now;
			if (o->reconnect > 0 && c->batches % o->reconnect == 0)
				soak_close(c, now, 0);	/* a new one, as Postfix does */
		}
	}
}

/* soak_read_other - an idle, slow or garbage connection is readable */
static void
soak_read_other(struct soak_conn *c, struct soak_stats *st, double now)
{
	char buf[4096];
	ssize_t n = read(c->fd, buf, sizeof(buf));

	if (n > 0) {	/* garbage may get answers before the bad part */
		if (c->role != SOAK_JUNK)
			st->unexpected++;
		return;
	}
	if (c->role == SOAK_IDLE)
		st->idle_closed++;
	else if (c->role == SOAK_SLOW)
		st->slow_closed++;
	else
		st->junk_closed++;
	/* back after 0.2-0.7s (garbage: 50ms) */
	soak_close(c, now, c->role == SOAK_JUNK ? 0.05 :
		   0.2 + (double)(soak_random() % 500) / 1000);
}

/* soak_tick - what is due on c at now; false once c is done for good */
static bool
soak_tick(const struct load_opts *o, struct soak_conn *c,
	  struct soak_stats *st, double now, bool stopping)
{
	if (stopping && c->state != SOAK_BUSY) {
		soak_close(c, now, 0);
		return false;
	}
	if (c->state == SOAK_DOWN && now >= c->at)
		soak_connect(o, c, st, now);
	else if (c->state == SOAK_READY && now >= c->at)
		soak_send(o, c, st, now);
	else if (c->state == SOAK_BUSY && now - c->sent_at > SOAK_ANSWER_S)
		soak_lockout(c, st, now, "no answer within 5s");
	else if (c->state == SOAK_HOLD && c->role == SOAK_SLOW && now >= c->at) {
		if (c->trickled < c->trickle_len &&
		    load_write_all(c->fd, c->trickle + c->trickled++, 1) < 0) {
			st->slow_closed++;
			soak_close(c, now, 0.2);
		} else
			c->at = now + SOAK_SLOW_MS / 1000.0;
	} else if (c->state == SOAK_DRAIN && now - c->sent_at > SOAK_GARBAGE_S) {
		st->junk_unclosed++;
		soak_close(c, now, 0.01);
	}
	return true;
}

/* soak_run - the soak: every client kind at once until the time is up */
int
soak_run(const struct load_opts *o)
{
	int nconn = (o->keyfile ? o->conns : 0) + o->idle + o->slow + o->garbage;
	struct soak_conn *conns = calloc((size_t)nconn, sizeof(*conns));
	struct pollfd *pfd = calloc((size_t)nconn, sizeof(*pfd));
	int *which = calloc((size_t)nconn, sizeof(*which));
	double start = soak_now(), end = start + o->soak_s, interval = 0;
	struct soak_stats st;
	int i, live;

	memset(&st, 0, sizeof(st));
	soak_rng = (uint64_t)getpid() * 0x9e3779b97f4a7c15ull + 1;
	if (conns == NULL || pfd == NULL || which == NULL)
		return 2;
	if (o->keyfile != NULL && soak_load_keys(o->keyfile) < 0)
		return 2;
	if (o->rate > 0)	/* each good connection's pace */
		interval = (double)o->conns * o->depth / o->rate;
	for (i = 0; i < nconn; i++) {
		struct soak_conn *c = &conns[i];
		int k = i - (o->keyfile ? o->conns : 0);

		c->fd = -1;
		c->role = k < 0 ? SOAK_GOOD : k < o->idle ? SOAK_IDLE :
			k < o->idle + o->slow ? SOAK_SLOW : SOAK_JUNK;
		c->at = start;
		if (c->role == SOAK_GOOD) {
			c->batch = calloc((size_t)o->depth, sizeof(*c->batch));
			c->next_key = soak_random() % soak_nkeys;
			c->at = start + interval * i / o->conns;	/* spread out */
		}
	}
	do {
		double now = soak_now(), next = now + 0.1;
		bool stopping = now >= end;
		int n = 0;

		live = 0;
		for (i = 0; i < nconn; i++) {
			struct soak_conn *c = &conns[i];

			if (c->at < 0)
				continue;	/* done */
			if (!soak_tick(o, c, &st, now, stopping)) {
				c->at = -1;
				continue;
			}
			live++;
			if (c->state != SOAK_DOWN && c->fd >= 0) {
				pfd[n].fd = c->fd;
				pfd[n].events = POLLIN;
				which[n++] = i;
			}
			if (c->at < next && c->state != SOAK_BUSY &&
			    c->state != SOAK_DRAIN)
				next = c->at > now ? c->at : now;
		}
		if (poll(pfd, (nfds_t)n, (int)((next - now) * 1000) + 1) < 0)
			continue;
		now = soak_now();
		for (i = 0; i < n; i++) {
			struct soak_conn *c = &conns[which[i]];

			if (pfd[i].revents == 0 || c->fd != pfd[i].fd)
				continue;
			if (c->role == SOAK_GOOD)
				soak_read_good(o, c, &st, now, interval);
			else
				soak_read_other(c, &st, now);
		}
	} while (live > 0);
	printf("answered=%ld wrong=%ld lockouts=%ld good_connects=%ld "
	       "max_latency_ms=%.0f idle_connects=%ld idle_closed=%ld "
	       "slow_connects=%ld slow_closed=%ld junk_sent=%ld junk_closed=%ld "
	       "junk_unclosed=%ld unexpected=%ld connect_failed=%ld seconds=%.1f\n",
	       st.answered, st.wrong, st.lockouts, st.good_connects,
	       st.max_latency * 1000, st.idle_connects, st.idle_closed,
	       st.slow_connects, st.slow_closed, st.junk_sent, st.junk_closed,
	       st.junk_unclosed, st.unexpected, st.connect_failed,
	       soak_now() - start);
	for (i = 0; i < nconn; i++)
		free(conns[i].batch);
	for (i = 0; i < (int)soak_nkeys; i++)
		free(soak_keys[i].key);
	free(soak_keys);
	free(conns);
	free(pfd);
	free(which);
	return st.wrong == 0 && st.lockouts == 0 ? 0 : 1;
}

