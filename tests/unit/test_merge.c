/* merge-file's three-way merge: what each side changed is kept, a key
 * changed on both sides keeps both values, hostile text round-trips, and
 * every result reads with the system's inih, no line over 160 bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <ini.h>

#include "spiral.h"

#define SEED 20260303u
#define ROUNDS 400

/* ---- helpers ------------------------------------------------------------ */

struct value {
	char *section, *key, *value;
};

struct got {
	struct value *v;
	size_t n, cap;
};

static int collect(void *user, const char *section, const char *key,
		   const char *value, size_t len, int line)
{
	struct got *g = user;
	struct value *v;

	(void)line;
	if (g->n == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 8;
		g->v = realloc(g->v, g->cap * sizeof(*g->v));
		assert_non_null(g->v);
	}
	v = &g->v[g->n++];
	v->section = strdup(section);
	v->key = strdup(key);
	v->value = malloc(len + 1);
	assert_true(v->section && v->key && v->value);
	memcpy(v->value, value, len + 1);
	return 0;
}

static void got_free(struct got *g)
{
	for (size_t i = 0; i < g->n; i++) {
		free(g->v[i].section);
		free(g->v[i].key);
		free(g->v[i].value);
	}
	free(g->v);
	memset(g, 0, sizeof(*g));
}

static int count_calls(void *user, const char *section, const char *name,
		       const char *value)
{
	(void)section, (void)name, (void)value;
	(*(int *)user)++;
	return 1;
}

/* What every result must be: lines within 160 bytes, each ended, read by
 * the system's inih with its default settings, and by spiral's reader. */
static void check_output(const spiral_buf *out, struct got *g)
{
	const char *s = out->ptr ? out->ptr : "", *end = s + out->len, *nl;
	int calls = 0, line = -1;

	for (; s < end; s = nl + 1) {
		nl = memchr(s, '\n', (size_t)(end - s));
		assert_non_null(nl);
		assert_true((size_t)(nl - s) <= SPIRAL_INI_MAX_LINE);
		assert_true(strncmp(s, "<<<<<<<", 7) && strncmp(s, ">>>>>>>", 7));
	}
	if (out->len)
		assert_int_equal(ini_parse_string(out->ptr, count_calls, &calls),
				 0);
	memset(g, 0, sizeof(*g));
	assert_int_equal(spiral_ini_parse(out->ptr ? out->ptr : "", out->len,
					  collect, g, &line),
			 0);
}

/* Merge three strings; checks the result and returns it parsed. */
static size_t merge(const char *base, const char *ours, const char *theirs,
		    spiral_buf *out, struct got *g)
{
	size_t both = 12345;
	int rc = spiral_ini_merge3(base, strlen(base), ours, strlen(ours),
				   theirs, strlen(theirs), out, &both);

	if (rc)
		print_message("merge failed: %s\n", spiral_error_message());
	assert_int_equal(rc, 0);
	check_output(out, g);
	return both;
}

static void expect(const struct got *g, size_t i, const char *section,
		   const char *key, const char *value)
{
	assert_true(i < g->n);
	assert_string_equal(g->v[i].section, section);
	assert_string_equal(g->v[i].key, key);
	assert_string_equal(g->v[i].value, value);
}

/* ---- the rules ---------------------------------------------------------- */

static const char base_file[] = "[inquiry]\n"
				"title = Year 9 writing\n"
				"learners = Year 9 boys\n"
				"tag = writing\n"
				"tag = boys\n";

