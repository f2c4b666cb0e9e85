/*
 * test-trust.c - the trust policy: every outcome of tmx_trust_judge for
 * IPv4, IPv6 and IPv4-mapped peers, then tmx_trust_accept over real
 * loopback connections (untrusted peers' bytes are never read).
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <trustmx/cidrset.h>
#include <trustmx/proxy.h>
#include <trustmx/trust.h>

#include "tmx-test.h"
#include "tmx-test-sock.h"

#define PROXIES "198.51.100.0/24\n2001:db8:1::/48\n"
#define LOOPBACK "127.0.0.0/8\n::1/128\n"
#define APP "EHLO client.example\r\n"
#define APP_LEN (sizeof(APP) - 1)

/* The headers the judge is shown, all really encoded and parsed. */
enum hdr_kind {
	H_NONE,			/* no header: status is not READ_OK */
	H_V2_TCP4,		/* 192.0.2.10:40000 -> 203.0.113.25:25 */
	H_V2_TCP6,		/* [2001:db8:9::10]:40000 -> [2001:db8::25]:25 */
	H_V2_UDP4,
	H_V2_UNIX,		/* unix:/run/client -> unix:/run/smtpd */
	H_V2_LOCAL,		/* LOCAL UNSPEC */
	H_V2_LOCAL_TCP4,	/* LOCAL with addresses */
	H_V2_PROXY_UNSPEC,	/* PROXY UNSPEC */
	H_V1_TCP4,
	H_V1_UNKNOWN,
	H_BAD,			/* not parsable: READ_INVALID rows */
};

/* hdr_make - encode a header kind and parse it into hdr; 0 or -1 */
static int
hdr_make(enum hdr_kind kind, uint8_t *buf, size_t size,
	 struct tmx_proxy_hdr *hdr, size_t *len_r)
{
	struct sockaddr_storage s, d;
	struct tmx_proxy_v2_writer w;
	enum tmx_proxy_command cmd = TMX_PROXY_CMD_PROXY;
	enum tmx_proxy_family fam = TMX_PROXY_FAM_TCP4;
	const char *src = "192.0.2.10", *dst = "203.0.113.25";
	size_t len = 0, n = 0;

	switch (kind) {
	case H_NONE:
	case H_BAD:
		return 0;
	case H_V1_TCP4:
	case H_V1_UNKNOWN:
		if (tmx_proxy_encode_v1(kind == H_V1_TCP4 ?
		    TMX_PROXY_FAM_TCP4 : TMX_PROXY_FAM_UNKNOWN,
		    test_sockaddr(&s, src, 40000),
		    test_sockaddr(&d, dst, 25), buf, size, &len) < 0)
			return -1;
		goto parse;
	case H_V2_TCP4:
		break;
	case H_V2_TCP6:
		fam = TMX_PROXY_FAM_TCP6;
		src = "2001:db8:9::10";
		dst = "2001:db8::25";
		break;
	case H_V2_UDP4:
		fam = TMX_PROXY_FAM_UDP4;
		break;
	case H_V2_UNIX:
		fam = TMX_PROXY_FAM_UNIX;
		src = "unix:/run/client";
		dst = "unix:/run/smtpd";
		break;
	case H_V2_LOCAL:
		cmd = TMX_PROXY_CMD_LOCAL;
		fam = TMX_PROXY_FAM_UNSPEC;
		break;
	case H_V2_LOCAL_TCP4:
		cmd = TMX_PROXY_CMD_LOCAL;
		break;
	case H_V2_PROXY_UNSPEC:
		fam = TMX_PROXY_FAM_UNSPEC;
		break;
	}
	tmx_proxy_v2_begin(&w, buf, size, cmd, fam,
	    test_sockaddr(&s, src, 40000), test_sockaddr(&d, dst, 25));
	if (tmx_proxy_v2_finish(&w, true, &len) < 0)
		return -1;
parse:
	if (len_r != NULL)
		*len_r = len;
	if (tmx_proxy_parse(buf, len, 0, hdr, &n, NULL) != TMX_PROXY_OK ||
	    n != len)
		return -1;
	return 0;
}

