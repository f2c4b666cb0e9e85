/*
 * cidrset-private.h - what the list and table loaders share beyond the
 * public API: a builder mark to roll a failed load back to, and reading a
 * whole file.
 */
#ifndef TMX_CIDRSET_PRIVATE_H
#define TMX_CIDRSET_PRIVATE_H

#include <stddef.h>

#include <trustmx/cidrset.h>

/* cidrset_builder_mark - the builder's current size, for a later rewind */
size_t cidrset_builder_mark(const struct tmx_cidrset_builder *b);

/* cidrset_builder_rewind - forget every prefix added since mark */
void cidrset_builder_rewind(struct tmx_cidrset_builder *b, size_t mark);

/* cidrlist_slurp - read a whole file (caller frees); NULL with errno set */
char *cidrlist_slurp(const char *path, size_t *len_r);

#endif