static void test_one_sided(void **state)
{
	spiral_buf out = SPIRAL_BUF_INIT;
	struct got g;
	size_t both;

	(void)state;
	both = merge(base_file,
		     "[inquiry]\ntitle = Writing in Year 9\nlearners = Year 9 "
		     "boys\ntag = writing\ntag = boys\n",
		     "[inquiry]\ntitle = Year 9 writing\nlearners = Year 9\n"
		     "tag = writing\ntag = boys\ntag = oral\n",
		     &out, &g);
	assert_int_equal(both, 0);
	assert_int_equal(g.n, 5);
	expect(&g, 0, "inquiry", "title", "Writing in Year 9");
	expect(&g, 1, "inquiry", "learners", "Year 9");
	expect(&g, 2, "inquiry", "tag", "writing");
	expect(&g, 3, "inquiry", "tag", "boys");
	expect(&g, 4, "inquiry", "tag", "oral");
	assert_null(strchr(out.ptr, ';'));
	/* Both sides made the same change: once. */
	got_free(&g);
	spiral_buf_free(&out);
	both = merge(base_file, "[inquiry]\ntitle = New\n",
		     "[inquiry]\ntitle = New\n", &out, &g);
	assert_int_equal(both, 0);
	assert_string_equal(out.ptr, "[inquiry]\ntitle = New\n");
	got_free(&g);
	spiral_buf_free(&out);
}

static void test_both_changed(void **state)
{
	spiral_buf out = SPIRAL_BUF_INIT;
	struct got g;
	size_t both;

	(void)state;
	both = merge(base_file,
		     "[inquiry]\ntitle = Ours\nlearners = Ours too\ntag = writing\n"
		     "tag = boys\n",
		     "[inquiry]\ntitle = Theirs\nlearners = Theirs too\n"
		     "tag = writing\ntag = boys\n",
		     &out, &g);
	assert_int_equal(both, 2);
	assert_string_equal(out.ptr,
			    "[inquiry]\n"
			    "; spiral merge-file: title changed on both sides: "
			    "ours first, then theirs\n"
			    "title = Ours\n"
			    "title = Theirs\n"
			    "; spiral merge-file: learners changed on both sides: "
			    "ours first, then theirs\n"
			    "learners = Ours too\n"
			    "learners = Theirs too\n"
			    "tag = writing\n"
			    "tag = boys\n");
	assert_int_equal(g.n, 6);
	got_free(&g);
	spiral_buf_free(&out);
}

static void test_deletions(void **state)
{
	spiral_buf out = SPIRAL_BUF_INIT;
	struct got g;
	size_t both;

	(void)state;
	/* Ours deletes learners, theirs deletes the tags: both gone. */
	both = merge(base_file, "[inquiry]\ntitle = Year 9 writing\ntag = "
				"writing\ntag = boys\n",
		     "[inquiry]\ntitle = Year 9 writing\nlearners = Year 9 boys\n",
		     &out, &g);
	assert_int_equal(both, 0);
	assert_string_equal(out.ptr, "[inquiry]\ntitle = Year 9 writing\n");
	got_free(&g);
	spiral_buf_free(&out);
	/* Deleted on one side, changed on the other: the change is kept and
	 * said, whichever side deleted. */
	both = merge(base_file, "[inquiry]\ntitle = Year 9 writing\n",
		     "[inquiry]\ntitle = Year 9 writing\nlearners = Year 10\n",
		     &out, &g);
	assert_int_equal(both, 1);
	assert_int_equal(g.n, 2);
	expect(&g, 1, "inquiry", "learners", "Year 10");
	assert_non_null(strstr(out.ptr, SPIRAL_MERGE_NOTE "learners changed on "
							 "both sides"));
	got_free(&g);
	spiral_buf_free(&out);
	both = merge(base_file, "[inquiry]\nlearners = Year 10\n", "", &out, &g);
	assert_int_equal(both, 1);
	assert_int_equal(g.n, 1);
	expect(&g, 0, "inquiry", "learners", "Year 10");
	got_free(&g);
	spiral_buf_free(&out);
	/* Everything deleted on both sides: an empty file. */
	both = merge(base_file, "", "; nothing left\n", &out, &g);
	assert_int_equal(both, 0);
	assert_int_equal(out.len, 0);
	assert_int_equal(g.n, 0);
	got_free(&g);
	spiral_buf_free(&out);
}

