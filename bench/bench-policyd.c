/*
 * bench-policyd.c - load client for trustmx-policyd and other Postfix policy
 * servers: N persistent connections in a closed loop (epoll, one thread),
 * every answer checked, exact latency percentiles and requests/s.
 *
 *   bench-policyd -u PATH | -i HOST:PORT  -s socketmap|policy  -k KEYS
 *                 [-c CONNS] [-p DEPTH] [-w WARMUP] [-d SECONDS]
 *                 [-n CHECK] [-l LABEL] [-F]
 *                 [-U PATH | -I HOST:PORT [-L LABEL] [-G] [-a MS]]
 *
 * KEYS holds lines "ADDRESS<TAB>ANSWER": the socketmap reply ("OK permit",
 * "NOTFOUND ") or the policy action ("DUNNO"); an ANSWER ending in "*"
 * matches any reply that starts with the rest. Each connection keeps DEPTH
 * requests in flight (1, as Postfix does, unless told otherwise); samples
 * are the requests answered between WARMUP and WARMUP + SECONDS.
 * With -n CHECK, send the first CHECK keys once on one connection and exit
 * 1 on any wrong answer: the check that comes before timing a server.
 * With -F, check only that every reply is well framed ("action=...",
 * then the empty line; a netstring), not what it says: for bench-limit,
 * which answers without looking at the request.
 * With -U or -I, a second server B (label -L, -G its -F) on CONNS
 * connections of its own, loaded in turns: for MS milliseconds (-a, 50)
 * only A's connections send, then only B's, and so on, so that both meet
 * the same machine, second by second; each one's requests/s is over the
 * half of the time it had. Without, only A, all the time.
 * Output, a line a server: "LABEL conns N requests R rps X p50 A p99 B
 * p999 C wrong W all T" (latencies in microseconds; T the answers warm-up
 * included); exit 1 if any answer was wrong.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define BENCH_MAX_DEPTH	64
#define BENCH_IN_SIZE	8192
#define BENCH_REQ_SIZE	2048

struct bench_key {
	char   *answer;
	size_t  answer_len;
	int     prefix;		/* answer ended in '*': compare the start only */
	char   *req;		/* the whole request, ready to write */
	size_t  req_len;
};

struct bench_conn {
	int     fd;
	int     server;		/* 0: A, 1: B */
	size_t  next_key;
	size_t  ring_key[BENCH_MAX_DEPTH];	/* requests in flight, oldest first */
	uint64_t ring_ns[BENCH_MAX_DEPTH];
	int     ring_head;
	int     inflight;
	char    in[BENCH_IN_SIZE];
	size_t  in_len;
	char   *out;		/* unwritten request bytes (a short write) */
	size_t  out_len;
	int     want_out;	/* EPOLLOUT registered */
};

/* One server under load. */
struct bench_target {
	const char *unix_path;
	const char *inet;
	const char *label;
	int     framing_only;	/* -F: any well-framed reply is right */
};

struct bench_opts {
	struct bench_target t[2];	/* A, and B when paired */
	int     paired;
	double  phase_ms;	/* -a: each server's turn */
	int     policy;
	const char *keys_path;
	int     conns;
	int     depth;
	double  warmup;
	double  seconds;
	long    check;
};

struct bench_run {
	struct bench_key *keys;
	size_t  nkeys;
	uint64_t *samples;
	size_t  nsamples;
	size_t  samples_cap;
	long    sent;
	long    answered;
	long    all;		/* answered, warm-up included */
	long    wrong;
	uint64_t t_measure;	/* samples are taken in [t_measure, t_end) */
	uint64_t t_end;
};

/* bench_now_ns - monotonic nanoseconds */
static uint64_t
bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* bench_die - report and exit: a benchmark that cannot run has no result */
static void
bench_die(const char *what)
{
	fprintf(stderr, "bench-policyd: %s: %s\n", what, errno ? strerror(errno) : "failed");
	exit(2);
}

/* bench_format_request - the request text for addr, with sender, recipient
 * and instance varying with the key index i like a real mail stream */
