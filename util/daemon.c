/*
 * daemon.c - starting as a service, shared by trustmx-milter and
 * trustmx-policyd: the user lookup, the privilege drop (groups, gid, uid,
 * and a check that root cannot be regained), detaching, and readiness
 * through libsystemd's sd_notify.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"

/* daemon_user - see daemon.h */
int
daemon_user(const char *user, struct passwd **pw_r, const char **why_r)
{
	*pw_r = NULL;
	if (user[0] == '\0')
		return 0;
	errno = 0;
	if ((*pw_r = getpwnam(user)) == NULL) {
		*why_r = errno != 0 ? "cannot read the user database" :
		    "no such user";
		return -1;
	}
	return 0;
}

/* daemon_become - see daemon.h */
int
daemon_become(const struct passwd *pw, const char **why_r)
{
	if (pw == NULL || geteuid() != 0)
		return 0;
	*why_r = "initgroups";
	if (setgroups(0, NULL) < 0 || initgroups(pw->pw_name, pw->pw_gid) < 0)
		return -1;
	*why_r = "setgid/setuid";
	if (setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0)
		return -1;
	*why_r = "privileges could be regained after dropping them";
	if (setuid(0) == 0) {
		errno = EPERM;
		return -1;
	}
	return 1;
}

/* daemon_drop_privileges - see daemon.h */
void
daemon_drop_privileges(const struct passwd *pw)
{
	const char *why;
	int rc = daemon_become(pw, &why);

	if (rc < 0)
		fatal("cannot become %s: %s", pw->pw_name, why);
	if (rc > 0)
		log_info("running as user %s", pw->pw_name);
}

/* daemon_detach - see daemon.h */
void
daemon_detach(void)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0)
		fatal("fork");
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		fatal("setsid");
	if (chdir("/") < 0)
		fatal("chdir /");
	if ((fd = open("/dev/null", O_RDWR)) >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
}

/* daemon_ready - see daemon.h */
void
daemon_ready(const char *status)
{
	(void)sd_notifyf(0, "READY=1\nSTATUS=%s", status);
}

/* daemon_stopping - see daemon.h */
void
daemon_stopping(void)
{
	(void)sd_notify(0, "STOPPING=1");
}
