/*
 * received.c - who wrote what in a Received line. Each MTA family has a
 * grammar that knows where that MTA puts the address it observed and the
 * HELO its client claimed; AUTO runs every grammar and accepts a line only
 * when all that read it agree. So a line is never read with another
 * family's layout to a different client than its writer's own layout gives.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "received.h"
#include "received_lex.h"

#define RCV_ITEMS_MAX 8

/* A grammar: NULL when the line has the family's layout, else why not */
typedef const char *rcv_grammar_fn(const struct received_line *l, bool pinned,
				   struct received_info *r);

struct rcv_family {
	const char *name;
	rcv_grammar_fn *grammar;
	const char *signature;	/* first word of a by-part comment, or NULL */
	const char *by_suffix;	/* or the end of the by host's name */
};

/* rcv_tok_span - a token's place in the value */
static struct received_span
rcv_tok_span(const struct received_line *l, size_t i)
{
	struct received_span s = { (size_t)(l->tok[i].s - l->value),
				   l->tok[i].len };
	return s;
}

/* rcv_plain - host-name and literal characters only (nothing to inject) */
static bool
rcv_plain(const char *s, size_t len)
{
	if (len == 0 || len >= RECEIVED_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!isalnum(c) && strchr(".-_:[]", c) == NULL)
			return false;
	}
	return true;
}

/* rcv_copy - a plain name into dst (RECEIVED_NAME_MAX bytes), else "" */
static void
rcv_copy(char *dst, const char *s, size_t len)
{
	dst[0] = '\0';
	if (rcv_plain(s, len)) {
		memcpy(dst, s, len);
		dst[len] = '\0';
	}
}

/* rcv_ip - an address without brackets; ::ffff:a.b.c.d is IPv4 */
static bool
rcv_ip(const char *s, size_t len, struct tmx_addr *addr)
{
	char text[TMX_ADDR_STRLEN + 1];

	if (len == 0 || len >= sizeof(text))
		return false;
	memcpy(text, s, len);
	text[len] = '\0';
	if (tmx_addr_parse(text, addr) < 0)
		return false;
	tmx_addr_unmap(addr);
	return true;
}

/*
 * rcv_literal - "[192.0.2.1]", "[IPv6:2001:db8::1]", "[2001:db8::1]",
 * with ":PORT" after the bracket when port is true
 */
static bool
rcv_literal(const char *s, size_t len, bool port, struct tmx_addr *addr)
{
	const char *close = memchr(s, ']', len);
	size_t n;

	if (len < 3 || s[0] != '[' || close == NULL)
		return false;
	if ((size_t)(close - s) + 1 < len) {
		const char *p = close + 1, *end = s + len;

		if (!port || *p != ':' || p + 1 == end)
			return false;
		while (++p < end)
			if (!isdigit((unsigned char)*p))
				return false;
	}
	s++;
	n = (size_t)(close - s);
	if (n > 5 && strncasecmp(s, "IPv6:", 5) == 0) {
		s += 5;
		n -= 5;
	}
	return rcv_ip(s, n, addr);
}

/* rcv_word - token i as text, when it is a word */
static bool
rcv_word(const struct received_line *l, size_t i, const char **s, size_t *len)
{
	if (l->tok[i].kind != RECEIVED_TOK_WORD)
		return false;
	*s = l->tok[i].s;
	*len = l->tok[i].len;
	return true;
}

/* rcv_address_word - token i is "[ADDR]", "ADDR" or "user@ADDR" */
static bool
rcv_address_word(const struct received_line *l, size_t i)
{
	const char *s = l->tok[i].s, *at;
	size_t n = l->tok[i].len;
	struct tmx_addr a;

	if (l->tok[i].kind != RECEIVED_TOK_WORD)
		return false;
	if ((at = memrchr(s, '@', n)) != NULL) {
		n -= (size_t)(at + 1 - s);
		s = at + 1;
	}
	return rcv_literal(s, n, true, &a) || rcv_ip(s, n, &a);
}

/*
 * rcv_observation - comment c has the shape of a relay's observation: a
 * few items, one an address. TLS and certificate comments, however long,
 * do not; a second one in a from part means a HELO smuggled in a comment.
 */
