/*
 * policyd-load.h - what policyd-load.c (rounds and probes) shares with
 * policyd-load-soak.c (the soak mode): the options and the connection,
 * PROXY header and request helpers.
 */
#ifndef TMX_POLICYD_LOAD_H
#define TMX_POLICYD_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct load_case {
	const char *key;
	const char *answer;
};

struct load_opts {
	const char *unix_path;
	const char *inet;
	int policy;
	int conns;
	int rounds;
	const char *proxy_src;
	const char *bind_src;	/* inet: local address to connect from */
	const char *probe;	/* -g: raw bytes to send */
	int trickle_ms;
	int wait_s;
	struct load_case *cases;
	int ncases;
	int soak_s;		/* -t: soak for this long */
	const char *keyfile;	/* -k: the good clients' keys and classes */
	int depth;		/* -d: pipelined requests a batch */
	int rate;		/* -q: lookups/s of all good clients, 0: no limit */
	int reconnect;		/* -R: a good client reconnects every N batches */
	const char *deny_action;	/* -D: the policy answer for deny */
	int idle;		/* -I: idle connections */
	int slow;		/* -L: slowloris connections */
	int garbage;		/* -G: garbage senders */
};

/* load_connect - one connection to the server; -1 on failure */
int load_connect(const struct load_opts *o);

/* load_write_all - all of buf, or -1 */
int load_write_all(int fd, const void *buf, size_t len);

/* load_proxy_header - a PROXY v2 header from src into buf; its length, -1 */
int load_proxy_header(const char *src, bool crc32c, uint8_t *buf,
		      size_t size);

/* load_proxy - a PROXY v2 header from src (with a CRC32C TLV); -1 on failure */
int load_proxy(int fd, const char *src, bool crc32c);

/* load_request - one request for key in buf; its length, -1 if too long */
int load_request(const struct load_opts *o, const char *key, char *buf,
		 size_t size);

/* soak_run - the soak mode (-t); the exit status */
int soak_run(const struct load_opts *o);

#endif
