/*
 * cmd_proxy.c - "trustmx proxy decode|encode|accept": PROXY headers seen
 * from outside. decode turns bytes into one JSON line, encode writes any
 * header an operator can describe, accept shows what a load balancer sends.
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
static uint8_t decode_buf[TMX_PROXY_V2_MAX];


/* Family names as the command line and the JSON spell them. */
static const struct {
	const char *name;
	enum tmx_proxy_family family;
} proxy_families[] = {
	{ "UNSPEC", TMX_PROXY_FAM_UNSPEC },
	{ "TCP4", TMX_PROXY_FAM_TCP4 },
	{ "UDP4", TMX_PROXY_FAM_UDP4 },
	{ "TCP6", TMX_PROXY_FAM_TCP6 },
	{ "UDP6", TMX_PROXY_FAM_UDP6 },
	{ "UNIX", TMX_PROXY_FAM_UNIX },
	{ "UNIX_DGRAM", TMX_PROXY_FAM_UNIX_DGRAM },
	{ "UNKNOWN", TMX_PROXY_FAM_UNKNOWN },
};

/* proxy_usage - the summary of all three subcommands, to fp */
void
proxy_usage(FILE *fp)
{
	fputs("usage: trustmx proxy decode [--unmap] < BYTES\n"
	    "       trustmx proxy encode [--version 1|2] [--command PROXY|LOCAL]\n"
	    "           [--family TCP4|TCP6|UDP4|UDP6|UNIX|UNIX_DGRAM|UNSPEC|UNKNOWN]\n"
	    "           [--src ADDR --src-port N --dst ADDR --dst-port N]\n"
	    "           [--alpn S] [--authority S] [--unique-id HEX] [--netns S]\n"
	    "           [--noop N] [--tlv TYPE:HEX]... [--ssl-client N]\n"
	    "           [--ssl-verify N] [--ssl-version S] [--ssl-cn S]\n"
	    "           [--ssl-cipher S] [--crc32c] > HEADER\n"
	    "       trustmx proxy accept ADDR:PORT|[ADDR6]:PORT [--count N]\n"
	    "           [--timeout MS] [--trusted CIDR[,CIDR...]] [--allow-direct]\n"
	    "           [--unmap]\n", fp);
}

/* proxy_usage_error - complain about the command line; exit status 2 */
int
proxy_usage_error(const char *what, const char *detail)
{
	fprintf(stderr, "trustmx proxy %s: %s\n", what, detail);
	return PROXY_EXIT_USAGE;
}

/* proxy_parse_uint - a whole decimal (or 0x hex) number up to max; 0 or -1 */
int
proxy_parse_uint(const char *text, unsigned long max, unsigned long *n_r)
{
	unsigned long n;
	char *end;

	if (*text == '\0' || *text == '-' || *text == '+' || *text == ' ')
		return -1;
	errno = 0;
	n = strtoul(text, &end, 0);
	if (errno != 0 || *end != '\0' || n > max)
		return -1;
	*n_r = n;
	return 0;
}