static void test_added_sections_and_order(void **state)
{
	spiral_buf out = SPIRAL_BUF_INIT;
	struct got g;

	(void)state;
	merge("[entry]\nphase = scan\n[text]\np = base\n",
	      "[entry]\nphase = scan\nverdict = enough\n[text]\np = base\n"
	      "[measures]\nm = 1\n",
	      "[targets]\nt = 3\n[entry]\nphase = scan\n[text]\np = base\n"
	      "[evidence]\nitem = a\n[entry]\ncycle = 2\n",
	      &out, &g);
	assert_string_equal(out.ptr, "[entry]\n"
				     "phase = scan\n"
				     "verdict = enough\n"
				     "cycle = 2\n"
				     "\n[text]\n"
				     "p = base\n"
				     "\n[measures]\n"
				     "m = 1\n"
				     "\n[targets]\n"
				     "t = 3\n"
				     "\n[evidence]\n"
				     "item = a\n");
	got_free(&g);
	spiral_buf_free(&out);
	/* Keys outside any section stay outside, first. */
	merge("", "[a]\nk = 1\n", "top = 2\n[b]\nk = 3\n", &out, &g);
	assert_string_equal(out.ptr, "top = 2\n\n[a]\nk = 1\n\n[b]\nk = 3\n");
	got_free(&g);
	spiral_buf_free(&out);
}

static void test_repeated_keys(void **state)
{
	spiral_buf out = SPIRAL_BUF_INIT;
	struct got g;
	size_t both;

	(void)state;
	/* A list changed on one side is that side's list, order and all. */
	both = merge("[text]\np = one\np = two\n[evidence]\nitem = x\n",
		     "[text]\np = two\np = one\n[evidence]\nitem = x\n",
		     "[text]\np = one\np = two\n[evidence]\nitem = x\nitem = y\n",
		     &out, &g);
	assert_int_equal(both, 0);
	assert_int_equal(g.n, 4);
	expect(&g, 0, "text", "p", "two");
	expect(&g, 1, "text", "p", "one");
	expect(&g, 2, "evidence", "item", "x");
	expect(&g, 3, "evidence", "item", "y");
	got_free(&g);
	spiral_buf_free(&out);
	/* Changed on both: ours' whole list, then theirs'. */
	both = merge("[text]\np = one\np = two\n",
		     "[text]\np = ONE\np = two\n", "[text]\np = one\np = TWO\n",
		     &out, &g);
	assert_int_equal(both, 1);
	assert_int_equal(g.n, 4);
	expect(&g, 0, "text", "p", "ONE");
	expect(&g, 1, "text", "p", "two");
	expect(&g, 2, "text", "p", "one");
	expect(&g, 3, "text", "p", "TWO");
	got_free(&g);
	spiral_buf_free(&out);
	/* A repeated key split around another key is one unit. */
	both = merge("", "[i]\ntag = a\ntitle = t\ntag = b\n",
		     "[i]\ntag = a\ntitle = t\ntag = b\n", &out, &g);
	assert_int_equal(both, 0);
	assert_string_equal(out.ptr, "[i]\ntag = a\ntag = b\ntitle = t\n");
	got_free(&g);
	spiral_buf_free(&out);
}

static void test_empty_base(void **state)
{
	spiral_buf out = SPIRAL_BUF_INIT;
	struct got g;
	size_t both;

	(void)state;
	both = merge("", "[inquiry]\ntitle = A\nschool = S\n",
		     "[inquiry]\ntitle = B\nschool = S\n", &out, &g);
	assert_int_equal(both, 1);
	assert_int_equal(g.n, 3);
	expect(&g, 0, "inquiry", "title", "A");
	expect(&g, 1, "inquiry", "title", "B");
	expect(&g, 2, "inquiry", "school", "S");
	got_free(&g);
	spiral_buf_free(&out);
	both = merge("", "", "", &out, &g);
	assert_int_equal(both, 0);
	assert_int_equal(out.len, 0);
	assert_non_null(out.ptr);
	got_free(&g);
	spiral_buf_free(&out);
}

