/*
 * dmarc_send.c - fork, exec and feed sendmail(1). Its standard output and
 * error stay ours (a Postfix sendmail says why it refused there); a
 * sendmail that stops reading is an error, not a SIGPIPE.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dmarc_send.h"
#include "xalloc.h"

/* dmarc_send_argv - command's words, then -oi -f sender -- rcpt */
static char **
dmarc_send_argv(char *const command[], const char *sender, const char *rcpt)
{
	size_t n = 0, i;
	char **argv;

	while (command[n] != NULL)
		n++;
	argv = xcalloc(n + 6, sizeof(*argv));
	for (i = 0; i < n; i++)
		argv[i] = command[i];
	argv[n++] = "-oi";
	argv[n++] = "-f";
	argv[n++] = (char *)sender;
	argv[n++] = "--";
	argv[n++] = (char *)rcpt;
	argv[n] = NULL;
	return argv;
}

/* dmarc_send_write - all of msg into fd; 0 or -1 (errno) */
static int
dmarc_send_write(int fd, const char *msg, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, msg, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		msg += n;
		len -= (size_t)n;
	}
	return 0;
}

/* dmarc_send - see dmarc_send.h */
int
dmarc_send(char *const command[], const char *sender, const char *rcpt,
	   const void *msg, size_t len, char *err, size_t errlen)
{
	struct sigaction ign, old;
	char **argv = dmarc_send_argv(command, sender, rcpt);
	int fds[2], status, werr = 0;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		free(argv);
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		free(argv);
		return -1;
	}
	if (pid == 0) {
		if (dup2(fds[0], STDIN_FILENO) < 0)
			_exit(127);
		if (strchr(argv[0], '/') != NULL)
			execv(argv[0], argv);
		else
			execvp(argv[0], argv);
		fprintf(stderr, "%s: %s\n", argv[0], strerror(errno));
		free(argv);
		_exit(127);
	}
	free(argv);
	close(fds[0]);
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &ign, &old);
	if (dmarc_send_write(fds[1], msg, len) < 0)
		werr = errno;
	close(fds[1]);
	sigaction(SIGPIPE, &old, NULL);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			snprintf(err, errlen, "waitpid: %s", strerror(errno));
			return -1;
		}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && werr == 0)
		return 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		snprintf(err, errlen, "%s could not be run", command[0]);
	else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		snprintf(err, errlen, "%s exited with status %d", command[0],
			 WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(err, errlen, "%s killed by signal %d", command[0],
			 WTERMSIG(status));
	else
		snprintf(err, errlen, "writing to %s: %s", command[0],
			 strerror(werr));
	return -1;
}