static bool
rcv_observation(const struct received_line *l, size_t c)
{
	size_t it[4], n = received_lex_items(l, c, it, 3);

	for (size_t k = 0; k < n && n <= 3; k++)
		if (rcv_address_word(l, it[k]))
			return true;
	return false;
}

/* rcv_no_more_addresses - no comment from first on is an observation */
static bool
rcv_no_more_addresses(const struct received_line *l, size_t first)
{
	for (size_t c = first; c < l->ncomments; c++)
		if (rcv_observation(l, l->comment[c]))
			return false;
	return true;
}

/* rcv_set_addr - the observed address and where it stood */
static void
rcv_set_addr(const struct received_line *l, size_t i,
	     const struct tmx_addr *a, struct received_info *r)
{
	r->addr = *a;
	r->has_addr = true;
	r->addr_at = rcv_tok_span(l, i);
}

/* rcv_set_helo - the claimed HELO, skip bytes into token i */
static void
rcv_set_helo(const struct received_line *l, size_t i, size_t skip,
	     struct received_info *r)
{
	r->helo_at = rcv_tok_span(l, i);
	r->helo_at.off += skip;
	r->helo_at.len -= skip;
	rcv_copy(r->helo, l->value + r->helo_at.off, r->helo_at.len);
}

/* rcv_set_rdns - the reverse name; "unknown" forms mean none */
static void
rcv_set_rdns(const char *s, size_t len, struct received_info *r)
{
	if (len > 1 && s[len - 1] == '.')
		len--;		/* Gmail writes the root dot */
	if ((len == 7 && strncasecmp(s, "unknown", 7) == 0) ||
	    (len == 9 && strncasecmp(s, "<unknown>", 9) == 0) ||
	    (len == 10 && strncasecmp(s, "softdnserr", 10) == 0))
		len = 0;		/* OpenSMTPD's and Courier's forms */
	rcv_copy(r->rdns, s, len);
}

/*
 * How the MTAs that write "from HELO (RDNS [ADDR])" differ: whether they
 * write "([ADDR])" without a name, Sendmail's "user@RDNS", and what they
 * let through in a HELO (pinned, a HELO the MTA never writes is refused).
 */
struct rcv_hrl_opts {
	bool bare;		/* "([ADDR])" */
	bool ident;		/* "(user@RDNS [ADDR])" */
	const char *helo_forbid;	/* characters never in its HELO */
	const char *helo_only;		/* or: alphanumerics and these only */
};

static const struct rcv_hrl_opts rcv_hrl_table[RECEIVED_FORMAT_COUNT] = {
	[RECEIVED_POSTFIX] = { false, false, "<>()\\\";@", NULL },
	[RECEIVED_SENDMAIL] = { true, true, NULL, "[].-_#:" },
	[RECEIVED_HALON] = { false, false, NULL, NULL },
	[RECEIVED_OPENSMTPD] = { false, false, NULL, "[].-_:" },
	[RECEIVED_COURIER] = { true, false, NULL, NULL },
	[RECEIVED_STALWART] = { false, false, NULL, NULL },
	[RECEIVED_HARAKA] = { true, false, NULL, NULL },
	[RECEIVED_GMAIL] = { true, false, NULL, NULL },
};

/* rcv_helo_written - could an MTA with these options write this HELO */
static bool
rcv_helo_written(const struct rcv_hrl_opts *o, const struct received_tok *t)
{
	for (size_t i = 0; i < t->len; i++) {
		unsigned char c = (unsigned char)t->s[i];

		if (o->helo_forbid != NULL && strchr(o->helo_forbid, c) != NULL)
			return false;
		if (o->helo_only != NULL && !isalnum(c) &&
		    strchr(o->helo_only, c) == NULL)
			return false;
	}
	return true;
}

/* rcv_keyword - "HELO" or "EHLO": other MTAs' labels, never a name */
static bool
rcv_keyword(const struct received_line *l, size_t i)
{
	return received_lex_is(l, i, "HELO") || received_lex_is(l, i, "EHLO");
}

/* rcv_hrl_name - the name before the address: the reverse name */
static const char *
rcv_hrl_name(const struct received_line *l, size_t i,
	     const struct rcv_hrl_opts *o, struct received_info *r)
{
	const char *s, *at;
	size_t len;

	if (!rcv_word(l, i, &s, &len) || s[0] == '[' || rcv_keyword(l, i))
		return "the first comment is not (NAME [ADDRESS])";
	if (o->ident && (at = memrchr(s, '@', len)) != NULL) {
		len -= (size_t)(at + 1 - s);
		s = at + 1;
	}
	rcv_set_rdns(s, len, r);
	return NULL;
}