/* proxy_hex_value - one hex digit, or -1 */
static int
proxy_hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* proxy_parse_hex - decode an even-length hex string into a new buffer */
int
proxy_parse_hex(const char *text, uint8_t **bytes_r, size_t *len_r)
{
	size_t n = strlen(text), i;
	uint8_t *bytes;

	if (n % 2 != 0)
		return -1;
	bytes = malloc(n / 2 + 1);
	if (bytes == NULL)
		return -1;
	for (i = 0; i < n / 2; i++) {
		int hi = proxy_hex_value(text[2 * i]);
		int lo = proxy_hex_value(text[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			free(bytes);
			return -1;
		}
		bytes[i] = (uint8_t)(hi << 4 | lo);
	}
	*bytes_r = bytes;
	*len_r = n / 2;
	return 0;
}

/* proxy_family_lookup - a family by name (case-insensitive); 0 or -1 */
int
proxy_family_lookup(const char *name, enum tmx_proxy_family *family_r)
{
	size_t i;

	for (i = 0; i < sizeof(proxy_families) / sizeof(proxy_families[0]); i++) {
		if (strcasecmp(name, proxy_families[i].name) == 0) {
			*family_r = proxy_families[i].family;
			return 0;
		}
	}
	return -1;
}

/* proxy_family_text - the name of a family, as in the JSON */
static const char *
proxy_family_text(enum tmx_proxy_family family)
{
	size_t i;

	for (i = 0; i < sizeof(proxy_families) / sizeof(proxy_families[0]); i++)
		if (proxy_families[i].family == family)
			return proxy_families[i].name;
	return tmx_proxy_family_name(family);
}

/* ---- JSON output shared by decode and accept ---- */

/* proxy_sockaddr_text - address text and port of ss; false when none */
bool
proxy_sockaddr_text(const struct sockaddr_storage *ss, char *buf,
		    size_t size, int *port_r)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

	switch (ss->ss_family) {
	case AF_INET:
		*port_r = ntohs(sin->sin_port);
		return inet_ntop(AF_INET, &sin->sin_addr, buf, size) != NULL;
	case AF_INET6:
		*port_r = ntohs(sin6->sin6_port);
		return inet_ntop(AF_INET6, &sin6->sin6_addr, buf, size) != NULL;
	default:
		return false;
	}
}

/* proxy_json_endpoint - "name" and "name_port" (UNIX: the path only) */
void
proxy_json_endpoint(struct json_out *j, const char *name,
		    const struct sockaddr_storage *ss)
{
	const struct sockaddr_un *un = (const struct sockaddr_un *)ss;
	char text[INET6_ADDRSTRLEN], port_name[32];
	int port;

	if (ss->ss_family == AF_UNIX) {
		json_kv_bytes(j, name, un->sun_path,
		    strnlen(un->sun_path, sizeof(un->sun_path)));
		return;
	}
	if (!proxy_sockaddr_text(ss, text, sizeof(text), &port))
		return;
	snprintf(port_name, sizeof(port_name), "%s_port", name);
	json_kv_string(j, name, text);
	json_kv_int(j, port_name, port);
}

/* proxy_json_optional - a string member only when the header carried it */
static void
proxy_json_optional(struct json_out *j, const char *name,
		    struct tmx_proxy_bytes b)
{
	if (b.ptr != NULL)
		json_kv_bytes(j, name, b.ptr, b.len);
}

/* proxy_json_tlvs - type and length of every top-level TLV, in order */
static void
proxy_json_tlvs(struct json_out *j, const struct tmx_proxy_hdr *hdr)
{
	struct tmx_proxy_tlv tlv;
	size_t pos = 0;

	json_key(j, "tlvs");
	json_array_begin(j);
	if (hdr->tlvs.ptr != NULL) {
		while (tmx_proxy_tlv_next(hdr->tlvs, &pos, &tlv) == 1) {
			json_object_begin(j);
			json_kv_int(j, "type", tlv.type);
			json_kv_int(j, "len", tlv.len);
			json_object_end(j);
		}
	}
	json_array_end(j);
}

/* proxy_json_ssl - what the SSL TLV says */
static void
proxy_json_ssl(struct json_out *j, const struct tmx_proxy_ssl *ssl)
{
	if (!ssl->present)
		return;
	json_kv_bool(j, "ssl_verified", tmx_proxy_ssl_verified(ssl));
	json_kv_int(j, "ssl_client", ssl->client);
	json_kv_int(j, "ssl_verify", ssl->verify);
	proxy_json_optional(j, "ssl_version", ssl->version);
	proxy_json_optional(j, "ssl_cn", ssl->cn);
	proxy_json_optional(j, "ssl_cipher", ssl->cipher);
}

