/*
 * proxy_accept.c - "trustmx proxy accept": listen, judge each connection
 * with libtrustmx's trust policy and print what the load balancer sent.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <trustmx/trustmx.h>

#include "commands.h"
#include "json.h"

#include "cmd_proxy.h"

/* Room for the largest v2 header, so no header is ever cut short */
static uint8_t accept_buf[TMX_PROXY_V2_MAX];

/* What "proxy accept" was asked to do. */
struct proxy_accept_req {
	const char *listen;
	unsigned long count;		/* connections to serve; 0: forever */
	unsigned long timeout;		/* ms */
	const char *trusted;
	bool allow_direct;
	unsigned flags;
};

/* proxy_accept_trusted - the proxy networks from "CIDR,CIDR"; NULL on error */
static struct tmx_cidrset *
proxy_accept_trusted(const char *list)
{
	struct tmx_cidrset_builder *b = tmx_cidrset_builder_new();
	char *copy = strdup(list), *item, *save = NULL;
	const char *error = NULL;
	struct tmx_addr prefix;
	unsigned len;

	if (b == NULL || copy == NULL) {
		fprintf(stderr, "trustmx proxy accept: out of memory\n");
		goto fail;
	}
	for (item = strtok_r(copy, ", \t", &save); item != NULL;
	    item = strtok_r(NULL, ", \t", &save)) {
		if (tmx_addr_parse_prefix(item, &prefix, &len, &error) < 0 ||
		    tmx_cidrset_builder_add(b, &prefix, len, 0, &error) < 0) {
			fprintf(stderr, "trustmx proxy accept: --trusted "
			    "\"%s\": %s\n", item, error ? error : "bad prefix");
			goto fail;
		}
	}
	free(copy);
	return tmx_cidrset_build(b);
fail:
	free(copy);
	tmx_cidrset_builder_free(b);
	return NULL;
}

/* proxy_accept_address - "a.b.c.d:port" or "[v6]:port" to ss; 0 or -1 */
static int
proxy_accept_address(const char *text, struct sockaddr_storage *ss,
		     socklen_t *len_r)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	char host[INET6_ADDRSTRLEN + 2];
	const char *port_text, *end;
	unsigned long port;
	size_t hlen;

	if (text[0] == '[') {
		end = strchr(text, ']');
		if (end == NULL || end[1] != ':')
			return -1;
		hlen = (size_t)(end - text - 1);
		port_text = end + 2;
		text++;
	} else {
		end = strrchr(text, ':');
		if (end == NULL)
			return -1;
		hlen = (size_t)(end - text);
		port_text = end + 1;
	}
	if (hlen >= sizeof(host) ||
	    proxy_parse_uint(port_text, 65535, &port) < 0)
		return -1;
	memcpy(host, text, hlen);
	host[hlen] = '\0';
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		*len_r = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		*len_r = sizeof(*sin6);
		return 0;
	}
	return -1;
}

/* proxy_accept_announce - say where we listen (port 0: the one we got) */
static void
proxy_accept_announce(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char text[INET6_ADDRSTRLEN];
	int port;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0 ||
	    !proxy_sockaddr_text(&ss, text, sizeof(text), &port))
		return;
	fprintf(stderr, "trustmx proxy accept: listening on %s%s%s:%d\n",
	    ss.ss_family == AF_INET6 ? "[" : "", text,
	    ss.ss_family == AF_INET6 ? "]" : "", port);
}

/* proxy_accept_listen - a listening socket on ss (text names it), or -1 */
static int
proxy_accept_listen(const char *text, const struct sockaddr_storage *ss,
		    socklen_t len)
{
	int fd, on = 1;

	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "trustmx proxy accept: socket: %s\n",
		    strerror(errno));
		return -1;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (ss->ss_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	if (bind(fd, (const struct sockaddr *)ss, len) < 0 ||
	    listen(fd, 64) < 0) {
		fprintf(stderr, "trustmx proxy accept: %s: %s\n", text,
		    strerror(errno));
		close(fd);
		return -1;
	}
	proxy_accept_announce(fd);
	return fd;
}

/* One accepted connection, as the library judged it. */
struct proxy_accept_conn {
	struct sockaddr_storage peer, local;	/* the socket's real endpoints */
	bool read;				/* a header read was attempted */
	enum tmx_proxy_read_status status;
	const char *read_reason;
	struct tmx_proxy_hdr hdr;
	struct tmx_trust_result res;
	enum tmx_trust_outcome outcome;
};

/* proxy_accept_report - the JSON line for one connection */
static void
proxy_accept_report(const struct proxy_accept_conn *c, unsigned flags)
{
	struct tmx_proxy_hdr again;
	struct json_out j;
	size_t consumed = 0;

	json_init(&j, stdout);
	json_object_begin(&j);
	if (c->read)
		json_kv_string(&j, "status",
		    tmx_proxy_read_status_name(c->status));
	/*
	 * tmx_proxy_read left the header at the start of accept_buf (zeroed
	 * before the read); parsing it again yields its length.
	 */
	if (c->read && c->status == TMX_PROXY_READ_OK &&
	    tmx_proxy_parse(accept_buf, sizeof(accept_buf), flags, &again,
	    &consumed, NULL) == TMX_PROXY_OK)
		proxy_json_header(&j, &c->hdr, consumed);
	json_kv_string(&j, "outcome", tmx_trust_outcome_name(c->outcome));
	proxy_json_endpoint(&j, "peer", &c->peer);
	if (!tmx_trust_refused(c->outcome))
		proxy_json_endpoint(&j, "client", &c->res.src);
	if (c->read_reason != NULL)
		json_kv_string(&j, "reason", c->read_reason);
	else if (tmx_trust_refused(c->outcome) && c->res.reason != NULL)
		json_kv_string(&j, "reason", c->res.reason);
	proxy_json_end(&j);
}