/*
 * rcv_hrl - "from HELO (RDNS [ADDR]) ...": the HELO stands first, the
 * relay's observation in the first comment, which may end in a comment
 * of the relay's own ("(may be forged)", Stalwart's AS). Later comments
 * (TLS, certificates, authentication) may not look like an observation:
 * one that does means the HELO smuggled in a comment of its own.
 */
static const char *
rcv_hrl(const struct received_line *l, bool pinned, struct received_info *r)
{
	const struct rcv_hrl_opts *o = &rcv_hrl_table[r->format];
	size_t it[RCV_ITEMS_MAX], n, lit;
	const char *s;
	size_t len;
	struct tmx_addr a;

	if (l->ncomments == 0)
		return "no comment after the HELO";
	n = received_lex_items(l, l->comment[0], it, RCV_ITEMS_MAX);
	if (n > 1 && n <= 3 && l->tok[it[n - 1]].kind == RECEIVED_TOK_OPEN)
		n--;
	if (n == 1 && o->bare)
		lit = it[0];
	else if (n == 2)
		lit = it[1];
	else
		return "the first comment is not (NAME [ADDRESS])";
	if (!rcv_word(l, lit, &s, &len) || !rcv_literal(s, len, false, &a))
		return "the first comment is not (NAME [ADDRESS])";
	if (!rcv_no_more_addresses(l, 1))
		return "an address in a second comment";
	if (!rcv_helo_written(o, &l->tok[l->from_word]))
		return "a HELO this MTA never writes";
	if (n == 2 && (s = rcv_hrl_name(l, it[0], o, r)) != NULL)
		return s;
	rcv_set_addr(l, lit, &a, r);
	rcv_set_helo(l, l->from_word, 0, r);
	return NULL;
}

/*
 * rcv_exim_words - Exim's "port=N helo=NAME ident=USER" words, from item
 * first on; the HELO from helo=. NULL, or why not.
 */
static const char *
rcv_exim_words(const struct received_line *l, const size_t *it, size_t n,
	       size_t first, struct received_info *r)
{
	for (size_t k = first; k < n; k++) {
		const char *s;
		size_t len;

		if (!rcv_word(l, it[k], &s, &len))
			return "a nested comment in Exim's comment";
		if (len > 5 && strncasecmp(s, "helo=", 5) == 0 &&
		    r->helo_at.len == 0)
			rcv_set_helo(l, it[k], 5, r);
		else if (!(len > 5 && strncasecmp(s, "port=", 5) == 0) &&
		    !(len > 6 && strncasecmp(s, "ident=", 6) == 0))
			return "a word other than port=, helo=, ident=";
	}
	return NULL;
}

/*
 * rcv_exim - "from RDNS ([ADDR]:PORT helo=HELO)" or "from [ADDR]
 * (port=PORT helo=HELO)": the relay's observation comes first, the HELO
 * only ever after "helo=". Without helo= the HELO equalled the name.
 * "from [ADDR] by" with no comment at all is read only when pinned.
 */
static const char *
rcv_exim(const struct received_line *l, bool pinned, struct received_info *r)
{
	size_t it[RCV_ITEMS_MAX], n = 0, fw = l->from_word;
	const char *s, *why;
	size_t len;
	struct tmx_addr a;

	if (l->ncomments > 1)
		return "more than one comment";
	if (l->ncomments == 1)
		n = received_lex_items(l, l->comment[0], it, RCV_ITEMS_MAX);
	if (n > RCV_ITEMS_MAX)
		return "too many words in the comment";
	if (rcv_literal(l->tok[fw].s, l->tok[fw].len, true, &a)) {
		if (n == 0 && !pinned)
			return "an address alone";
		if ((why = rcv_exim_words(l, it, n, 0, r)) != NULL)
			return why;
		rcv_set_addr(l, fw, &a, r);
		return NULL;
	}
	if (n > 0 && rcv_exim_words(l, it, n, 0, r) == NULL)
		return NULL;	/* "from user (helo=H) by ... with local-esmtp" */
	if (n == 0 || !rcv_word(l, it[0], &s, &len) ||
	    !rcv_literal(s, len, true, &a))
		return "the comment does not start with [ADDRESS]";
	r->helo_at.len = 0;
	if ((why = rcv_exim_words(l, it, n, 1, r)) != NULL)
		return why;
	rcv_set_addr(l, it[0], &a, r);
	rcv_set_rdns(l->tok[fw].s, l->tok[fw].len, r);
	if (r->helo_at.len == 0)
		rcv_set_helo(l, fw, 0, r);
	return NULL;
}

