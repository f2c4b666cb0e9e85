/*
 * dmarc_ruf.c - one DMARC failure report (RFC 9991): whether a message
 * calls for it, the redaction of its header fields, and the ARF message
 * (RFC 5965, RFC 6591 with RFC 9991 section 4's fields). Nothing here
 * logs, sends or looks anything up; the queue's worker does.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "dmarc_rec.h"
#include "dmarc_ruf.h"

#define DMARC_RUF_LINE_MAX	900	/* a longer physical line is folded */

/* dmarc_ruf_headers_add - see dmarc_ruf.h */
int
dmarc_ruf_headers_add(struct dmarc_ruf_headers *h, const char *name,
		      const char *value)
{
	size_t nlen, vlen;

	while (*value == ' ' || *value == '\t' || *value == '\r' ||
	       *value == '\n')
		value++;
	nlen = strlen(name);
	vlen = strlen(value);
	if (h->nfields == DMARC_RUF_FIELDS_MAX || nlen == 0 ||
	    nlen + vlen + 2 > sizeof(h->text) - h->used) {
		h->dropped++;
		return -1;
	}
	h->field[h->nfields].name = (uint16_t)h->used;
	memcpy(h->text + h->used, name, nlen + 1);
	h->used += nlen + 1;
	h->field[h->nfields].value = (uint16_t)h->used;
	memcpy(h->text + h->used, value, vlen + 1);
	h->used += vlen + 1;
	h->nfields++;
	return 0;
}

#define DMARC_RUF_END(field) ((field)[sizeof(field) - 1] = '\0')

/* dmarc_ruf_msg_bound - see dmarc_ruf.h */
void
dmarc_ruf_msg_bound(struct dmarc_ruf_msg *m)
{
	struct dmarc_ruf_headers *h = &m->headers;
	size_t i;

	DMARC_RUF_END(m->qid);
	DMARC_RUF_END(m->source_ip);
	DMARC_RUF_END(m->mail_from);
	DMARC_RUF_END(m->from_domain);
	DMARC_RUF_END(m->policy_domain);
	DMARC_RUF_END(m->org_domain);
	DMARC_RUF_END(m->ruf);
	DMARC_RUF_END(m->fo);
	DMARC_RUF_END(m->dmarc_result);
	DMARC_RUF_END(m->spf_result);
	DMARC_RUF_END(m->spf_domain);
	DMARC_RUF_END(m->spf_dns);
	DMARC_RUF_END(m->authres);
	if (m->nsigs > DMARC_RUF_SIGS_MAX)
		m->nsigs = DMARC_RUF_SIGS_MAX;
	for (i = 0; i < m->nsigs; i++) {
		DMARC_RUF_END(m->sig[i].domain);
		DMARC_RUF_END(m->sig[i].selector);
		DMARC_RUF_END(m->sig[i].identity);
	}
	if (h->used > sizeof(h->text))
		h->used = sizeof(h->text);
	DMARC_RUF_END(h->text);
	if (h->nfields > DMARC_RUF_FIELDS_MAX)
		h->nfields = DMARC_RUF_FIELDS_MAX;
	for (i = 0; i < h->nfields; i++)
		if (h->field[i].name >= h->used || h->field[i].value >= h->used)
			break;
	h->nfields = i;
}

/* dmarc_ruf_is_report - is the message a feedback report itself (its
 * Content-Type multipart/report; report-type=feedback-report) */
static bool
dmarc_ruf_is_report(const struct dmarc_ruf_headers *h)
{
	for (size_t i = 0; i < h->nfields; i++) {
		const char *value = h->text + h->field[i].value;

		if (strcasecmp(h->text + h->field[i].name, "Content-Type") == 0 &&
		    strcasestr(value, "multipart/report") != NULL &&
		    strcasestr(value, "feedback-report") != NULL)
			return true;
	}
	return false;
}

