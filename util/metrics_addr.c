/*
 * metrics_addr.c - the syntax of policyd_metrics_listen and
 * milter_metrics_listen, shared by the config check and the endpoint.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <string.h>

#include "metrics_addr.h"

/* metrics_addr_port_ok - 1..65535 in decimal */
static bool
metrics_addr_port_ok(const char *port)
{
	long n = 0;
	size_t i, len = strlen(port);

	if (len == 0 || len > 5)
		return false;
	for (i = 0; i < len; i++) {
		if (port[i] < '0' || port[i] > '9')
			return false;
		n = n * 10 + (port[i] - '0');
	}
	return n >= 1 && n <= 65535;
}

/* metrics_addr_host_ok - an IPv4 address or a host name ("*": every one) */
static bool
metrics_addr_host_ok(const char *host)
{
	const char *p;

	if (strcmp(host, "*") == 0)
		return true;
	if (host[0] == '\0' || host[0] == '-' || host[0] == '.')
		return false;
	for (p = host; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '.'))
			return false;
	return true;
}

/* metrics_addr_parse - see metrics_addr.h */
int
metrics_addr_parse(const char *text, struct metrics_addr *addr_r,
		   const char **error_r)
{
	struct in6_addr a6;
	const char *colon, *end;
	size_t hlen;

	memset(addr_r, 0, sizeof(*addr_r));
	if (text[0] == '/') {
		if (strlen(text) >= sizeof(addr_r->path)) {
			*error_r = "unix socket path too long";
			return -1;
		}
		addr_r->is_unix = true;
		memcpy(addr_r->path, text, strlen(text) + 1);
		return 0;
	}
	*error_r = "use host:port, [ipv6]:port or an absolute socket path";
	if (text[0] == '[') {
		if ((end = strchr(text, ']')) == NULL || end[1] != ':')
			return -1;
		hlen = (size_t)(end - text - 1);
		colon = end + 1;
		if (hlen == 0 || hlen >= sizeof(addr_r->host))
			return -1;
		memcpy(addr_r->host, text + 1, hlen);
		if (inet_pton(AF_INET6, addr_r->host, &a6) != 1) {
			*error_r = "not an IPv6 address between [ and ]";
			return -1;
		}
	} else {
		if ((colon = strrchr(text, ':')) == NULL)
			return -1;
		hlen = (size_t)(colon - text);
		if (hlen == 0 || hlen >= sizeof(addr_r->host))
			return -1;
		memcpy(addr_r->host, text, hlen);
		if (strchr(addr_r->host, ':') != NULL) {
			*error_r = "write an IPv6 address as [address]:port";
			return -1;
		}
		if (!metrics_addr_host_ok(addr_r->host)) {
			*error_r = "bad host name or address";
			return -1;
		}
	}
	if (strlen(colon + 1) >= sizeof(addr_r->port) ||
	    !metrics_addr_port_ok(colon + 1)) {
		*error_r = "bad port (1-65535)";
		return -1;
	}
	memcpy(addr_r->port, colon + 1, strlen(colon + 1) + 1);
	return 0;
}
