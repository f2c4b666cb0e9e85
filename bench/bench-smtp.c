/*
 * bench-smtp.c - SMTP load client for bench/milter-run: sends ready-made
 * messages over N concurrent sessions, one message per connection (as an
 * MX sees mail), and prints messages/s and client-side latency percentiles.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define BENCH_LINE	1024

struct bench_msg {
	char	from[256];
	char	rcpt[256];
	char	*data;		/* CRLF lines, dot-stuffed, ends in CRLF.CRLF */
	size_t	len;
};

struct bench_conn {
	int	fd;
	char	buf[4096];
	size_t	have;
};

static struct bench_msg *bench_msgs;
static size_t bench_nmsgs;
static size_t bench_total;
static double *bench_lat;	/* seconds per message, < 0 when it failed */
static atomic_size_t bench_next;
static atomic_size_t bench_failed;
static struct sockaddr_in bench_server;
static struct sockaddr_in bench_local;
static int bench_bind;
static const char *bench_helo = "client.bench.example";

/* bench_now - monotonic seconds */
static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* bench_append - grow *out by len bytes of src */
static void
bench_append(char **out, size_t *len, size_t *cap, const char *src, size_t n)
{
	if (*len + n > *cap) {
		*cap = (*len + n) * 2;
		if ((*out = realloc(*out, *cap)) == NULL) {
			perror("realloc");
			exit(1);
		}
	}
	memcpy(*out + *len, src, n);
	*len += n;
}

/* bench_load_file - a message file as SMTP DATA (CRLF, dot-stuffed, final dot) */
static int
bench_load_file(struct bench_msg *m, const char *path)
{
	FILE *fp = fopen(path, "r");
	char *line = NULL, *out = NULL;
	size_t lcap = 0, len = 0, cap = 0;
	ssize_t n;

	if (fp == NULL) {
		perror(path);
		return -1;
	}
	while ((n = getline(&line, &lcap, fp)) > 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			n--;
		if (line[0] == '.')
			bench_append(&out, &len, &cap, ".", 1);
		bench_append(&out, &len, &cap, line, (size_t)n);
		bench_append(&out, &len, &cap, "\r\n", 2);
	}
	bench_append(&out, &len, &cap, ".\r\n", 3);
	free(line);
	fclose(fp);
	m->data = out;
	m->len = len;
	return 0;
}

/* bench_load_list - "MAILFROM RCPT FILE" lines into bench_msgs */
static int
bench_load_list(const char *path)
{
	FILE *fp = fopen(path, "r");
	char line[BENCH_LINE], file[BENCH_LINE];
	size_t cap = 0;

	if (fp == NULL) {
		perror(path);
		return -1;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		struct bench_msg *m;

		if (bench_nmsgs == cap) {
			cap = cap ? cap * 2 : 64;
			bench_msgs = realloc(bench_msgs, cap * sizeof(*bench_msgs));
			if (bench_msgs == NULL)
				return -1;
		}
		m = &bench_msgs[bench_nmsgs];
		if (sscanf(line, "%255s %255s %1023s", m->from, m->rcpt, file) != 3)
			continue;
		if (bench_load_file(m, file) < 0)
			return -1;
		bench_nmsgs++;
	}
	fclose(fp);
	return bench_nmsgs > 0 ? 0 : -1;
}

/* bench_reply - read one (multi-line) SMTP reply; its code, or -1 */
static int
bench_reply(struct bench_conn *c)
{
	for (;;) {
		char *eol = memchr(c->buf, '\n', c->have);

		if (eol != NULL) {
			size_t llen = (size_t)(eol - c->buf) + 1;
			int last = llen >= 4 && c->buf[3] != '-';
			int code = atoi(c->buf);

			memmove(c->buf, eol + 1, c->have - llen);
			c->have -= llen;
			if (last)
				return code;
			continue;
		}
		if (c->have == sizeof(c->buf))
			c->have = 0;	/* an absurd line: keep reading */
		ssize_t n = read(c->fd, c->buf + c->have, sizeof(c->buf) - c->have);
		if (n <= 0)
			return -1;
		c->have += (size_t)n;
	}
}