/* dmarc_ruf_fo - the options of an fo value as DMARC_RUF_WANT_* bits
 * (0 and 1 as DMARC; fo1 set for 1); the default 0 when none is valid */
static unsigned
dmarc_ruf_fo(const char *fo, bool *fo1)
{
	unsigned want = 0;
	bool any = false;
	const char *p;

	*fo1 = false;
	for (p = fo; *p != '\0'; p++) {
		switch (tolower((unsigned char)*p)) {
		case '0':
			want |= DMARC_RUF_WANT_DMARC;
			break;
		case '1':
			want |= DMARC_RUF_WANT_DMARC;
			*fo1 = true;
			break;
		case 'd':
			want |= DMARC_RUF_WANT_DKIM;
			break;
		case 's':
			want |= DMARC_RUF_WANT_SPF;
			break;
		default:	/* ':' and blanks between options */
			continue;
		}
		any = true;
	}
	return any ? want : DMARC_RUF_WANT_DMARC;
}

/* dmarc_ruf_dkim_failed - a signature that failed to verify */
static bool
dmarc_ruf_dkim_failed(enum dmarc_ruf_dkim result)
{
	return result == DMARC_RUF_DKIM_SIGNATURE ||
	    result == DMARC_RUF_DKIM_BODYHASH ||
	    result == DMARC_RUF_DKIM_REVOKED;
}

/* dmarc_ruf_wanted - see dmarc_ruf.h */
unsigned
dmarc_ruf_wanted(const struct dmarc_ruf_msg *m)
{
	bool fo1, failed = false;
	unsigned fo, want = 0;
	size_t i;

	if (m->ruf[0] == '\0' || m->psd || dmarc_ruf_is_report(&m->headers))
		return 0;
	if (strcmp(m->dmarc_result, "fail") == 0)
		failed = true;
	else if (strcmp(m->dmarc_result, "pass") != 0)
		return 0;
	fo = dmarc_ruf_fo(m->fo, &fo1);
	if ((fo & DMARC_RUF_WANT_DMARC) != 0 &&
	    (fo1 ? !m->spf_aligned || !m->dkim_aligned : failed))
		want |= DMARC_RUF_WANT_DMARC;
	for (i = 0; (fo & DMARC_RUF_WANT_DKIM) != 0 && i < m->nsigs &&
	     i < DMARC_RUF_SIGS_MAX; i++)
		if (dmarc_ruf_dkim_failed(m->sig[i].result))
			want |= DMARC_RUF_WANT_DKIM;
	if ((fo & DMARC_RUF_WANT_SPF) != 0 &&
	    (strcmp(m->spf_result, "fail") == 0 ||
	     strcmp(m->spf_result, "softfail") == 0))
		want |= DMARC_RUF_WANT_SPF;
	return want;
}

/* dmarc_ruf_field_in - is name one of list (case-insensitive) */
static bool
dmarc_ruf_field_in(const char *name, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcasecmp(name, *list) == 0)
			return true;
	return false;
}

/* Message identifiers: kept, so the Domain Owner can find the message */
static const char *const dmarc_ruf_ids[] = {
	"Message-ID", "Resent-Message-ID", "In-Reply-To", "References",
	"Content-ID", NULL,
};

/* Who received the message: only the (redacted) addresses are kept */
static const char *const dmarc_ruf_rcpts[] = {
	"To", "Cc", "Bcc", "Resent-To", "Resent-Cc", "Resent-Bcc",
	"Delivered-To", "X-Original-To", "X-Envelope-To", "Envelope-To",
	"Apparently-To", "X-Delivered-To", "X-Rcpt-To", NULL,
};

