/*
 * proxy_encode.c - "trustmx proxy encode": any PROXY v1 or v2 header an
 * operator can describe on the command line, written to stdout.
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
static uint8_t encode_buf[TMX_PROXY_V2_MAX];

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

/* proxy_encode_v2 - the whole v2 header into encode_buf; length or -1 */
static ssize_t
proxy_encode_v2(const struct proxy_encode_req *req,
		const struct sockaddr *src, const struct sockaddr *dst)
{
	struct tmx_proxy_v2_writer w;
	size_t i, len = 0;

	if (tmx_proxy_v2_begin(&w, encode_buf, sizeof(encode_buf),
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
		if (tmx_proxy_encode_v1(req->family, psrc, pdst, encode_buf,
		    sizeof(encode_buf), &n) < 0)
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
	if (proxy_write_all(STDOUT_FILENO, encode_buf, (size_t)len) < 0) {
		fprintf(stderr, "trustmx proxy encode: write: %s\n",
		    strerror(errno));
		return PROXY_EXIT_FAIL;
	}
	return PROXY_EXIT_OK;
}

/* proxy_encode - "proxy encode": a header from options to stdout */
int
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
