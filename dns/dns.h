/*
 * dns.h - the one DNS layer of trustmx: every lookup of every thread goes
 * through one libunbound context whose cache is shared and stays warm, is
 * bounded by a deadline, and says whether DNSSEC vouched for it. Blocking
 * lookups for threads, callbacks for an event loop. Its API is a superset
 * of the res_nquery resolver it replaced, so callers moved over unchanged.
 */
#ifndef TMX_DNS_H
#define TMX_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <trustmx/addr.h>

/* Record types parsed into fields; any other type number may be asked too
 * (cast it), and its records come back as rdata only. */
enum dns_type {
	DNS_TYPE_A = 1,
	DNS_TYPE_NS = 2,
	DNS_TYPE_CNAME = 5,
	DNS_TYPE_SOA = 6,
	DNS_TYPE_PTR = 12,
	DNS_TYPE_MX = 15,
	DNS_TYPE_TXT = 16,
	DNS_TYPE_AAAA = 28,
	DNS_TYPE_TLSA = 52,
};

enum dns_status {
	DNS_OK = 0,		/* one or more records of the type asked */
	DNS_NODATA,		/* the name exists, no record of that type */
	DNS_NXDOMAIN,		/* no such name */
	DNS_TEMPFAIL,		/* SERVFAIL, REFUSED, timeout, no server, bogus */
	DNS_BADNAME,		/* the name cannot be asked (syntax, length) */
};

/* What DNSSEC said (always DNS_INSECURE without a trust anchor). */
enum dns_security {
	DNS_INSECURE = 0,	/* unsigned zone, or no validation */
	DNS_SECURE,		/* validated, records and denials alike */
	DNS_BOGUS,		/* validation failed: status is DNS_TEMPFAIL */
};

struct dns_record {
	uint32_t ttl;
	uint16_t preference;	/* MX */
	struct tmx_addr addr;	/* A, AAAA */
	/*
	 * TXT: character-strings joined (may hold NUL bytes); MX: exchange;
	 * PTR, NS, CNAME: target; SOA: "mname rname serial refresh retry
	 * expire minimum". Names without the trailing dot, special bytes
	 * escaped as dn_expand does. NUL-terminated; NULL for other types.
	 */
	char *text;
	size_t textlen;
	uint8_t *rdata;		/* every type: rdata, names uncompressed */
	size_t rdlen;
};

struct dns_answer {
	enum dns_status status;
	struct dns_record *records;	/* only with DNS_OK */
	size_t count;
	uint32_t min_ttl;	/* smallest record TTL (DNS_OK) */
	uint32_t negative_ttl;	/* NXDOMAIN, NODATA: SOA-derived, 0 if no SOA */
	enum dns_security security;
	const char *reason;	/* why TEMPFAIL, BADNAME; lives as long as ans */
	char *canonname;	/* the final CNAME target, or NULL */
	uint8_t *packet;	/* the reply message (NULL: timeout, BADNAME) */
	size_t packetlen;
	uint32_t elapsed_us;	/* time from asking to answer */
	char *reason_buf;	/* private: storage of a reason from libunbound */
};

/* Settings for dns_init; zero or NULL fields take the defaults. */
struct dns_config {
	const char *resolv_conf;	/* nameservers; default /etc/resolv.conf */
	const char *const *forwarders;	/* NULL-terminated "addr[@port]"s,
					 * used instead of resolv_conf */
	unsigned timeout_ms;		/* per lookup; default: resolv.conf's
					 * timeout x attempts when it sets
					 * them (no forwarders), else 5000 */
	const char *trust_anchor_file;	/* DNSSEC anchors (root.key); none:
					 * no validation */
	size_t cache_bytes;		/* message + RRset caches; default 4 MB */
	unsigned max_ttl;		/* cap on positive TTLs; default 86400 */
	unsigned max_negative_ttl;	/* cap on NXDOMAIN/NODATA; default 300 */
	unsigned server_ttl_s;		/* what is learnt of a server (RTT,
					 * EDNS, down) is kept; default 60 */
};

#define DNS_TIMEOUT_MS_DEFAULT		5000
#define DNS_CACHE_BYTES_DEFAULT		(4u << 20)
#define DNS_MAX_TTL_DEFAULT		86400
#define DNS_MAX_NEGATIVE_TTL_DEFAULT	300
#define DNS_SERVER_TTL_S_DEFAULT	60

/*
 * dns_init - configure the process's resolver from cfg (NULL: all
 * defaults; without any call, the first lookup uses the defaults). cfg is
 * checked now (a bad forwarder or anchor fails here) and copied; the
 * resolver, its cache and its threads start at the first lookup, from
 * that copy, also in a child forked later (which never uses its parent's
 * resolver). Called again (a reload), it replaces the resolver and its
 * cache; lookups in flight end with TEMPFAIL. 0, or -1 with *error_r set
 * (static text, until the next call).
 */
int dns_init(const struct dns_config *cfg, const char **error_r);

/*
 * dns_shutdown - stop the resolver: lookups still waiting end with
 * TEMPFAIL ("resolver shut down"); a later lookup starts a new one.
 */
