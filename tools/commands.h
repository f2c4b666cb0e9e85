/*
 * commands.h - the subcommands of trustmx(1); each takes the arguments
 * after its own name (argv[0] is the subcommand word) and returns the
 * process exit status.
 */
#ifndef TRUSTMX_COMMANDS_H
#define TRUSTMX_COMMANDS_H

int cmd_proxy(int argc, char **argv);	/* trustmx proxy decode|encode|accept */
int cmd_cidr(int argc, char **argv);	/* trustmx cidr lookup */

#endif
