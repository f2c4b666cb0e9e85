/*
 * cmd_relay.c - "trustmx relay check < message": how trustmx-milter reads
 * a saved message's Received lines with the configured relay_networks and
 * relay_format. Each line: the layout it was read as, what its writer
 * observed (address, reverse name) and what the client claimed (HELO);
 * then the client the milter would judge SPF on, or why none.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "commands.h"
#include "conf.h"
#include "json.h"
#include "lists.h"
#include "log.h"
#include "relay.h"
#include "xalloc.h"

#define RELAY_CHECK_MAX_LINES	64
#define RELAY_CHECK_MAX_INPUT	(8 * 1024 * 1024)

/* What the command learnt, for either output */
struct relay_check {
	char *lines[RELAY_CHECK_MAX_LINES];	/* Received values, topmost first */
	size_t nlines;
	const struct tmx_cidrset *relays;
	const struct relay_format *formats;
	struct tmx_addr peer;			/* who connected to our MTA */
	char peer_helo[RECEIVED_NAME_MAX];	/* its HELO and name, when known */
	char peer_rdns[RECEIVED_NAME_MAX];
	bool own_line;				/* lines[0] is our MTA's */
	bool peer_is_relay;
	bool peer_is_allowed;			/* in allow_networks */
	struct relay_recovery rec;
};

/* relay_check_usage - the synopsis to fp; the exit status to use */
static int
relay_check_usage(FILE *fp, int status)
{
	fputs("usage: trustmx relay check [-c FILE] [--client ADDR] [--json] "
	      "< MESSAGE\n"
	      "\n"
	      "Reads a saved message and shows how trustmx-milter reads its\n"
	      "Received lines: each line's layout, the address and reverse\n"
	      "name its writer observed, the HELO the client claimed, and the\n"
	      "client SPF would be judged on. The topmost line is taken as\n"
	      "your own MTA's, naming the client that connected to it; with\n"
	      "--client ADDR the message is as the milter saw it (no line of\n"
	      "your MTA's) and ADDR connected. Lines are numbered as the\n"
	      "milter counts them. Exit 0: a client was recovered\n"
	      "or the sender was not a relay; 1: a relay's mail without a\n"
	      "usable line (spf=none); 2: usage, input or configuration.\n",
	      fp);
	return status;
}

/* relay_check_field - one unfolded header field; Received values kept */
static void
relay_check_field(struct relay_check *c, const char *f, size_t len)
{
	const char *colon = memchr(f, ':', len);

	if (colon == NULL || (size_t)(colon - f) != 8 ||
	    strncasecmp(f, "Received", 8) != 0 ||
	    c->nlines == RELAY_CHECK_MAX_LINES)
		return;
	colon++;
	c->lines[c->nlines++] = xstrndup(colon, len - (size_t)(colon - f));
}

/* relay_check_read - the header section of stdin; -1 on a read error */
static int
relay_check_read(struct relay_check *c)
{
	size_t len = 0, cap = 65536, start = 0, i;
	char *buf = xmalloc(cap);

	while (!feof(stdin) && len < RELAY_CHECK_MAX_INPUT) {
		if (len == cap)
			buf = xrealloc(buf, cap *= 2);
		len += fread(buf + len, 1, cap - len, stdin);
		if (ferror(stdin)) {
			free(buf);
			return -1;
		}
	}
	if (len >= 5 && memcmp(buf, "From ", 5) == 0) {	/* mbox */
		const char *nl = memchr(buf, '\n', len);

		start = nl ? (size_t)(nl - buf) + 1 : len;
	}
	for (i = start; i < len; i++) {
		if (buf[i] != '\n')
			continue;
		/* a field ends at a newline not followed by folding space */
		if (i + 1 < len && (buf[i + 1] == ' ' || buf[i + 1] == '\t'))
			continue;
		relay_check_field(c, buf + start, i - start);
		start = i + 1;
		if (start < len && (buf[start] == '\n' ||
		    (buf[start] == '\r' && start + 1 < len &&
		     buf[start + 1] == '\n')))
			break;	/* the empty line: the body follows */
	}
	free(buf);
	return 0;
}

/* One line as the milter would read it, with who wrote it if known */
struct relay_check_line {
	bool writer_known;
	struct tmx_addr writer;
	enum received_format asked;	/* relay_format for its writer */
	const char *why;		/* refused: why; else NULL */
	struct received_info r;
};

/*
 * relay_check_lines - read every line; each line's writer is the client
 * the line above names (our MTA's for the topmost of the milter's lines)
 */
static void
relay_check_lines(const struct relay_check *c, struct relay_check_line *out)
{
	struct tmx_addr writer = c->peer;
	bool known = !c->own_line;

	for (size_t i = 0; i < c->nlines; i++) {
		struct relay_check_line *l = &out[i];

		l->writer_known = known;
		l->writer = writer;
		l->asked = i == 0 && c->own_line ? RECEIVED_AUTO :
		    relay_format_for(c->formats, &writer);
		if (received_parse(c->lines[i], strlen(c->lines[i]), l->asked,
				   &l->r, &l->why) == 0)
			l->why = NULL;
		known = l->why == NULL && l->r.has_addr;
		writer = l->r.addr;
	}
}

