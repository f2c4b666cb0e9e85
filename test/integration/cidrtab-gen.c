/*
 * cidrtab-gen.c - random Postfix cidr_table(5) files and lookup keys for
 * the differential test against postmap (postfix-cidr.sh): overlapping
 * IPv4/IPv6 prefixes, negations, nested if/endif, [addr] forms, bad and
 * odd lines, continuation lines; keys at and around the rule edges.
 * usage: cidrtab-gen SEED RULES KEYS TABLE-FILE KEYS-FILE
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct gen_prefix {
	int family;		/* 4 or 6 */
	uint8_t b[16];
	unsigned len;
};

static uint64_t gen_state;
static struct gen_prefix gen_anchor[12];
static struct gen_prefix *gen_used;	/* prefixes the table mentions */
static size_t gen_nused, gen_capused;
static int gen_late;	/* the last quarter: broad rules shadow less */

/* gen_rand - xorshift64* */
static uint64_t
gen_rand(void)
{
	gen_state ^= gen_state >> 12;
	gen_state ^= gen_state << 25;
	gen_state ^= gen_state >> 27;
	return gen_state * 2685821657736338717ULL;
}

/* gen_below - a random number in [0, n) */
static unsigned
gen_below(unsigned n)
{
	return (unsigned)(gen_rand() % n);
}

/* gen_bits - address bits of a family */
static unsigned
gen_bits(int family)
{
	return family == 4 ? 32 : 128;
}

