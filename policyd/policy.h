/*
 * policy.h - the Postfix policy delegation protocol (SMTPD_POLICY_README):
 * "name=value" lines, an empty line ends a request, the reply is
 * "action=..." and an empty line. Only client_address matters here.
 */
#ifndef TMX_POLICYD_POLICY_H
#define TMX_POLICYD_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <trustmx/addr.h>

#define POLICY_NAME_MAX		255
#define POLICY_VALUE_MAX	8192
#define POLICY_LINE_MAX		(POLICY_NAME_MAX + 1 + POLICY_VALUE_MAX + 1)
#define POLICY_ATTRS_MAX	1024

/* One request as it is being read; policy_reset before each. */
struct policy_req {
	char client_address[TMX_ADDR_STRLEN + 8];
	bool have_client;	/* a usable client_address was seen */
	unsigned nattrs;
};

enum policy_status {
	POLICY_MORE = 0,	/* lines consumed, request not finished */
	POLICY_DONE,		/* empty line seen: answer now */
	POLICY_INVALID,		/* *error_r says why */
};

/* policy_reset - ready for the next request */
void policy_reset(struct policy_req *req);

/*
 * policy_feed - consume the complete lines at the start of buf, stopping
 * after the empty line that ends a request. *consumed_r is set in every
 * case but INVALID.
 */
enum policy_status policy_feed(struct policy_req *req, const uint8_t *buf,
			       size_t len, size_t *consumed_r,
			       const char **error_r);

#endif
