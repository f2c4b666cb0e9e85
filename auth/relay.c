/*
 * relay.c - recovering the original client behind trusted relays from
 * their Received lines. Only lines written by a trusted host are believed:
 * the walk starts at the topmost line (the relay's own) and goes one line
 * further down only while the client found is itself in relay_networks.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "relay.h"

/* relay_same_addr - binary equality of two addresses */
static bool
relay_same_addr(const struct tmx_addr *a, const struct tmx_addr *b)
{
	return a->family == b->family &&
	    memcmp(a->bytes, b->bytes, sizeof(a->bytes)) == 0;
}

/* relay_name_matches - a "by" name against a relay's HELO or rDNS name */
static bool
relay_name_matches(const char *by, const char *name)
{
	size_t n;

	if (name == NULL || name[0] == '\0' || by[0] == '\0')
		return false;
	n = strlen(name);
	if (name[n - 1] == '.')
		n--;
	return strncasecmp(by, name, n) == 0 &&
	    (by[n] == '\0' || (by[n] == '.' && by[n + 1] == '\0'));
}

/* relay_parse_line - parse one Received value as format; false when unusable */
static bool
relay_parse_line(const char *value, enum received_format format,
		 struct received_info *info, const char **why_r)
{
	if (received_parse(value, strlen(value), format, info, why_r) < 0)
		return false;
	if (!info->has_addr) {
		*why_r = "no client address in the from part";
		return false;
	}
	return true;
}

/* relay_note_by - record that a line's "by" names neither relay name */
static void
relay_note_by(struct relay_recovery *r, const struct received_info *info,
	      const char *helo, const char *rdns)
{
	if (r->by_mismatch)
		return;
	r->by_mismatch = true;
	snprintf(r->note, sizeof(r->note),
		 "Received line by \"%.64s\" names neither the relay's HELO "
		 "\"%.64s\" nor its reverse name \"%.64s\"", info->by,
		 helo ? helo : "", rdns ? rdns : "");
}

/* relay_unusable - give up with a reason */
static void
relay_unusable(struct relay_recovery *r, enum relay_fallback fallback,
	       const char *reason, enum received_format format, unsigned line)
{
	r->usable = false;
	r->fallback = fallback;
	r->line = line;
	r->format = format;
	snprintf(r->note, sizeof(r->note), "Received line %u (read as %s): %s",
		 line, received_format_name(format), reason);
}

/* relay_take - the client line i names becomes the recovered one */
static void
relay_take(struct relay_recovery *r, const struct received_info *info,
	   size_t i)
{
	r->hops++;
	r->client = info->addr;
	memcpy(r->helo, info->helo, sizeof(r->helo));
	memcpy(r->rdns, info->rdns, sizeof(r->rdns));
	r->format = info->format;
	r->line = (unsigned)i + 1;
	r->usable = true;
	r->fallback = RELAY_FALLBACK_NONE;
}

/* relay_recover - see relay.h */
void
relay_recover(const struct tmx_cidrset *relays,
	      const struct relay_format *formats, const struct relay_peer *peer,
	      char *const *received, size_t nreceived,
	      struct relay_recovery *r)
{
	struct received_info info;
	const char *helo = peer->helo, *rdns = peer->rdns, *why;
	char prev_helo[RECEIVED_NAME_MAX], prev_rdns[RECEIVED_NAME_MAX];
	enum received_format format;
	size_t i = 0;

	memset(r, 0, sizeof(*r));
	r->last_relay = peer->addr;
	/* An MTA that shows milters its own Received line: skip that line */
	if (nreceived > 0 &&
	    relay_parse_line(received[0], RECEIVED_AUTO, &info, &why) &&
	    relay_same_addr(&info.addr, &peer->addr)) {
		r->skipped = 1;
		i = 1;
	}
	for (; i < nreceived; i++) {
		format = relay_format_for(formats, &r->last_relay);
		if (!relay_parse_line(received[i], format, &info, &why)) {
			relay_unusable(r, RELAY_FALLBACK_UNPARSABLE, why, format,
				       (unsigned)i + 1);
			return;
		}
		if (!relay_name_matches(info.by, helo) &&
		    !relay_name_matches(info.by, rdns))
			relay_note_by(r, &info, helo, rdns);
		relay_take(r, &info, i);
		if (!tmx_cidrset_lookup(relays, &info.addr, NULL))
			return;
		if (r->hops >= RELAY_MAX_HOPS) {
			relay_unusable(r, RELAY_FALLBACK_TOO_MANY_HOPS,
				       "too many trusted relays in a row",
				       format, (unsigned)i + 1);
			return;
		}
		/* The client is itself a trusted relay: read its line next */
		r->last_relay = info.addr;
		memcpy(prev_helo, info.helo, sizeof(prev_helo));
		memcpy(prev_rdns, info.rdns, sizeof(prev_rdns));
		helo = prev_helo;
		rdns = prev_rdns;
		r->usable = false;
	}
	if (!r->usable)
		relay_unusable(r, RELAY_FALLBACK_NO_RECEIVED,
			       "no Received line written by the relay",
			       relay_format_for(formats, &r->last_relay),
			       (unsigned)i + 1);
}