/* dmarc_ruf_atext - RFC 5322 atext, or a dot */
static bool
dmarc_ruf_atext(int c)
{
	return c != '\0' && (isalnum(c) || c == '.' ||
			     strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* dmarc_ruf_name_char - a character of a tag or property name */
static bool
dmarc_ruf_name_char(int c)
{
	return isalnum(c) || c == '.' || c == '-' || c == '_';
}

/*
 * dmarc_ruf_local_start - where the local part ending at v[at] (the '@')
 * starts, not before floor; at when there is none. A quoted local part
 * runs from its opening quote. A "name=" in front of a dot-atom is a tag
 * or property (DKIM's i=, A-R's smtp.mailfrom=, SRS0=), not the address.
 */
static size_t
dmarc_ruf_local_start(const char *v, size_t floor, size_t at)
{
	size_t s = at, e;

	if (at >= floor + 2 && v[at - 1] == '"') {
		for (s = at - 2; s > floor; s--)
			if (v[s] == '"' && v[s - 1] != '\\')
				return s;
		return v[floor] == '"' ? floor : at;
	}
	while (s > floor && dmarc_ruf_atext((unsigned char)v[s - 1]))
		s--;
	for (e = s; e < at && v[e] != '='; e++)
		;
	if (e < at && e > s && isalpha((unsigned char)v[s])) {
		size_t i;

		for (i = s; i < e && dmarc_ruf_name_char((unsigned char)v[i]);
		     i++)
			;
		if (i == e)
			s = e + 1;
	}
	while (s < at && v[s] == '.')
		s++;
	return s;
}

/* dmarc_ruf_domain_end - the end of the domain after v[at], at + 1 when
 * there is none: a host name or an address literal */
static size_t
dmarc_ruf_domain_end(const char *v, size_t at)
{
	size_t e = at + 1;

	if (v[e] == '[') {
		const char *close = strchr(v + e, ']');

		return close != NULL ? (size_t)(close - v) + 1 : at + 1;
	}
	while (isalnum((unsigned char)v[e]) || v[e] == '.' || v[e] == '-' ||
	       v[e] == '_' || (unsigned char)v[e] >= 0x80)
		e++;
	while (e > at + 1 && v[e - 1] == '.')
		e--;
	return e;
}

/* An address found in a value: v[local, at) '@' v[at + 1, end) */
struct dmarc_ruf_addr {
	size_t local, at, end;
};

/* dmarc_ruf_next_addr - the next address at or after from; false when
 * there is none */
static bool
dmarc_ruf_next_addr(const char *v, size_t from, struct dmarc_ruf_addr *a)
{
	const char *p;

	for (p = strchr(v + from, '@'); p != NULL; p = strchr(p + 1, '@')) {
		a->at = (size_t)(p - v);
		a->end = dmarc_ruf_domain_end(v, a->at);
		a->local = dmarc_ruf_local_start(v, from, a->at);
		if (a->local < a->at && a->end > a->at + 1)
			return true;
	}
	return false;
}

/* dmarc_ruf_token - the redaction token of a local part: HMAC-SHA-256
 * under r's key, its first 9 bytes in base64url */
static void
dmarc_ruf_token(const struct dmarc_ruf_redactor *r, const char *s,
		size_t len, char tok[DMARC_RUF_TOKEN_LEN + 1])
{
	static const char abc[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned char mac[EVP_MAX_MD_SIZE];
	size_t maclen = 0, i;

	if (EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, r->key, r->keylen,
		      (const unsigned char *)s, len, mac, sizeof(mac),
		      &maclen) == NULL || maclen < 9) {
		memset(tok, 'x', DMARC_RUF_TOKEN_LEN);
		tok[DMARC_RUF_TOKEN_LEN] = '\0';
		return;
	}
	for (i = 0; i < DMARC_RUF_TOKEN_LEN / 4; i++) {
		unsigned v = (unsigned)mac[3 * i] << 16 |
		    (unsigned)mac[3 * i + 1] << 8 | mac[3 * i + 2];

		tok[4 * i] = abc[(v >> 18) & 63];
		tok[4 * i + 1] = abc[(v >> 12) & 63];
		tok[4 * i + 2] = abc[(v >> 6) & 63];
		tok[4 * i + 3] = abc[v & 63];
	}
	tok[DMARC_RUF_TOKEN_LEN] = '\0';
}

/* dmarc_ruf_defang - "http" of each http:// or https:// in out from
 * start on becomes "hxxp", case kept */
static void
dmarc_ruf_defang(struct dmarc_buf *out, size_t start)
{
	char *p = out->data != NULL ? out->data + start : NULL;

	while (p != NULL && (p = strcasestr(p, "http")) != NULL) {
		if (strncmp(p + 4, "://", 3) == 0 ||
		    ((p[4] == 's' || p[4] == 'S') && strncmp(p + 5, "://", 3) == 0)) {
			p[1] = p[1] == 'T' ? 'X' : 'x';
			p[2] = p[2] == 'T' ? 'X' : 'x';
		}
		p += 4;
	}
}

/* dmarc_ruf_redact_rcpts - a recipient field: its addresses only, as
 * "<token@domain>", comma-separated */
static void
dmarc_ruf_redact_rcpts(const char *value, const struct dmarc_ruf_redactor *r,
		       struct dmarc_buf *out)
{
	char tok[DMARC_RUF_TOKEN_LEN + 1];
	struct dmarc_ruf_addr a;
	size_t from = 0, n = 0;

	while (dmarc_ruf_next_addr(value, from, &a)) {
		dmarc_ruf_token(r, value + a.local, a.at - a.local, tok);
		dmarc_buf_printf(out, "%s<%s@%.*s>", n++ ? ", " : "", tok,
				 (int)(a.end - a.at - 1), value + a.at + 1);
		from = a.end;
	}
	if (n == 0)
		dmarc_buf_str(out, "undisclosed-recipients:;");
}

/* dmarc_ruf_redact - see dmarc_ruf.h */
void
dmarc_ruf_redact(const char *name, const char *value,
		 const struct dmarc_ruf_redactor *r, struct dmarc_buf *out)
{
	char tok[DMARC_RUF_TOKEN_LEN + 1];
	struct dmarc_ruf_addr a;
	size_t start = out->len, from = 0;

	if (r == NULL || r->keylen == 0 ||
	    dmarc_ruf_field_in(name, dmarc_ruf_ids)) {
		dmarc_buf_str(out, value);
	} else if (dmarc_ruf_field_in(name, dmarc_ruf_rcpts)) {
		dmarc_ruf_redact_rcpts(value, r, out);
	} else {
		while (dmarc_ruf_next_addr(value, from, &a)) {
			dmarc_buf_add(out, value + from, a.local - from);
			dmarc_ruf_token(r, value + a.local, a.at - a.local,
					tok);
			dmarc_buf_str(out, tok);
			dmarc_buf_add(out, value + a.at, a.end - a.at);
			from = a.end;
		}
		dmarc_buf_str(out, value + from);
	}
	if (out->data == NULL)
		dmarc_buf_add(out, "", 0);
	dmarc_ruf_defang(out, start);
}

/* dmarc_ruf_next_line - past the line end at p and any lines of white
 * space only after it (one could end a header section) */
static const char *
dmarc_ruf_next_line(const char *p)
{
	const char *w;

	for (;;) {
		while (*p == '\r' || *p == '\n')
			p++;
		for (w = p; *w == ' ' || *w == '\t'; w++)
			;
		if (*w != '\r' && *w != '\n' && *w != '\0')
			return p;
		if (*w == '\0')
			return w;
		p = w;
	}
}

/*
 * dmarc_ruf_put - "name: value" as one header field of the report: line
 * ends LF, every continuation line starting with white space, no line
 * of white space only, control characters as '?', physical lines folded
 * past DMARC_RUF_LINE_MAX (SMTP allows 998)
 */
static void
dmarc_ruf_put(struct dmarc_buf *out, const char *name, const char *value)
{
	size_t col = strlen(name) + 2;
	const char *p;

	dmarc_buf_printf(out, "%s: ", name);
	for (p = value; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '\r' || c == '\n') {
			p = dmarc_ruf_next_line(p);
			if (*p == '\0')
				break;
			dmarc_buf_str(out, *p == ' ' || *p == '\t' ? "\n" :
				      "\n\t");
			col = *p == ' ' || *p == '\t' ? 0 : 1;
			c = (unsigned char)*p;
		}
		if (col >= DMARC_RUF_LINE_MAX) {
			dmarc_buf_str(out, "\n\t");
			col = 1;
		}
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			c = '?';
		dmarc_buf_add(out, &c, 1);
		col++;
	}
	dmarc_buf_str(out, "\n");
}

/* dmarc_ruf_safe - s appended to out on one line: control characters
 * as '?' (what the milter filled in never breaks the report's lines) */
static void
dmarc_ruf_safe(struct dmarc_buf *out, const char *s)
{
	for (; *s != '\0'; s++)
		dmarc_buf_add(out, (unsigned char)*s < 0x20 ||
			      (unsigned char)*s == 0x7f ? "?" : s, 1);
}

/* dmarc_ruf_put_line - name: a single-line value */
static void
dmarc_ruf_put_line(struct dmarc_buf *out, const char *name, const char *value)
{
	dmarc_buf_printf(out, "%s: ", name);
	dmarc_ruf_safe(out, value);
	dmarc_buf_str(out, "\n");
}

/* dmarc_ruf_reset - empty b, keeping its memory */
static void
dmarc_ruf_reset(struct dmarc_buf *b)
{
	b->len = 0;
	dmarc_buf_add(b, "", 0);
}

/* dmarc_ruf_date - t as an RFC 5322 date-time, UTC */
static const char *
dmarc_ruf_date(time_t t, char *buf, size_t size)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%a, %d %b %Y %H:%M:%S +0000", &tm);
	return buf;
}

