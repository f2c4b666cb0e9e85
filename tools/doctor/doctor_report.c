/*
 * doctor_report.c - the doctor's report: an aligned table for people
 * (verdicts coloured only when stdout is a terminal) or one JSON object
 * for monitoring (with the DMARC Tree Walk as an object of its own). DNS
 * text goes through json.c, so it cannot break JSON.
 */
#include <stdio.h>
#include <string.h>

#include "doctor.h"
#include "json.h"

/* doctor_report_count - how many findings have verdict v */
static size_t
doctor_report_count(const struct doctor *d, enum doctor_verdict v)
{
	size_t i, n = 0;

	for (i = 0; i < d->n_findings; i++)
		if (d->findings[i].verdict == v)
			n++;
	return n;
}

/* doctor_report_print_safe - s with control characters shown as '?' */
static void
doctor_report_print_safe(FILE *fp, const char *s)
{
	for (; *s != '\0'; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, fp);
}

/* doctor_report_verdict - the verdict word, padded, maybe coloured */
static void
doctor_report_verdict(enum doctor_verdict v, bool colour)
{
	static const char *const colours[] = { "\033[32m", "\033[33m",
	    "\033[31m" };

	if (colour)
		printf("%s%-4s\033[0m", colours[v], doctor_verdict_name(v));
	else
		printf("%-4s", doctor_verdict_name(v));
}

/* doctor_report_table - see doctor.h */
void
doctor_report_table(const struct doctor *d, bool colour)
{
	size_t i, nw = doctor_report_count(d, DOCTOR_WARN),
	    nf = doctor_report_count(d, DOCTOR_FAIL);

	printf("trustmx doctor %s: %zu ok, %zu warning%s, %zu failure%s\n\n",
	    d->domain != NULL ? d->domain : "(local setup)", doctor_report_count(d, DOCTOR_OK), nw,
	    nw == 1 ? "" : "s", nf, nf == 1 ? "" : "s");
	printf("%-18s %-4s  %-30s %s\n", "CHECK", "", "SUBJECT", "DETAIL");
	for (i = 0; i < d->n_findings; i++) {
		const struct doctor_finding *f = &d->findings[i];

		printf("%-18s ", f->check);
		doctor_report_verdict(f->verdict, colour);
		fputs("  ", stdout);
		doctor_report_print_safe(stdout, f->subject);
		printf("%*s ", strlen(f->subject) < 30 ?
		    (int)(30 - strlen(f->subject)) : 0, "");
		doctor_report_print_safe(stdout, f->detail);
		fputc('\n', stdout);
		if (f->fix[0] != '\0') {
			printf("%-18s fix:  ", "");
			doctor_report_print_safe(stdout, f->fix);
			fputc('\n', stdout);
		}
	}
}

/* doctor_report_json_walk - the DMARC Tree Walk: names asked, outcome */
static void
doctor_report_json_walk(struct json_out *j, const struct doctor_dmarc_walk *w)
{
	json_key(j, "dmarc_walk");
	json_object_begin(j);
	json_kv_string(j, "domain", w->domain);
	json_key(j, "queries");
	json_array_begin(j);
	for (size_t i = 0; i < w->n_queries; i++) {
		const struct doctor_dmarc_query *q = &w->queries[i];

		json_object_begin(j);
		json_kv_string(j, "name", q->name);
		json_kv_string(j, "type", q->type);
		json_kv_string(j, "status", q->status);
		if (q->dmarc_records >= 0)
			json_kv_int(j, "dmarc_records", q->dmarc_records);
		json_object_end(j);
	}
	json_array_end(j);
	json_kv_string(j, "source", w->source);
	json_kv_string(j, "policy_domain", w->policy_domain);
	json_kv_string(j, "org_domain", w->org_domain);
	json_kv_string(j, "org_rule", w->org_rule);
	json_object_end(j);
}

/* doctor_report_json - see doctor.h */
void
doctor_report_json(const struct doctor *d)
{
	struct json_out j;
	size_t i;

	json_init(&j, stdout);
	json_object_begin(&j);
	json_kv_string(&j, "domain", d->domain != NULL ? d->domain : "");
	json_kv_string(&j, "status", doctor_verdict_name(doctor_worst(d)));
	json_kv_int(&j, "ok", (long long)doctor_report_count(d, DOCTOR_OK));
	json_kv_int(&j, "warn", (long long)doctor_report_count(d, DOCTOR_WARN));
	json_kv_int(&j, "fail", (long long)doctor_report_count(d, DOCTOR_FAIL));
	json_key(&j, "checks");
	json_array_begin(&j);
	for (i = 0; i < d->n_findings; i++) {
		const struct doctor_finding *f = &d->findings[i];

		json_object_begin(&j);
		json_kv_string(&j, "check", f->check);
		json_kv_string(&j, "verdict", doctor_verdict_name(f->verdict));
		json_kv_string(&j, "subject", f->subject);
		json_kv_string(&j, "detail", f->detail);
		json_kv_string(&j, "fix", f->fix);
		json_object_end(&j);
	}
	json_array_end(&j);
	if (d->dmarc_walk.done)
		doctor_report_json_walk(&j, &d->dmarc_walk);
	json_object_end(&j);
	fputc('\n', stdout);
}