/* proxy_json_header - the fields of a parsed header */
void
proxy_json_header(struct json_out *j, const struct tmx_proxy_hdr *hdr,
		  size_t consumed)
{
	json_kv_int(j, "version", hdr->version);
	json_kv_string(j, "command",
	    hdr->command == TMX_PROXY_CMD_LOCAL ? "LOCAL" : "PROXY");
	json_kv_string(j, "family", proxy_family_text(hdr->family));
	proxy_json_endpoint(j, "src", &hdr->src);
	proxy_json_endpoint(j, "dst", &hdr->dst);
	json_kv_int(j, "consumed", (long long)consumed);
	if (hdr->version != 2)
		return;
	json_kv_string(j, "crc32c", hdr->crc32c ? "valid" : "absent");
	proxy_json_optional(j, "alpn", hdr->alpn);
	proxy_json_optional(j, "authority", hdr->authority);
	if (hdr->unique_id.ptr != NULL)
		json_kv_hex(j, "unique_id", hdr->unique_id.ptr,
		    hdr->unique_id.len);
	proxy_json_optional(j, "netns", hdr->netns);
	proxy_json_ssl(j, &hdr->ssl);
	proxy_json_tlvs(j, hdr);
}

/* proxy_json_end - close the line and push it out at once */
void
proxy_json_end(struct json_out *j)
{
	json_object_end(j);
	fputc('\n', j->fp);
	fflush(j->fp);
}

/* ---- decode ---- */

/* proxy_read_all - stdin into decode_buf, up to its size; -1 on error */
static ssize_t
proxy_read_all(int fd)
{
	size_t len = 0;
	ssize_t n;

	while (len < sizeof(decode_buf)) {
		n = read(fd, decode_buf + len, sizeof(decode_buf) - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	return (ssize_t)len;
}

/* proxy_decode - "proxy decode": stdin to one JSON line */
static int
proxy_decode(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "unmap", no_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum tmx_proxy_status status;
	struct tmx_proxy_hdr hdr;
	const char *error = NULL;
	struct json_out j;
	unsigned flags = 0;
	size_t n = 0;
	ssize_t len;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'u':
			flags |= TMX_PROXY_F_UNMAP;
			break;
		case 'h':
			proxy_usage(stdout);
			return PROXY_EXIT_OK;
		default:
			return PROXY_EXIT_USAGE;
		}
	}
	if (optind != argc)
		return proxy_usage_error("decode", "unexpected argument "
		    "(the header is read from standard input)");
	if ((len = proxy_read_all(STDIN_FILENO)) < 0) {
		fprintf(stderr, "trustmx proxy decode: read: %s\n",
		    strerror(errno));
		return PROXY_EXIT_FAIL;
	}
	memset(&hdr, 0, sizeof(hdr));
	status = tmx_proxy_parse(decode_buf, (size_t)len, flags, &hdr, &n,
	    &error);
	json_init(&j, stdout);
	json_object_begin(&j);
	switch (status) {
	case TMX_PROXY_OK:
		json_kv_string(&j, "status", "ok");
		proxy_json_header(&j, &hdr, n);
		break;
	case TMX_PROXY_INCOMPLETE:
		json_kv_string(&j, "status", "incomplete");
		json_kv_int(&j, "need", (long long)n);
		break;
	default:
		json_kv_string(&j, "status", "invalid");
		json_kv_string(&j, "reason", error ? error : "invalid header");
		break;
	}
	proxy_json_end(&j);
	return status == TMX_PROXY_OK ? PROXY_EXIT_OK : PROXY_EXIT_FAIL;
}

/* cmd_proxy - "trustmx proxy decode|encode|accept ..." */
int
cmd_proxy(int argc, char **argv)
{
	if (argc < 2) {
		proxy_usage(stderr);
		return PROXY_EXIT_USAGE;
	}
	/* getopt names argv[0] in its complaints */
	if (strcmp(argv[1], "decode") == 0) {
		argv[1] = (char *)"trustmx proxy decode";
		return proxy_decode(argc - 1, argv + 1);
	}
	if (strcmp(argv[1], "encode") == 0) {
		argv[1] = (char *)"trustmx proxy encode";
		return proxy_encode(argc - 1, argv + 1);
	}
	if (strcmp(argv[1], "accept") == 0) {
		argv[1] = (char *)"trustmx proxy accept";
		return proxy_accept(argc - 1, argv + 1);
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		proxy_usage(stdout);
		return PROXY_EXIT_OK;
	}
	fprintf(stderr, "trustmx proxy: unknown subcommand \"%s\"\n", argv[1]);
	proxy_usage(stderr);
	return PROXY_EXIT_USAGE;
}
