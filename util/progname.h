/*
 * progname.h - what every trustmx program prints for --version, and the
 * long options they all share.
 */
#ifndef TMX_PROGNAME_H
#define TMX_PROGNAME_H

#include <getopt.h>

/* The long options every daemon takes; getopt_long returns 'V' for it. */
#define PROG_LONG_OPTIONS \
	{ "version", no_argument, NULL, 'V' }, \
	{ NULL, 0, NULL, 0 }

/* prog_version - "NAME VERSION (libtrustmx VERSION)" on stdout, exit 0 */
void prog_version(const char *name) __attribute__((noreturn));

#endif
