/*
 * test-log.c - util/log.c in the foreground: held lines are byte for byte
 * the lines written at once (prefix, cut at LOG_LINE_MAX - 1 bytes of
 * message), nothing is written until a flush, a warning or a full buffer,
 * order is kept across all three, and log_hold(0) writes what is left.
 * Held lines take a formatter of their own for %s-only formats: its lines
 * are compared with vsnprintf's, NULL strings and cuts included.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <syslog.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "tmx-test.h"

#define T_LINE_MAX	2048	/* util/log.c's LOG_LINE_MAX */

static int test_saved_fd = -1;
static FILE *test_file;

/* test_capture - stderr into a fresh temporary file */
static void
test_capture(void)
{
	fflush(stderr);
	test_file = tmpfile();
	if (test_file == NULL || (test_saved_fd = dup(STDERR_FILENO)) < 0 ||
	    dup2(fileno(test_file), STDERR_FILENO) < 0) {
		perror("test-log: capture");
		exit(2);
	}
}

/* test_written - what reached stderr so far (static buffer; capturing
 * goes on) */
static const char *
test_written(void)
{
	static char buf[1 << 17];
	size_t n;

	rewind(test_file);
	n = fread(buf, 1, sizeof(buf) - 1, test_file);
	buf[n] = '\0';
	return buf;
}

/* test_release - stderr back; what was captured, malloc'd */
static char *
test_release(void)
{
	char *out = strdup(test_written());

	dup2(test_saved_fd, STDERR_FILENO);
	close(test_saved_fd);
	fclose(test_file);
	return out;
}

/* test_line - "trustmx-test: " + len bytes of c + "\n", malloc'd */
static char *
test_line(const char *prefix, char c, size_t len)
{
	size_t head = strlen("trustmx-test: ") +
	    (prefix ? strlen(prefix) + 2 : 0);
	char *s = malloc(head + len + 2);

	snprintf(s, head + 1, "trustmx-test: %s%s", prefix ? prefix : "",
		 prefix ? ": " : "");
	memset(s + head, c, len);
	s[head + len] = '\n';
	s[head + len + 1] = '\0';
	return s;
}

/* test_both - fmt logged held and then unheld: the same line twice */
static void __attribute__((format(printf, 1, 2)))
test_both(const char *fmt, ...)
{
	char *got, *half;
	size_t len;
	va_list ap;

	test_capture();
	log_hold(1);
	va_start(ap, fmt);
	vlog(LOG_INFO, NULL, fmt, ap);
	va_end(ap);
	log_hold(0);
	va_start(ap, fmt);
	vlog(LOG_INFO, NULL, fmt, ap);
	va_end(ap);
	got = test_release();
	len = strlen(got);
	half = strchr(got, '\n');
	TMX_CHECKF(len % 2 == 0 && half != NULL &&
		   (size_t)(half + 1 - got) == len / 2 &&
		   memcmp(got, got + len / 2, len / 2) == 0,
		   "format \"%s\": held and unheld differ: %s", fmt, got);
	free(got);
}

/* test_formats - the plain formatter against vsnprintf */
static void
test_formats(const char *big)
{
	const char *volatile none = NULL;
	char near[T_LINE_MAX];

	memset(near, 'n', sizeof(near) - 3);
	near[sizeof(near) - 3] = '\0';		/* 2,045 bytes */
	test_both("%s: client_address=%s: %s: %s", "unix", "192.0.2.1",
		  "relay_networks", "OK");
	test_both("plain text, no conversion");
	test_both("%s", "");
	test_both("%s|%s", none, "after a NULL");
	test_both("100%% sure: %s %%s %%%s", "x", "y");
	test_both("%s%s", near, "abcdef");	/* cut inside the second */
	test_both("%s%s%s", big, "never", "seen");
	test_both("%s", near);
	test_both("%d %s", 42, "printf's own");	/* not %s only */
	test_both("%.3s %s", "abcdef", "precision");
	test_both("%-8s|%s", "width", "flags");
	test_both("%s %c", "char", 'c');
}

int
main(void)
{
	char *big = malloc(5000 + 1), *want, *got, *w1, *w2;
	size_t held_empty_after_info, pending;
	char mid[200];

	memset(big, 'x', 5000);
	big[5000] = '\0';
	log_init("trustmx-test", 1, NULL);
	test_formats(big);

	/* held lines: nothing written until the warning, which comes last */
	test_capture();
	log_hold(1);
	log_info("decision %d: %s", 1, "relay");
	log_debug("not shown without -v");
	held_empty_after_info = strlen(test_written());
	pending = (size_t)log_pending();
	log_warnx("a warning");
	TMX_CHECK(!log_pending());
	log_info("%s", big);	/* cut as an unheld line is */
	log_flush();
	log_hold(0);
	log_info("%s", big);	/* unheld */
	got = test_release();
	TMX_CHECK(held_empty_after_info == 0);
	TMX_CHECK(pending == 1);
	w1 = test_line(NULL, 'x', T_LINE_MAX - 1);
	want = malloc(strlen(w1) * 2 + 200);
	snprintf(want, strlen(w1) * 2 + 200, "%s%s%s%s",
		 "trustmx-test: decision 1: relay\n",
		 "trustmx-test: warning: a warning\n", w1, w1);
	TMX_CHECK_STR(got, want);
	free(got);
	free(want);

	/* a buffer's worth and more: written in pieces, in order, whole */
	test_capture();
	log_hold(1);
	for (int i = 0; i < 40; i++) {
		memset(mid, 'a' + i % 26, sizeof(mid) - 1);
		mid[sizeof(mid) - 1] = '\0';
		log_info("%s", i % 8 == 7 ? big : mid);
	}
	TMX_CHECK(strlen(test_written()) > 0);	/* the buffer filled */
	log_hold(0);
	TMX_CHECK(!log_pending());
	got = test_release();
	want = calloc(1, 40 * (T_LINE_MAX + 64));
	for (int i = 0; i < 40; i++) {
		w2 = i % 8 == 7 ? test_line(NULL, 'x', T_LINE_MAX - 1) :
		    test_line(NULL, 'a' + i % 26, sizeof(mid) - 1);
		strcat(want, w2);
		free(w2);
	}
	TMX_CHECK_STR(got, want);
	free(got);
	free(want);
	free(w1);
	free(big);
	return TMX_TEST_END();
}
