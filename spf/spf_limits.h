/*
 * spf_limits.h - the bounds of an SPF evaluation in one place: those RFC
 * 7208 sets (4.6.4, 5.5, 7.3) and those trustmx adds to keep records and
 * expansions finite. Every parser, evaluator and check takes them here.
 */
#ifndef TMX_SPF_LIMITS_H
#define TMX_SPF_LIMITS_H

/* RFC 7208 */
#define SPF_LIMIT_DNS_TERMS	10	/* 4.6.4: include a mx ptr exists
					   redirect, per check_host() */
#define SPF_LIMIT_VOID		2	/* 4.6.4: lookups answering nothing */
#define SPF_LIMIT_MX_PTR	10	/* 4.6.4: MX records; 5.5: PTR names */
#define SPF_LIMIT_PARTS		128	/* 7.3: more parts than a name has */

/* RFC 1035 2.3.4: a name, as a domain-spec expands to one */
#define SPF_LIMIT_NAME		253	/* characters, no trailing dot */

/* trustmx */
#define SPF_LIMIT_RECORD	4096	/* bytes of a record we parse */
#define SPF_LIMIT_NESTING	(SPF_LIMIT_DNS_TERMS + 1) /* include chain */
#define SPF_LIMIT_PREFIXES	65536	/* networks in one expansion */

/* SPF_LIMIT_STR - a limit as a string literal, for static messages */
#define SPF_LIMIT_STR(n)	SPF_LIMIT_STR_(n)
#define SPF_LIMIT_STR_(n)	#n

#endif
