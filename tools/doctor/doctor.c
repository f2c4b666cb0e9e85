/*
 * doctor.c - the report every doctor check writes into: findings with a
 * verdict and a fix, the worst verdict (the exit status), and the host
 * name comparison the checks share.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "doctor.h"
#include "xalloc.h"

/* doctor_add - see doctor.h */
struct doctor_finding *
doctor_add(struct doctor *d, const char *check, enum doctor_verdict verdict,
	   const char *subject, const char *fmt, ...)
{
	struct doctor_finding *f;
	va_list ap;

	d->findings = xreallocarray(d->findings, d->n_findings + 1,
	    sizeof(*d->findings));
	f = &d->findings[d->n_findings++];
	memset(f, 0, sizeof(*f));
	f->check = check;
	f->verdict = verdict;
	snprintf(f->subject, sizeof(f->subject), "%s", subject);
	va_start(ap, fmt);
	vsnprintf(f->detail, sizeof(f->detail), fmt, ap);
	va_end(ap);
	return f;
}

/* doctor_fix - see doctor.h */
void
doctor_fix(struct doctor_finding *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(f->fix, sizeof(f->fix), fmt, ap);
	va_end(ap);
}

/* doctor_verdict_name - see doctor.h */
const char *
doctor_verdict_name(enum doctor_verdict v)
{
	switch (v) {
	case DOCTOR_OK:
		return "ok";
	case DOCTOR_WARN:
		return "warn";
	case DOCTOR_FAIL:
		return "fail";
	}
	return "?";
}

/* doctor_worst - see doctor.h */
enum doctor_verdict
doctor_worst(const struct doctor *d)
{
	enum doctor_verdict worst = DOCTOR_OK;
	size_t i;

	for (i = 0; i < d->n_findings; i++)
		if (d->findings[i].verdict > worst)
			worst = d->findings[i].verdict;
	return worst;
}