/* relay_check_number - a line's number as the milter counts them; 0: ours */
static size_t
relay_check_number(const struct relay_check *c, size_t i)
{
	return i + 1 - (c->own_line ? 1 : 0);
}

/* relay_check_text_line - one Received line, as text */
static void
relay_check_text_line(const struct relay_check *c, size_t i,
		      const struct relay_check_line *l)
{
	char a[TMX_ADDR_STRLEN];

	if (relay_check_number(c, i) == 0)
		printf("Received (your MTA's own, not shown to the milter):"
		       "%s\n", c->lines[i]);
	else
		printf("Received %zu:%s\n", relay_check_number(c, i),
		       c->lines[i]);
	if (l->writer_known)
		printf("  written by  %s%s\n", tmx_addr_format(&l->writer, a,
		       sizeof(a)), tmx_cidrset_lookup(c->relays, &l->writer,
		       NULL) ? " (in relay_networks)" : "");
	if (l->why != NULL) {
		printf("  refused     %s (read as %s)\n", l->why,
		       received_format_name(l->asked));
		return;
	}
	printf("  read as     %s%s\n", received_format_name(l->r.format),
	       l->asked == RECEIVED_AUTO ? "" : " (relay_format)");
	printf("  observed    %s, reverse name %s\n", l->r.has_addr ?
	       tmx_addr_format(&l->r.addr, a, sizeof(a)) : "no peer (local)",
	       l->r.rdns[0] ? l->r.rdns : "unknown");
	if (l->r.helo_at.len > 0)
		printf("  claimed     HELO %.*s\n", (int)l->r.helo_at.len,
		       c->lines[i] + l->r.helo_at.off);
	else
		printf("  claimed     HELO not shown\n");
}

/* relay_check_text - every line, then the conclusion */
static void
relay_check_text(const struct relay_check *c,
		 const struct relay_check_line *lines)
{
	const struct relay_recovery *rec = &c->rec;
	char a[TMX_ADDR_STRLEN], r[TMX_ADDR_STRLEN];

	for (size_t i = 0; i < c->nlines; i++)
		relay_check_text_line(c, i, &lines[i]);
	tmx_addr_format(&c->peer, a, sizeof(a));
	if (!c->peer_is_relay && c->peer_is_allowed) {
		printf("verdict: %s is in allow_networks, not relay_networks: "
		       "SPF is judged on it directly; its Received lines are "
		       "not read\n", a);
		return;
	}
	if (!c->peer_is_relay) {
		printf("verdict: %s is not in relay_networks: SPF is judged "
		       "on it directly\n", a);
		return;
	}
	if (!rec->usable) {
		printf("verdict: %s is a trusted relay; no client recovered: "
		       "%s; the milter writes spf=none\n", a, rec->note);
		return;
	}
	tmx_addr_format(&rec->client, a, sizeof(a));
	tmx_addr_format(&rec->last_relay, r, sizeof(r));
	printf("verdict: SPF is judged on %s (HELO %s), recovered from "
	       "Received %u (read as %s) of trusted relay %s%s\n", a,
	       rec->helo[0] ? rec->helo : "not shown", rec->line,
	       received_format_name(rec->format), r,
	       rec->hops > 1 ? ", multi-hop" : "");
	if (rec->by_mismatch)
		printf("note: %s\n", rec->note);
}

/* relay_check_json_line - one line as a JSON object */
static void
relay_check_json_line(struct json_out *j, const struct relay_check *c,
		      size_t i, const struct relay_check_line *l)
{
	char a[TMX_ADDR_STRLEN];

	json_object_begin(j);
	json_kv_int(j, "line", (long long)relay_check_number(c, i));
	if (l->writer_known)
		json_kv_string(j, "written_by", tmx_addr_format(&l->writer, a,
			       sizeof(a)));
	json_kv_string(j, "format", received_format_name(l->why ? l->asked :
		       l->r.format));
	json_kv_bool(j, "pinned", l->asked != RECEIVED_AUTO);
	if (l->why != NULL) {
		json_kv_string(j, "refused", l->why);
	} else {
		json_kv_string(j, "observed", l->r.has_addr ?
			       tmx_addr_format(&l->r.addr, a, sizeof(a)) : "");
		json_kv_string(j, "rdns", l->r.rdns);
		json_kv_bytes(j, "helo", c->lines[i] + l->r.helo_at.off,
			      l->r.helo_at.len);
		json_kv_string(j, "by", l->r.by);
	}
	json_object_end(j);
}

