/*
 * conf_start.h - what starting a daemon with a trustmx.conf needs beyond a
 * valid file: the user, sockets its starter can make, and the files and
 * directories it reads or writes once it runs as that user. -n and the
 * start call the same check, so they never disagree.
 */
#ifndef TMX_CONF_START_H
#define TMX_CONF_START_H

#include <stdbool.h>

#include "conf.h"

/* Whose keys to check: each daemon makes its own sockets */
enum conf_start_program {
	CONF_START_MILTER,	/* milter_listen, milter_metrics_listen,
				 * public_suffix_list */
	CONF_START_POLICYD,	/* policy_listen, socketmap_listen,
				 * policyd_metrics_listen */
};

/*
 * One finding: error (the start would fail, or something the daemon does
 * later would) or a warning; message reads "file:line: key: what: why".
 */
typedef void conf_start_report_fn(void *ctx, bool error,
				  const char *message);

/*
 * conf_start_check - check what program's start needs from conf, read
 * from path; every finding goes to report. The number of errors (0: the
 * start can go on). Forks once, for the checks made as "user"; call it
 * before any thread starts.
 */
unsigned conf_start_check(const struct conf *conf, const char *path,
			  enum conf_start_program program,
			  conf_start_report_fn *report, void *ctx);

/* conf_start_stderr - report for -n: "ctx: message" on stderr (ctx a name) */
void conf_start_stderr(void *ctx, bool error, const char *message);

/* conf_start_log - report for the start: fatalx on an error, else warn */
void conf_start_log(void *ctx, bool error, const char *message);

#endif