/* proxies_build - a cidrset from a list text; NULL on failure */
static struct tmx_cidrset *
proxies_build(const char *text)
{
	struct tmx_cidrset_builder *b = tmx_cidrset_builder_new();
	char err[256] = "";

	if (b == NULL)
		return NULL;
	if (tmx_cidrset_builder_parse_list(b, "test", text, strlen(text), 0,
	    err, sizeof(err)) < 0) {
		fprintf(stderr, "proxies_build: %s\n", err);
		tmx_cidrset_builder_free(b);
		return NULL;
	}
	return tmx_cidrset_build(b);
}

/* Where the expected endpoints come from. */
enum want_ep {
	EP_NONE,		/* refusal: both AF_UNSPEC */
	EP_REAL,		/* the socket's own peer and local */
	EP_HEADER,		/* the header's src and dst */
};

static const struct judge_case {
	const char *name;
	const char *peer, *local;	/* "unix:..." for AF_UNIX */
	bool no_proxies;		/* policy->proxies NULL */
	bool allow_direct;
	enum tmx_proxy_read_status status;
	enum hdr_kind hdr;
	enum tmx_trust_outcome want;
	enum want_ep ep;
} judge_cases[] = {
	/* untrusted peers: refused whatever they sent */
	{ "v4 untrusted with header", "192.0.2.99", "203.0.113.25", false,
	    false, TMX_PROXY_READ_OK, H_V2_TCP4, TMX_TRUST_REFUSE_UNTRUSTED,
	    EP_NONE },
	{ "v4 untrusted no header, direct allowed", "192.0.2.99",
	    "203.0.113.25", false, true, TMX_PROXY_READ_NONE, H_NONE,
	    TMX_TRUST_REFUSE_UNTRUSTED, EP_NONE },
	{ "v4 untrusted probe", "192.0.2.99", "203.0.113.25", false, false,
	    TMX_PROXY_READ_OK, H_V2_LOCAL, TMX_TRUST_REFUSE_UNTRUSTED,
	    EP_NONE },
	{ "v4 untrusted malformed", "192.0.2.99", "203.0.113.25", false,
	    false, TMX_PROXY_READ_INVALID, H_BAD, TMX_TRUST_REFUSE_UNTRUSTED,
	    EP_NONE },
	{ "v4 just outside the /24", "198.51.101.0", "203.0.113.25", false,
	    false, TMX_PROXY_READ_OK, H_V2_TCP4, TMX_TRUST_REFUSE_UNTRUSTED,
	    EP_NONE },
	{ "v6 untrusted", "2001:db8:2::1", "2001:db8::25", false, false,
	    TMX_PROXY_READ_OK, H_V2_TCP6, TMX_TRUST_REFUSE_UNTRUSTED,
	    EP_NONE },
	{ "mapped untrusted", "::ffff:192.0.2.99", "::ffff:203.0.113.25",
	    false, false, TMX_PROXY_READ_OK, H_V2_TCP4,
	    TMX_TRUST_REFUSE_UNTRUSTED, EP_NONE },
	{ "no proxy networks at all", "198.51.100.7", "203.0.113.25", true,
	    true, TMX_PROXY_READ_OK, H_V2_TCP4, TMX_TRUST_REFUSE_UNTRUSTED,
	    EP_NONE },
	{ "unix peer", "unix:/run/haproxy", "unix:/run/smtpd", false, false,
	    TMX_PROXY_READ_OK, H_V2_TCP4, TMX_TRUST_REFUSE_UNTRUSTED,
	    EP_NONE },
	/* trusted peers with client addresses: proxied */
	{ "v4 proxied v2 tcp4", "198.51.100.7", "203.0.113.25", false, false,
	    TMX_PROXY_READ_OK, H_V2_TCP4, TMX_TRUST_PROXIED, EP_HEADER },
	{ "v4 proxied v2 tcp6", "198.51.100.255", "203.0.113.25", false,
	    false, TMX_PROXY_READ_OK, H_V2_TCP6, TMX_TRUST_PROXIED,
	    EP_HEADER },
	{ "v4 proxied v2 udp4", "198.51.100.0", "203.0.113.25", false, false,
	    TMX_PROXY_READ_OK, H_V2_UDP4, TMX_TRUST_PROXIED, EP_HEADER },
	{ "v4 proxied v2 unix", "198.51.100.7", "203.0.113.25", false, false,
	    TMX_PROXY_READ_OK, H_V2_UNIX, TMX_TRUST_PROXIED, EP_HEADER },
	{ "v4 proxied v1 tcp4", "198.51.100.7", "203.0.113.25", false, true,
	    TMX_PROXY_READ_OK, H_V1_TCP4, TMX_TRUST_PROXIED, EP_HEADER },
	{ "v6 proxied", "2001:db8:1::7", "2001:db8::25", false, false,
	    TMX_PROXY_READ_OK, H_V2_TCP6, TMX_TRUST_PROXIED, EP_HEADER },
	{ "v6 proxied, edge of the /48", "2001:db8:1:ffff:ffff:ffff:ffff:ffff",
	    "2001:db8::25", false, false, TMX_PROXY_READ_OK, H_V2_TCP4,
	    TMX_TRUST_PROXIED, EP_HEADER },
	{ "mapped proxied", "::ffff:198.51.100.7", "::ffff:203.0.113.25",
	    false, false, TMX_PROXY_READ_OK, H_V2_TCP4, TMX_TRUST_PROXIED,
	    EP_HEADER },
	/* health checks: probes with the real endpoints */
	{ "v4 probe LOCAL", "198.51.100.7", "203.0.113.25", false, false,
	    TMX_PROXY_READ_OK, H_V2_LOCAL, TMX_TRUST_PROBE, EP_REAL },
	{ "v4 probe LOCAL with addresses", "198.51.100.7", "203.0.113.25",
	    false, false, TMX_PROXY_READ_OK, H_V2_LOCAL_TCP4, TMX_TRUST_PROBE,
	    EP_REAL },
	{ "v4 probe PROXY UNSPEC", "198.51.100.7", "203.0.113.25", false,
	    false, TMX_PROXY_READ_OK, H_V2_PROXY_UNSPEC, TMX_TRUST_PROBE,
	    EP_REAL },
	{ "v4 probe v1 UNKNOWN", "198.51.100.7", "203.0.113.25", false,
	    false, TMX_PROXY_READ_OK, H_V1_UNKNOWN, TMX_TRUST_PROBE, EP_REAL },
	{ "v6 probe LOCAL", "2001:db8:1::7", "2001:db8::25", false, false,
	    TMX_PROXY_READ_OK, H_V2_LOCAL, TMX_TRUST_PROBE, EP_REAL },
	{ "mapped probe v1 UNKNOWN", "::ffff:198.51.100.7",
	    "::ffff:203.0.113.25", false, false, TMX_PROXY_READ_OK,
	    H_V1_UNKNOWN, TMX_TRUST_PROBE, EP_REAL },
	/* trusted, no header */
	{ "v4 no header, header required", "198.51.100.7", "203.0.113.25",
	    false, false, TMX_PROXY_READ_NONE, H_NONE,
	    TMX_TRUST_REFUSE_NO_HEADER, EP_NONE },
	{ "v4 no header, direct allowed", "198.51.100.7", "203.0.113.25",
	    false, true, TMX_PROXY_READ_NONE, H_NONE, TMX_TRUST_DIRECT,
	    EP_REAL },
	{ "v6 no header, direct allowed", "2001:db8:1::7", "2001:db8::25",
	    false, true, TMX_PROXY_READ_NONE, H_NONE, TMX_TRUST_DIRECT,
	    EP_REAL },
	{ "mapped no header, header required", "::ffff:198.51.100.7",
	    "::ffff:203.0.113.25", false, false, TMX_PROXY_READ_NONE, H_NONE,
	    TMX_TRUST_REFUSE_NO_HEADER, EP_NONE },
	/* trusted, the read failed */
	{ "v4 malformed", "198.51.100.7", "203.0.113.25", false, true,
	    TMX_PROXY_READ_INVALID, H_BAD, TMX_TRUST_REFUSE_INVALID, EP_NONE },
	{ "v6 malformed", "2001:db8:1::7", "2001:db8::25", false, false,
	    TMX_PROXY_READ_INVALID, H_BAD, TMX_TRUST_REFUSE_INVALID, EP_NONE },
	{ "v4 timeout", "198.51.100.7", "203.0.113.25", false, true,
	    TMX_PROXY_READ_TIMEOUT, H_NONE, TMX_TRUST_REFUSE_TIMEOUT,
	    EP_NONE },
	{ "v6 eof", "2001:db8:1::7", "2001:db8::25", false, false,
	    TMX_PROXY_READ_EOF, H_NONE, TMX_TRUST_REFUSE_TIMEOUT, EP_NONE },
	{ "mapped error", "::ffff:198.51.100.7", "::ffff:203.0.113.25",
	    false, false, TMX_PROXY_READ_ERROR, H_NONE,
	    TMX_TRUST_REFUSE_TIMEOUT, EP_NONE },
};