/*
 * rcv_bare - "(ADDR)", or "([ADDR])" with bracket, or qmail's
 * "(info@ADDR)" with info: an address alone in comment c
 */
static bool
rcv_bare(const struct received_line *l, size_t c, bool info, bool bracket,
	 struct received_info *r)
{
	size_t it[2];
	const char *s, *at;
	size_t len;
	struct tmx_addr a;

	if (received_lex_items(l, c, it, 1) != 1 || !rcv_word(l, it[0], &s, &len))
		return false;
	if (info && (at = memrchr(s, '@', len)) != NULL) {
		len -= (size_t)(at + 1 - s);
		s = at + 1;
	}
	if (bracket && rcv_literal(s, len, false, &a)) {
		/* the span keeps its brackets: "[ADDR]" */
	} else if (!rcv_ip(s, len, &a)) {
		return false;
	}
	rcv_set_addr(l, it[0], &a, r);
	r->addr_at.off += (size_t)(s - l->tok[it[0]].s);
	r->addr_at.len = len;
	return true;
}

/* rcv_qmail_envelope - qmail-ldap's "(envelope-sender <ADDR>)" comment */
static bool
rcv_qmail_envelope(const struct received_line *l, size_t c)
{
	size_t it[3];

	return received_lex_items(l, c, it, 2) == 2 &&
	    received_lex_is(l, it[0], "envelope-sender") &&
	    l->tok[it[1]].kind == RECEIVED_TOK_WORD &&
	    l->tok[it[1]].s[0] == '<';
}

/*
 * rcv_qmail - "from RDNS (HELO NAME) (ADDR)", or "from RDNS (ADDR)" when
 * the HELO was the name; "(info@ADDR)" and qmail-ldap's "([ADDR])" and
 * "(envelope-sender <..>)". Anything but exactly these is refused: the
 * address must be the last comment qmail writes.
 */
static const char *
rcv_qmail(const struct received_line *l, bool pinned, struct received_info *r)
{
	size_t it[3], fw = l->from_word, nc = l->ncomments, k;

	if (nc > 1 && rcv_qmail_envelope(l, l->comment[nc - 1]))
		nc--;
	if (nc == 2) {
		k = received_lex_items(l, l->comment[0], it, 2);
		if (k < 1 || k > 2 || !received_lex_is(l, it[0], "HELO") ||
		    (k == 2 && l->tok[it[1]].kind != RECEIVED_TOK_WORD))
			return "the first comment is not (HELO NAME)";
		if (k == 2)
			rcv_set_helo(l, it[1], 0, r);
	} else if (nc == 1) {
		rcv_set_helo(l, fw, 0, r);
	} else {
		return "not one or two comments";
	}
	if (!rcv_bare(l, l->comment[nc - 1], true, true, r))
		return "the last comment is not (ADDRESS)";
	rcv_set_rdns(l->tok[fw].s, l->tok[fw].len, r);
	return NULL;
}

/* rcv_exchange - "from HELO (ADDR) by HOST (ADDR) with Microsoft SMTP Server" */
static const char *
rcv_exchange(const struct received_line *l, bool pinned,
	     struct received_info *r)
{
	if (l->ncomments != 1 || !rcv_bare(l, l->comment[0], false, true, r))
		return "not (ADDRESS) after the HELO";
	rcv_set_helo(l, l->from_word, 0, r);
	return NULL;
}

/*
 * rcv_communigate - CommuniGate Pro: "from [ADDR] (HELO NAME)", or
 * "from HELO ([ADDR] verified)" when the HELO name resolved to the
 * address; "account USER" may open the comment. The relay's observation
 * is the literal after from unless the comment says "verified".
 */
