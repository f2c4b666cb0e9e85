/*
 * spf_cache.c - the last good expansion of each spf: domain on disk, so a
 * daemon that restarts while DNS is down still has its relay ranges. One
 * text file per domain, replaced atomically, checked line by line on load.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spf_expand.h"
#include "spf_limits.h"

#define SPF_CACHE_MAGIC "trustmx-spf-cache"
#define SPF_CACHE_VERSION 1
#define SPF_CACHE_KEY_MAX 254		/* "=" + hex of up to 126 bytes, or a name */
#define SPF_CACHE_HEX_MAX 126
#define SPF_CACHE_FILE_MAX (SPF_LIMIT_PREFIXES * 64 + 1024)
#define SPF_CACHE_FUTURE_SLACK 86400	/* resolved_at later than now + this is corrupt */

struct spf_cache_buf {
	char *data;
	size_t len, alloc;
};

/* spf_cache_err - format into the caller's error buffer */
static int __attribute__((format(printf, 3, 4)))
spf_cache_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* spf_cache_name_char - what a cache file name may hold as is */
static bool
spf_cache_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
		c == '_' || c == '.';
}

/*
 * spf_cache_key - the file name for domain: the lowercased name without its
 * trailing dot when it is plain hostname characters (no leading dot, no
 * empty label), else "=" and its hex; neither can leave the directory or
 * collide with the other, or with the ".tmp-" files of a save.
 */
static int
spf_cache_key(const char *domain, char *key, char *err, size_t errlen)
{
	size_t len = strlen(domain), i;
	bool plain;

	if (len > 0 && domain[len - 1] == '.')
		len--;
	if (len == 0)
		return spf_cache_err(err, errlen, "empty domain name");
	plain = len <= 253 && domain[0] != '-' && domain[0] != '.';
	for (i = 0; i < len && plain; i++) {
		char c = (char)tolower((unsigned char)domain[i]);

		if (!spf_cache_name_char(c) || (c == '.' && domain[i - 1] == '.'))
			plain = false;
	}
	if (plain) {
		for (i = 0; i < len; i++)
			key[i] = (char)tolower((unsigned char)domain[i]);
		key[len] = '\0';
		return 0;
	}
	if (len > SPF_CACHE_HEX_MAX)
		return spf_cache_err(err, errlen, "domain name too long");
	key[0] = '=';
	for (i = 0; i < len; i++)
		snprintf(key + 1 + 2 * i, 3, "%02x",
			 (unsigned)tolower((unsigned char)domain[i]));
	return 0;
}

/* spf_cache_path - dir/name, or -1 when it does not fit */
static int
spf_cache_path(char *path, size_t size, const char *dir, const char *name,
	       char *err, size_t errlen)
{
	int n = snprintf(path, size, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= size)
		return spf_cache_err(err, errlen, "%s: path too long", dir);
	return 0;
}