/* check_endpoints - result_r->src/dst are what the row expects */
static void
check_endpoints(const char *name, enum want_ep ep,
		const struct tmx_trust_result *res,
		const struct sockaddr_storage *peer,
		const struct sockaddr_storage *local,
		const struct tmx_proxy_hdr *hdr)
{
	struct sockaddr_storage none;
	const struct sockaddr_storage *ws = &none, *wd = &none;
	char t1[160], t2[160];

	memset(&none, 0, sizeof(none));
	if (ep == EP_REAL) {
		ws = peer;
		wd = local;
	} else if (ep == EP_HEADER) {
		ws = &hdr->src;
		wd = &hdr->dst;
	}
	TMX_CHECKF(ws->ss_family != AF_UNSPEC || ep == EP_NONE,
	    "%s: nothing to expect", name);
	TMX_CHECKF(test_sockaddr_equal(&res->src, ws) &&
	    test_sockaddr_equal(&res->dst, wd), "%s: got %s -> %s", name,
	    test_sockaddr_text(&res->src, t1, sizeof(t1)),
	    test_sockaddr_text(&res->dst, t2, sizeof(t2)));
}

/* test_judge - every row of judge_cases */
static void
test_judge(const struct tmx_cidrset *proxies)
{
	struct sockaddr_storage peer, local;
	struct tmx_trust_policy policy;
	struct tmx_trust_result res;
	struct tmx_proxy_hdr hdr;
	enum tmx_trust_outcome got;
	uint8_t buf[512];
	size_t i;

	for (i = 0; i < TEST_LEN(judge_cases); i++) {
		const struct judge_case *c = &judge_cases[i];

		memset(&hdr, 0, sizeof(hdr));
		TMX_CHECKF(hdr_make(c->hdr, buf, sizeof(buf), &hdr, NULL) == 0,
		    "%s: header", c->name);
		policy.proxies = c->no_proxies ? NULL : proxies;
		policy.allow_direct = c->allow_direct;
		test_sockaddr(&peer, c->peer, 2525);
		test_sockaddr(&local, c->local, 25);
		memset(&res, 0xff, sizeof(res));
		got = tmx_trust_judge(&policy, (struct sockaddr *)&peer,
		    (struct sockaddr *)&local, c->status,
		    c->status == TMX_PROXY_READ_OK ? &hdr : NULL, &res);
		TMX_CHECKF(got == c->want && res.outcome == c->want,
		    "%s: %s", c->name, tmx_trust_outcome_name(got));
		TMX_CHECKF(res.reason != NULL && res.reason[0] != '\0',
		    "%s: reason", c->name);
		TMX_CHECKF(tmx_trust_refused(got) == (c->ep == EP_NONE),
		    "%s: refused", c->name);
		check_endpoints(c->name, c->ep, &res, &peer, &local, &hdr);
	}
}