static int
bench_format_request(int policy, const char *addr, size_t i, char *buf,
		     size_t size)
{
	if (!policy)
		return snprintf(buf, size, "%zu:postscreen %s,",
				strlen("postscreen ") + strlen(addr), addr);
	return snprintf(buf, size,
			"request=smtpd_access_policy\n"
			"protocol_state=RCPT\n"
			"protocol_name=ESMTP\n"
			"client_address=%s\n"
			"client_name=mail%zu.sender%zu.example.com\n"
			"reverse_client_name=mail%zu.sender%zu.example.com\n"
			"client_port=%zu\n"
			"helo_name=mail%zu.sender%zu.example.com\n"
			"sender=user%zu@sender%zu.example.com\n"
			"recipient=rcpt%zu@example.net\n"
			"recipient_count=0\n"
			"queue_id=\n"
			"instance=%zx.6fa3c2b1.9e4d.0\n"
			"size=%zu\n"
			"etrn_domain=\n"
			"stress=\n"
			"sasl_method=\n"
			"sasl_username=\n"
			"sasl_sender=\n"
			"ccert_subject=\n"
			"ccert_issuer=\n"
			"ccert_fingerprint=\n"
			"ccert_pubkey_fingerprint=\n"
			"encryption_protocol=TLSv1.3\n"
			"encryption_cipher=TLS_AES_256_GCM_SHA384\n"
			"encryption_keysize=256\n"
			"server_address=192.0.2.25\n"
			"server_port=25\n"
			"policy_context=\n"
			"compatibility_level=3.6\n"
			"\n",
			addr, i, i % 997, i, i % 997, 1024 + i % 60000,
			i, i % 997, i, i % 997, i, i, 2048 + i * 37 % 100000);
}

/* bench_load_keys - read KEYS; every key gets its request built once */
static void
bench_load_keys(const struct bench_opts *o, struct bench_run *r)
{
	FILE *fp = fopen(o->keys_path, "r");
	char line[1024], req[BENCH_REQ_SIZE];
	size_t cap = 0;

	if (fp == NULL)
		bench_die(o->keys_path);
	while (fgets(line, sizeof(line), fp) != NULL) {
		char *tab = strchr(line, '\t');
		size_t len = strcspn(line, "\n");
		struct bench_key *k;
		int n;

		line[len] = '\0';
		if (tab == NULL)
			continue;
		*tab = '\0';
		if (r->nkeys == cap) {
			cap = cap ? cap * 2 : 1024;
			if ((r->keys = realloc(r->keys, cap * sizeof(*r->keys))) == NULL)
				bench_die("realloc");
		}
		k = &r->keys[r->nkeys];
		n = bench_format_request(o->policy, line, r->nkeys, req, sizeof(req));
		if (n < 0 || (size_t)n >= sizeof(req))
			bench_die("request too long");
		k->req = strdup(req);
		k->req_len = (size_t)n;
		k->answer = strdup(tab + 1);
		k->answer_len = strlen(k->answer);
		k->prefix = k->answer_len > 0 && k->answer[k->answer_len - 1] == '*';
		if (k->prefix)
			k->answer_len--;
		r->nkeys++;
	}
	fclose(fp);
	if (r->nkeys == 0) {
		errno = 0;
		bench_die("no keys");
	}
}

/* bench_connect - one blocking connect, then non-blocking for the loop */
static int
bench_connect(const struct bench_target *o)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1;

	memset(&ss, 0, sizeof(ss));
	if (o->unix_path != NULL) {
		struct sockaddr_un *sun = (struct sockaddr_un *)&ss;

		sun->sun_family = AF_UNIX;
		snprintf(sun->sun_path, sizeof(sun->sun_path), "%s", o->unix_path);
		len = sizeof(*sun);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		const char *colon = strrchr(o->inet, ':');
		char host[64];

		if (colon == NULL)
			bench_die("-i wants HOST:PORT");
		snprintf(host, sizeof(host), "%.*s", (int)(colon - o->inet), o->inet);
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)atoi(colon + 1));
		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			bench_die("-i wants an IPv4 address");
		len = sizeof(*sin);
	}
	if ((fd = socket(ss.ss_family, SOCK_STREAM, 0)) < 0)
		bench_die("socket");
	if (connect(fd, (struct sockaddr *)&ss, len) < 0)
		bench_die("connect");
	if (o->unix_path == NULL)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

/* bench_flush - write what is pending; -1 when the server went away */
static int
bench_flush(struct bench_conn *c)
{
	while (c->out_len > 0) {
		ssize_t n = write(c->fd, c->out, c->out_len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n <= 0)
			return -1;
		c->out += n;
		c->out_len -= (size_t)n;
	}
	return 0;
}

