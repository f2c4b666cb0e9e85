/*
 * dns.c - the process's libunbound context: built from struct dns_config
 * (forwarders from resolv.conf or the caller, cache bounds, an optional
 * DNSSEC anchor) with the options a stub resolver of a mail server wants,
 * then handed to the lookup queue (dns_queue.c). Lazily, with defaults.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns_int.h"

#define DNS_RESOLV_CONF		"/etc/resolv.conf"

/*
 * Options every context gets (libunbound's library defaults otherwise).
 *
 * Forwarders on loopback (systemd-resolved, dnsmasq, a local unbound) are
 * the common case; libunbound allows them, the daemon would not: say so.
 *
 * A forwarder that stops answering gets its RTT estimate doubled per
 * timeout; at infra-cache-max-rtt it is "down": no queries go to it and
 * lookups fail at once instead of waiting out their deadline. 12000 ms is
 * the smallest maximum at which libunbound's probing of a down server
 * applies (its PROBE_MAXRTO): with probing kept on, it is tried again
 * every 14 s, so lookups succeed within ~15 s of its return. Measured
 * (test/dns/dns-layer.sh, and longer outages by hand): 1.4 s to 11.5 s
 * after outages of 25 to 180 s, where libunbound's defaults took 91 s,
 * and more than 120 s without probing. Getting marked down takes ~20 s of
 * silence, so one slow answer does not shut every lookup out. Expired
 * answers are never served.
 *
 * The library's 16 UDP ports and 2 TCP connections are for a desktop;
 * a mail server has many lookups out at once. PTR lookups of private and
 * documentation ranges, and names under test. and home.arpa., go to the
 * forwarder as with libc, instead of libunbound's empty built-in zones
 * ("nodefault" does not remove those two in 1.17; "transparent" does).
 */
static const char *const dns_fixed_options[][2] = {
	{ "do-not-query-localhost:", "no" },
	{ "infra-keep-probing:", "yes" },
	{ "infra-cache-max-rtt:", "12000" },
	{ "serve-expired:", "no" },
	{ "prefetch:", "no" },
	{ "outgoing-range:", "128" },
	{ "outgoing-num-tcp:", "16" },
	{ "unblock-lan-zones:", "yes" },
	{ "insecure-lan-zones:", "yes" },
	{ "local-zone:", "test. transparent" },
	{ "local-zone:", "home.arpa. transparent" },
	{ "verbosity:", "0" },
	{ "use-syslog:", "no" },
};

static pthread_mutex_t dns_init_lock = PTHREAD_MUTEX_INITIALIZER;
static char dns_init_error[512];

/* dns_error - format the init error into its static buffer */
static const char *
dns_error(const char *what, const char *detail)
{
	snprintf(dns_init_error, sizeof(dns_init_error), "%s: %s", what,
	    detail);
	return dns_init_error;
}

/* dns_option - ub_ctx_set_option with a number */
static int
dns_option_num(struct ub_ctx *ub, const char *opt, unsigned long long val)
{
	char num[32];

	snprintf(num, sizeof(num), "%llu", val);
	return ub_ctx_set_option(ub, opt, num);
}

/* dns_options - the fixed options, then those the config sets */
static int
dns_options(struct ub_ctx *ub, const struct dns_config *cfg,
	    const char **error_r)
{
	size_t cache = cfg->cache_bytes != 0 ? cfg->cache_bytes :
	    DNS_CACHE_BYTES_DEFAULT;
	size_t i;
	int rc = 0;

	for (i = 0; i < sizeof(dns_fixed_options) /
	    sizeof(dns_fixed_options[0]); i++) {
		rc = ub_ctx_set_option(ub, dns_fixed_options[i][0],
		    dns_fixed_options[i][1]);
		if (rc != 0) {
			*error_r = dns_error(dns_fixed_options[i][0],
			    ub_strerror(rc));
			return -1;
		}
	}
	/* unbound's own advice: the RRset cache twice the message cache */
	if ((rc = dns_option_num(ub, "msg-cache-size:", cache / 3)) != 0 ||
	    (rc = dns_option_num(ub, "rrset-cache-size:", cache / 3 * 2)) != 0 ||
	    (rc = dns_option_num(ub, "cache-max-ttl:", cfg->max_ttl != 0 ?
	    cfg->max_ttl : DNS_MAX_TTL_DEFAULT)) != 0 ||
	    (rc = dns_option_num(ub, "cache-max-negative-ttl:",
	    cfg->max_negative_ttl != 0 ? cfg->max_negative_ttl :
	    DNS_MAX_NEGATIVE_TTL_DEFAULT)) != 0 ||
	    (rc = dns_option_num(ub, "infra-host-ttl:", cfg->server_ttl_s != 0 ?
	    cfg->server_ttl_s : DNS_SERVER_TTL_S_DEFAULT)) != 0) {
		*error_r = dns_error("cache options", ub_strerror(rc));
		return -1;
	}
	/* without an anchor the validator would only cost memory */
	if (cfg->trust_anchor_file == NULL &&
	    ((rc = ub_ctx_set_option(ub, "module-config:", "iterator")) != 0 ||
	    (rc = ub_ctx_set_option(ub, "key-cache-size:", "64k")) != 0 ||
	    (rc = ub_ctx_set_option(ub, "neg-cache-size:", "16k")) != 0)) {
		*error_r = dns_error("module-config", ub_strerror(rc));
		return -1;
	}
	return 0;
}