/* dmarc_ruf_aligned - is domain aligned with the From domain: the same,
 * or (relaxed) both at or below the Organizational Domain */
static bool
dmarc_ruf_aligned(const struct dmarc_ruf_msg *m, const char *domain)
{
	if (domain[0] == '\0')
		return false;
	if (strcasecmp(domain, m->from_domain) == 0)
		return true;
	return m->org_domain[0] != '\0' &&
	    dmarc_rec_under(domain, m->org_domain) &&
	    dmarc_rec_under(m->from_domain, m->org_domain);
}

/* dmarc_ruf_dkim_fields - DKIM-Domain, DKIM-Identity, DKIM-Selector */
static void
dmarc_ruf_dkim_fields(struct dmarc_buf *fb, const struct dmarc_ruf_sig *s,
		      const struct dmarc_ruf_meta *meta)
{
	struct dmarc_buf id = { 0 };

	dmarc_ruf_put_line(fb, "DKIM-Domain", s->domain);
	if (s->identity[0] != '\0')
		dmarc_ruf_redact("DKIM-Identity", s->identity, meta->redact,
				 &id);
	else
		dmarc_buf_printf(&id, "@%s", s->domain);
	dmarc_ruf_put_line(fb, "DKIM-Identity", id.data);
	dmarc_ruf_put_line(fb, "DKIM-Selector", s->selector);
	dmarc_buf_free(&id);
}