/*
 * proxy_accept_judge - the steps of tmx_trust_accept (with the peer address
 * accept4 returned, as that function takes it), done one by one because the
 * report also shows the read status and the parser's own reason.
 */
static void
proxy_accept_judge(const struct tmx_trust_policy *policy, int fd,
		   const struct proxy_accept_req *req,
		   struct proxy_accept_conn *c)
{
	const struct sockaddr *peer = (const struct sockaddr *)&c->peer;
	const struct sockaddr *local = (const struct sockaddr *)&c->local;

	/* untrusted peers are refused before a single byte is read */
	c->outcome = tmx_trust_judge(policy, peer, local, TMX_PROXY_READ_NONE,
	    NULL, &c->res);
	if (c->outcome == TMX_TRUST_REFUSE_UNTRUSTED)
		return;
	memset(accept_buf, 0, sizeof(accept_buf));
	c->read = true;
	c->status = tmx_proxy_read(fd, (int)req->timeout, req->flags,
	    accept_buf, sizeof(accept_buf), &c->hdr, &c->read_reason);
	if (c->status != TMX_PROXY_READ_INVALID)
		c->read_reason = NULL;
	c->outcome = tmx_trust_judge(policy, peer, local, c->status, &c->hdr,
	    &c->res);
}

/* proxy_accept_loop - serve req->count connections (0: until killed) */
static int
proxy_accept_loop(int lfd, const struct tmx_trust_policy *policy,
		  const struct proxy_accept_req *req)
{
	static struct proxy_accept_conn c;
	unsigned long served = 0;
	socklen_t len;
	int fd;

	while (req->count == 0 || served < req->count) {
		memset(&c, 0, sizeof(c));
		len = sizeof(c.peer);
		fd = accept4(lfd, (struct sockaddr *)&c.peer, &len,
		    SOCK_CLOEXEC);
		if (fd < 0 && (errno == EINTR || errno == ECONNABORTED))
			continue;
		if (fd < 0) {
			fprintf(stderr, "trustmx proxy accept: accept: %s\n",
			    strerror(errno));
			return PROXY_EXIT_FAIL;
		}
		/* after a reset getsockname may fail: the bound address */
		len = sizeof(c.local);
		if (getsockname(fd, (struct sockaddr *)&c.local, &len) < 0) {
			len = sizeof(c.local);
			(void)getsockname(lfd, (struct sockaddr *)&c.local, &len);
		}
		proxy_accept_judge(policy, fd, req, &c);
		proxy_accept_report(&c, req->flags);
		close(fd);
		served++;
	}
	return PROXY_EXIT_OK;
}

/* proxy_accept_options - parse the command line into req; -1 or an exit */
static int
proxy_accept_options(int argc, char **argv, struct proxy_accept_req *req)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 't' },
		{ "trusted", required_argument, NULL, 'T' },
		{ "allow-direct", no_argument, NULL, 'd' },
		{ "unmap", no_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (proxy_parse_uint(optarg, ULONG_MAX, &req->count) < 0)
				return proxy_usage_error("accept",
				    "--count: a number of connections");
			break;
		case 't':
			if (proxy_parse_uint(optarg, INT_MAX, &req->timeout) < 0)
				return proxy_usage_error("accept",
				    "--timeout: milliseconds");
			break;
		case 'T':
			req->trusted = optarg;
			break;
		case 'd':
			req->allow_direct = true;
			break;
		case 'u':
			req->flags |= TMX_PROXY_F_UNMAP;
			break;
		case 'h':
			proxy_usage(stdout);
			return PROXY_EXIT_OK;
		default:
			return PROXY_EXIT_USAGE;
		}
	}
	if (argc - optind != 1)
		return proxy_usage_error("accept", "expected one ADDR:PORT");
	req->listen = argv[optind];
	return -1;
}

/* proxy_accept - "proxy accept": listen and report every connection */
int
proxy_accept(int argc, char **argv)
{
	struct proxy_accept_req req = {
		.timeout = PROXY_TIMEOUT_DEFAULT,
		.trusted = "0.0.0.0/0,::/0",
	};
	struct tmx_trust_policy policy;
	struct tmx_cidrset *proxies;
	struct sockaddr_storage ss;
	socklen_t len;
	int rc, lfd;

	if ((rc = proxy_accept_options(argc, argv, &req)) >= 0)
		return rc;
	if (proxy_accept_address(req.listen, &ss, &len) < 0)
		return proxy_usage_error("accept", "expected IPV4:PORT or "
		    "[IPV6]:PORT to listen on");
	if ((proxies = proxy_accept_trusted(req.trusted)) == NULL)
		return PROXY_EXIT_USAGE;
	if ((lfd = proxy_accept_listen(req.listen, &ss, len)) < 0) {
		tmx_cidrset_free(proxies);
		return PROXY_EXIT_FAIL;
	}
	signal(SIGPIPE, SIG_IGN);
	memset(&policy, 0, sizeof(policy));
	policy.proxies = proxies;
	policy.allow_direct = req.allow_direct;
	rc = proxy_accept_loop(lfd, &policy, &req);
	close(lfd);
	tmx_cidrset_free(proxies);
	return rc;
}
