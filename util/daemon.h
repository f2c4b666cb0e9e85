/*
 * daemon.h - what both daemons do to start as a service: find the
 * configured user, drop root for good, detach from the terminal, and tell
 * systemd when they are ready (sd_notify; a no-op outside systemd).
 */
#ifndef TMX_DAEMON_H
#define TMX_DAEMON_H

#include <pwd.h>

/*
 * daemon_user - look up user; "" means none (NULL in *pw_r). 0, or -1
 * with a static reason ("no such user"). The entry is getpwnam()'s.
 */
int daemon_user(const char *user, struct passwd **pw_r, const char **why_r);

/*
 * daemon_become - as root with pw: become pw for good (groups, gid, uid);
 * 1 done, 0 nothing to do (no pw, or not root), -1 with a static reason
 * (errno set). Silent, for probes; daemon_drop_privileges logs.
 */
int daemon_become(const struct passwd *pw, const char **why_r);

/* daemon_drop_privileges - as root with pw: become pw for good; fatal if not */
void daemon_drop_privileges(const struct passwd *pw);

/* daemon_detach - fork, new session, cwd /, standard streams on /dev/null */
void daemon_detach(void);

/* daemon_ready - READY=1 with a STATUS= line for systemctl status */
void daemon_ready(const char *status);

/* daemon_stopping - STOPPING=1 */
void daemon_stopping(void);

#endif