void dns_shutdown(void);

/*
 * dns_lookup - ask for name/type and wait, at most the configured timeout
 * (then TEMPFAIL, reason "timeout"). Any thread, concurrently. Fills
 * *ans_r, whose status it returns.
 */
enum dns_status dns_lookup(const char *name, enum dns_type type,
			   struct dns_answer *ans_r);

/*
 * The asynchronous interface, for one event loop per process: callbacks
 * run only inside dns_async_process, in the thread that calls it. ans
 * points to storage valid during the call; what it holds is the
 * callback's, to release with dns_answer_free (or to copy *ans and keep).
 */
typedef void dns_callback_fn(void *arg, struct dns_answer *ans);

/* dns_async_fd - readable when callbacks are waiting; -1 if init failed */
int dns_async_fd(void);

/*
 * dns_lookup_async - start a lookup; cb(arg, ans) comes later, also for
 * BADNAME, never from within this call. *id_r (may be NULL) names it for
 * dns_lookup_cancel. 0, or -1 if the resolver cannot start.
 */
int dns_lookup_async(const char *name, enum dns_type type,
		     dns_callback_fn *cb, void *arg, int *id_r);

/* dns_async_process - run the callbacks of finished lookups; how many */
int dns_async_process(void);

/* dns_lookup_cancel - its callback will not run; 0, or -1 if unknown/run */
int dns_lookup_cancel(int id);

/* dns_answer_free - release what a lookup filled (safe on any status) */
void dns_answer_free(struct dns_answer *ans);

/* dns_status_str - "answer", "NODATA", "NXDOMAIN", ... */
const char *dns_status_str(enum dns_status status);

/* dns_type_str - "TXT", "A", "TLSA", ... ("?" for other numbers) */
const char *dns_type_str(enum dns_type type);

/* dns_security_str - "insecure", "secure", "bogus" */
const char *dns_security_str(enum dns_security security);

/* dns_name_valid - a name dns_lookup would ask: labels 1-63, total <= 253 */
int dns_name_valid(const char *name);

/* dns_name_equal - the same DNS name, ignoring case and one trailing dot */
bool dns_name_equal(const char *a, const char *b);

/*
 * Counters since the process started, for metrics. libunbound does not
 * say whether it answered from its cache, so "cache_hits" estimates it:
 * answers (not failures) back within DNS_CACHE_HIT_US. Measured: cached
 * 50-70 µs; not cached, 100-150 µs from a loopback dnsmasq, more from
 * anything across a network. Rough with a loopback forwarder, then.
 */
#define DNS_CACHE_HIT_US	100
#define DNS_LATENCY_BUCKETS	8	/* <=0.1 <=1 <=5 <=25 <=100 <=500 ms,
					 * <=2 s, later */
/* Record types counted apart (dns_stats_type_index maps a type here) */
enum dns_stats_type {
	DNS_STATS_A = 0,
	DNS_STATS_AAAA,
	DNS_STATS_MX,
	DNS_STATS_TXT,
	DNS_STATS_PTR,
	DNS_STATS_TLSA,
	DNS_STATS_OTHER,
	DNS_STATS_TYPES,
};

/* How a lookup ended, for metrics */
enum dns_stats_status {
	DNS_STATS_ANSWER = 0,	/* DNS_OK */
	DNS_STATS_NODATA,
	DNS_STATS_NXDOMAIN,
	DNS_STATS_SERVFAIL,	/* any other TEMPFAIL */
	DNS_STATS_TIMEOUT,	/* our deadline passed first */
	DNS_STATS_STATUSES,
};

struct dns_stats {
	uint64_t queries;	/* lookups asked (BADNAME not counted) */
	uint64_t answers;	/* OK, NODATA, NXDOMAIN */
	uint64_t cache_hits;	/* answers within DNS_CACHE_HIT_US */
	uint64_t timeouts;	/* our deadline passed first */
	uint64_t servfails;	/* other TEMPFAILs: SERVFAIL, REFUSED, ... */
	uint64_t bogus;		/* DNSSEC validation failures (in servfails) */
	uint64_t latency[DNS_LATENCY_BUCKETS];
	/* the same by record type, and the end of each lookup by status */
	uint64_t type_queries[DNS_STATS_TYPES];
	uint64_t type_latency[DNS_STATS_TYPES][DNS_LATENCY_BUCKETS];
	uint64_t type_sum_us[DNS_STATS_TYPES];	/* time to answer, summed */
	uint64_t status[DNS_STATS_STATUSES];
	uint64_t failures_last_hour;	/* SERVFAIL + timeout, 60 minutes */
};

/* dns_stats_get - a copy of the counters (each read atomically) */
void dns_stats_get(struct dns_stats *stats_r);

/* dns_stats_type_index - the enum dns_stats_type counting type */
enum dns_stats_type dns_stats_type_index(enum dns_type type);

/* dns_latency_bucket_us - upper bound of bucket i in µs (UINT32_MAX: last) */
uint32_t dns_latency_bucket_us(unsigned i);

#endif
