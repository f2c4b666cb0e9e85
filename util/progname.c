/*
 * progname.c - the --version line: the program's own version and the
 * version of the libtrustmx actually loaded, which can differ after an
 * upgrade of the library package alone.
 */
#include <stdio.h>
#include <stdlib.h>

#include <trustmx/version.h>

#include "progname.h"

/* prog_version - print the version line and exit successfully */
void
prog_version(const char *name)
{
	printf("%s %s (libtrustmx %s)\n", name, TMX_VERSION_STRING,
	    tmx_version());
	exit(0);
}
