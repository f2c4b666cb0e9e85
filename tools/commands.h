/*
 * commands.h - the subcommands of trustmx(1). Each takes the arguments
 * from its own name on (argv[0] is "proxy", "cidr", ...) and returns the
 * process exit status. trustmx.c dispatches on the first two words.
 */
#ifndef TRUSTMX_COMMANDS_H
#define TRUSTMX_COMMANDS_H

int cmd_proxy(int argc, char **argv);		/* proxy decode|encode|accept */
int cmd_cidr(int argc, char **argv);		/* cidr lookup TABLE */
int cmd_list(int argc, char **argv);		/* list show NAME | list export OUT */
int cmd_spf_expand(int argc, char **argv);	/* spf expand DOMAIN */
int cmd_spf_check(int argc, char **argv);	/* spf check --ip --helo --from */
int cmd_doctor(int argc, char **argv);		/* doctor DOMAIN [options] */
int cmd_relay(int argc, char **argv);		/* relay check < message */
int cmd_arc_verify(int argc, char **argv);	/* arc verify < message */
int cmd_arc_seal(int argc, char **argv);	/* arc seal --domain ... < message */
int cmd_dmarc_check(int argc, char **argv);	/* dmarc check --from DOMAIN */
int cmd_dmarc_report(int argc, char **argv);	/* dmarc report [--db FILE]... */
int cmd_status(int argc, char **argv);		/* status [-c FILE] [--json] */

struct conf;
struct lists;

/*
 * cmd_list_load - trustmx.conf and every list it defines (spf: resolved
 * now, else the daemons' saved copy); NULL after saying why on stderr
 */
struct lists *cmd_list_load(const char *path, struct conf **conf_r);

#endif