/* test_reasons - distinct outcomes and read failures have distinct reasons */
static void
test_reasons(const struct tmx_cidrset *proxies)
{
	static const enum tmx_proxy_read_status failed[] = {
		TMX_PROXY_READ_INVALID, TMX_PROXY_READ_TIMEOUT,
		TMX_PROXY_READ_EOF, TMX_PROXY_READ_ERROR, TMX_PROXY_READ_NONE,
	};
	struct tmx_trust_policy policy = { proxies, false };
	struct sockaddr_storage peer, local;
	struct tmx_trust_result res;
	const char *seen[TEST_LEN(failed)];
	size_t i, j;

	test_sockaddr(&peer, "198.51.100.7", 2525);
	test_sockaddr(&local, "203.0.113.25", 25);
	for (i = 0; i < TEST_LEN(failed); i++) {
		tmx_trust_judge(&policy, (struct sockaddr *)&peer,
		    (struct sockaddr *)&local, failed[i], NULL, &res);
		seen[i] = res.reason;
		for (j = 0; j < i; j++)
			TMX_CHECKF(strcmp(seen[i], seen[j]) != 0,
			    "same reason for %s and %s",
			    tmx_proxy_read_status_name(failed[i]),
			    tmx_proxy_read_status_name(failed[j]));
	}
}