static const char *
rcv_communigate(const struct received_line *l, bool pinned,
		struct received_info *r)
{
	size_t it[RCV_ITEMS_MAX], n = 0, k = 0, fw = l->from_word;
	struct tmx_addr a;

	if (l->ncomments > 1)
		return "more than one comment";
	if (l->ncomments == 1)
		n = received_lex_items(l, l->comment[0], it, RCV_ITEMS_MAX);
	if (n > 4)
		return "not CommuniGate's comment";
	for (size_t i = 0; i < n; i++)
		if (l->tok[it[i]].kind != RECEIVED_TOK_WORD)
			return "a nested comment";
	if (n >= 2 && received_lex_is(l, it[0], "account"))
		k = 2;
	if (n == k + 2 && received_lex_is(l, it[k + 1], "verified")) {
		if (!rcv_literal(l->tok[it[k]].s, l->tok[it[k]].len, false, &a))
			return "no [ADDRESS] before verified";
		rcv_set_addr(l, it[k], &a, r);
		rcv_set_helo(l, fw, 0, r);
		return NULL;
	}
	if (!rcv_literal(l->tok[fw].s, l->tok[fw].len, false, &a))
		return "no [ADDRESS] after from";
	if (l->ncomments == 0 && !pinned)
		return "an address alone";
	if (n == k + 2 && received_lex_is(l, it[k], "HELO"))
		rcv_set_helo(l, it[k + 1], 0, r);
	else if (n != k)
		return "the comment is not (HELO NAME)";
	rcv_set_addr(l, fw, &a, r);
	return NULL;
}

/* Every family, in the order AUTO names a line that several read alike */
static const struct rcv_family rcv_families[RECEIVED_FORMAT_COUNT] = {
	[RECEIVED_AUTO] = { "auto", NULL, NULL, NULL },
	[RECEIVED_POSTFIX] = { "postfix", rcv_hrl, "Postfix", NULL },
	[RECEIVED_SENDMAIL] = { "sendmail", rcv_hrl, "8.", NULL },
	[RECEIVED_EXIM] = { "exim", rcv_exim, "Exim", NULL },
	[RECEIVED_QMAIL] = { "qmail", rcv_qmail, NULL, NULL },
	[RECEIVED_EXCHANGE] = { "exchange", rcv_exchange, "Microsoft", NULL },
	[RECEIVED_HALON] = { "halon", rcv_hrl, "Halon", NULL },
	[RECEIVED_OPENSMTPD] = { "opensmtpd", rcv_hrl, "OpenSMTPD",
				 NULL },
	[RECEIVED_COURIER] = { "courier", rcv_hrl, NULL, NULL },
	[RECEIVED_COMMUNIGATE] = { "communigate", rcv_communigate,
				   "CommuniGate", NULL },
	[RECEIVED_STALWART] = { "stalwart", rcv_hrl, "Stalwart",
				NULL },
	[RECEIVED_HARAKA] = { "haraka", rcv_hrl, "Haraka", NULL },
	[RECEIVED_GMAIL] = { "gmail", rcv_hrl, NULL, ".google.com" },
};

/* rcv_signed - does the by part carry family f's product name */
static bool
rcv_signed(const struct received_line *l, enum received_format f)
{
	const char *sig = rcv_families[f].signature;
	const char *suffix = rcv_families[f].by_suffix;
	const struct received_tok *host = &l->tok[l->by_host];
	size_t n;

	if (suffix != NULL) {
		n = strlen(suffix);
		return host->len > n && strncasecmp(host->s + host->len - n,
		    suffix, n) == 0;
	}
	if (sig == NULL)
		return false;
	n = strlen(sig);
	for (size_t i = l->by_host + 1; i < l->by_end; i++) {
		const struct received_tok *t = &l->tok[i];

		if (t->depth > 1 || t->len < n ||
		    strncasecmp(t->s, sig, n) != 0)
			continue;
		/* a by-part comment's first word, or Exchange's "with" words;
		 * Sendmail's is its version pair "8.17.1/8.17.1" */
		if (f == RECEIVED_SENDMAIL && memchr(t->s, '/', t->len) == NULL)
			continue;
		if (t->depth == 1 && l->tok[i - 1].kind == RECEIVED_TOK_OPEN)
			return true;
		if (t->depth == 0 && f == RECEIVED_EXCHANGE)
			return true;
	}
	return false;
}

