/*
 * cmd_proxy.h - what the three "trustmx proxy" subcommands share: exit
 * codes, argument parsing helpers, the JSON form of a header. Private to
 * tools/proxy/; each subcommand owns the buffer its header goes into.
 */
#ifndef TRUSTMX_CMD_PROXY_H
#define TRUSTMX_CMD_PROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include <trustmx/trustmx.h>

#include "json.h"

#define PROXY_EXIT_OK		0
#define PROXY_EXIT_FAIL		1
#define PROXY_EXIT_USAGE	2

#define PROXY_TLV_MAX		64	/* TLV options on one command line */
#define PROXY_TIMEOUT_DEFAULT	10000	/* ms to wait for a header */

/* proxy_family_lookup - a family by name (case-insensitive); 0 or -1 */
int proxy_family_lookup(const char *name, enum tmx_proxy_family *family_r);

/* proxy_json_end - close the line and push it out at once */
void proxy_json_end(struct json_out *j);

/* proxy_json_endpoint - "name" and "name_port" (UNIX: the path only) */
void proxy_json_endpoint(struct json_out *j, const char *name,
			 const struct sockaddr_storage *ss);

/* proxy_json_header - the fields of a parsed header */
void proxy_json_header(struct json_out *j, const struct tmx_proxy_hdr *hdr,
		       size_t consumed);

/* proxy_parse_hex - decode an even-length hex string into a new buffer */
int proxy_parse_hex(const char *text, uint8_t **bytes_r, size_t *len_r);

/* proxy_parse_uint - a whole decimal (or 0x hex) number up to max; 0 or -1 */
int proxy_parse_uint(const char *text, unsigned long max, unsigned long *n_r);

/* proxy_sockaddr_text - address text and port of ss; false when none */
bool proxy_sockaddr_text(const struct sockaddr_storage *ss, char *buf,
			 size_t size, int *port_r);

/* proxy_usage - the summary of all three subcommands, to fp */
void proxy_usage(FILE *fp);

/* proxy_usage_error - complain about the command line; exit status 2 */
int proxy_usage_error(const char *what, const char *detail);

/* proxy_encode - "trustmx proxy encode" (proxy_encode.c) */
int proxy_encode(int argc, char **argv);

/* proxy_accept - "trustmx proxy accept" (proxy_accept.c) */
int proxy_accept(int argc, char **argv);

#endif