/* test_names - every outcome has its own name, refusals are refusals */
static void
test_names(void)
{
	static const struct {
		enum tmx_trust_outcome outcome;
		const char *name;
		bool refused;
	} names[] = {
		{ TMX_TRUST_PROXIED, "proxied", false },
		{ TMX_TRUST_PROBE, "probe", false },
		{ TMX_TRUST_DIRECT, "direct", false },
		{ TMX_TRUST_REFUSE_UNTRUSTED, "refuse-untrusted", true },
		{ TMX_TRUST_REFUSE_NO_HEADER, "refuse-no-header", true },
		{ TMX_TRUST_REFUSE_INVALID, "refuse-invalid", true },
		{ TMX_TRUST_REFUSE_TIMEOUT, "refuse-timeout", true },
	};
	size_t i;

	for (i = 0; i < TEST_LEN(names); i++) {
		TMX_CHECK_STR(tmx_trust_outcome_name(names[i].outcome),
		    names[i].name);
		TMX_CHECKF(tmx_trust_refused(names[i].outcome) ==
		    names[i].refused, "%s", names[i].name);
	}
}

/* What the loopback client sends before APP. */
enum send_kind {
	S_V2_TCP4,		/* PROXY with client addresses */
	S_V2_LOCAL,
	S_V1_UNKNOWN,
	S_APP_ONLY,		/* no header, just APP */
	S_BAD,			/* a v2 header with a broken CRC32C */
	S_NOTHING,
};