static void test_crlf_bom_comments(void **state)
{
	spiral_buf out = SPIRAL_BUF_INIT;
	struct got g;
	size_t both;

	(void)state;
	both = merge("\xEF\xBB\xBF[inquiry]\r\ntitle = Year 9 writing\r\n"
		     "learners = Year 9 boys\r\n",
		     "; a comment\n\n[inquiry]\n  # another\ntitle = Year 9 "
		     "writing\nlearners: Year 9 boys\n",
		     "\xEF\xBB\xBF[inquiry]\r\ntitle = Year 9 writing, with a "
		     "longer\r\n  title\r\nlearners = Year 9 boys\r\n",
		     &out, &g);
	assert_int_equal(both, 0);
	assert_string_equal(out.ptr, "[inquiry]\n"
				     "title = Year 9 writing, with a longer title\n"
				     "learners = Year 9 boys\n");
	got_free(&g);
	spiral_buf_free(&out);
}

/* ---- hostile text ------------------------------------------------------- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static size_t rnd_below(size_t n) { return (size_t)(rnd() % n); }

static const char *const atoms[] = {
	"a", "word", "Kia", "ora", " ", "  ", "\n", "\n\n", "\t", "\r", ";",
	"#", "=", ":", "[", "]", "[x]", "\\", "\\n", "\\x41", "\"", " ;",
	" #", "ā", "ē", "ī", "ō", "ū", "Ā", "😀", "👩🏽‍🏫", "\x01", "\x7f",
	"\xef\xbb\xbf", "<<<<<<< ours", "=======", ">>>>>>> theirs",
};
#define NATOMS (sizeof(atoms) / sizeof(atoms[0]))

static void random_text(spiral_buf *b)
{
	size_t n = rnd_below(12);

	b->len = 0;
	spiral_buf_puts(b, "");
	for (size_t i = 0; i < n; i++)
		assert_int_equal(spiral_buf_puts(b, atoms[rnd_below(NATOMS)]), 0);
}

/* Text of len bytes with no space to wrap at, and one of long words. */
static char *long_text(size_t len, int words)
{
	char *s = malloc(len + 1);

	assert_non_null(s);
	for (size_t i = 0; i < len; i++)
		s[i] = words && i % 9 == 8 ? ' ' : (char)('a' + i % 26);
	if (len)
		s[len - 1] = ';';
	s[len] = '\0';
	return s;
}

static void put(spiral_buf *file, const char *key, const char *value)
{
	assert_int_equal(spiral_ini_value(file, key, value, strlen(value)), 0);
}

static void test_hostile_values(void **state)
{
	spiral_buf base = SPIRAL_BUF_INIT, ours = SPIRAL_BUF_INIT,
		   theirs = SPIRAL_BUF_INIT, out = SPIRAL_BUF_INIT;
	const char *fixed[] = {
		"line one\nline two\n\n  indented\ttab ",
		";#=[]\\ \\n \\ [not a section] ; # = ",
		"Te reo Māori: whānau, kōrero, Ōtautahi",
		"emoji 😀🌀👩🏽‍🏫 and \u2028 and \u00a0",
		"", " ", "\n", "\\", "[", ";", "#",
	};
	char *long1 = long_text(5000, 0), *long2 = long_text(5000, 1);
	struct got g;
	size_t both;

	(void)state;
	spiral_ini_section(&base, "text");
	spiral_ini_section(&ours, "text");
	spiral_ini_section(&theirs, "text");
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		char key[16];
		snprintf(key, sizeof(key), "k%zu", i);
		put(&base, key, "base");
		put(&ours, key, fixed[i]); /* ours changes, theirs keeps */
		put(&theirs, key, "base");
	}
	put(&base, "long", "x");
	put(&ours, "long", long1);
	put(&theirs, "long", long2); /* both changed: both kept */
	put(&ours, "p", long2);
	put(&ours, "p", fixed[0]);
	put(&theirs, "p", long2);
	put(&theirs, "p", fixed[0]); /* added alike on both */
	both = merge(base.ptr, ours.ptr, theirs.ptr, &out, &g);
	assert_int_equal(both, 1);
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		assert_string_equal(g.v[i].value, fixed[i]);
	expect(&g, 11, "text", "long", long1);
	expect(&g, 12, "text", "long", long2);
	expect(&g, 13, "text", "p", long2);
	expect(&g, 14, "text", "p", fixed[0]);
	assert_int_equal(g.n, 15);
	got_free(&g);
	spiral_buf_free(&base);
	spiral_buf_free(&ours);
	spiral_buf_free(&theirs);
	spiral_buf_free(&out);
	free(long1);
	free(long2);
}