/* spf_cache_sum - FNV-1a 64 over the text before the "end" line */
static uint64_t
spf_cache_sum(const char *data, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (uint8_t)data[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* spf_cache_append - printf onto the growing buffer */
static int __attribute__((format(printf, 2, 3)))
spf_cache_append(struct spf_cache_buf *b, const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->data + b->len, b->alloc - b->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			return -1;
		if ((size_t)n < b->alloc - b->len) {
			b->len += (size_t)n;
			return 0;
		}
		if ((p = realloc(b->data, b->alloc * 2 + (size_t)n)) == NULL)
			return -1;
		b->data = p;
		b->alloc = b->alloc * 2 + (size_t)n;
	}
}

/* spf_cache_prefix_format - "192.0.2.0/24"; NULL when not a valid prefix */
static const char *
spf_cache_prefix_format(const struct spf_prefix *p, char *buf, size_t size)
{
	char addr[INET6_ADDRSTRLEN];
	unsigned bits = p->addr.family == 4 ? 32 : 128;

	if ((p->addr.family != 4 && p->addr.family != 6) || p->len > bits)
		return NULL;
	if (inet_ntop(p->addr.family == 4 ? AF_INET : AF_INET6, p->addr.bytes,
		      addr, sizeof(addr)) == NULL)
		return NULL;
	snprintf(buf, size, "%s/%u", addr, p->len);
	return buf;
}

/* spf_cache_prefix_order - strictly increasing: family, address, length */
static int
spf_cache_prefix_order(const struct spf_prefix *a, const struct spf_prefix *b)
{
	int c;

	if (a->addr.family != b->addr.family)
		return a->addr.family < b->addr.family ? -1 : 1;
	if ((c = memcmp(a->addr.bytes, b->addr.bytes, 16)) != 0)
		return c;
	return a->len < b->len ? -1 : a->len > b->len;
}

/* spf_cache_render - the whole file in memory, checksum line included */
static int
spf_cache_render(const char *key, const struct spf_expansion *exp,
		 struct spf_cache_buf *b, char *err, size_t errlen)
{
	char text[INET6_ADDRSTRLEN + 8];
	size_t i;

	if (exp->count > SPF_LIMIT_PREFIXES || exp->ttl == 0 ||
	    exp->lookups > SPF_LIMIT_DNS_TERMS ||
	    exp->void_lookups > SPF_LIMIT_VOID || exp->resolved_at <= 0)
		return spf_cache_err(err, errlen, "expansion out of bounds");
	b->alloc = 4096;
	if ((b->data = malloc(b->alloc)) == NULL)
		return spf_cache_err(err, errlen, "out of memory");
	if (spf_cache_append(b, "%s %d %s %" PRId64 " %" PRIu32 " %u %u %zu\n",
			     SPF_CACHE_MAGIC, SPF_CACHE_VERSION, key,
			     (int64_t)exp->resolved_at, exp->ttl, exp->lookups,
			     exp->void_lookups, exp->count) < 0)
		return spf_cache_err(err, errlen, "out of memory");
	for (i = 0; i < exp->count; i++) {
		if (spf_cache_prefix_format(&exp->prefixes[i], text,
					    sizeof(text)) == NULL)
			return spf_cache_err(err, errlen, "invalid prefix #%zu", i);
		if (i > 0 && spf_cache_prefix_order(&exp->prefixes[i - 1],
						    &exp->prefixes[i]) >= 0)
			return spf_cache_err(err, errlen,
					     "prefixes not sorted and unique");
		if (spf_cache_append(b, "%s\n", text) < 0)
			return spf_cache_err(err, errlen, "out of memory");
	}
	if (spf_cache_append(b, "end %016" PRIx64 "\n",
			     spf_cache_sum(b->data, b->len)) < 0)
		return spf_cache_err(err, errlen, "out of memory");
	return 0;
}

/* spf_cache_write_all - the buffer to fd, across short writes */
static int
spf_cache_write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* spf_cache_sync_dir - make the rename itself durable */
static void
spf_cache_sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

/* spf_cache_save - write atomically (temp file + fsync + rename) under dir */
int
spf_cache_save(const char *dir, const char *domain,
	       const struct spf_expansion *exp, char *err, size_t errlen)
{
	char key[SPF_CACHE_KEY_MAX + 1], path[PATH_MAX], tmp[PATH_MAX];
	struct spf_cache_buf b = { NULL, 0, 0 };
	int fd, saved;

	if (spf_cache_key(domain, key, err, errlen) < 0 ||
	    spf_cache_path(path, sizeof(path), dir, key, err, errlen) < 0 ||
	    spf_cache_path(tmp, sizeof(tmp), dir, ".tmp-XXXXXX", err, errlen) < 0)
		return -1;
	if (spf_cache_render(key, exp, &b, err, errlen) < 0) {
		free(b.data);
		return -1;
	}
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		saved = errno;
		free(b.data);
		return spf_cache_err(err, errlen, "%s: %s", tmp, strerror(saved));
	}
	if (fchmod(fd, 0644) < 0 || spf_cache_write_all(fd, b.data, b.len) < 0 ||
	    fsync(fd) < 0) {
		saved = errno;
		close(fd);
		unlink(tmp);
		free(b.data);
		return spf_cache_err(err, errlen, "%s: %s", tmp, strerror(saved));
	}
	free(b.data);
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		saved = errno;
		unlink(tmp);
		return spf_cache_err(err, errlen, "%s: %s", path, strerror(saved));
	}
	spf_cache_sync_dir(dir);
	return 0;
}

