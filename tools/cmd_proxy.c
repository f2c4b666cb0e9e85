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

#define PROXY_EXIT_OK		0
#define PROXY_EXIT_FAIL		1
#define PROXY_EXIT_USAGE	2

#define PROXY_TLV_MAX		64	/* TLV options on one command line */
#define PROXY_TIMEOUT_DEFAULT	10000	/* ms to wait for a header */

/* Room for the largest v2 header, so no header is ever cut short. */
static uint8_t proxy_buf[TMX_PROXY_V2_MAX];

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
static void
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
static int
proxy_usage_error(const char *what, const char *detail)
{
	fprintf(stderr, "trustmx proxy %s: %s\n", what, detail);
	return PROXY_EXIT_USAGE;
}

/* proxy_parse_uint - a whole decimal (or 0x hex) number up to max; 0 or -1 */
static int
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
static int
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
static int
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
static bool
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
static void
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
static void
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
static void
proxy_json_end(struct json_out *j)
{
	json_object_end(j);
	fputc('\n', j->fp);
	fflush(j->fp);
}

/* ---- decode ---- */

/* proxy_read_all - stdin into proxy_buf, up to its size; -1 on error */
static ssize_t
proxy_read_all(int fd)
{
	size_t len = 0;
	ssize_t n;

	while (len < sizeof(proxy_buf)) {
		n = read(fd, proxy_buf + len, sizeof(proxy_buf) - len);
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
	status = tmx_proxy_parse(proxy_buf, (size_t)len, flags, &hdr, &n,
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

/* ---- encode ---- */

/* One TLV from the command line; SSL gathers its sub-TLVs separately. */
struct proxy_tlv_opt {
	uint8_t type;
	const uint8_t *value;
	size_t len;
};

/* What "proxy encode" was asked to write. */
struct proxy_encode_req {
	int version;
	enum tmx_proxy_command command;
	enum tmx_proxy_family family;
	bool family_set, crc32c;
	const char *src, *dst, *src_port, *dst_port;
	struct proxy_tlv_opt tlvs[PROXY_TLV_MAX];
	size_t ntlvs;
	bool ssl;			/* an SSL TLV goes at tlvs[ssl_at] */
	size_t ssl_at;
	unsigned long ssl_client, ssl_verify;
	const char *ssl_version, *ssl_cn, *ssl_cipher;
	uint8_t *owned[PROXY_TLV_MAX];	/* decoded hex values, freed at exit */
	size_t nowned;
};

enum {
	OPT_VERSION = 256, OPT_COMMAND, OPT_FAMILY, OPT_SRC, OPT_SRC_PORT,
	OPT_DST, OPT_DST_PORT, OPT_ALPN, OPT_AUTHORITY, OPT_UNIQUE_ID,
	OPT_NETNS, OPT_NOOP, OPT_TLV, OPT_SSL_CLIENT, OPT_SSL_VERIFY,
	OPT_SSL_VERSION, OPT_SSL_CN, OPT_SSL_CIPHER, OPT_CRC32C,
};

static const struct option proxy_encode_opts[] = {
	{ "version", required_argument, NULL, OPT_VERSION },
	{ "command", required_argument, NULL, OPT_COMMAND },
	{ "family", required_argument, NULL, OPT_FAMILY },
	{ "src", required_argument, NULL, OPT_SRC },
	{ "src-port", required_argument, NULL, OPT_SRC_PORT },
	{ "dst", required_argument, NULL, OPT_DST },
	{ "dst-port", required_argument, NULL, OPT_DST_PORT },
	{ "alpn", required_argument, NULL, OPT_ALPN },
	{ "authority", required_argument, NULL, OPT_AUTHORITY },
	{ "unique-id", required_argument, NULL, OPT_UNIQUE_ID },
	{ "netns", required_argument, NULL, OPT_NETNS },
	{ "noop", required_argument, NULL, OPT_NOOP },
	{ "tlv", required_argument, NULL, OPT_TLV },
	{ "ssl-client", required_argument, NULL, OPT_SSL_CLIENT },
	{ "ssl-verify", required_argument, NULL, OPT_SSL_VERIFY },
	{ "ssl-version", required_argument, NULL, OPT_SSL_VERSION },
	{ "ssl-cn", required_argument, NULL, OPT_SSL_CN },
	{ "ssl-cipher", required_argument, NULL, OPT_SSL_CIPHER },
	{ "crc32c", no_argument, NULL, OPT_CRC32C },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* proxy_encode_add - append a TLV in command-line order; 0 or -1 */
static int
proxy_encode_add(struct proxy_encode_req *req, uint8_t type,
		 const void *value, size_t len)
{
	if (req->ntlvs == PROXY_TLV_MAX)
		return -1;
	req->tlvs[req->ntlvs].type = type;
	req->tlvs[req->ntlvs].value = value;
	req->tlvs[req->ntlvs].len = len;
	req->ntlvs++;
	return 0;
}

/* proxy_encode_add_hex - append a TLV whose value is given in hex */
static int
proxy_encode_add_hex(struct proxy_encode_req *req, uint8_t type,
		     const char *hex)
{
	uint8_t *bytes;
	size_t len;

	if (req->nowned == PROXY_TLV_MAX)
		return -1;
	if (proxy_parse_hex(hex, &bytes, &len) < 0)
		return -1;
	req->owned[req->nowned++] = bytes;
	return proxy_encode_add(req, type, bytes, len);
}

/* proxy_encode_ssl - note that an SSL TLV goes here, at its first option */
static int
proxy_encode_ssl(struct proxy_encode_req *req)
{
	if (req->ssl)
		return 0;
	req->ssl = true;
	req->ssl_at = req->ntlvs;
	return proxy_encode_add(req, TMX_PP2_TYPE_SSL, NULL, 0);
}

/* proxy_encode_tlv_opt - "--tlv TYPE:HEX"; 0 or -1 with *error_r */
static int
proxy_encode_tlv_opt(struct proxy_encode_req *req, const char *arg,
		     const char **error_r)
{
	char type_text[16];
	const char *colon = strchr(arg, ':');
	unsigned long type;

	if (colon == NULL || (size_t)(colon - arg) >= sizeof(type_text)) {
		*error_r = "--tlv: expected TYPE:HEX, for example 0xe0:cafe";
		return -1;
	}
	memcpy(type_text, arg, (size_t)(colon - arg));
	type_text[colon - arg] = '\0';
	if (proxy_parse_uint(type_text, 255, &type) < 0) {
		*error_r = "--tlv: TYPE must be a number from 0 to 255";
		return -1;
	}
	if (proxy_encode_add_hex(req, (uint8_t)type, colon + 1) < 0) {
		*error_r = "--tlv: the value must be an even number of hex digits";
		return -1;
	}
	return 0;
}

/* proxy_encode_noop - "--noop N": a NOOP TLV of N zero bytes */
static int
proxy_encode_noop(struct proxy_encode_req *req, const char *arg,
		  const char **error_r)
{
	unsigned long n;
	uint8_t *zeros;

	if (proxy_parse_uint(arg, 65535, &n) < 0 ||
	    req->nowned == PROXY_TLV_MAX ||
	    (zeros = calloc(1, n + 1)) == NULL) {
		*error_r = "--noop: N must be a number of bytes from 0 to 65535";
		return -1;
	}
	req->owned[req->nowned++] = zeros;
	return proxy_encode_add(req, TMX_PP2_TYPE_NOOP, zeros, n);
}

/* proxy_encode_option - apply one option; 0 or -1 with *error_r */
static int
proxy_encode_option(struct proxy_encode_req *req, int c, const char *arg,
		    const char **error_r)
{
	unsigned long n;
	uint8_t *bytes;
	size_t len;

	switch (c) {
	case OPT_VERSION:
		if (strcmp(arg, "1") != 0 && strcmp(arg, "2") != 0) {
			*error_r = "--version must be 1 or 2";
			return -1;
		}
		req->version = arg[0] - '0';
		return 0;
	case OPT_COMMAND:
		if (strcasecmp(arg, "PROXY") == 0)
			req->command = TMX_PROXY_CMD_PROXY;
		else if (strcasecmp(arg, "LOCAL") == 0)
			req->command = TMX_PROXY_CMD_LOCAL;
		else {
			*error_r = "--command must be PROXY or LOCAL";
			return -1;
		}
		return 0;
	case OPT_FAMILY:
		if (proxy_family_lookup(arg, &req->family) < 0) {
			*error_r = "--family must be TCP4, TCP6, UDP4, UDP6, "
			    "UNIX, UNIX_DGRAM, UNSPEC or UNKNOWN";
			return -1;
		}
		req->family_set = true;
		return 0;
	case OPT_SRC:
		req->src = arg;
		return 0;
	case OPT_DST:
		req->dst = arg;
		return 0;
	case OPT_SRC_PORT:
		req->src_port = arg;
		return 0;
	case OPT_DST_PORT:
		req->dst_port = arg;
		return 0;
	case OPT_ALPN:
		return proxy_encode_add(req, TMX_PP2_TYPE_ALPN, arg, strlen(arg));
	case OPT_AUTHORITY:
		if (strlen(arg) > TMX_PP2_AUTHORITY_MAX) {
			*error_r = "--authority: at most 255 bytes";
			return -1;
		}
		return proxy_encode_add(req, TMX_PP2_TYPE_AUTHORITY, arg,
		    strlen(arg));
	case OPT_NETNS:
		return proxy_encode_add(req, TMX_PP2_TYPE_NETNS, arg, strlen(arg));
	case OPT_UNIQUE_ID:
		if (proxy_parse_hex(arg, &bytes, &len) < 0) {
			*error_r = "--unique-id: expected an even number of hex digits";
			return -1;
		}
		free(bytes);
		if (len > TMX_PP2_UNIQUE_ID_MAX) {
			*error_r = "--unique-id: at most 128 bytes (256 hex digits)";
			return -1;
		}
		return proxy_encode_add_hex(req, TMX_PP2_TYPE_UNIQUE_ID, arg);
	case OPT_NOOP:
		return proxy_encode_noop(req, arg, error_r);
	case OPT_TLV:
		return proxy_encode_tlv_opt(req, arg, error_r);
	case OPT_SSL_CLIENT:
		if (proxy_parse_uint(arg, 255, &n) < 0) {
			*error_r = "--ssl-client: a number from 0 to 255 (bits: "
			    "1 SSL, 2 cert on this connection, 4 cert in session)";
			return -1;
		}
		req->ssl_client = n;
		return proxy_encode_ssl(req);
	case OPT_SSL_VERIFY:
		if (proxy_parse_uint(arg, UINT32_MAX, &n) < 0) {
			*error_r = "--ssl-verify: a number from 0 to 4294967295 "
			    "(0 means verified)";
			return -1;
		}
		req->ssl_verify = n;
		return proxy_encode_ssl(req);
	case OPT_SSL_VERSION:
		req->ssl_version = arg;
		return proxy_encode_ssl(req);
	case OPT_SSL_CN:
		req->ssl_cn = arg;
		return proxy_encode_ssl(req);
	case OPT_SSL_CIPHER:
		req->ssl_cipher = arg;
		return proxy_encode_ssl(req);
	case OPT_CRC32C:
		req->crc32c = true;
		return 0;
	}
	*error_r = "unknown option";
	return -1;
}

/* proxy_encode_default_family - from the address given, when not named */
static enum tmx_proxy_family
proxy_encode_default_family(const struct proxy_encode_req *req)
{
	struct in6_addr a6;

	if (req->src == NULL)
		return req->version == 1 ? TMX_PROXY_FAM_UNKNOWN :
		    TMX_PROXY_FAM_UNSPEC;
	if (req->src[0] == '/')
		return TMX_PROXY_FAM_UNIX;
	if (inet_pton(AF_INET6, req->src, &a6) == 1)
		return TMX_PROXY_FAM_TCP6;
	return TMX_PROXY_FAM_TCP4;
}

/* proxy_encode_inet - one address and port into ss; 0 or -1 with *error_r */
static int
proxy_encode_inet(int af, const char *what, const char *addr,
		  const char *port, struct sockaddr_storage *ss,
		  const char **error_r)
{
	static char error[160];
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	unsigned long n;

	if (addr == NULL || port == NULL) {
		snprintf(error, sizeof(error), "this family needs --%s and "
		    "--%s-port", what, what);
		*error_r = error;
		return -1;
	}
	if (proxy_parse_uint(port, 65535, &n) < 0) {
		snprintf(error, sizeof(error), "--%s-port: \"%s\" is not a "
		    "port number (0-65535)", what, port);
		*error_r = error;
		return -1;
	}
	memset(ss, 0, sizeof(*ss));
	ss->ss_family = (sa_family_t)af;
	if (af == AF_INET) {
		sin->sin_port = htons((uint16_t)n);
		if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1)
			return 0;
	} else {
		sin6->sin6_port = htons((uint16_t)n);
		if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1)
			return 0;
	}
	snprintf(error, sizeof(error), "--%s: \"%s\" is not an %s address",
	    what, addr, af == AF_INET ? "IPv4" : "IPv6");
	*error_r = error;
	return -1;
}

/* proxy_encode_unix - one path into ss; 0 or -1 with *error_r */
static int
proxy_encode_unix(const char *what, const char *path,
		  struct sockaddr_storage *ss, const char **error_r)
{
	static char error[160];
	struct sockaddr_un *un = (struct sockaddr_un *)ss;

	if (path == NULL) {
		snprintf(error, sizeof(error), "UNIX families need --%s PATH",
		    what);
		*error_r = error;
		return -1;
	}
	if (strlen(path) >= sizeof(un->sun_path)) {
		snprintf(error, sizeof(error), "--%s: a path of at most %zu "
		    "bytes", what, sizeof(un->sun_path) - 1);
		*error_r = error;
		return -1;
	}
	memset(ss, 0, sizeof(*ss));
	un->sun_family = AF_UNIX;
	memcpy(un->sun_path, path, strlen(path));
	return 0;
}

/* proxy_encode_addresses - both endpoints for the family; 0 or -1 */
static int
proxy_encode_addresses(const struct proxy_encode_req *req,
		       struct sockaddr_storage *src,
		       struct sockaddr_storage *dst, const char **error_r)
{
	int af;

	switch (req->family) {
	case TMX_PROXY_FAM_TCP4:
	case TMX_PROXY_FAM_UDP4:
	case TMX_PROXY_FAM_TCP6:
	case TMX_PROXY_FAM_UDP6:
		af = req->family == TMX_PROXY_FAM_TCP4 ||
		    req->family == TMX_PROXY_FAM_UDP4 ? AF_INET : AF_INET6;
		if (proxy_encode_inet(af, "src", req->src, req->src_port, src,
		    error_r) < 0)
			return -1;
		return proxy_encode_inet(af, "dst", req->dst, req->dst_port,
		    dst, error_r);
	case TMX_PROXY_FAM_UNIX:
	case TMX_PROXY_FAM_UNIX_DGRAM:
		if (req->src_port != NULL || req->dst_port != NULL) {
			*error_r = "UNIX families have no ports";
			return -1;
		}
		if (proxy_encode_unix("src", req->src, src, error_r) < 0)
			return -1;
		return proxy_encode_unix("dst", req->dst, dst, error_r);
	default:
		if (req->src || req->dst || req->src_port || req->dst_port) {
			*error_r = "UNSPEC and UNKNOWN carry no addresses";
			return -1;
		}
		return 0;
	}
}

/* proxy_encode_check_v1 - what a v1 line cannot carry; 0 or -1 */
static int
proxy_encode_check_v1(const struct proxy_encode_req *req,
		      const char **error_r)
{
	if (req->command != TMX_PROXY_CMD_PROXY)
		*error_r = "v1 has no LOCAL command (use --version 2)";
	else if (req->family != TMX_PROXY_FAM_TCP4 &&
	    req->family != TMX_PROXY_FAM_TCP6 &&
	    req->family != TMX_PROXY_FAM_UNKNOWN)
		*error_r = "v1 knows only TCP4, TCP6 and UNKNOWN";
	else if (req->ntlvs > 0 || req->crc32c)
		*error_r = "v1 carries no TLVs (use --version 2)";
	else
		return 0;
	return -1;
}

/* proxy_encode_check_v2 - families that only exist in v1; 0 or -1 */
static int
proxy_encode_check_v2(const struct proxy_encode_req *req,
		      const char **error_r)
{
	if (req->family == TMX_PROXY_FAM_UNKNOWN) {
		*error_r = "UNKNOWN is a v1 family (v2 says UNSPEC)";
		return -1;
	}
	return 0;
}

/* proxy_encode_ssl_tlv - the SSL TLV and its sub-TLVs */
static void
proxy_encode_ssl_tlv(const struct proxy_encode_req *req,
		     struct tmx_proxy_v2_writer *w)
{
	tmx_proxy_v2_ssl_begin(w, (uint8_t)req->ssl_client,
	    (uint32_t)req->ssl_verify);
	if (req->ssl_version != NULL)
		tmx_proxy_v2_add_tlv(w, TMX_PP2_SUBTYPE_SSL_VERSION,
		    req->ssl_version, strlen(req->ssl_version));
	if (req->ssl_cn != NULL)
		tmx_proxy_v2_add_tlv(w, TMX_PP2_SUBTYPE_SSL_CN, req->ssl_cn,
		    strlen(req->ssl_cn));
	if (req->ssl_cipher != NULL)
		tmx_proxy_v2_add_tlv(w, TMX_PP2_SUBTYPE_SSL_CIPHER,
		    req->ssl_cipher, strlen(req->ssl_cipher));
	tmx_proxy_v2_ssl_end(w);
}

/* proxy_encode_v2 - the whole v2 header into proxy_buf; length or -1 */
static ssize_t
proxy_encode_v2(const struct proxy_encode_req *req,
		const struct sockaddr *src, const struct sockaddr *dst)
{
	struct tmx_proxy_v2_writer w;
	size_t i, len = 0;

	if (tmx_proxy_v2_begin(&w, proxy_buf, sizeof(proxy_buf),
	    req->command, req->family, src, dst) < 0)
		return -1;
	for (i = 0; i < req->ntlvs; i++) {
		if (req->ssl && i == req->ssl_at)
			proxy_encode_ssl_tlv(req, &w);
		else
			tmx_proxy_v2_add_tlv(&w, req->tlvs[i].type,
			    req->tlvs[i].value, req->tlvs[i].len);
	}
	if (tmx_proxy_v2_finish(&w, req->crc32c, &len) < 0)
		return -1;
	return (ssize_t)len;
}

/* proxy_write_all - the whole buffer to fd; 0 or -1 */
static int
proxy_write_all(int fd, const uint8_t *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* proxy_encode_run - build the header req describes and write it */
static int
proxy_encode_run(struct proxy_encode_req *req)
{
	struct sockaddr_storage src, dst;
	const struct sockaddr *psrc = NULL, *pdst = NULL;
	const char *error = NULL;
	ssize_t len;
	size_t n;

	if (!req->family_set)
		req->family = proxy_encode_default_family(req);
	if ((req->version == 1 ? proxy_encode_check_v1(req, &error) :
	    proxy_encode_check_v2(req, &error)) < 0 ||
	    proxy_encode_addresses(req, &src, &dst, &error) < 0)
		return proxy_usage_error("encode", error);
	if (req->family != TMX_PROXY_FAM_UNSPEC &&
	    req->family != TMX_PROXY_FAM_UNKNOWN) {
		psrc = (const struct sockaddr *)&src;
		pdst = (const struct sockaddr *)&dst;
	}
	if (req->version == 1) {
		if (tmx_proxy_encode_v1(req->family, psrc, pdst, proxy_buf,
		    sizeof(proxy_buf), &n) < 0)
			len = -1;
		else
			len = (ssize_t)n;
	} else
		len = proxy_encode_v2(req, psrc, pdst);
	if (len < 0) {
		fprintf(stderr, "trustmx proxy encode: the header could not be "
		    "encoded (TLVs too long for 65535 bytes?)\n");
		return PROXY_EXIT_FAIL;
	}
	if (proxy_write_all(STDOUT_FILENO, proxy_buf, (size_t)len) < 0) {
		fprintf(stderr, "trustmx proxy encode: write: %s\n",
		    strerror(errno));
		return PROXY_EXIT_FAIL;
	}
	return PROXY_EXIT_OK;
}

/* proxy_encode - "proxy encode": a header from options to stdout */
static int
proxy_encode(int argc, char **argv)
{
	struct proxy_encode_req req;
	const char *error = NULL;
	size_t i;
	int c, rc;

	memset(&req, 0, sizeof(req));
	req.version = 2;
	req.command = TMX_PROXY_CMD_PROXY;
	req.ssl_client = TMX_PP2_CLIENT_SSL;
	optind = 1;
	rc = -1;
	while ((c = getopt_long(argc, argv, "h", proxy_encode_opts,
	    NULL)) != -1) {
		if (c == 'h') {
			proxy_usage(stdout);
			rc = PROXY_EXIT_OK;
			break;
		}
		if (c == '?') {
			rc = PROXY_EXIT_USAGE;
			break;
		}
		if (proxy_encode_option(&req, c, optarg, &error) < 0) {
			rc = proxy_usage_error("encode", error ? error :
			    "too many TLV options");
			break;
		}
	}
	if (rc < 0 && optind != argc)
		rc = proxy_usage_error("encode", "unexpected argument");
	if (rc < 0)
		rc = proxy_encode_run(&req);
	for (i = 0; i < req.nowned; i++)
		free(req.owned[i]);
	return rc;
}

/* ---- accept ---- */

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
	 * tmx_proxy_read left the header at the start of proxy_buf (zeroed
	 * before the read); parsing it again yields its length.
	 */
	if (c->read && c->status == TMX_PROXY_READ_OK &&
	    tmx_proxy_parse(proxy_buf, sizeof(proxy_buf), flags, &again,
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
	memset(proxy_buf, 0, sizeof(proxy_buf));
	c->read = true;
	c->status = tmx_proxy_read(fd, (int)req->timeout, req->flags,
	    proxy_buf, sizeof(proxy_buf), &c->hdr, &c->read_reason);
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
static int
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
