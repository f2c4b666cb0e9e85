/*
 * authres.c - the Authentication-Results writer. Output is ASCII only,
 * folded with "\n\t" before each method, and bounded by the caller's buffer
 * (overflow is sticky and reported by authres_finish).
 */
#include <stdio.h>
#include <string.h>

#include "authres.h"

/* ar_putc - append one byte, or mark overflow */
static void
ar_putc(struct authres *ar, char ch)
{
	if (ar->len + 1 >= ar->size) {
		ar->overflow = true;
		return;
	}
	ar->buf[ar->len++] = ch;
	ar->buf[ar->len] = '\0';
}

/* ar_puts - append a trusted literal */
static void
ar_puts(struct authres *ar, const char *s)
{
	while (*s)
		ar_putc(ar, *s++);
}

/* ar_printable - visible ASCII or space */
static bool
ar_printable(unsigned char ch)
{
	return ch >= 0x20 && ch < 0x7f;
}

/* authres_is_token - RFC 2045 token: visible ASCII minus tspecials */
bool
authres_is_token(const char *s)
{
	if (s == NULL || *s == '\0')
		return false;
	for (; *s; s++)
		if (!ar_printable((unsigned char)*s) || *s == ' ' ||
		    strchr("()<>@,;:\\\"/[]?=", *s) != NULL)
			return false;
	return true;
}

/* ar_quoted - a quoted-string: escape '"' and '\', drop what can't appear */
static void
ar_quoted(struct authres *ar, const char *s)
{
	ar_putc(ar, '"');
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (!ar_printable(ch))
			ch = '?';
		if (ch == '"' || ch == '\\')
			ar_putc(ar, '\\');
		ar_putc(ar, (char)ch);
	}
	ar_putc(ar, '"');
}

/* ar_value - a token when the text is one, else a quoted-string */
static void
ar_value(struct authres *ar, const char *s)
{
	if (authres_is_token(s))
		ar_puts(ar, s);
	else
		ar_quoted(ar, s ? s : "");
}

/* authres_init - see authres.h */
void
authres_init(struct authres *ar, char *buf, size_t size,
	     const char *authserv_id)
{
	ar->buf = buf;
	ar->size = size;
	ar->len = 0;
	ar->methods = 0;
	ar->overflow = size == 0;
	if (size)
		buf[0] = '\0';
	ar_value(ar, authserv_id);
}

/* authres_method - see authres.h; method and result are our own words */
void
authres_method(struct authres *ar, const char *method, const char *result)
{
	ar_puts(ar, ";\n\t");
	ar_value(ar, method);
	ar_putc(ar, '=');
	ar_value(ar, result);
	ar->methods++;
}

/* authres_comment - see authres.h */
void
authres_comment(struct authres *ar, const char *text)
{
	ar_puts(ar, " (");
	for (; *text; text++) {
		unsigned char ch = (unsigned char)*text;

		if (!ar_printable(ch))
			ch = '?';
		if (ch == '(' || ch == ')' || ch == '\\')
			ar_putc(ar, '\\');
		ar_putc(ar, (char)ch);
	}
	ar_putc(ar, ')');
}

/* authres_prop - see authres.h */
void
authres_prop(struct authres *ar, const char *name, const char *value)
{
	ar_putc(ar, ' ');
	ar_puts(ar, name);
	ar_putc(ar, '=');
	ar_value(ar, value);
}

/* authres_finish - see authres.h */
const char *
authres_finish(struct authres *ar)
{
	if (ar->methods == 0)
		ar_puts(ar, "; none");
	return ar->overflow ? NULL : ar->buf;
}
