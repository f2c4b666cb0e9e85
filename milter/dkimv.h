/*
 * dkimv.h - DKIM verification of one message with libopendkim: headers and
 * body are fed as the milter receives them; at the end every signature is
 * reported with its domain and selector. One shared library handle.
 */
#ifndef TMX_DKIMV_H
#define TMX_DKIMV_H

#include <stddef.h>

#include "results.h"

struct dkimv_lib;
struct dkimv;

/* dkimv_lib_new - the shared libopendkim handle; NULL with reason in err */
struct dkimv_lib *dkimv_lib_new(char *err, size_t errlen);
void dkimv_lib_free(struct dkimv_lib *lib);

/* dkimv_new - a verifier for one message; NULL when libopendkim refuses */
struct dkimv *dkimv_new(struct dkimv_lib *lib, const char *id);

/* dkimv_header - one header field; value as the milter saw it */
void dkimv_header(struct dkimv *v, const char *name, const char *value);

/* dkimv_eoh, dkimv_body - end of headers, a body chunk (CRLF lines) */
void dkimv_eoh(struct dkimv *v);
void dkimv_body(struct dkimv *v, const unsigned char *buf, size_t len);

/* dkimv_finish - verify and fill r (v may be NULL: "internal error");
 * -1 when there was no memory for the signatures' results */
int dkimv_finish(struct dkimv *v, struct results_dkim *r);

void dkimv_free(struct dkimv *v);

#endif