static const struct accept_case {
	const char *name;
	const char *listen;	/* address the server binds */
	const char *proxies;	/* the proxy networks */
	bool allow_direct;
	enum send_kind send;
	int timeout_ms;
	enum tmx_trust_outcome want;
	enum want_ep ep;
	bool all_left;		/* every byte sent is still unread */
} accept_cases[] = {
	{ "loopback proxied", "127.0.0.1", LOOPBACK, false, S_V2_TCP4, 2000,
	    TMX_TRUST_PROXIED, EP_HEADER, false },
	{ "loopback probe LOCAL", "127.0.0.1", LOOPBACK, false, S_V2_LOCAL,
	    2000, TMX_TRUST_PROBE, EP_REAL, false },
	{ "loopback probe v1 UNKNOWN", "127.0.0.1", LOOPBACK, false,
	    S_V1_UNKNOWN, 2000, TMX_TRUST_PROBE, EP_REAL, false },
	{ "loopback direct", "127.0.0.1", LOOPBACK, true, S_APP_ONLY, 2000,
	    TMX_TRUST_DIRECT, EP_REAL, true },
	{ "loopback no header", "127.0.0.1", LOOPBACK, false, S_APP_ONLY,
	    2000, TMX_TRUST_REFUSE_NO_HEADER, EP_NONE, true },
	{ "loopback malformed", "127.0.0.1", LOOPBACK, false, S_BAD, 2000,
	    TMX_TRUST_REFUSE_INVALID, EP_NONE, false },
	{ "loopback timeout", "127.0.0.1", LOOPBACK, true, S_NOTHING, 200,
	    TMX_TRUST_REFUSE_TIMEOUT, EP_NONE, true },
	{ "untrusted: header left unread", "127.0.0.1", PROXIES, true,
	    S_V2_TCP4, 5000, TMX_TRUST_REFUSE_UNTRUSTED, EP_NONE, true },
	{ "untrusted: no wait for silence", "127.0.0.1", PROXIES, true,
	    S_NOTHING, 5000, TMX_TRUST_REFUSE_UNTRUSTED, EP_NONE, true },
	{ "mapped peer proxied", "::ffff:127.0.0.1", LOOPBACK, false,
	    S_V2_TCP4, 2000, TMX_TRUST_PROXIED, EP_HEADER, false },
	{ "mapped peer untrusted", "::ffff:127.0.0.1", "::ffff:0:0/96\n",
	    false, S_V2_TCP4, 2000, TMX_TRUST_REFUSE_UNTRUSTED, EP_NONE,
	    true },
	{ "ipv6 loopback probe", "::1", LOOPBACK, false, S_V2_LOCAL, 2000,
	    TMX_TRUST_PROBE, EP_REAL, false },
	{ "ipv6 loopback proxied", "::1", LOOPBACK, false, S_V2_TCP4, 2000,
	    TMX_TRUST_PROXIED, EP_HEADER, false },
};

/* loop_connect - listen on addr, connect to it; 1 skip, 0 ok, -1 failed */
static int
loop_connect(const char *addr, int *server_r, int *client_r)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int lfd, zero = 0;

	test_sockaddr(&ss, addr, 0);
	lfd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (lfd < 0)
		return 1;
	if (ss.ss_family == AF_INET6)
		setsockopt(lfd, IPPROTO_IPV6, IPV6_V6ONLY, &zero,
		    sizeof(zero));
	if (bind(lfd, (struct sockaddr *)&ss, ss.ss_family == AF_INET ?
	    sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)) < 0) {
		close(lfd);
		return errno == EADDRNOTAVAIL || errno == EAFNOSUPPORT ? 1 :
		    -1;
	}
	if (listen(lfd, 1) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&ss, &len) < 0 ||
	    (*client_r = socket(ss.ss_family, SOCK_STREAM, 0)) < 0) {
		close(lfd);
		return -1;
	}
	if (connect(*client_r, (struct sockaddr *)&ss, len) < 0 ||
	    (*server_r = accept(lfd, NULL, NULL)) < 0) {
		close(*client_r);
		close(lfd);
		return -1;
	}
	close(lfd);
	return 0;
}

/* send_build - the client's bytes; *hlen_r = header part */
static size_t
send_build(enum send_kind kind, uint8_t *buf, size_t size, size_t *hlen_r)
{
	struct tmx_proxy_hdr hdr;
	size_t len = 0;

	switch (kind) {
	case S_V2_TCP4:
	case S_BAD:
		hdr_make(H_V2_TCP4, buf, size, &hdr, &len);
		if (kind == S_BAD)
			buf[len - 1] ^= 0x80;	/* the CRC32C's last byte */
		break;
	case S_V2_LOCAL:
		hdr_make(H_V2_LOCAL, buf, size, &hdr, &len);
		break;
	case S_V1_UNKNOWN:
		hdr_make(H_V1_UNKNOWN, buf, size, &hdr, &len);
		break;
	case S_APP_ONLY:
		break;
	case S_NOTHING:
		*hlen_r = 0;
		return 0;
	}
	*hlen_r = len;
	memcpy(buf + len, APP, APP_LEN);
	return len + APP_LEN;
}