/* dmarc_ruf_auth_failure - the Auth-Failure value of a report */
static const char *
dmarc_ruf_auth_failure(unsigned kind, const struct dmarc_ruf_sig *s)
{
	if (kind == DMARC_RUF_WANT_SPF)
		return "spf";
	if (kind != DMARC_RUF_WANT_DKIM || s == NULL)
		return "dmarc";
	return s->result == DMARC_RUF_DKIM_BODYHASH ? "bodyhash" :
	    s->result == DMARC_RUF_DKIM_REVOKED ? "revoked" : "signature";
}

/* dmarc_ruf_delivery_name - RFC 6591's Delivery-Result value */
static const char *
dmarc_ruf_delivery_name(enum dmarc_ruf_delivery d)
{
	switch (d) {
	case DMARC_RUF_DELIVERED: return "delivered";
	case DMARC_RUF_SPAM: return "spam";
	case DMARC_RUF_POLICY: return "policy";
	case DMARC_RUF_REJECT: return "reject";
	case DMARC_RUF_OTHER: break;
	}
	return "other";
}

/*
 * dmarc_ruf_feedback - the message/feedback-report part's fields: those
 * RFC 5965 requires, RFC 6591's, and RFC 9991 section 4's for a DMARC
 * report (Identity-Alignment: the methods that failed to give an aligned
 * pass; the DKIM-* of a failed aligned signature; SPF-DNS when SPF failed
 * for an aligned identity and the record is known)
 */
