/*
 * tmx-test-sock.h - sockaddr helpers for the encoder, socket and trust
 * tests: build one from text ("192.0.2.1", "2001:db8::1", "unix:/path"),
 * compare two, and print one for a failure message.
 */
#ifndef TMX_TEST_SOCK_H
#define TMX_TEST_SOCK_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#define TEST_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* test_sockaddr - text and port to a sockaddr; NULL text gives AF_UNSPEC */
static inline struct sockaddr *
test_sockaddr(struct sockaddr_storage *ss, const char *text, unsigned port)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_un *un = (struct sockaddr_un *)ss;

	memset(ss, 0, sizeof(*ss));
	if (text == NULL)
		return (struct sockaddr *)ss;
	if (strncmp(text, "unix:", 5) == 0) {
		size_t n = strlen(text + 5);

		if (n > sizeof(un->sun_path))
			n = sizeof(un->sun_path);
		un->sun_family = AF_UNIX;
		memcpy(un->sun_path, text + 5, n);
	} else if (inet_pton(AF_INET, text, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
	} else if (inet_pton(AF_INET6, text, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
	} else {
		fprintf(stderr, "test_sockaddr: bad address %s\n", text);
	}
	return (struct sockaddr *)ss;
}

/* test_sockaddr_equal - same family, address and port (or path) */
static inline bool
test_sockaddr_equal(const struct sockaddr_storage *a,
		    const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	switch (a->ss_family) {
	case AF_UNSPEC:
		return true;
	case AF_INET: {
		const struct sockaddr_in *x = (const struct sockaddr_in *)a;
		const struct sockaddr_in *y = (const struct sockaddr_in *)b;

		return x->sin_port == y->sin_port &&
		    x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	case AF_INET6: {
		const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)a;
		const struct sockaddr_in6 *y = (const struct sockaddr_in6 *)b;

		return x->sin6_port == y->sin6_port &&
		    memcmp(&x->sin6_addr, &y->sin6_addr, 16) == 0;
	}
	case AF_UNIX: {
		const struct sockaddr_un *x = (const struct sockaddr_un *)a;
		const struct sockaddr_un *y = (const struct sockaddr_un *)b;

		return strncmp(x->sun_path, y->sun_path,
		    sizeof(x->sun_path)) == 0;
	}
	}
	return false;
}

/* test_sockaddr_text - "a.b.c.d:port", "[v6]:port", "unix:path" or "unspec" */
static inline const char *
test_sockaddr_text(const struct sockaddr_storage *ss, char *buf, size_t size)
{
	char a[INET6_ADDRSTRLEN] = "?";

	switch (ss->ss_family) {
	case AF_UNSPEC:
		snprintf(buf, size, "unspec");
		break;
	case AF_INET:
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr,
		    a, sizeof(a));
		snprintf(buf, size, "%s:%u", a,
		    ntohs(((const struct sockaddr_in *)ss)->sin_port));
		break;
	case AF_INET6:
		inet_ntop(AF_INET6,
		    &((const struct sockaddr_in6 *)ss)->sin6_addr, a,
		    sizeof(a));
		snprintf(buf, size, "[%s]:%u", a,
		    ntohs(((const struct sockaddr_in6 *)ss)->sin6_port));
		break;
	case AF_UNIX:
		snprintf(buf, size, "unix:%.108s",
		    ((const struct sockaddr_un *)ss)->sun_path);
		break;
	default:
		snprintf(buf, size, "family %d", ss->ss_family);
		break;
	}
	return buf;
}

#endif
