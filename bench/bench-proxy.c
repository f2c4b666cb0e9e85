/*
 * bench-proxy.c - how fast tmx_proxy_parse reads the headers HAProxy sends:
 * v1 TCP4, v2 TCP4, v2 with CRC32C, v2 with SSL TLVs. Prints ns per header;
 * with --count N it only parses N times inside bench_loop(), so that
 * callgrind --toggle-collect=bench_loop counts instructions per header.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <trustmx/proxy.h>

struct bench_case {
	const char *name;
	uint8_t buf[512];
	size_t len;
};

/* bench_sockaddrs - a documentation client and a server address */
static void
bench_sockaddrs(struct sockaddr_in *src, struct sockaddr_in *dst)
{
	memset(src, 0, sizeof(*src));
	memset(dst, 0, sizeof(*dst));
	src->sin_family = dst->sin_family = AF_INET;
	inet_pton(AF_INET, "203.0.113.9", &src->sin_addr);
	inet_pton(AF_INET, "192.0.2.25", &dst->sin_addr);
	src->sin_port = htons(51234);
	dst->sin_port = htons(25);
}

/* bench_build - encode the header of one case; -1 on failure */
static int
bench_build(struct bench_case *c)
{
	struct sockaddr_in src, dst;
	struct tmx_proxy_v2_writer w;
	bool crc = false;

	bench_sockaddrs(&src, &dst);
	if (strcmp(c->name, "v1-tcp4") == 0)
		return tmx_proxy_encode_v1(TMX_PROXY_FAM_TCP4,
		    (struct sockaddr *)&src, (struct sockaddr *)&dst,
		    c->buf, sizeof(c->buf), &c->len);
	if (tmx_proxy_v2_begin(&w, c->buf, sizeof(c->buf), TMX_PROXY_CMD_PROXY,
	    TMX_PROXY_FAM_TCP4, (struct sockaddr *)&src,
	    (struct sockaddr *)&dst) < 0)
		return -1;
	if (strcmp(c->name, "v2-crc32c") == 0)
		crc = true;
	if (strcmp(c->name, "v2-ssl") == 0) {
		tmx_proxy_v2_add_tlv(&w, TMX_PP2_TYPE_ALPN, "smtp", 4);
		tmx_proxy_v2_add_tlv(&w, TMX_PP2_TYPE_AUTHORITY,
		    "mx.example.net", 14);
		tmx_proxy_v2_ssl_begin(&w, TMX_PP2_CLIENT_SSL |
		    TMX_PP2_CLIENT_CERT_CONN, 0);
		tmx_proxy_v2_add_tlv(&w, TMX_PP2_SUBTYPE_SSL_VERSION,
		    "TLSv1.3", 7);
		tmx_proxy_v2_add_tlv(&w, TMX_PP2_SUBTYPE_SSL_CN,
		    "relay.example.org", 17);
		tmx_proxy_v2_add_tlv(&w, TMX_PP2_SUBTYPE_SSL_CIPHER,
		    "TLS_AES_256_GCM_SHA384", 22);
		tmx_proxy_v2_ssl_end(&w);
		crc = true;
	}
	return tmx_proxy_v2_finish(&w, crc, &c->len);
}

/* bench_loop - the measured work: parse the header n times */
__attribute__((noinline)) static size_t
bench_loop(const struct bench_case *c, long n)
{
	struct tmx_proxy_hdr hdr;
	size_t total = 0, used = 0;

	for (long i = 0; i < n; i++) {
		if (tmx_proxy_parse(c->buf, c->len, 0, &hdr, &used, NULL) !=
		    TMX_PROXY_OK)
			abort();
		total += used;
	}
	return total;
}

/* bench_now - monotonic nanoseconds */
static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int
main(int argc, char **argv)
{
	static const char *names[] = { "v1-tcp4", "v2-tcp4", "v2-crc32c", "v2-ssl" };
	long count = 0;
	const char *only = NULL;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--count") == 0 && i + 1 < argc)
			count = atol(argv[++i]);
		else
			only = argv[i];
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct bench_case c = { .name = names[i] };

		if (only && strcmp(only, c.name) != 0)
			continue;
		if (bench_build(&c) < 0) {
			fprintf(stderr, "%s: cannot encode\n", c.name);
			return 1;
		}
		if (count > 0) {
			bench_loop(&c, count);
			continue;
		}
		long n = 2000000;
		bench_loop(&c, n / 10);	/* warm up */
		double t0 = bench_now();
		size_t sink = bench_loop(&c, n);
		double dt = bench_now() - t0;
		printf("%-10s %4zu bytes  %7.1f ns/header  (%zu)\n", c.name,
		    c.len, dt / n, sink % 7);
	}
	return 0;
}
