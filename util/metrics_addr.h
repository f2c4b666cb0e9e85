/*
 * metrics_addr.h - where a daemon's /metrics endpoint listens, as written
 * in trustmx.conf: "host:port", "[v6addr]:port" or "/abs/path.sock".
 */
#ifndef TMX_METRICS_ADDR_H
#define TMX_METRICS_ADDR_H

#include <stdbool.h>

/* Where to listen, as parsed from *_metrics_listen */
struct metrics_addr {
	bool is_unix;
	char path[108];		/* unix: absolute socket path */
	char host[256];		/* inet: address or name, no brackets */
	char port[8];
};

/*
 * metrics_addr_parse - "host:port", "[v6addr]:port" or "/abs/path.sock";
 * syntax only (nothing is resolved or bound). 0, or -1 with *error_r.
 */
int metrics_addr_parse(const char *text, struct metrics_addr *addr_r,
		       const char **error_r);

#endif
