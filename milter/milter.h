/*
 * milter.h - trustmx-milter's libmilter glue: the callback table and the
 * long-lived engines the callbacks use (set up once before smfi_main).
 */
#ifndef TMX_MILTER_H
#define TMX_MILTER_H

#include <libmilter/mfapi.h>

#include "dkimv.h"
#include "spf.h"

struct milter_engines {
	struct spf_layer *spf;
	struct dkimv_lib *dkim;
};

/* milter_register - register the callbacks with libmilter; 0 or -1 */
int milter_register(const char *name, const struct milter_engines *engines);

#endif