static void
dmarc_ruf_feedback(const struct dmarc_ruf_msg *m, unsigned kind,
		   const struct dmarc_ruf_sig *s,
		   const struct dmarc_ruf_meta *meta, struct dmarc_buf *fb)
{
	struct dmarc_buf v = { 0 };
	char date[64];
	size_t i;

	dmarc_ruf_put_line(fb, "Feedback-Type", "auth-failure");
	dmarc_ruf_put_line(fb, "User-Agent", meta->user_agent);
	dmarc_ruf_put_line(fb, "Version", "1");
	dmarc_ruf_put_line(fb, "Auth-Failure", dmarc_ruf_auth_failure(kind, s));
	if (m->authres[0] != '\0')
		dmarc_ruf_redact("Authentication-Results", m->authres,
				 meta->redact, &v);
	else
		dmarc_buf_printf(&v, "%s; dmarc=%s header.from=%s",
				 strrchr(meta->from, '@') != NULL ?
				 strrchr(meta->from, '@') + 1 : meta->from,
				 m->dmarc_result[0] ? m->dmarc_result : "none",
				 m->from_domain);
	dmarc_ruf_put(fb, "Authentication-Results", v.data);
	if (kind == DMARC_RUF_WANT_DMARC) {
		dmarc_ruf_put_line(fb, "Identity-Alignment",
				   !m->dkim_aligned && !m->spf_aligned ?
				   "dkim, spf" : !m->dkim_aligned ? "dkim" :
				   !m->spf_aligned ? "spf" : "none");
		for (i = 0; !m->dkim_aligned && i < m->nsigs &&
		     i < DMARC_RUF_SIGS_MAX; i++)
			if (dmarc_ruf_dkim_failed(m->sig[i].result) &&
			    (m->sig[i].aligned ||
			     dmarc_ruf_aligned(m, m->sig[i].domain))) {
				dmarc_ruf_dkim_fields(fb, &m->sig[i], meta);
				break;
			}
	} else if (kind == DMARC_RUF_WANT_DKIM && s != NULL) {
		dmarc_ruf_dkim_fields(fb, s, meta);
	}
	if (m->spf_dns[0] != '\0' && m->spf_domain[0] != '\0' &&
	    (kind == DMARC_RUF_WANT_SPF ||
	     (kind == DMARC_RUF_WANT_DMARC && !m->spf_aligned &&
	      dmarc_ruf_aligned(m, m->spf_domain)))) {
		dmarc_ruf_reset(&v);
		dmarc_buf_printf(&v, "txt : %s : %s", m->spf_domain,
				 m->spf_dns);
		dmarc_ruf_put(fb, "SPF-DNS", v.data);
	}
	if (m->qid[0] != '\0')
		dmarc_ruf_put_line(fb, "Original-Envelope-Id", m->qid);
	dmarc_ruf_reset(&v);
	dmarc_ruf_redact("Original-Mail-From", m->mail_from, meta->redact,
			 &v);
	dmarc_buf_str(fb, "Original-Mail-From: <");
	dmarc_ruf_safe(fb, v.data);
	dmarc_buf_str(fb, ">\n");
	dmarc_ruf_put_line(fb, "Arrival-Date",
			   dmarc_ruf_date(m->arrival ? m->arrival : meta->now,
					  date, sizeof(date)));
	if (m->source_ip[0] != '\0')
		dmarc_ruf_put_line(fb, "Source-IP", m->source_ip);
	dmarc_ruf_put_line(fb, "Reported-Domain", m->from_domain);
	dmarc_ruf_put_line(fb, "Delivery-Result",
			   dmarc_ruf_delivery_name(m->delivery));
	dmarc_buf_free(&v);
}

