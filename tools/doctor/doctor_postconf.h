/*
 * doctor_postconf.h - Postfix's configuration as postconf prints it
 * (doctor_postconf.c), for the --postfix checks (doctor_postfix.c).
 */
#ifndef TRUSTMX_TOOLS_DOCTOR_POSTCONF_H
#define TRUSTMX_TOOLS_DOCTOR_POSTCONF_H

#include <stdbool.h>
#include <stddef.h>

/* One "name = value": main.cf (service NULL) or a master.cf -o override. */
struct doctor_postconf_param {
	char *service;		/* "submission/inet"; NULL: main.cf */
	char *name;
	char *value;
};

/* One master.cf service. */
struct doctor_postconf_service {
	char *id;		/* "name/type", as postconf -P writes it */
	char *type;
	char *command;
};

/* Postfix's configuration, as postconf printed it. */
struct doctor_postconf {
	struct doctor_postconf_param *params;
	size_t n_params;
	struct doctor_postconf_service *services;
	size_t n_services;
};

/*
 * doctor_postconf_read - main.cf, master.cf and its -o overrides of the
 * configuration directory dir into *pf, zeroed by the caller (postconf -c
 * dir, spawned without a shell); 0, or -1 with the reason in err. The
 * caller frees *pf with doctor_postconf_free either way.
 */
int doctor_postconf_read(const char *dir, struct doctor_postconf *pf,
			 char *err, size_t errlen);

/* doctor_postconf_free - what doctor_postconf_read allocated */
void doctor_postconf_free(struct doctor_postconf *pf);

/*
 * doctor_postconf_get - name's value for service (its -o override, else
 * main.cf's); *where_r says which. "" when postconf did not print it.
 */
const char *doctor_postconf_get(const struct doctor_postconf *pf,
				const struct doctor_postconf_service *svc,
				const char *name, const char **where_r);

/*
 * doctor_postconf_token - the next item of a Postfix list after *pp into
 * tok: a word, or what a { ... } group holds (without the braces, then
 * *group_r). false at the end.
 */
bool doctor_postconf_token(const char **pp, char *tok, size_t size,
			   bool *group_r);

/* doctor_postconf_first - the first word of a group into word */
void doctor_postconf_first(const char *group, char *word, size_t size);

/* doctor_postconf_option - "key=value" in a group: value into out, or false */
bool doctor_postconf_option(const char *group, const char *key, char *out,
			    size_t size);

#endif
