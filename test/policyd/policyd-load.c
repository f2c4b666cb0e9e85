/*
 * policyd-load.c - a load client for trustmx-policyd's tests: opens many
 * connections at once, then sends rounds of socketmap or policy requests
 * on every one and checks every answer. Exit 0 only if all were right.
 *
 *   policyd-load -u PATH | -i HOST:PORT  -s socketmap|policy
 *                [-c CONNECTIONS] [-r ROUNDS] [-x PROXY-SOURCE] [-b BIND]
 *                KEY=ANSWER...
 *   policyd-load -u PATH | -i HOST:PORT  -g DATA [-T MS] [-w SECONDS]
 *                (probe: send DATA, byte by byte every MS with -T, then
 *                print what came back and whether the server closed)
 *   policyd-load -u PATH | -i HOST:PORT  -s socketmap|policy -t SECONDS
 *                [-k KEYFILE -c CONNECTIONS [-d DEPTH] [-q RATE] [-R BATCHES]
 *                [-D DENY-ACTION]] [-I IDLE] [-L SLOW] [-G GARBAGE]
 *                [-x PROXY-SOURCE]
 *                (soak: for SECONDS, well-behaved clients ask the keys of
 *                KEYFILE, DEPTH pipelined requests a batch, RATE lookups/s
 *                in all, reconnecting every BATCHES batches, and check each
 *                answer against the key's class; IDLE connections sit
 *                there, SLOW ones trickle a request that never ends, and
 *                GARBAGE senders send junk; each comes back when the
 *                server closes it. One line of figures; exit 0 only when
 *                every answer was right and no good client was locked out)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <trustmx/proxy.h>

#include "policyd-load.h"

/* load_connect - one connection to the server; -1 on failure */
int
load_connect(const struct load_opts *o)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd;

	memset(&ss, 0, sizeof(ss));
	if (o->unix_path != NULL) {
		struct sockaddr_un *sun = (struct sockaddr_un *)&ss;

		sun->sun_family = AF_UNIX;
		snprintf(sun->sun_path, sizeof(sun->sun_path), "%s", o->unix_path);
		len = sizeof(*sun);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		char host[64];
		const char *colon = strrchr(o->inet, ':');

		snprintf(host, sizeof(host), "%.*s", (int)(colon - o->inet), o->inet);
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)atoi(colon + 1));
		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			return -1;
		len = sizeof(*sin);
	}
	if ((fd = socket(ss.ss_family, SOCK_STREAM, 0)) < 0)
		return -1;
	if (o->bind_src != NULL && o->unix_path == NULL) {
		struct sockaddr_in b;

		memset(&b, 0, sizeof(b));
		b.sin_family = AF_INET;
		if (inet_pton(AF_INET, o->bind_src, &b.sin_addr) != 1 ||
		    bind(fd, (struct sockaddr *)&b, sizeof(b)) < 0) {
			close(fd);
			return -1;
		}
	}
	if (connect(fd, (struct sockaddr *)&ss, len) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* load_write_all - write len bytes; -1 on error */
int
load_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* load_proxy_header - a PROXY v2 header from src:4321 to 192.0.2.254:25,
 * or a LOCAL one when src is "LOCAL", with a CRC32C TLV when crc32c; its
 * length, or -1 */
int
load_proxy_header(const char *src, bool crc32c, uint8_t *buf, size_t size)
{
	struct sockaddr_in s, d;
	struct tmx_proxy_v2_writer w;
	size_t len;

	if (strcmp(src, "LOCAL") == 0) {	/* a health check */
		if (tmx_proxy_v2_begin(&w, buf, size, TMX_PROXY_CMD_LOCAL,
		    TMX_PROXY_FAM_UNSPEC, NULL, NULL) < 0 ||
		    tmx_proxy_v2_finish(&w, crc32c, &len) < 0)
			return -1;
		return (int)len;
	}
	memset(&s, 0, sizeof(s));
	memset(&d, 0, sizeof(d));
	s.sin_family = d.sin_family = AF_INET;
	s.sin_port = htons(4321);
	d.sin_port = htons(25);
	if (inet_pton(AF_INET, src, &s.sin_addr) != 1 ||
	    inet_pton(AF_INET, "192.0.2.254", &d.sin_addr) != 1)
		return -1;
	if (tmx_proxy_v2_begin(&w, buf, size, TMX_PROXY_CMD_PROXY,
	    TMX_PROXY_FAM_TCP4, (struct sockaddr *)&s, (struct sockaddr *)&d) < 0 ||
	    tmx_proxy_v2_finish(&w, crc32c, &len) < 0)
		return -1;
	return (int)len;
}

/* load_proxy - send a PROXY v2 header (load_proxy_header) */
int
load_proxy(int fd, const char *src, bool crc32c)
{
	uint8_t buf[256];
	int len = load_proxy_header(src, crc32c, buf, sizeof(buf));

	return len < 0 ? -1 : load_write_all(fd, buf, (size_t)len);
}

/* load_request - the request text for key */
int
load_request(const struct load_opts *o, const char *key, char *buf, size_t size)
{
	if (o->policy)
		return snprintf(buf, size, "request=smtpd_access_policy\n"
				"protocol_state=RCPT\nclient_address=%s\n"
				"client_name=unknown\n\n", key);
	return snprintf(buf, size, "%zu:postscreen %s,",
			strlen("postscreen ") + strlen(key), key);
}

/* load_expect - the exact reply text for an answer */
static int
load_expect(const struct load_opts *o, const char *answer, char *buf,
	    size_t size)
{
	if (o->policy)
		return snprintf(buf, size, "action=%s\n\n", answer);
	return snprintf(buf, size, "%zu:%s,", strlen(answer), answer);
}

/* load_read_exact - read exactly len bytes; -1 on EOF or error */
static int
load_read_exact(int fd, char *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

/* load_run - connect all, then rounds of one request per connection */
static int
load_run(const struct load_opts *o)
{
	int *fds = calloc((size_t)o->conns, sizeof(int));
	char req[512], want[512], got[512];
	long answered = 0, wrong = 0;
	int i, r;

	for (i = 0; i < o->conns; i++) {
		if ((fds[i] = load_connect(o)) < 0) {
			fprintf(stderr, "connection %d: %s\n", i, strerror(errno));
			return 1;
		}
		if (o->proxy_src != NULL && load_proxy(fds[i], o->proxy_src, false) < 0) {
			fprintf(stderr, "connection %d: PROXY header failed\n", i);
			return 1;
		}
	}
	for (r = 0; r < o->rounds; r++) {
		for (i = 0; i < o->conns; i++) {
			const struct load_case *c = &o->cases[(i + r) % o->ncases];
			int n = load_request(o, c->key, req, sizeof(req));

			if (load_write_all(fds[i], req, (size_t)n) < 0) {
				fprintf(stderr, "connection %d: write failed\n", i);
				return 1;
			}
		}
		for (i = 0; i < o->conns; i++) {
			const struct load_case *c = &o->cases[(i + r) % o->ncases];
			int n = load_expect(o, c->answer, want, sizeof(want));

			if (load_read_exact(fds[i], got, (size_t)n) < 0) {
				fprintf(stderr, "connection %d round %d: no answer\n",
					i, r);
				return 1;
			}
			answered++;
			if (memcmp(got, want, (size_t)n) != 0) {
				wrong++;
				if (wrong < 10)
					fprintf(stderr, "%s: got \"%.*s\", want \"%s\"\n",
						c->key, n, got, want);
			}
		}
	}
	for (i = 0; i < o->conns; i++)
		close(fds[i]);
	free(fds);
	printf("answered %ld, wrong %ld\n", answered, wrong);
	return wrong == 0 ? 0 : 1;
}

/* load_probe - send raw bytes, report the reply and whether it closed */
static int
load_probe(const struct load_opts *o)
{
	int fd = load_connect(o);
	size_t i, len = strlen(o->probe);
	struct pollfd pfd;
	char buf[4096];
	int closed = 0;
	ssize_t n;

	if (fd < 0) {
		printf("CONNECT-FAILED\n");
		return 1;
	}
	if (o->proxy_src != NULL && load_proxy(fd, o->proxy_src, false) < 0)
		closed = 1;
	for (i = 0; !closed && i < len; i++) {
		if (o->trickle_ms > 0)
			usleep((useconds_t)o->trickle_ms * 1000);
		if (load_write_all(fd, o->probe + i, o->trickle_ms > 0 ? 1 :
		    len) < 0) {
			closed = 1;
			break;
		}
		if (o->trickle_ms == 0)
			break;
	}
	printf("REPLY ");
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (!closed && poll(&pfd, 1, o->wait_s * 1000) > 0) {
		n = read(fd, buf, sizeof(buf));
		if (n <= 0) {
			closed = 1;
			break;
		}
		for (i = 0; i < (size_t)n; i++)
			if (buf[i] == '\n')
				printf("\\n");
			else if (buf[i] >= 0x20 && buf[i] < 0x7f)
				putchar(buf[i]);
			else
				printf("\\x%02x", (unsigned char)buf[i]);
	}
	printf("\n%s\n", closed ? "EOF" : "OPEN");
	close(fd);
	return 0;
}

/* main - options and KEY=ANSWER cases */
int
main(int argc, char **argv)
{
	struct load_opts o;
	int ch, i, rc;

	memset(&o, 0, sizeof(o));
	o.conns = 1;
	o.rounds = 1;
	o.wait_s = 2;
	o.depth = 16;
	o.deny_action = "REJECT listed";
	signal(SIGPIPE, SIG_IGN);	/* a closed connection is a result here */
	while ((ch = getopt(argc, argv, "u:i:s:c:r:x:b:g:T:w:t:k:d:q:R:D:I:L:G:")) != -1) {
		switch (ch) {
		case 'u': o.unix_path = optarg; break;
		case 'i': o.inet = optarg; break;
		case 's': o.policy = strcmp(optarg, "policy") == 0; break;
		case 'c': o.conns = atoi(optarg); break;
		case 'r': o.rounds = atoi(optarg); break;
		case 'x': o.proxy_src = optarg; break;
		case 'b': o.bind_src = optarg; break;
		case 'g': o.probe = optarg; break;
		case 'T': o.trickle_ms = atoi(optarg); break;
		case 'w': o.wait_s = atoi(optarg); break;
		case 't': o.soak_s = atoi(optarg); break;
		case 'k': o.keyfile = optarg; break;
		case 'd': o.depth = atoi(optarg); break;
		case 'q': o.rate = atoi(optarg); break;
		case 'R': o.reconnect = atoi(optarg); break;
		case 'D': o.deny_action = optarg; break;
		case 'I': o.idle = atoi(optarg); break;
		case 'L': o.slow = atoi(optarg); break;
		case 'G': o.garbage = atoi(optarg); break;
		default: return 2;
		}
	}
	if ((o.unix_path == NULL) != (o.inet == NULL) && o.probe != NULL)
		return load_probe(&o);
	if (o.soak_s > 0 && (o.unix_path == NULL) != (o.inet == NULL) &&
	    o.depth >= 1 && o.depth <= 64 && o.conns >= 1)
		return soak_run(&o);
	if ((o.unix_path == NULL) == (o.inet == NULL) || optind == argc ||
	    o.conns < 1 || o.rounds < 1)
		return 2;
	o.ncases = argc - optind;
	o.cases = calloc((size_t)o.ncases, sizeof(*o.cases));
	for (i = 0; i < o.ncases; i++) {
		char *eq = strchr(argv[optind + i], '=');

		if (eq == NULL)
			return 2;
		*eq = '\0';
		o.cases[i].key = argv[optind + i];
		o.cases[i].answer = eq + 1;
	}
	rc = load_run(&o);
	free(o.cases);	/* (sanitizer builds check for leaks at exit) */
	return rc;
}