/* bench_send - put one more request in flight on c */
static int
bench_send(struct bench_run *r, struct bench_conn *c)
{
	size_t k = c->next_key;
	int slot = (c->ring_head + c->inflight) % BENCH_MAX_DEPTH;

	c->next_key = (c->next_key + 1) % r->nkeys;
	c->ring_key[slot] = k;
	c->ring_ns[slot] = bench_now_ns();
	c->inflight++;
	r->sent++;
	c->out = r->keys[k].req;
	c->out_len = r->keys[k].req_len;
	return bench_flush(c);
}

/* bench_reply_len - bytes of one complete reply at the start of buf, its
 * answer in ans_r and ans_len_r; 0 when more is needed, -1 when malformed */
static long
bench_reply_len(int policy, const char *buf, size_t len, const char **ans_r,
		size_t *ans_len_r)
{
	if (policy) {
		const char *end = memmem(buf, len, "\n\n", 2);
		const char *nl;

		if (end == NULL)
			return 0;
		if (strncmp(buf, "action=", 7) != 0)
			return -1;
		nl = memchr(buf, '\n', (size_t)(end - buf) + 1);
		*ans_r = buf + 7;
		*ans_len_r = (size_t)(nl - buf) - 7;
		return end + 2 - buf;
	} else {
		size_t n = 0, i = 0;

		while (i < len && buf[i] >= '0' && buf[i] <= '9' && i < 7)
			n = n * 10 + (size_t)(buf[i++] - '0');
		if (i == len)
			return 0;
		if (i == 0 || buf[i] != ':')
			return -1;
		if (len < i + 1 + n + 1)
			return 0;
		if (buf[i + 1 + n] != ',')
			return -1;
		*ans_r = buf + i + 1;
		*ans_len_r = n;
		return (long)(i + 1 + n + 1);
	}
}

/* bench_record - one latency sample, kept for the exact percentiles */
static void
bench_record(struct bench_run *r, uint64_t ns)
{
	if (r->nsamples == r->samples_cap) {
		r->samples_cap = r->samples_cap ? r->samples_cap * 2 : 1 << 16;
		r->samples = realloc(r->samples, r->samples_cap * sizeof(*r->samples));
		if (r->samples == NULL)
			bench_die("realloc");
	}
	r->samples[r->nsamples++] = ns;
}

/* bench_check - is this the answer expected for key k? (with -F, any
 * answer bench_reply_len could frame is) */
static int
bench_check(const struct bench_target *o, const struct bench_run *r, size_t k,
	    const char *ans, size_t len)
{
	const struct bench_key *key = &r->keys[k];

	if (o->framing_only)
		return 1;
	if (key->prefix ? len < key->answer_len : len != key->answer_len)
		return 0;
	return memcmp(ans, key->answer, key->answer_len) == 0;
}

/* bench_readable - take every complete reply; -1 when the connection died */
static int
bench_readable(const struct bench_opts *o, struct bench_run *r,
	       struct bench_conn *c)
{
	const struct bench_target *t = &o->t[c->server];
	ssize_t n;
	size_t off = 0;
	long used;
	const char *ans;
	size_t ans_len;

	n = read(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0)
		return -1;
	c->in_len += (size_t)n;
	while ((used = bench_reply_len(o->policy, c->in + off, c->in_len - off,
	    &ans, &ans_len)) > 0) {
		uint64_t now = bench_now_ns();
		size_t k = c->ring_key[c->ring_head];

		if (c->inflight == 0)
			return -1;	/* an answer nobody asked for */
		if (!bench_check(t, r, k, ans, ans_len)) {
			if (r->wrong++ < 5)
				fprintf(stderr, "%s: key %zu: got \"%.*s\", want \"%.*s%s\"\n",
					t->label, k, (int)ans_len, ans,
					(int)r->keys[k].answer_len, r->keys[k].answer,
					r->keys[k].prefix ? "*" : "");
		}
		if (now >= r->t_measure && now < r->t_end) {
			bench_record(r, now - c->ring_ns[c->ring_head]);
			r->answered++;
		}
		r->all++;
		c->ring_head = (c->ring_head + 1) % BENCH_MAX_DEPTH;
		c->inflight--;
		off += (size_t)used;
	}
	if (used < 0) {
		fprintf(stderr, "%s: malformed reply\n", t->label);
		return -1;
	}
	memmove(c->in, c->in + off, c->in_len - off);
	c->in_len -= off;
	if (c->in_len == sizeof(c->in))
		return -1;
	return 0;
}

/* bench_refill - keep DEPTH requests in flight (none past the limit) */
static int
bench_refill(const struct bench_opts *o, struct bench_run *r,
	     struct bench_conn *c)
{
	while (c->inflight < o->depth && c->out_len == 0 &&
	    (o->check == 0 || r->sent < o->check))
		if (bench_send(r, c) < 0)
			return -1;
	return 0;
}