/* gen_clear_host - zero the bits after len */
static void
gen_clear_host(struct gen_prefix *p)
{
	for (unsigned i = p->len; i < gen_bits(p->family); i++)
		p->b[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
}

/* gen_randomize - random bits from bit `from' on */
static void
gen_randomize(struct gen_prefix *p, unsigned from)
{
	for (unsigned i = from; i < gen_bits(p->family); i++) {
		if (gen_rand() & 1)
			p->b[i / 8] |= (uint8_t)(0x80 >> (i % 8));
		else
			p->b[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
	}
}

/* gen_anchors - a few networks most rules fall into, so rules overlap */
static void
gen_anchors(void)
{
	for (size_t i = 0; i < 12; i++) {
		struct gen_prefix *a = &gen_anchor[i];

		memset(a, 0, sizeof(*a));
		a->family = i < 8 ? 4 : 6;
		gen_randomize(a, 0);
		if (a->family == 6) {
			a->b[0] = 0x20;
			a->b[1] = 0x01;
			a->b[2] = 0x0d;
			a->b[3] = 0xb8;
		}
		a->len = a->family == 4 ? 12 + gen_below(9) :
		    40 + gen_below(25);
		gen_clear_host(a);
	}
}

/* gen_random_prefix - mostly inside an anchor, sometimes anywhere */
static void
gen_random_prefix(struct gen_prefix *p)
{
	const struct gen_prefix *a = &gen_anchor[gen_below(12)];
	unsigned bits, roll = gen_below(100);

	*p = *a;
	bits = gen_bits(p->family);
	if (gen_below(1000) == 0) {
		p->len = gen_below(3);			/* /0, /1, /2 */
	} else if (roll < 8) {
		gen_randomize(p, 0);
		p->len = bits / 4 + gen_below(bits - bits / 4 + 1);
	} else if (roll < 14 && gen_late) {
		p->len = a->len - gen_below(7);		/* covers the anchor */
	} else {
		/* Mostly long: a short one early would shadow the rest. */
		unsigned span = bits - a->len, up = gen_below(span);

		for (int i = 0; i < 2; i++) {
			unsigned u = gen_below(span);

			up = u < up ? u : up;
		}
		gen_randomize(p, a->len);
		p->len = bits - up;
	}
	gen_clear_host(p);
}

/* gen_remember - keep p so that keys can aim at it */
static void
gen_remember(const struct gen_prefix *p)
{
	if (gen_nused == gen_capused) {
		gen_capused = gen_capused ? gen_capused * 2 : 1024;
		gen_used = realloc(gen_used, gen_capused * sizeof(*gen_used));
		if (gen_used == NULL) {
			perror("cidrtab-gen");
			exit(1);
		}
	}
	gen_used[gen_nused++] = *p;
}

/* gen_format - the address as text, in one of the spellings Postfix takes */
static void
gen_format(const struct gen_prefix *p, char *buf, size_t size, int style)
{
	if (p->family == 4) {
		inet_ntop(AF_INET, p->b, buf, (socklen_t)size);
		return;
	}
	if (style == 1) {
		snprintf(buf, size, "%x:%x:%x:%x:%x:%x:%x:%x",
			 p->b[0] << 8 | p->b[1], p->b[2] << 8 | p->b[3],
			 p->b[4] << 8 | p->b[5], p->b[6] << 8 | p->b[7],
			 p->b[8] << 8 | p->b[9], p->b[10] << 8 | p->b[11],
			 p->b[12] << 8 | p->b[13], p->b[14] << 8 | p->b[15]);
		return;
	}
	inet_ntop(AF_INET6, p->b, buf, (socklen_t)size);
	if (style == 2)
		for (char *c = buf; *c; c++)
			*c = (char)toupper((unsigned char)*c);
}

/* gen_pattern - a rule pattern for p in one of the accepted forms */
static void
gen_pattern(const struct gen_prefix *p, char *buf, size_t size)
{
	char addr[64];
	unsigned form = gen_below(10);

	gen_format(p, addr, sizeof(addr), (int)gen_below(3));
	if (p->len == gen_bits(p->family) && form < 3)
		snprintf(buf, size, "%s", addr);
	else if (p->len == gen_bits(p->family) && form == 3)
		snprintf(buf, size, "[%s]", addr);
	else if (form == 4)
		snprintf(buf, size, "[%s]/%u", addr, p->len);
	else if (form == 5)
		snprintf(buf, size, "[%s/%u]", addr, p->len);
	else if (form == 6)
		snprintf(buf, size, "%s/%u", addr, p->len + 256); /* mod 256 */
	else if (form == 7)
		snprintf(buf, size, "%s/00%u", addr, p->len);
	else
		snprintf(buf, size, "%s/%u", addr, p->len);
}

/*
 * gen_negation - "", "!", "! ", "!!" (a double negation is positive). A
 * negated rule matches nearly all of its family, so unless confined by a
 * positive "if" they are rare, or every key would hit the first one.
 */
static const char *
gen_negation(int confined, int after_rule)
{
	static const char *forms[] = { "!!", "! ! ", "!", "! " };
	unsigned roll = gen_below(100);

	if (after_rule && gen_below(300) == 0)
		return " !! ";		/* white space first: a continuation */
	if (roll < 4)
		return forms[roll % 2];
	if ((gen_late && roll < 5) || (confined && roll < 20))
		return forms[2 + roll % 2];
	return "";
}

/* gen_result - a lookup result, sometimes with inner blanks */
static void
gen_result(FILE *fp, size_t n)
{
	switch (gen_below(12)) {
	case 0:
		fprintf(fp, "OK rule %zu  with\tspaces", n);
		break;
	case 1:
		fprintf(fp, "r%zu \t ", n);		/* trailing blanks */
		break;
	case 2:
		fprintf(fp, "r%zu\r", n);		/* CRLF */
		break;
	case 3:					/* continued */
		fprintf(fp, "r%zu\n%s  part2", n, gen_below(2) ? "# c\n" : "");
		break;
	default:
		fprintf(fp, "r%zu", n);
	}
}

/* gen_bad_line - a line Postfix skips with a warning */
static void
gen_bad_line(FILE *fp, size_t n)
{
	static const char *bad[] = {
		"192.0.2.1/24 host-bits", "192.0.2.0/33 long-mask",
		"192.0.2.0/ empty-mask", "192.0.2.0/2x4 bad-mask",
		"300.1.2.3 bad-addr", "192.0.2.04 leading-zero",
		"[192.0.2.1 no-bracket", "[192.0.2.1]x garbage",
		"192.0.2.1", "2001:db8::1/129 long6", "2001:db8::1/64 host6",
		"endif extra", "if", "!", "! ", "IF 192.0.2.0/24 extra",
		"2001:db8:::1 bad6", "192.0.2.0/24/8 double",
		"[192.0.2.0/24]/8 double2", "192.0.2.0/-1 negative",
	};

	fprintf(fp, "%s\n", bad[n % (sizeof(bad) / sizeof(bad[0]))]);
}

/* gen_table - rules, if blocks, bad and odd lines */
static void
gen_table(FILE *fp, size_t nrules)
{
	struct gen_prefix p;
	char pat[128];
	int depth = 0, positive = 0, negated[5], after_rule = 0;

	if (gen_below(3) == 0)
		fprintf(fp, "   leading white space is skipped\n  more\n");
	for (size_t n = 0; n < nrules; n++) {
		unsigned roll = gen_below(100);
		int rule = 0;

		gen_late = n >= nrules - nrules / 4;
		if (roll < 4 && depth < 5) {
			gen_random_prefix(&p);
			gen_remember(&p);
			gen_pattern(&p, pat, sizeof(pat));
			negated[depth] = gen_below(4) == 0;
			positive += !negated[depth];
			fprintf(fp, "%s%s%s\n", gen_below(2) ? "if" : "IF",
				negated[depth] ? " !" : " ", pat);
			depth++;
		} else if (roll < 10 && depth > 0) {
			fprintf(fp, "%s\n", gen_below(2) ? "endif" : "ENDIF  ");
			depth--;
			positive -= !negated[depth];
		} else if (roll < 13) {
			gen_bad_line(fp, gen_below(1000));
		} else if (roll < 15) {
			fprintf(fp, "%s\n", gen_below(2) ? "# comment" : "");
		} else if (roll < 20 && gen_nused > 0) {
			p = gen_used[gen_below((unsigned)gen_nused)];
			gen_pattern(&p, pat, sizeof(pat));
			fprintf(fp, "%s%s dup%zu\n",
				gen_negation(positive > 0, after_rule), pat, n);
			rule = 1;
		} else {
			gen_random_prefix(&p);
			gen_remember(&p);
			gen_pattern(&p, pat, sizeof(pat));
			fprintf(fp, "%s%s%s",
				gen_negation(positive > 0, after_rule), pat,
				gen_below(2) ? " " : "\t ");
			gen_result(fp, n);
			fputc('\n', fp);
			rule = 1;
		}
		/* a line starting with white space joins a rule, only a rule */
		after_rule = rule;
	}
	if (gen_below(4) != 0)
		while (depth-- > 0)
			fprintf(fp, "endif\n");
}

/* gen_step - add delta (+1 or -1) to the address, wrapping */
static void
gen_step(struct gen_prefix *p, int delta)
{
	for (int i = (int)gen_bits(p->family) / 8 - 1; i >= 0; i--) {
		p->b[i] = (uint8_t)(p->b[i] + delta);
		if (p->b[i] != (delta > 0 ? 0 : 0xff))
			break;
	}
}

/* gen_key - one key aimed at or around a mentioned prefix, or anywhere */
static void
gen_key(FILE *fp)
{
	static const char *odd[] = {
		"", "not-an-address", "192.0.2.04", " 192.0.2.1",
		"192.0.2.1 ", "192.0.2.1/32", "[192.0.2.1]", "2001:DB8::1",
		"::", "0.0.0.0", "255.255.255.255", "::ffff:192.0.2.1",
		"1.2.3", "2001:db8::1%eth0",
		"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
	};
	struct gen_prefix k;
	char buf[64];
	unsigned roll = gen_below(100);

	if (roll < 4 || gen_nused == 0) {
		fprintf(fp, "%s\n",
			odd[gen_below(sizeof(odd) / sizeof(odd[0]))]);
		return;
	}
	if (roll < 10) {
		gen_random_prefix(&k);
		gen_randomize(&k, k.len);
	} else {
		k = gen_used[gen_below((unsigned)gen_nused)];
		switch (gen_below(5)) {
		case 0:
			break;				/* first address */
		case 1:
			for (unsigned i = k.len; i < gen_bits(k.family); i++)
				k.b[i / 8] |= (uint8_t)(0x80 >> (i % 8));
			break;				/* last address */
		case 2:
			gen_randomize(&k, k.len);
			break;
		case 3:
			gen_step(&k, -1);		/* just below */
			break;
		default:
			for (unsigned i = k.len; i < gen_bits(k.family); i++)
				k.b[i / 8] |= (uint8_t)(0x80 >> (i % 8));
			gen_step(&k, 1);		/* just above */
		}
	}
	if (k.family == 4 && gen_below(20) == 0) {
		inet_ntop(AF_INET, k.b, buf, sizeof(buf));
		fprintf(fp, "::ffff:%s\n", buf);	/* never matches IPv4 */
		return;
	}
	gen_format(&k, buf, sizeof(buf), (int)gen_below(3));
	fprintf(fp, "%s\n", buf);
}

int
main(int argc, char **argv)
{
	FILE *table, *keys;
	size_t nkeys;

	if (argc != 6) {
		fprintf(stderr,
			"usage: cidrtab-gen SEED RULES KEYS TABLE KEYS\n");
		return 2;
	}
	gen_state = strtoull(argv[1], NULL, 10) * 0x9e3779b97f4a7c15ULL + 1;
	gen_anchors();
	if ((table = fopen(argv[4], "w")) == NULL ||
	    (keys = fopen(argv[5], "w")) == NULL) {
		perror("cidrtab-gen");
		return 1;
	}
	gen_table(table, strtoul(argv[2], NULL, 10));
	nkeys = strtoul(argv[3], NULL, 10);
	for (size_t i = 0; i < nkeys; i++)
		gen_key(keys);
	if (fclose(table) != 0 || fclose(keys) != 0) {
		perror("cidrtab-gen");
		return 1;
	}
	free(gen_used);
	return 0;
}
