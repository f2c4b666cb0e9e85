/*
 * report.h - the milter's side of DMARC aggregate reports (RFC 9990):
 * one record per message whose DMARC policy was evaluated, handed to the
 * store's queue (report/dmarc_store.c; its writer thread does the disk,
 * so a slow disk never delays mail). trustmx(1) "dmarc report" builds and
 * sends the reports.
 */
#ifndef TMX_MILTER_REPORT_H
#define TMX_MILTER_REPORT_H

#include "results.h"
#include "settings.h"
#include "verdict.h"

/*
 * report_sync - open, reopen or close the store as st says
 * (dmarc_report_db, _retention, _max_size): at the start once privileges
 * are dropped, and after each reload. A store that cannot be opened is
 * logged; mail goes on unrecorded.
 */
void report_sync(const struct settings *st);

/*
 * report_add - the record of one message: DMARC evaluated by RFC 9989
 * with a policy found, the message accepted, quarantined or rejected (a
 * tempfail comes again), not a submission. mail_from is the envelope
 * sender ("" for <>). Any thread.
 */
void report_add(const struct results *res, const struct verdict *v,
		const char *mail_from);

/* report_close - flush and close the store (at exit) */
void report_close(void);

/* report_copy - src into dst of size; a name never exceeds 253 bytes, a
 * longer one is cut (the store refuses what is not a domain) */
void report_copy(char *dst, size_t size, const char *src);

#endif