/* now_ms - monotonic milliseconds */
static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* left_after - what the server can still read once the client is done */
static size_t
left_after(int server, int client, uint8_t *buf, size_t size)
{
	size_t have = 0;
	ssize_t n;

	shutdown(client, SHUT_WR);
	while (have < size &&
	    (n = recv(server, buf + have, size - have, 0)) > 0)
		have += (size_t)n;
	return have;
}

/* run_accept - one accept row over a real loopback connection */
static void
run_accept(const struct accept_case *c, uint8_t *buf)
{
	uint8_t sent[512], rest[512];
	struct sockaddr_storage peer, local;
	struct tmx_trust_policy policy;
	struct tmx_trust_result res;
	struct tmx_proxy_hdr hdr, ref;
	struct tmx_cidrset *proxies;
	enum tmx_trust_outcome got;
	size_t slen, hlen, left;
	socklen_t alen;
	int64_t t0, wall;
	int server, client, rc;

	rc = loop_connect(c->listen, &server, &client);
	if (rc == 1) {
		fprintf(stderr, "%s: skipped, no %s here\n", c->name,
		    c->listen);
		return;
	}
	TMX_CHECKF(rc == 0, "%s: connect: %s", c->name, strerror(errno));
	if (rc != 0)
		return;
	proxies = proxies_build(c->proxies);
	TMX_CHECKF(proxies != NULL, "%s: proxies", c->name);
	policy.proxies = proxies;
	policy.allow_direct = c->allow_direct;
	slen = send_build(c->send, sent, sizeof(sent), &hlen);
	if (slen > 0)
		TMX_CHECK(send(client, sent, slen, 0) == (ssize_t)slen);

	t0 = now_ms();
	got = tmx_trust_accept(&policy, server, NULL, c->timeout_ms, 0, buf,
	    TMX_PROXY_V2_MAX, &hdr, &res);
	wall = now_ms() - t0;
	TMX_CHECKF(got == c->want, "%s: %s (%s)", c->name,
	    tmx_trust_outcome_name(got), res.reason ? res.reason : "");
	TMX_CHECKF(res.reason != NULL, "%s: reason", c->name);
	if (c->want != TMX_TRUST_REFUSE_TIMEOUT)
		TMX_CHECKF(wall < 1000, "%s: %lld ms", c->name,
		    (long long)wall);

	alen = sizeof(peer);
	getpeername(server, (struct sockaddr *)&peer, &alen);
	alen = sizeof(local);
	getsockname(server, (struct sockaddr *)&local, &alen);
	memset(&ref, 0, sizeof(ref));
	if (c->ep == EP_HEADER)
		tmx_proxy_parse(sent, hlen, 0, &ref, NULL, NULL);
	check_endpoints(c->name, c->ep, &res, &peer, &local, &ref);
	if (c->send == S_BAD) {
		const char *want = NULL;

		tmx_proxy_parse(sent, hlen, 0, &ref, NULL, &want);
		TMX_CHECKF(want != NULL && res.reason == want,
		    "%s: reason \"%s\" is not the parser's", c->name,
		    res.reason);
	}

	left = left_after(server, client, rest, sizeof(rest));
	if (c->all_left)
		TMX_CHECKF(left == slen && memcmp(rest, sent, slen) == 0,
		    "%s: %zu of %zu bytes left", c->name, left, slen);
	else if (c->want != TMX_TRUST_REFUSE_INVALID)
		TMX_CHECKF(left == slen - hlen &&
		    memcmp(rest, sent + hlen, left) == 0,
		    "%s: %zu bytes left, want %zu", c->name, left,
		    slen - hlen);
	tmx_cidrset_free(proxies);
	close(server);
	close(client);
}