/* dmarc_ruf_say - text with each %s replaced by the next of args, made
 * safe (a minimal printf for strings that came with the message) */
static void
dmarc_ruf_say(struct dmarc_buf *out, const char *text,
	      const char *const *args)
{
	const char *p;

	for (p = text; *p != '\0'; p++) {
		if (p[0] == '%' && p[1] == 's') {
			dmarc_ruf_safe(out, *args++);
			p++;
		} else {
			dmarc_buf_add(out, p, 1);
		}
	}
}

/* dmarc_ruf_human - the text/plain part: what happened, in words */
static void
dmarc_ruf_human(const struct dmarc_ruf_msg *m, unsigned kind,
		const struct dmarc_ruf_sig *s, const struct dmarc_ruf_meta *meta,
		struct dmarc_buf *out)
{
	static const char *const done[] = {
		"It was delivered.", "It was delivered as spam (quarantined).",
		"It was not delivered (local policy).",
		"It was rejected during the SMTP session.",
		"It was not delivered.",
	};
	char date[64];

	dmarc_ruf_say(out, "This is an authentication failure report "
		      "(RFC 9991, RFC 6591) for an email\nmessage received "
		      "from IP address %s on %s.\n\n",
		      (const char *[]){ m->source_ip[0] ? m->source_ip :
		      "(unknown)", dmarc_ruf_date(m->arrival ? m->arrival :
		      meta->now, date, sizeof(date)) });
	dmarc_ruf_say(out, "Its From: domain is %s; the DMARC Policy Record "
		      "is %s's.\n", (const char *[]){ m->from_domain,
		      m->policy_domain[0] ? m->policy_domain :
		      m->from_domain });
	if (kind == DMARC_RUF_WANT_DKIM && s != NULL)
		dmarc_ruf_say(out, "The DKIM signature of d=%s s=%s did not "
			      "verify (%s).\n", (const char *[]){ s->domain,
			      s->selector, dmarc_ruf_auth_failure(kind, s) });
	else if (kind == DMARC_RUF_WANT_SPF)
		dmarc_ruf_say(out, "SPF for %s gave %s.\n",
			      (const char *[]){ m->spf_domain[0] ?
			      m->spf_domain : "(none)", m->spf_result });
	else
		dmarc_ruf_say(out, "DMARC: %s (aligned SPF pass: %s, aligned "
			      "DKIM pass: %s).\n", (const char *[]){
			      m->dmarc_result, m->spf_aligned ? "yes" : "no",
			      m->dkim_aligned ? "yes" : "no" });
	dmarc_buf_printf(out, "%s\n\n", done[m->delivery <= DMARC_RUF_OTHER ?
					     m->delivery : DMARC_RUF_OTHER]);
	dmarc_buf_printf(out, "Only the message's header fields are "
			 "included, never its body%s.\n",
			 meta->redact != NULL && meta->redact->keylen > 0 ?
			 ";\nthe local parts of addresses are redacted" : "");
	if (m->headers.dropped > 0)
		dmarc_buf_printf(out, "%u header fields were left out (at "
				 "most %d fields, %d bytes, are kept).\n",
				 m->headers.dropped, DMARC_RUF_FIELDS_MAX,
				 DMARC_RUF_HEADER_MAX);
}

/* dmarc_ruf_8bit - does out hold a byte outside ASCII from start on */
static bool
dmarc_ruf_8bit(const struct dmarc_buf *out, size_t start)
{
	for (size_t i = start; i < out->len; i++)
		if ((unsigned char)out->data[i] >= 0x80)
			return true;
	return false;
}

