/*
 * policyd.h - types the parts of trustmx-policyd share: the settings read
 * from trustmx.conf, a "generation" (settings + lists) that the event loop
 * answers from, and the hand-off between the refresher thread and the loop.
 */
#ifndef TMX_POLICYD_H
#define TMX_POLICYD_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "conf.h"
#include "lists.h"

enum pd_service {
	PD_SOCKETMAP = 0,	/* socketmap_table(5) */
	PD_POLICY,		/* SMTPD_POLICY_README */
};

/* One configured listener, as written in policy_listen/socketmap_listen. */
struct pd_listen {
	enum pd_service service;
	bool haproxy;		/* a PROXY v2 header must come first */
	bool is_unix;
	char *spec;		/* "unix:/run/trustmx/socketmap.sock" */
	char *path;		/* unix: socket path */
	struct sockaddr_storage ss;	/* inet: bind address */
	socklen_t sslen;
};

/* What the daemon takes from trustmx.conf, checked once per (re)load. */
struct pd_settings {
	struct pd_listen *listen;
	size_t nlisten;
	char *relay_action;	/* relay_policy_action */
	char *deny_action;	/* deny_policy_action */
	char *allow_action;	/* allow_policy_action */
	int client_timeout_ms;
	int proxy_timeout_ms;
	size_t max_clients;
	long spf_refresh_min;	/* seconds */
	long spf_refresh_max;
	long spf_shrink_limit;	/* percent */
	char *spf_cache_dir;
	char *user;
	mode_t socket_mode;	/* unix listeners */
};

/*
 * A loaded configuration, shared by the loop and the refresher thread:
 * reference counted, immutable once made.
 */
struct pd_config {
	struct conf *conf;
	char *path;
	struct pd_settings settings;
	atomic_int refs;
};

/* What the event loop answers from; it owns the one it holds. */
struct pd_gen {
	struct pd_config *config;	/* one reference */
	struct lists *lists;
	unsigned serial;
};

/* pd_settings.c */
struct pd_config *pd_settings_load(const char *path, char *err, size_t errlen);
struct pd_config *pd_settings_ref(struct pd_config *config);
void pd_settings_unref(struct pd_config *config);
bool pd_settings_same_listeners(const struct pd_settings *a,
				const struct pd_settings *b);
void pd_settings_free_listen(struct pd_listen *listen, size_t n);

/* pd_verdict.c */
enum verdict {
	VERDICT_NONE = 0,
	VERDICT_DENY,
	VERDICT_RELAY,
	VERDICT_PROXY,
	VERDICT_ALLOW,		/* allow_networks */
};
void pd_verdict_build(struct lists *lists);
enum verdict pd_verdict_lookup(const struct lists *lists,
			       const struct tmx_addr *addr,
			       const char **source_r);
enum verdict pd_verdict_lookup_text(const struct lists *lists,
				    const char *text, const char **source_r);
bool pd_verdict_in_list(const struct lists *lists, enum list_id id,
			const struct tmx_addr *addr);

/* pd_refresh.c: the one background thread (spf: refresh, reloads) */
struct pd_refresh;
struct pd_refresh *pd_refresh_new(struct pd_config *config);
struct pd_gen *pd_refresh_build_initial(struct pd_refresh *r, char *err,
					size_t errlen);
int pd_refresh_run(struct pd_refresh *r, int handoff_fd, char *err,
		   size_t errlen);
void pd_refresh_request_reload(struct pd_refresh *r);
bool pd_refresh_stop(struct pd_refresh *r);
void pd_refresh_free(struct pd_refresh *r);
void pd_refresh_gen_free(struct pd_gen *gen);

/* listener.c */
struct listener {
	struct pd_listen spec;	/* deep copy; survives reloads */
	int fd;
};
int listener_open(const struct pd_listen *spec, mode_t mode,
		  struct listener *l_r,
		  char *err, size_t errlen);
int listener_chown(const struct listener *l, uid_t uid, gid_t gid);
void listener_close(struct listener *l);

/* loop.c */
int loop_run(struct listener *listeners, size_t nlisteners,
	     struct pd_gen *gen, struct pd_refresh *refresher, int handoff_fd,
	     int signal_fd);

#endif
