/*
 * doctor_dns.c - the lookups the doctor's checks share, through dns/: TXT
 * records picked by their version tag, a host's addresses, PTR names.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dns.h"
#include "doctor.h"
#include "xalloc.h"

/* doctor_dns_tag_match - txt starts with prefix, then a separator or end */
static bool
doctor_dns_tag_match(const char *txt, const char *prefix)
{
	size_t n = strlen(prefix);

	if (n == 0)
		return true;	/* no tag asked: any record */
	if (strncasecmp(txt, prefix, n) != 0)
		return false;
	return txt[n] == '\0' || txt[n] == ' ' || txt[n] == ';' ||
	    txt[n] == '\t';
}

/* doctor_dns_txt - see doctor.h */
int
doctor_dns_txt(const char *name, const char *prefix, char **text_r,
	       const char **why_r)
{
	static __thread char why[256];
	struct dns_answer ans;
	size_t i;
	int n = 0;

	*text_r = NULL;
	switch (dns_lookup(name, DNS_TYPE_TXT, &ans)) {
	case DNS_OK:
		break;
	case DNS_NXDOMAIN:
	case DNS_NODATA:
		*why_r = dns_status_str(ans.status);
		dns_answer_free(&ans);
		return 0;
	default:
		/* the reason may live in ans: keep a copy past the free */
		snprintf(why, sizeof(why), "%s", ans.reason != NULL ?
			 ans.reason : dns_status_str(ans.status));
		*why_r = why;
		dns_answer_free(&ans);
		return -1;
	}
	*why_r = "no matching record";
	for (i = 0; i < ans.count; i++) {
		if (!doctor_dns_tag_match(ans.records[i].text, prefix))
			continue;
		if (n++ == 0)
			*text_r = xstrdup(ans.records[i].text);
	}
	dns_answer_free(&ans);
	return n;
}

/* doctor_dns_addrs_type - append host's records of one type; -1 on tempfail */
static int
doctor_dns_addrs_type(const char *host, enum dns_type type,
		      struct tmx_addr *addrs, size_t max, size_t *n)
{
	struct dns_answer ans;
	enum dns_status st;
	size_t i;

	st = dns_lookup(host, type, &ans);
	for (i = 0; st == DNS_OK && i < ans.count && *n < max; i++)
		addrs[(*n)++] = ans.records[i].addr;
	dns_answer_free(&ans);
	return st == DNS_TEMPFAIL ? -1 : 0;
}

/* doctor_dns_addrs - see doctor.h */
int
doctor_dns_addrs(const char *host, struct tmx_addr *addrs, size_t max)
{
	size_t n = 0;

	if (doctor_dns_addrs_type(host, DNS_TYPE_A, addrs, max, &n) < 0)
		return -1;
	if (doctor_dns_addrs_type(host, DNS_TYPE_AAAA, addrs, max, &n) < 0)
		return -1;
	return (int)n;
}

/* doctor_dns_reverse_name - the in-addr.arpa or ip6.arpa name of addr */
static void
doctor_dns_reverse_name(const struct tmx_addr *addr, char *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t pos = 0;
	int i;

	if (addr->family == 4) {
		snprintf(buf, len, "%u.%u.%u.%u.in-addr.arpa",
		    addr->bytes[3], addr->bytes[2], addr->bytes[1],
		    addr->bytes[0]);
		return;
	}
	for (i = 15; i >= 0 && pos + 4 < len; i--) {
		buf[pos++] = hex[addr->bytes[i] & 0x0f];
		buf[pos++] = '.';
		buf[pos++] = hex[addr->bytes[i] >> 4];
		buf[pos++] = '.';
	}
	snprintf(buf + pos, len - pos, "ip6.arpa");
}

/* doctor_dns_ptr - see doctor.h */
int
doctor_dns_ptr(const struct tmx_addr *addr, char names[][256], size_t max)
{
	struct dns_answer ans;
	char rname[80];
	size_t n = 0, k;
	int rc;

	doctor_dns_reverse_name(addr, rname, sizeof(rname));
	switch (dns_lookup(rname, DNS_TYPE_PTR, &ans)) {
	case DNS_OK:
		for (size_t i = 0; i < ans.count && n < max; i++) {
			const char *host = ans.records[i].text;

			if (host == NULL || strlen(host) >= 256)
				continue;	/* longer than any host name */
			for (k = 0; host[k] != '\0'; k++)
				names[n][k] = (char)tolower((unsigned char)host[k]);
			names[n++][k] = '\0';
		}
		rc = (int)n;
		break;
	case DNS_NODATA:
	case DNS_NXDOMAIN:
		rc = 0;		/* no PTR: none */
		break;
	default:
		rc = -1;	/* we do not know */
		break;
	}
	dns_answer_free(&ans);
	return rc;
}