/*
 * Random three-way merges, checked against the rules stated plainly: for
 * every key, the values in the result are what the rules say, and a
 * merge of the result with itself changes nothing.
 */
#define KEYS 6
#define SIDES 3

struct model {
	int present[SIDES][KEYS];
	spiral_buf values[SIDES][KEYS][2];
	size_t nvalues[SIDES][KEYS];
};

static const char *const sections[] = {"a", "b", "c"};

static int model_equal(const struct model *m, int x, int y, int k)
{
	if (m->nvalues[x][k] != m->nvalues[y][k])
		return 0;
	for (size_t i = 0; i < m->nvalues[x][k]; i++)
		if (strcmp(m->values[x][k][i].ptr, m->values[y][k][i].ptr))
			return 0;
	return 1;
}

static void model_file(const struct model *m, int side, spiral_buf *file)
{
	char key[8];

	file->len = 0;
	spiral_buf_puts(file, "");
	/* Sections in the side's own order: a, b, c or c, b, a. */
	for (int s = 0; s < 3; s++) {
		int sec = side == 2 ? 2 - s : s, any = 0;
		for (int k = 0; k < KEYS; k++) {
			if (k % 3 != sec || !m->nvalues[side][k])
				continue;
			if (!any++)
				spiral_ini_section(file, sections[sec]);
			snprintf(key, sizeof(key), "k%d", k);
			for (size_t i = 0; i < m->nvalues[side][k]; i++)
				put(file, key, m->values[side][k][i].ptr);
		}
	}
}

static void test_random_merges(void **state)
{
	spiral_buf file[SIDES] = {SPIRAL_BUF_INIT, SPIRAL_BUF_INIT,
				  SPIRAL_BUF_INIT};
	spiral_buf out = SPIRAL_BUF_INIT, again = SPIRAL_BUF_INIT;
	struct model m;
	struct got g, g2;

	(void)state;
	rng_state = SEED;
	memset(&m, 0, sizeof(m));
	for (int round = 0; round < ROUNDS; round++) {
		size_t expect_both = 0, both, at;

		for (int k = 0; k < KEYS; k++) {
			m.nvalues[0][k] = rnd_below(3);
			for (size_t i = 0; i < m.nvalues[0][k]; i++)
				random_text(&m.values[0][k][i]);
			for (int side = 1; side < SIDES; side++) {
				if (rnd_below(2)) { /* unchanged */
					m.nvalues[side][k] = m.nvalues[0][k];
					for (size_t i = 0; i < m.nvalues[0][k]; i++) {
						m.values[side][k][i].len = 0;
						spiral_buf_puts(&m.values[side][k][i],
								m.values[0][k][i].ptr);
					}
					continue;
				}
				m.nvalues[side][k] = rnd_below(3);
				for (size_t i = 0; i < m.nvalues[side][k]; i++)
					random_text(&m.values[side][k][i]);
			}
		}
		for (int side = 0; side < SIDES; side++)
			model_file(&m, side, &file[side]);
		both = merge(file[0].ptr, file[1].ptr, file[2].ptr, &out, &g);
		/* Walk the result key by key (keys of a section together). */
		at = 0;
		for (int k = 0; k < KEYS; k++) {
			int from[2] = {-1, -1};
			char key[8];

			snprintf(key, sizeof(key), "k%d", k);
			if (model_equal(&m, 1, 2, k) || model_equal(&m, 0, 2, k))
				from[0] = 1;
			else if (model_equal(&m, 0, 1, k))
				from[0] = 2;
			else {
				from[0] = 1;
				from[1] = 2;
				expect_both++;
			}
			size_t want = 0;
			for (int f = 0; f < 2; f++)
				if (from[f] >= 0)
					want += m.nvalues[from[f]][k];
			size_t seen = 0;
			for (size_t i = 0; i < g.n; i++)
				if (strcmp(g.v[i].key, key) == 0)
					seen++;
			assert_int_equal(seen, want);
			for (size_t i = 0; i < g.n && want; i++) {
				if (strcmp(g.v[i].key, key))
					continue;
				assert_string_equal(g.v[i].section, sections[k % 3]);
				/* The values of one key come one after the other. */
				for (int f = 0; f < 2; f++)
					for (size_t j = 0; from[f] >= 0 &&
							   j < m.nvalues[from[f]][k];
					     j++)
						expect(&g, i++, sections[k % 3], key,
						       m.values[from[f]][k][j].ptr);
				break;
			}
			at += want;
		}
		assert_int_equal(g.n, at);
		assert_int_equal(both, expect_both);
		/* The result merged with itself over any base is itself
		 * (but for the comments). */
		both = merge(file[0].ptr, out.ptr, out.ptr, &again, &g2);
		assert_int_equal(both, 0);
		assert_int_equal(g2.n, g.n);
		for (size_t i = 0; i < g.n; i++)
			expect(&g2, i, g.v[i].section, g.v[i].key, g.v[i].value);
		got_free(&g);
		got_free(&g2);
		out.len = 0;
		again.len = 0;
	}
	for (int side = 0; side < SIDES; side++) {
		spiral_buf_free(&file[side]);
		for (int k = 0; k < KEYS; k++)
			for (int i = 0; i < 2; i++)
				spiral_buf_free(&m.values[side][k][i]);
	}
	spiral_buf_free(&out);
	spiral_buf_free(&again);
}