/* bench_watch - ask epoll for writability only while a write is pending */
static void
bench_watch(int ep, struct bench_conn *c)
{
	struct epoll_event ev;
	int want = c->out_len > 0;

	if (want == c->want_out)
		return;
	ev.events = EPOLLIN | (want ? EPOLLOUT : 0);
	ev.data.ptr = c;
	epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
	c->want_out = want;
}

/* bench_turn - whose turn it is at now: 0 (A) unless paired */
static int
bench_turn(const struct bench_opts *o, uint64_t start, uint64_t now)
{
	if (!o->paired)
		return 0;
	return (int)((now - start) / (uint64_t)(o->phase_ms * 1e6) % 2);
}

/* bench_serve - one epoll event on c: flush, take replies, send again when
 * it is c's server's turn */
static void
bench_serve(const struct bench_opts *o, struct bench_run *runs,
	    struct bench_conn *c, uint32_t events, int turn)
{
	struct bench_run *r = &runs[c->server];

	if ((events & EPOLLOUT) && bench_flush(c) < 0)
		bench_die("write");
	if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) &&
	    bench_readable(o, r, c) < 0) {
		errno = 0;
		fprintf(stderr, "%s: a connection was closed by the server\n",
			o->t[c->server].label);
		exit(2);
	}
	if (c->server == turn && bench_refill(o, r, c) < 0)
		bench_die("write");
}

/* bench_loop - the closed loop until the end of the measure window (or,
 * checking, until every key was answered); paired, the servers take turns
 * and each turn starts with its server's connections all sending */
static void
bench_loop(const struct bench_opts *o, struct bench_run *runs,
	   struct bench_conn *conns, int nconns, uint64_t start)
{
	struct epoll_event ev, evs[256];
	int ep = epoll_create1(0), i, n, turn = -1, now_turn;
	uint64_t now;

	for (i = 0; i < nconns; i++) {
		ev.events = EPOLLIN;
		ev.data.ptr = &conns[i];
		if (epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev) < 0)
			bench_die("epoll_ctl");
	}
	while ((now = bench_now_ns()) < runs[0].t_end) {
		if (o->check > 0 && runs[0].answered >= o->check)
			break;
		if ((now_turn = bench_turn(o, start, now)) != turn) {
			turn = now_turn;
			for (i = 0; i < nconns; i++)
				if (conns[i].server == turn &&
				    bench_refill(o, &runs[turn], &conns[i]) < 0)
					bench_die("write");
		}
		n = epoll_wait(ep, evs, 256, o->paired ? 1 : 100);
		for (i = 0; i < n; i++) {
			struct bench_conn *c = evs[i].data.ptr;

			bench_serve(o, runs, c, evs[i].events, turn);
			bench_watch(ep, c);
		}
	}
	close(ep);
}

/* bench_cmp_u64 - qsort order for samples */
static int
bench_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* bench_pct_us - nearest-rank percentile p of the sorted samples, in µs */
static double
bench_pct_us(const struct bench_run *r, double p)
{
	size_t rank;

	if (r->nsamples == 0)
		return 0;
	rank = (size_t)(p * (double)r->nsamples + 0.999999);
	if (rank < 1)
		rank = 1;
	if (rank > r->nsamples)
		rank = r->nsamples;
	return (double)r->samples[rank - 1] / 1000.0;
}

/* bench_usage - the synopsis */
static void
bench_usage(void)
{
	fprintf(stderr, "usage: bench-policyd -u PATH | -i HOST:PORT -s socketmap|policy"
		" -k KEYS [-c CONNS] [-p DEPTH] [-w WARMUP] [-d SECONDS] [-n CHECK]"
		" [-l LABEL] [-F] [-U PATH | -I HOST:PORT [-L LABEL] [-G] [-a MS]]\n");
	exit(2);
}