/* relay_check_json - the same as one JSON object */
static void
relay_check_json(const struct relay_check *c,
		 const struct relay_check_line *lines)
{
	const struct relay_recovery *rec = &c->rec;
	struct json_out j;
	char a[TMX_ADDR_STRLEN];

	json_init(&j, stdout);
	json_object_begin(&j);
	json_kv_string(&j, "client", tmx_addr_format(&c->peer, a, sizeof(a)));
	json_kv_bool(&j, "relay", c->peer_is_relay);
	json_kv_bool(&j, "allow", c->peer_is_allowed);
	json_kv_bool(&j, "recovered", c->peer_is_relay && rec->usable);
	if (c->peer_is_relay && rec->usable) {
		json_kv_string(&j, "recovered_client",
		    tmx_addr_format(&rec->client, a, sizeof(a)));
		json_kv_string(&j, "helo", rec->helo);
		json_kv_string(&j, "format", received_format_name(rec->format));
		json_kv_int(&j, "line", rec->line);
		json_kv_int(&j, "hops", rec->hops);
		json_kv_string(&j, "trusted_relay",
		    tmx_addr_format(&rec->last_relay, a, sizeof(a)));
	}
	if (c->peer_is_relay && (!rec->usable || rec->by_mismatch))
		json_kv_string(&j, "note", rec->note);
	json_key(&j, "lines");
	json_array_begin(&j);
	for (size_t i = 0; i < c->nlines; i++)
		relay_check_json_line(&j, c, i, &lines[i]);
	json_array_end(&j);
	json_object_end(&j);
	fputc('\n', stdout);
}

/* relay_check_peer - who connected: --client, or our MTA's own line */
static int
relay_check_peer(struct relay_check *c, const char *client)
{
	struct received_info r;
	const char *why;

	if (client != NULL) {
		if (tmx_addr_parse(client, &c->peer) < 0) {
			log_warnx("--client %s: not an address", client);
			return -1;
		}
		tmx_addr_unmap(&c->peer);
		return 0;
	}
	if (c->nlines == 0) {
		log_warnx("no Received line on standard input");
		return -1;
	}
	if (received_parse(c->lines[0], strlen(c->lines[0]), RECEIVED_AUTO,
			   &r, &why) < 0 || !r.has_addr) {
		log_warnx("the topmost Received line does not say who "
			  "connected (%s): give --client ADDR",
			  r.has_addr ? why : "no peer address");
		return -1;
	}
	c->peer = r.addr;
	memcpy(c->peer_helo, r.helo, sizeof(c->peer_helo));
	memcpy(c->peer_rdns, r.rdns, sizeof(c->peer_rdns));
	c->own_line = true;
	return 0;
}

/* relay_check_run - configuration, message, recovery, output */
static int
relay_check_run(const char *path, const char *client, bool json)
{
	struct relay_check c = { 0 };
	struct relay_peer peer = { { 0 }, NULL, NULL };
	struct relay_format *formats = NULL;
	struct relay_check_line *lines;
	struct lists *lists;
	struct conf *conf;
	char err[512];
	int rc = 2;

	if ((lists = cmd_list_load(path, &conf)) == NULL)
		return 2;
	if (relay_format_parse(conf_str(conf, "relay_format"), &formats, err,
			       sizeof(err)) < 0) {
		log_warnx("%s: %s", conf_where(conf, "relay_format"), err);
		goto done;
	}
	c.relays = lists->set[LIST_RELAY];
	c.formats = formats;
	if (relay_check_read(&c) < 0) {
		log_warn("standard input");
		goto done;
	}
	if (relay_check_peer(&c, client) < 0)
		goto done;
	peer.addr = c.peer;
	peer.helo = c.peer_helo;
	peer.rdns = c.peer_rdns;
	c.peer_is_relay = tmx_cidrset_lookup(c.relays, &c.peer, NULL);
	c.peer_is_allowed = tmx_cidrset_lookup(lists->set[LIST_ALLOW], &c.peer,
					       NULL);
	relay_recover(c.relays, formats, &peer, c.lines + c.own_line,
		      c.nlines - c.own_line, &c.rec);
	lines = xcalloc(c.nlines ? c.nlines : 1, sizeof(*lines));
	relay_check_lines(&c, lines);
	if (json)
		relay_check_json(&c, lines);
	else
		relay_check_text(&c, lines);
	free(lines);
	rc = c.peer_is_relay && !c.rec.usable ? 1 : 0;
done:
	for (size_t i = 0; i < c.nlines; i++)
		free(c.lines[i]);
	relay_format_free(formats);
	lists_free(lists);
	conf_free(conf);
	return rc;
}

/* cmd_relay - "trustmx relay check" */
int
cmd_relay(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "client", required_argument, NULL, 'C' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = TMX_CONF_FILE, *client = NULL;
	bool json = false;
	int ch;

	log_init("trustmx", 1, NULL);
	if (argc < 2 || strcmp(argv[1], "check") != 0)
		return relay_check_usage(stderr, 2);
	optind = 2;
	while ((ch = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'C':
			client = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			return relay_check_usage(stdout, 0);
		default:
			return relay_check_usage(stderr, 2);
		}
	}
	if (optind != argc)
		return relay_check_usage(stderr, 2);
	return relay_check_run(path, client, json);
}