/* dns_servers - explicit forwarders, or resolv.conf's nameservers */
static int
dns_servers(struct ub_ctx *ub, const struct dns_config *cfg,
	    const char **error_r)
{
	const char *path = cfg->resolv_conf != NULL ? cfg->resolv_conf :
	    DNS_RESOLV_CONF;
	const char *const *fwd;
	int rc;

	if (cfg->forwarders != NULL && cfg->forwarders[0] != NULL) {
		for (fwd = cfg->forwarders; *fwd != NULL; fwd++)
			if ((rc = ub_ctx_set_fwd(ub, *fwd)) != 0) {
				*error_r = dns_error(*fwd, ub_strerror(rc));
				return -1;
			}
		return 0;
	}
	/* with no nameserver line libunbound asks 127.0.0.1, as libc does */
	if ((rc = ub_ctx_resolvconf(ub, path)) != 0) {
		*error_r = dns_error(path, rc == UB_READFILE ?
		    strerror(errno) : ub_strerror(rc));
		return -1;
	}
	return 0;
}

/* dns_anchor - DNSSEC trust anchors from a file (read now, to fail now) */
static int
dns_anchor(struct ub_ctx *ub, const char *path, const char **error_r)
{
	FILE *fp;
	int rc;

	if (path == NULL)
		return 0;
	if ((fp = fopen(path, "r")) == NULL) {
		*error_r = dns_error(path, strerror(errno));
		return -1;
	}
	fclose(fp);
	if ((rc = ub_ctx_add_ta_file(ub, path)) != 0) {
		*error_r = dns_error(path, ub_strerror(rc));
		return -1;
	}
	return 0;
}

/* dns_context_new - a configured context, not yet started */
static struct ub_ctx *
dns_context_new(const struct dns_config *cfg, const char **error_r)
{
	struct ub_ctx *ub;
	int rc;

	if ((ub = ub_ctx_create()) == NULL) {
		*error_r = "cannot create the libunbound context";
		return NULL;
	}
	/* a thread, not a forked process: one cache for every caller */
	if ((rc = ub_ctx_async(ub, 1)) != 0) {
		*error_r = dns_error("ub_ctx_async", ub_strerror(rc));
		ub_ctx_delete(ub);
		return NULL;
	}
	if (dns_options(ub, cfg, error_r) < 0 ||
	    dns_servers(ub, cfg, error_r) < 0 ||
	    dns_anchor(ub, cfg->trust_anchor_file, error_r) < 0) {
		ub_ctx_delete(ub);
		return NULL;
	}
	return ub;
}

/* dns_fork_prepare - no init and no queue change across a fork */
static void
dns_fork_prepare(void)
{
	pthread_mutex_lock(&dns_init_lock);
	dns_queue_fork_prepare();
	dns_memo_fork_prepare();
}

/* dns_fork_parent - the parent goes on as it was */
static void
dns_fork_parent(void)
{
	dns_memo_fork_parent();
	dns_queue_fork_parent();
	pthread_mutex_unlock(&dns_init_lock);
}

/*
 * dns_fork_child - the daemons look up (spf: lists) before they fork a
 * worker or detach; the child must not use the parent's resolver
 */
static void
dns_fork_child(void)
{
	dns_memo_fork_child();
	dns_queue_fork_child();
	dns_async_fork_child();
	pthread_mutex_init(&dns_init_lock, NULL);
}

/* registered once per process: twice, a fork would take dns_init_lock twice */
static pthread_once_t dns_atfork_once = PTHREAD_ONCE_INIT;

/* dns_atfork - register the fork handlers, once */
static void
dns_atfork(void)
{
	pthread_atfork(dns_fork_prepare, dns_fork_parent, dns_fork_child);
}

/*
 * The configuration of the last dns_init, copied: the resolver starts from
 * it at the first lookup, and so does a forked child's (its parent's
 * context is not its own), never from the defaults instead.
 */
#define DNS_SAVED_FWD_MAX	16
static struct dns_saved {
	bool set;
	struct dns_config cfg;
	const char *fwd[DNS_SAVED_FWD_MAX + 1];
	char strings[4096];	/* resolv_conf, trust anchor, forwarders */
} dns_saved;

/* dns_save_str - s copied into dns_saved.strings at *used; NULL if none */
static const char *
dns_save_str(const char *s, size_t *used)
{
	size_t n;
	char *out;

	if (s == NULL)
		return NULL;
	n = strlen(s) + 1;
	if (*used + n > sizeof(dns_saved.strings))
		return NULL;
	out = dns_saved.strings + *used;
	memcpy(out, s, n);
	*used += n;
	return out;
}