/*
 * test_probe_reset - HAProxy's health check sends a LOCAL header and resets
 * before the server gets to it: getpeername() then fails, so the peer
 * address accept() returned must decide, and the outcome is a probe.
 */
static void
test_probe_reset(uint8_t *buf)
{
	struct sockaddr_storage ss, peer;
	struct linger lg = { 1, 0 };
	struct tmx_trust_policy policy = { NULL, false };
	struct tmx_trust_result res;
	struct tmx_proxy_hdr hdr;
	struct tmx_proxy_v2_writer w;
	uint8_t probe[64];
	socklen_t len = sizeof(ss), plen = sizeof(peer);
	size_t n;
	int lfd, client, server;

	test_sockaddr(&ss, "127.0.0.1", 0);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	TMX_CHECK(lfd >= 0 && bind(lfd, (struct sockaddr *)&ss,
	    sizeof(struct sockaddr_in)) == 0 && listen(lfd, 1) == 0 &&
	    getsockname(lfd, (struct sockaddr *)&ss, &len) == 0);
	client = socket(AF_INET, SOCK_STREAM, 0);
	TMX_CHECK(connect(client, (struct sockaddr *)&ss, len) == 0);
	TMX_CHECK(tmx_proxy_v2_begin(&w, probe, sizeof(probe),
	    TMX_PROXY_CMD_LOCAL, TMX_PROXY_FAM_UNSPEC, NULL, NULL) == 0 &&
	    tmx_proxy_v2_finish(&w, true, &n) == 0);
	TMX_CHECK(send(client, probe, n, 0) == (ssize_t)n);
	setsockopt(client, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(client);		/* RST, as HAProxy's checks do */
	usleep(20000);
	server = accept(lfd, (struct sockaddr *)&peer, &plen);
	TMX_CHECK(server >= 0);
	policy.proxies = proxies_build(LOOPBACK);
	TMX_CHECK(tmx_trust_accept(&policy, server, (struct sockaddr *)&peer,
	    500, 0, buf, TMX_PROXY_V2_MAX, &hdr, &res) == TMX_TRUST_PROBE);
	TMX_CHECK(hdr.command == TMX_PROXY_CMD_LOCAL && hdr.crc32c);
	tmx_cidrset_free((struct tmx_cidrset *)policy.proxies);
	close(server);
	close(lfd);
}

/* test_accept - every accept row, and a socket with no peer */
static void
test_accept(void)
{
	uint8_t *buf = malloc(TMX_PROXY_V2_MAX);
	struct tmx_trust_policy policy = { NULL, true };
	struct tmx_trust_result res;
	size_t i;
	int fd;

	TMX_CHECK(buf != NULL);
	if (buf == NULL)
		return;
	for (i = 0; i < TEST_LEN(accept_cases); i++)
		run_accept(&accept_cases[i], buf);

	/* not connected: a refusal, never a crash */
	policy.proxies = proxies_build(LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	errno = 0;
	TMX_CHECK(tmx_trust_accept(&policy, fd, NULL, 100, 0, buf,
	    TMX_PROXY_V2_MAX, NULL, &res) == TMX_TRUST_REFUSE_TIMEOUT &&
	    errno == ENOTCONN);
	close(fd);
	tmx_cidrset_free((struct tmx_cidrset *)policy.proxies);
	test_probe_reset(buf);
	free(buf);
}

/* main - every table, then the summary */
int
main(void)
{
	struct tmx_cidrset *proxies = proxies_build(PROXIES);

	TMX_CHECK(proxies != NULL);
	if (proxies == NULL)
		return TMX_TEST_END();
	test_judge(proxies);
	test_reasons(proxies);
	test_names();
	test_accept();
	tmx_cidrset_free(proxies);
	return TMX_TEST_END();
}
