/*
 * dns_name.c - the words of the DNS layer: which names may be asked, when
 * two names are the same, and the mnemonics for logs and the CLI.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dns_int.h"

/* dns_status_str - a word for logs and error messages */
const char *
dns_status_str(enum dns_status status)
{
	switch (status) {
	case DNS_OK:
		return "answer";
	case DNS_NODATA:
		return "NODATA";
	case DNS_NXDOMAIN:
		return "NXDOMAIN";
	case DNS_TEMPFAIL:
		return "temporary failure";
	case DNS_BADNAME:
		return "invalid name";
	}
	return "unknown";
}

/* dns_type_str - the record type's mnemonic */
const char *
dns_type_str(enum dns_type type)
{
	switch (type) {
	case DNS_TYPE_A:
		return "A";
	case DNS_TYPE_NS:
		return "NS";
	case DNS_TYPE_CNAME:
		return "CNAME";
	case DNS_TYPE_SOA:
		return "SOA";
	case DNS_TYPE_PTR:
		return "PTR";
	case DNS_TYPE_MX:
		return "MX";
	case DNS_TYPE_TXT:
		return "TXT";
	case DNS_TYPE_AAAA:
		return "AAAA";
	case DNS_TYPE_TLSA:
		return "TLSA";
	}
	return "?";
}

/* dns_security_str - DNSSEC's verdict as a word */
const char *
dns_security_str(enum dns_security security)
{
	switch (security) {
	case DNS_INSECURE:
		return "insecure";
	case DNS_SECURE:
		return "secure";
	case DNS_BOGUS:
		return "bogus";
	}
	return "unknown";
}

/*
 * dns_name_valid - labels of 1-63 bytes, at most 253 in all, one optional
 * trailing dot. A label may hold any byte but NUL and the dot: SPF macros
 * expand to names with spaces and '%' (RFC 7208 7.3), which DNS allows
 * and dns_name_escape writes as libunbound wants them.
 */
int
dns_name_valid(const char *name)
{
	size_t len = strlen(name), label = 0, i;

	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0 || len > 253)
		return 0;
	for (i = 0; i < len; i++) {
		if (name[i] == '.') {
			if (label == 0)
				return 0;
			label = 0;
			continue;
		}
		if (++label > 63)
			return 0;
	}
	return 1;
}

/* dns_name_escape - see dns_int.h */
void
dns_name_escape(const char *name, char *out, size_t size)
{
	size_t n = 0;

	for (; *name != '\0' && n + 5 < size; name++) {
		unsigned char c = (unsigned char)*name;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '.' || c == '*')
			out[n++] = (char)c;
		else
			n += (size_t)snprintf(out + n, size - n, "\\%03u", c);
	}
	out[n] = '\0';
}

/* dns_name_equal - see dns.h */
bool
dns_name_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la > 0 && a[la - 1] == '.')
		la--;
	if (lb > 0 && b[lb - 1] == '.')
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}