/* spf_cache_read - the whole file, NUL-terminated, within the size bound */
static char *
spf_cache_read(const char *path, size_t *len_r, char *err, size_t errlen)
{
	struct stat sb;
	char *data;
	size_t got = 0;
	int fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		spf_cache_err(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) ||
	    sb.st_size > SPF_CACHE_FILE_MAX) {
		close(fd);
		spf_cache_err(err, errlen, "%s: not a cache file", path);
		return NULL;
	}
	if ((data = malloc((size_t)sb.st_size + 1)) == NULL) {
		close(fd);
		spf_cache_err(err, errlen, "out of memory");
		return NULL;
	}
	while (got < (size_t)sb.st_size) {
		ssize_t n = read(fd, data + got, (size_t)sb.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (got != (size_t)sb.st_size) {
		free(data);
		spf_cache_err(err, errlen, "%s: short read", path);
		return NULL;
	}
	data[got] = '\0';
	*len_r = got;
	return data;
}

/* spf_cache_number - strict decimal (no sign, no leading zero) up to max */
static int
spf_cache_number(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (*s == '\0' || (s[0] == '0' && s[1] != '\0'))
		return -1;
	/* max is far below UINT64_MAX / 10 here: v * 10 + 9 cannot wrap */
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || v > max / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > max)
			return -1;
	}
	*out = v;
	return 0;
}

/* spf_cache_next_line - cut the line at *pos; NULL at the end of the text */
static char *
spf_cache_next_line(char *data, size_t len, size_t *pos)
{
	char *line = data + *pos, *nl;

	if (*pos >= len || (nl = memchr(line, '\n', len - *pos)) == NULL)
		return NULL;
	*nl = '\0';
	*pos = (size_t)(nl - data) + 1;
	return line;
}

/* spf_cache_parse_header - every field of the first line, checked */
static int
spf_cache_parse_header(char *line, const char *key, struct spf_expansion *exp,
		       uint64_t *count_r)
{
	char *field[9], *s = line;
	uint64_t v[5], version;
	int n = 0;

	/* exactly one space between fields: an empty field fails below */
	while (s != NULL && n < 9)
		field[n++] = strsep(&s, " ");
	if (n != 8 || strcmp(field[0], SPF_CACHE_MAGIC) != 0 ||
	    spf_cache_number(field[1], 1000, &version) < 0 ||
	    version != SPF_CACHE_VERSION || strcmp(field[2], key) != 0)
		return -1;
	if (spf_cache_number(field[3], (uint64_t)time(NULL) +
			     SPF_CACHE_FUTURE_SLACK, &v[0]) < 0 || v[0] == 0 ||
	    spf_cache_number(field[4], UINT32_MAX, &v[1]) < 0 || v[1] == 0 ||
	    spf_cache_number(field[5], SPF_LIMIT_DNS_TERMS, &v[2]) < 0 ||
	    spf_cache_number(field[6], SPF_LIMIT_VOID, &v[3]) < 0 ||
	    spf_cache_number(field[7], SPF_LIMIT_PREFIXES, &v[4]) < 0)
		return -1;
	exp->resolved_at = (time_t)v[0];
	exp->ttl = (uint32_t)v[1];
	exp->lookups = (unsigned)v[2];
	exp->void_lookups = (unsigned)v[3];
	*count_r = v[4];
	return 0;
}