/* ---- refusals ----------------------------------------------------------- */

static void refused(const char *base, const char *ours, const char *theirs,
		    const char *message)
{
	spiral_buf out = SPIRAL_BUF_INIT;
	size_t both = 77;
	int rc;

	spiral_buf_puts(&out, "kept");
	rc = spiral_ini_merge3(base, strlen(base), ours, strlen(ours), theirs,
			       strlen(theirs), &out, &both);
	assert_int_equal(rc, SPIRAL_EFORMAT);
	if (!strstr(spiral_error_message(), message))
		print_message("message: %s\n", spiral_error_message());
	assert_non_null(strstr(spiral_error_message(), message));
	assert_string_equal(out.ptr, "kept");
	assert_int_equal(out.len, 4);
	assert_int_equal(both, 77);
	spiral_buf_free(&out);
}

static void test_refusals(void **state)
{
	(void)state;
	refused("", "[a]\nk = 1\n", "[a]\nk = \xff\n",
		"theirs: line 2 is not valid UTF-8");
	refused("", "[a]\n\nk = \xc3\x28\n", "[a]\nk = 1\n",
		"ours: line 3 is not valid UTF-8");
	refused("[a]\nk = \\xff\n", "", "", "base: line 2: the value of 'k' is "
					    "not valid UTF-8");
	refused("", "<<<<<<< HEAD\n[a]\n", "", "ours: line 1: expected");
	refused("", "[a]\n=======\n", "", "ours: line 2:");
	refused("", "", "[a]\nmy key = 1\n", "theirs: line 2: invalid key name");
	refused("", "", "[a b]\nk = 1\n", "theirs: line 2: invalid section name");
	refused("", "[a]\nk = 1\n\n[x", "", "ours: line 4: section header");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_sided),
		cmocka_unit_test(test_both_changed),
		cmocka_unit_test(test_deletions),
		cmocka_unit_test(test_added_sections_and_order),
		cmocka_unit_test(test_repeated_keys),
		cmocka_unit_test(test_empty_base),
		cmocka_unit_test(test_crlf_bom_comments),
		cmocka_unit_test(test_hostile_values),
		cmocka_unit_test(test_random_merges),
		cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