/* rcv_read_as - run family f's grammar into a fresh r */
static const char *
rcv_read_as(const struct received_line *l, enum received_format f,
	    bool pinned, struct received_info *r)
{
	memset(r, 0, sizeof(*r));
	r->format = f;
	rcv_copy(r->by, l->tok[l->by_host].s, l->tok[l->by_host].len);
	return rcv_families[f].grammar(l, pinned || rcv_signed(l, f), r);
}

/* rcv_same_reading - two readings agree on the observed and the claimed */
static bool
rcv_same_reading(const struct received_info *a, const struct received_info *b)
{
	return a->has_addr == b->has_addr &&
	    memcmp(&a->addr, &b->addr, sizeof(a->addr)) == 0 &&
	    a->addr_at.off == b->addr_at.off &&
	    a->helo_at.off == b->helo_at.off &&
	    a->helo_at.len == b->helo_at.len;
}

/*
 * rcv_auto - every family's reading; they must all agree. The one named
 * is the first whose product name the by part carries, else the first.
 */
static int
rcv_auto(const struct received_line *l, struct received_info *r,
	 const char **error_r)
{
	struct received_info try;
	bool found = false, named = false;
	const char *why;

	/* a line whose by part names its MTA must have that MTA's layout */
	for (int f = RECEIVED_AUTO + 1; f < RECEIVED_FORMAT_COUNT; f++)
		if (rcv_signed(l, (enum received_format)f) &&
		    (why = rcv_read_as(l, (enum received_format)f, true,
				       &try)) != NULL)
			return *error_r = why, -1;
	for (int f = RECEIVED_AUTO + 1; f < RECEIVED_FORMAT_COUNT; f++) {
		if (rcv_read_as(l, (enum received_format)f, false, &try) != NULL)
			continue;
		if (!found) {
			*r = try;
			found = true;
			named = rcv_signed(l, r->format);
			continue;
		}
		if (!rcv_same_reading(r, &try))
			return *error_r = "ambiguous: relay layouts disagree on "
			    "the client (pin relay_format)", -1;
		if (strcmp(r->rdns, try.rdns) != 0)
			r->rdns[0] = '\0';
		if (!named && rcv_signed(l, try.format)) {
			r->format = try.format;
			named = true;
		}
	}
	if (!found)
		return *error_r = "a layout no known relay writes", -1;
	return 0;
}

/* rcv_local - "from NAME by ...": a line without a peer address */
static bool
rcv_local(const struct received_line *l, struct received_info *r)
{
	const struct received_tok *fw = &l->tok[l->from_word];
	struct tmx_addr a;

	if (l->ncomments > 0 || rcv_literal(fw->s, fw->len, true, &a) ||
	    rcv_ip(fw->s, fw->len, &a))
		return false;
	rcv_copy(r->by, l->tok[l->by_host].s, l->tok[l->by_host].len);
	return true;
}

/* received_parse - see received.h */
int
received_parse(const char *value, size_t len, enum received_format format,
	       struct received_info *r, const char **error_r)
{
	struct received_line l;
	const char *why;

	memset(r, 0, sizeof(*r));
	r->format = format;
	if ((unsigned)format >= RECEIVED_FORMAT_COUNT)
		return *error_r = "unknown relay format", -1;
	if (received_lex(value, len, &l, error_r) < 0)
		return -1;
	if (rcv_local(&l, r))
		return 0;
	if (format == RECEIVED_AUTO)
		return rcv_auto(&l, r, error_r);
	if ((why = rcv_read_as(&l, format, true, r)) != NULL)
		return *error_r = why, -1;
	return 0;
}

/* received_format_name - see received.h */
const char *
received_format_name(enum received_format format)
{
	if ((unsigned)format >= RECEIVED_FORMAT_COUNT)
		return "?";
	return rcv_families[format].name;
}

/* received_format_parse - see received.h */
int
received_format_parse(const char *name, enum received_format *format_r)
{
	for (int f = 0; f < RECEIVED_FORMAT_COUNT; f++)
		if (strcasecmp(name, rcv_families[f].name) == 0) {
			*format_r = (enum received_format)f;
			return 0;
		}
	return -1;
}