/* bench_options - parse the command line into o */
static void
bench_options(int argc, char **argv, struct bench_opts *o)
{
	int ch;

	memset(o, 0, sizeof(*o));
	o->conns = 1;
	o->depth = 1;
	o->warmup = 1;
	o->seconds = 5;
	o->t[0].label = "bench";
	o->t[1].label = "bench-B";
	o->phase_ms = 50;
	while ((ch = getopt(argc, argv, "u:i:s:k:c:p:w:d:n:l:FU:I:L:Ga:")) != -1) {
		switch (ch) {
		case 'u': o->t[0].unix_path = optarg; break;
		case 'i': o->t[0].inet = optarg; break;
		case 'U': o->t[1].unix_path = optarg; break;
		case 'I': o->t[1].inet = optarg; break;
		case 'L': o->t[1].label = optarg; break;
		case 'G': o->t[1].framing_only = 1; break;
		case 'a': o->phase_ms = atof(optarg); break;
		case 's': o->policy = strcmp(optarg, "policy") == 0; break;
		case 'k': o->keys_path = optarg; break;
		case 'c': o->conns = atoi(optarg); break;
		case 'p': o->depth = atoi(optarg); break;
		case 'w': o->warmup = atof(optarg); break;
		case 'd': o->seconds = atof(optarg); break;
		case 'n': o->check = atol(optarg); break;
		case 'l': o->t[0].label = optarg; break;
		case 'F': o->t[0].framing_only = 1; break;
		default: bench_usage();
		}
	}
	o->paired = o->t[1].unix_path != NULL || o->t[1].inet != NULL;
	if ((o->t[0].unix_path == NULL) == (o->t[0].inet == NULL) ||
	    (o->t[1].unix_path != NULL && o->t[1].inet != NULL) ||
	    o->keys_path == NULL || o->conns < 1 || o->depth < 1 ||
	    o->depth > BENCH_MAX_DEPTH || o->seconds <= 0 || o->warmup < 0 ||
	    o->phase_ms < 1 || (o->paired && o->check > 0) || optind != argc)
		bench_usage();
	if (o->check > 0) {	/* one key at a time, in file order */
		o->conns = 1;
		o->depth = 1;
		o->warmup = 0;
		o->seconds = 600;
	}
}

/* bench_report - one server's result line */
static void
bench_report(const struct bench_opts *o, const struct bench_target *t,
	     struct bench_run *r)
{
	/* paired, each server had half of the measured time */
	double secs = o->paired ? o->seconds / 2 : o->seconds;

	qsort(r->samples, r->nsamples, sizeof(*r->samples), bench_cmp_u64);
	printf("%s conns %d requests %zu rps %.0f p50 %.1f p99 %.1f p999 %.1f wrong %ld all %ld\n",
	       t->label, o->conns, r->nsamples, (double)r->nsamples / secs,
	       bench_pct_us(r, 0.50), bench_pct_us(r, 0.99),
	       bench_pct_us(r, 0.999), r->wrong, r->all);
}

/* main - load keys, connect, run, print a result line a server */
int
main(int argc, char **argv)
{
	struct bench_opts o;
	struct bench_run runs[2];
	struct bench_conn *conns;
	uint64_t start;
	int i, nconns, nservers;

	signal(SIGPIPE, SIG_IGN);
	bench_options(argc, argv, &o);
	memset(runs, 0, sizeof(runs));
	bench_load_keys(&o, &runs[0]);
	runs[1].keys = runs[0].keys;
	runs[1].nkeys = runs[0].nkeys;
	if (o.check > (long)runs[0].nkeys)
		o.check = (long)runs[0].nkeys;
	nservers = o.paired ? 2 : 1;
	nconns = o.conns * nservers;
	if ((conns = calloc((size_t)nconns, sizeof(*conns))) == NULL)
		bench_die("calloc");
	for (i = 0; i < nconns; i++) {
		conns[i].server = i / o.conns;
		conns[i].fd = bench_connect(&o.t[conns[i].server]);
		conns[i].next_key = (size_t)(i % o.conns) * runs[0].nkeys /
		    (size_t)o.conns;
	}
	start = bench_now_ns();
	for (i = 0; i < nservers; i++) {
		runs[i].t_measure = start + (uint64_t)(o.warmup * 1e9);
		runs[i].t_end = runs[i].t_measure + (uint64_t)(o.seconds * 1e9);
	}
	bench_loop(&o, runs, conns, nconns, start);
	if (o.check > 0) {
		printf("%s: checked %ld answers, %ld wrong\n", o.t[0].label,
		       runs[0].answered, runs[0].wrong);
		return runs[0].wrong == 0 && runs[0].answered == o.check ? 0 : 1;
	}
	for (i = 0; i < nservers; i++)
		bench_report(&o, &o.t[i], &runs[i]);
	for (i = 0; i < nconns; i++)
		close(conns[i].fd);
	return runs[0].wrong == 0 && runs[1].wrong == 0 ? 0 : 1;
}