/* dmarc_ruf_part - a MIME part: its header, then body, which keeps its
 * last line end (the one before the next boundary is the boundary's) */
static void
dmarc_ruf_part(struct dmarc_buf *out, const char *boundary, const char *type,
	       const struct dmarc_buf *body)
{
	dmarc_buf_printf(out, "--%s\nContent-Type: %s\n"
			 "Content-Transfer-Encoding: %s\n\n", boundary, type,
			 dmarc_ruf_8bit(body, 0) ? "8bit" : "7bit");
	dmarc_buf_add(out, body->data, body->len);
	dmarc_buf_str(out, "\n");
}

/* dmarc_ruf_headers_part - the message's header fields, redacted */
static void
dmarc_ruf_headers_part(const struct dmarc_ruf_msg *m,
		       const struct dmarc_ruf_meta *meta, struct dmarc_buf *out)
{
	const struct dmarc_ruf_headers *h = &m->headers;
	struct dmarc_buf v = { 0 };
	const char *name;
	size_t i;

	for (i = 0; i < h->nfields && i < DMARC_RUF_FIELDS_MAX; i++) {
		name = h->text + h->field[i].name;
		dmarc_ruf_reset(&v);
		dmarc_ruf_redact(name, h->text + h->field[i].value,
				 meta->redact, &v);
		dmarc_ruf_put(out, name, v.data);
	}
	dmarc_buf_free(&v);
}

/* dmarc_ruf_build - see dmarc_ruf.h */
void
dmarc_ruf_build(const struct dmarc_ruf_msg *m, unsigned kind, size_t sig,
		const struct dmarc_ruf_meta *meta, struct dmarc_buf *out)
{
	const struct dmarc_ruf_sig *s = kind == DMARC_RUF_WANT_DKIM &&
	    sig < m->nsigs && sig < DMARC_RUF_SIGS_MAX ? &m->sig[sig] : NULL;
	const char *at = strrchr(meta->from, '@');
	const char *what = kind == DMARC_RUF_WANT_DKIM ? "DKIM" :
	    kind == DMARC_RUF_WANT_SPF ? "SPF" : "DMARC";
	struct dmarc_buf part = { 0 };
	char boundary[128], date[64];

	snprintf(boundary, sizeof(boundary), "=_trustmx_ruf_%s", meta->id);
	dmarc_buf_printf(out, "From: <%s>\nTo: <%s>\nDate: %s\n", meta->from,
			 meta->to, dmarc_ruf_date(meta->now, date,
						  sizeof(date)));
	dmarc_buf_printf(out, "Subject: %s failure report for ", what);
	dmarc_ruf_safe(out, m->from_domain);
	dmarc_buf_str(out, "\n");
	dmarc_buf_printf(out, "Message-ID: <ruf.%s@%s>\n", meta->id,
			 at != NULL ? at + 1 : meta->from);
	dmarc_buf_str(out, "Auto-Submitted: auto-generated\n"
		      "MIME-Version: 1.0\n");
	dmarc_buf_printf(out, "Content-Type: multipart/report; "
			 "report-type=feedback-report;\n"
			 "\tboundary=\"%s\"\n\n", boundary);
	dmarc_buf_str(out, "This is a failure report in MIME format "
		      "(RFC 9991).\n\n");

	dmarc_ruf_human(m, kind, s, meta, &part);
	dmarc_ruf_part(out, boundary, "text/plain; charset=us-ascii", &part);
	dmarc_ruf_reset(&part);
	dmarc_ruf_feedback(m, kind, s, meta, &part);
	dmarc_ruf_part(out, boundary, "message/feedback-report", &part);
	dmarc_ruf_reset(&part);
	dmarc_ruf_headers_part(m, meta, &part);
	dmarc_ruf_part(out, boundary, "text/rfc822-headers", &part);
	dmarc_buf_printf(out, "--%s--\n", boundary);
	dmarc_buf_free(&part);
}