/* bench_send - write all of buf */
static int
bench_send(struct bench_conn *c, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(c->fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* bench_cmd - send "VERB ARG SUFFIX" CRLF and check the reply code */
static int
bench_cmd(struct bench_conn *c, int want, const char *verb, const char *arg,
	  const char *suffix)
{
	char line[BENCH_LINE];
	int n = snprintf(line, sizeof(line), "%s%s%s\r\n", verb, arg, suffix);

	if (n < 0 || (size_t)n >= sizeof(line) || bench_send(c, line, (size_t)n) < 0)
		return -1;
	return bench_reply(c) == want ? 0 : -1;
}

/* bench_connect - a connected socket (from bench_local when given), or -1 */
static int
bench_connect(void)
{
	struct timeval tv = { .tv_sec = 60 };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if ((bench_bind && bind(fd, (struct sockaddr *)&bench_local,
				sizeof(bench_local)) < 0) ||
	    connect(fd, (struct sockaddr *)&bench_server, sizeof(bench_server)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* bench_one - one connection, one message; the reply chain to 250 after DATA */
static int
bench_one(const struct bench_msg *m)
{
	struct bench_conn c = { .have = 0 };
	int rc = -1;

	if ((c.fd = bench_connect()) < 0)
		return -1;
	if (bench_reply(&c) == 220 &&
	    bench_cmd(&c, 250, "EHLO ", bench_helo, "") == 0 &&
	    bench_cmd(&c, 250, "MAIL FROM:<", m->from, ">") == 0 &&
	    bench_cmd(&c, 250, "RCPT TO:<", m->rcpt, ">") == 0 &&
	    bench_cmd(&c, 354, "DATA", "", "") == 0 &&
	    bench_send(&c, m->data, m->len) == 0 &&
	    bench_reply(&c) == 250)
		rc = 0;
	if (rc == 0)
		(void)bench_cmd(&c, 221, "QUIT", "", "");
	close(c.fd);
	return rc;
}

/* bench_session - a worker: take the next message until all are sent */
static void *
bench_session(void *arg)
{
	(void)arg;
	for (;;) {
		size_t i = atomic_fetch_add(&bench_next, 1);
		double t0;

		if (i >= bench_total)
			return NULL;
		t0 = bench_now();
		if (bench_one(&bench_msgs[i % bench_nmsgs]) == 0) {
			bench_lat[i] = bench_now() - t0;
		} else {
			bench_lat[i] = -1;
			atomic_fetch_add(&bench_failed, 1);
		}
	}
}

/* bench_cmp_double - qsort order */
static int
bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* bench_pct - the p-th percentile (nearest rank) of sorted v[0..n) */
static double
bench_pct(const double *v, size_t n, double p)
{
	size_t rank = (size_t)ceil(p / 100.0 * (double)n);

	return v[rank > 0 ? rank - 1 : 0];
}

/* bench_report - the one-line summary bench/milter-run parses */
static void
bench_report(double secs)
{
	double *ok = malloc(bench_total * sizeof(*ok));
	size_t n = 0;

	if (ok == NULL)
		exit(1);
	for (size_t i = 0; i < bench_total; i++)
		if (bench_lat[i] >= 0)
			ok[n++] = bench_lat[i];
	qsort(ok, n, sizeof(*ok), bench_cmp_double);
	printf("sent=%zu failed=%zu seconds=%.3f msgs_per_s=%.1f",
	       n, (size_t)atomic_load(&bench_failed), secs, (double)n / secs);
	if (n > 0)
		printf(" p50_ms=%.1f p99_ms=%.1f max_ms=%.1f",
		       bench_pct(ok, n, 50) * 1e3, bench_pct(ok, n, 99) * 1e3,
		       ok[n - 1] * 1e3);
	printf("\n");
	free(ok);
}

/* bench_usage - say how to call us and exit */
static void
bench_usage(void)
{
	fprintf(stderr, "usage: bench-smtp [-c sessions] [-n messages] "
		"[-b local-ipv4] [-H helo] SERVER-IPV4 PORT LIST\n"
		"  LIST: lines \"MAILFROM RCPT MESSAGE-FILE\"\n");
	exit(2);
}

/* main - load the messages, run the sessions, print the summary */
int
main(int argc, char **argv)
{
	unsigned long sessions = 1;
	pthread_t *tids;
	double t0;
	int ch;

	while ((ch = getopt(argc, argv, "b:c:H:n:")) != -1) {
		switch (ch) {
		case 'b':
			if (inet_pton(AF_INET, optarg, &bench_local.sin_addr) != 1)
				bench_usage();
			bench_local.sin_family = AF_INET;
			bench_bind = 1;
			break;
		case 'c':
			sessions = strtoul(optarg, NULL, 10);
			break;
		case 'H':
			bench_helo = optarg;
			break;
		case 'n':
			bench_total = strtoul(optarg, NULL, 10);
			break;
		default:
			bench_usage();
		}
	}
	if (argc - optind != 3 || sessions == 0 || sessions > 1000)
		bench_usage();
	bench_server.sin_family = AF_INET;
	bench_server.sin_port = htons((uint16_t)atoi(argv[optind + 1]));
	if (inet_pton(AF_INET, argv[optind], &bench_server.sin_addr) != 1)
		bench_usage();
	if (bench_load_list(argv[optind + 2]) < 0) {
		fprintf(stderr, "bench-smtp: no messages in %s\n", argv[optind + 2]);
		return 1;
	}
	if (bench_total == 0)
		bench_total = bench_nmsgs;
	bench_lat = calloc(bench_total, sizeof(*bench_lat));
	tids = calloc(sessions, sizeof(*tids));
	if (bench_lat == NULL || tids == NULL)
		return 1;
	t0 = bench_now();
	for (unsigned long i = 0; i < sessions; i++)
		if (pthread_create(&tids[i], NULL, bench_session, NULL) != 0)
			return 1;
	for (unsigned long i = 0; i < sessions; i++)
		pthread_join(tids[i], NULL);
	bench_report(bench_now() - t0);
	return atomic_load(&bench_failed) == 0 ? 0 : 1;
}