/* dns_save - keep cfg (validated) for the next start; -1 if too large */
static int
dns_save(const struct dns_config *cfg, const char **error_r)
{
	size_t used = 0, i = 0;

	memset(&dns_saved, 0, sizeof(dns_saved));
	dns_saved.cfg = *cfg;
	dns_saved.cfg.resolv_conf = dns_save_str(cfg->resolv_conf, &used);
	dns_saved.cfg.trust_anchor_file = dns_save_str(cfg->trust_anchor_file,
	    &used);
	for (; cfg->forwarders != NULL && cfg->forwarders[i] != NULL; i++) {
		if (i == DNS_SAVED_FWD_MAX ||
		    (dns_saved.fwd[i] = dns_save_str(cfg->forwarders[i],
		    &used)) == NULL) {
			*error_r = "too many or too long DNS settings";
			memset(&dns_saved, 0, sizeof(dns_saved));
			return -1;
		}
	}
	dns_saved.cfg.forwarders = cfg->forwarders != NULL ? dns_saved.fwd :
	    NULL;
	dns_saved.set = true;
	return 0;
}

/*
 * dns_resolv_timeout - without a timeout of the caller's, what resolv.conf
 * gives libc: "options timeout:N attempts:M" is N x M seconds (within 1 s
 * and 60 s); 0 when it says nothing
 */
static unsigned
dns_resolv_timeout(const struct dns_config *cfg)
{
	const char *path = cfg->resolv_conf != NULL ? cfg->resolv_conf :
	    DNS_RESOLV_CONF;
	unsigned timeout = 0, attempts = 1, total;
	char line[512], *w, *save;
	FILE *fp;

	if (cfg->forwarders != NULL && cfg->forwarders[0] != NULL)
		return 0;
	if ((fp = fopen(path, "re")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (strncmp(line, "options", 7) != 0 ||
		    (line[7] != ' ' && line[7] != '\t'))
			continue;
		for (w = strtok_r(line + 7, " \t\r\n", &save); w != NULL;
		     w = strtok_r(NULL, " \t\r\n", &save)) {
			if (strncmp(w, "timeout:", 8) == 0)
				timeout = (unsigned)strtoul(w + 8, NULL, 10);
			else if (strncmp(w, "attempts:", 9) == 0)
				attempts = (unsigned)strtoul(w + 9, NULL, 10);
		}
	}
	fclose(fp);
	if (timeout == 0)
		return 0;
	if (timeout > 60)
		timeout = 60;
	total = timeout * (attempts == 0 ? 1 : attempts > 5 ? 5 : attempts);
	return (total > 60 ? 60 : total) * 1000;
}

/* dns_start_locked - start the resolver from the saved configuration */
static int
dns_start_locked(const char **error_r)
{
	static const struct dns_config defaults;
	const struct dns_config *cfg = dns_saved.set ? &dns_saved.cfg :
	    &defaults;
	struct ub_ctx *ub;
	unsigned timeout;

	if ((ub = dns_context_new(cfg, error_r)) == NULL)
		return -1;
	timeout = cfg->timeout_ms != 0 ? cfg->timeout_ms :
	    dns_resolv_timeout(cfg);
	return dns_queue_start(ub, timeout != 0 ? timeout :
	    DNS_TIMEOUT_MS_DEFAULT, error_r);
}

/*
 * dns_init - see dns.h. The context is built once to check cfg (a bad
 * forwarder fails here, at load), then dropped: the resolver and its
 * threads start at the first lookup, so a process that never looks up
 * (the milter's supervisor) holds none.
 */
int
dns_init(const struct dns_config *cfg, const char **error_r)
{
	static const struct dns_config defaults;
	struct ub_ctx *ub;
	int rc = -1;

	pthread_once(&dns_atfork_once, dns_atfork);
	if (cfg == NULL)
		cfg = &defaults;
	pthread_mutex_lock(&dns_init_lock);
	if ((ub = dns_context_new(cfg, error_r)) != NULL) {
		ub_ctx_delete(ub);
		if ((rc = dns_save(cfg, error_r)) == 0 && dns_queue_running())
			dns_queue_stop();
		if (rc == 0)
			dns_memo_clear(cfg->max_negative_ttl != 0 ?
			    cfg->max_negative_ttl :
			    DNS_MAX_NEGATIVE_TTL_DEFAULT);
	}
	pthread_mutex_unlock(&dns_init_lock);
	return rc;
}

/* dns_ensure - see dns_int.h */
int
dns_ensure(const char **error_r)
{
	int rc = 0;

	if (dns_queue_running())
		return 0;
	pthread_once(&dns_atfork_once, dns_atfork);
	pthread_mutex_lock(&dns_init_lock);
	if (!dns_queue_running())
		rc = dns_start_locked(error_r);
	pthread_mutex_unlock(&dns_init_lock);
	return rc;
}

/* dns_shutdown - see dns.h */
void
dns_shutdown(void)
{
	pthread_mutex_lock(&dns_init_lock);
	if (dns_queue_running())
		dns_queue_stop();
	pthread_mutex_unlock(&dns_init_lock);
}