/* spf_cache_parse_prefix - "addr/len" in the form save writes, host bits clear */
static int
spf_cache_parse_prefix(const char *line, struct spf_prefix *p)
{
	char addr[INET6_ADDRSTRLEN + 1], again[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(line, '/');
	uint64_t len;
	size_t alen;

	if (slash == NULL || (alen = (size_t)(slash - line)) >= sizeof(addr))
		return -1;
	memcpy(addr, line, alen);
	addr[alen] = '\0';
	memset(p, 0, sizeof(*p));
	if (inet_pton(AF_INET, addr, p->addr.bytes) == 1)
		p->addr.family = 4;
	else if (inet_pton(AF_INET6, addr, p->addr.bytes) == 1)
		p->addr.family = 6;
	else
		return -1;
	if (spf_cache_number(slash + 1, p->addr.family == 4 ? 32 : 128, &len) < 0)
		return -1;
	p->len = (unsigned)len;
	/* canonical text only: that also rules out host bits set */
	for (len = p->len; len < 128; len++)
		if (p->addr.bytes[len / 8] & (0x80 >> (len % 8)))
			return -1;
	if (spf_cache_prefix_format(p, again, sizeof(again)) == NULL ||
	    strcmp(again, line) != 0)
		return -1;
	return 0;
}

/* spf_cache_parse - checksum, header, sorted unique prefixes, nothing more */
static int
spf_cache_parse(char *data, size_t len, const char *key,
		struct spf_expansion *exp)
{
	size_t pos = 0, body;
	uint64_t count, i;
	char *line, *last, sum[32];

	if (len == 0 || data[len - 1] != '\n' || memchr(data, '\0', len) != NULL)
		return -1;
	/* the last line sums up everything before it, as written */
	last = memrchr(data, '\n', len - 1);
	body = last ? (size_t)(last - data) + 1 : 0;
	snprintf(sum, sizeof(sum), "end %016" PRIx64 "\n",
		 spf_cache_sum(data, body));
	if (len - body != strlen(sum) || memcmp(data + body, sum, len - body) != 0)
		return -1;
	if ((line = spf_cache_next_line(data, body, &pos)) == NULL ||
	    spf_cache_parse_header(line, key, exp, &count) < 0)
		return -1;
	if ((exp->prefixes = calloc(count ? count : 1, sizeof(*exp->prefixes))) == NULL)
		return -1;
	for (i = 0; i < count; i++) {
		if ((line = spf_cache_next_line(data, body, &pos)) == NULL ||
		    spf_cache_parse_prefix(line, &exp->prefixes[i]) < 0)
			return -1;
		if (i > 0 && spf_cache_prefix_order(&exp->prefixes[i - 1],
						    &exp->prefixes[i]) >= 0)
			return -1;
	}
	exp->count = count;
	return pos == body ? 0 : -1;
}

/* spf_cache_load - read the last saved result; -1 when none or unreadable */
int
spf_cache_load(const char *dir, const char *domain,
	       struct spf_expansion *exp_r, char *err, size_t errlen)
{
	char key[SPF_CACHE_KEY_MAX + 1], path[PATH_MAX];
	size_t len;
	char *data;

	memset(exp_r, 0, sizeof(*exp_r));
	if (spf_cache_key(domain, key, err, errlen) < 0 ||
	    spf_cache_path(path, sizeof(path), dir, key, err, errlen) < 0)
		return -1;
	if ((data = spf_cache_read(path, &len, err, errlen)) == NULL)
		return -1;
	if (spf_cache_parse(data, len, key, exp_r) < 0) {
		free(data);
		spf_expansion_free(exp_r);
		return spf_cache_err(err, errlen, "%s: corrupt cache file", path);
	}
	free(data);
	return 0;
}
