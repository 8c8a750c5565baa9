/* The INI codec: exact round trips of hostile text through inih, tolerant
 * reading of hand edits, and a clear refusal of everything else. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <ini.h>

#include "spiral.h"

/*
 * Debian's inih lets a program change its settings at run time; other
 * builds fix them at compile time and lack these symbols.  Weak references
 * let the test try other settings where it can and skip them elsewhere.
 */
extern char *ini_inline_comment_prefixes;
extern bool ini_allow_inline_comments;
#pragma weak ini_inline_comment_prefixes
#pragma weak ini_allow_inline_comments

#define SEED 20260302u
#define ROUNDS 10000

/* ---- helpers ------------------------------------------------------------ */

struct value {
	char *section, *key, *value;
	size_t len;
	int line;
};

struct got {
	struct value *v;
	size_t n, cap;
	size_t stop_at; /* return 42 from this call (1-based), 0: never */
};

static int collect(void *user, const char *section, const char *key,
		   const char *value, size_t len, int line)
{
	struct got *g = user;
	struct value *v;

	if (g->n == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 8;
		g->v = realloc(g->v, g->cap * sizeof(*g->v));
		assert_non_null(g->v);
	}
	assert_int_equal(value[len], '\0');
	v = &g->v[g->n++];
	v->section = strdup(section);
	v->key = strdup(key);
	v->value = malloc(len + 1);
	assert_non_null(v->value);
	memcpy(v->value, value, len + 1);
	v->len = len;
	v->line = line;
	if (g->stop_at && g->n == g->stop_at)
		return 42;
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

static int parse(const char *data, size_t len, struct got *g, int *line)
{
	memset(g, 0, sizeof(*g));
	*line = -1;
	return spiral_ini_parse(data, len, collect, g, line);
}

static int parse_str(const char *data, struct got *g)
{
	int line, rc = parse(data, strlen(data), g, &line);

	if (rc == 0)
		assert_int_equal(line, 0);
	else
		print_message("unexpected error: %s\n", spiral_error_message());
	return rc;
}

static void expect(const struct got *g, size_t i, const char *section,
		   const char *key, const char *value, int line)
{
	assert_true(i < g->n);
	assert_string_equal(g->v[i].section, section);
	assert_string_equal(g->v[i].key, key);
	assert_string_equal(g->v[i].value, value);
	assert_int_equal(g->v[i].len, strlen(value));
	assert_int_equal(g->v[i].line, line);
}

/* Print bytes so that a failure can be reproduced by hand. */
static void dump(const char *what, const char *s, size_t len)
{
	print_message("%s (%zu bytes): \"", what, len);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\\' || c == '"')
			print_message("\\%c", c);
		else if (c < 0x20 || c >= 0x7F)
			print_message("\\x%02x", c);
		else
			print_message("%c", c);
	}
	print_message("\"\n");
}

/*
 * What makes a written file safe under any inih build, checked line by
 * line independently of the reader: short lines, nothing for inih to strip,
 * nothing it could take for a comment or a section.
 */
static void check_file(const char *s, size_t len)
{
	const char *end = s + len, *nl;
	size_t n;

	while (s < end) {
		nl = memchr(s, '\n', (size_t)(end - s));
		assert_non_null(nl); /* every line is ended */
		n = (size_t)(nl - s);
		if (n > SPIRAL_INI_MAX_LINE)
			dump("long line", s, n);
		assert_true(n <= SPIRAL_INI_MAX_LINE);
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)s[i];
			assert_true(c >= 0x20 && c != 0x7F);
			if (i > 0 && s[i - 1] == ' ')
				assert_true(c != ';' && c != '#');
		}
		if (n > 0) {
			assert_true(s[n - 1] != ' ');
			if (s[0] == ' ') {
				assert_true(n > 2 && s[1] == ' ');
				assert_true(!strchr(" ;#[", s[2]));
			}
		}
		s = nl + 1;
	}
}

static int count_calls(void *user, const char *section, const char *name,
		       const char *value)
{
	(*(int *)user)++;
	return 1;
}

/* Stock inih with its default settings must read the file without error. */
static void check_plain_inih(const char *s)
{
	int calls = 0;

	assert_int_equal(ini_parse_string(s, count_calls, &calls), 0);
	assert_true(calls > 0);
}

/* ---- random hostile text ------------------------------------------------ */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* xorshift64*: small, fast, the same on every machine. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static size_t rnd_below(size_t n) { return (size_t)(rnd() % n); }

static const char *const atoms[] = {
	"a", "e", "k", "w", "word", "Kia", "ora", "whanau", " ", " ", " ",
	"  ", "   ", "\n", "\n", "\n\n", "\n\n\n", "\t", "\r", "\r\n", ";",
	"#", "=", ":", "[", "]", "[x]", "\\", "\\\\", "\\n", "\\x", "\\s",
	"\\x41", "\"", "'", "`", ",", ".", " ;", " #", "a;b", "ā", "ē", "ī",
	"ō", "ū", "Ā", "Ē", "Ī", "Ō", "Ū", "😀", "🌀", "👩🏽‍🏫", "é",
	"\u00a0", "\u2028", "\u200b", "\x01", "\x1b", "\x1f", "\x7f", "\v",
	"\f", "\xc2\x85", "\xef\xbb\xbf",
};
#define NATOMS (sizeof(atoms) / sizeof(atoms[0]))

static const char *const words[] = {
	"the", "ākonga", "learners", "noticed", "that", "reading", "Māori",
	"te", "reo", "hui", "whānau", "kaiako", "evidence;", "#hashtag",
	"=", "[note]", "C:\\Users", "\"quoted\"", "50%", "😀", "ĀĒĪŌŪ",
	("https://example.org/a/very/long/path/that/goes/on/and/on/and/on/"
	 "for/quite/a/while/before/it/ends/index.html"),
};
#define NWORDS (sizeof(words) / sizeof(words[0]))

static void put(spiral_buf *b, const char *s)
{
	assert_int_equal(spiral_buf_puts(b, s), 0);
}

static void gen_atoms(spiral_buf *b, size_t bytes)
{
	while (b->len < bytes)
		put(b, atoms[rnd_below(NATOMS)]);
}

static void gen_prose(spiral_buf *b, size_t bytes)
{
	while (b->len < bytes) {
		put(b, words[rnd_below(NWORDS)]);
		switch (rnd_below(20)) {
		case 0:
			put(b, "\n");
			break;
		case 1:
			put(b, "\n\n");
			break;
		case 2:
			put(b, ".  ");
			break;
		default:
			put(b, " ");
		}
	}
}

static void gen_repeat(spiral_buf *b, size_t n)
{
	static const char *const runs[] = {" ", "\n", "\\", ";", "#", "\t",
					   "a", "ā", "😀", "\n\n", " ;", "[",
					   "\r\n", "\\n", " \\"};
	const char *atom = runs[rnd_below(sizeof(runs) / sizeof(runs[0]))];

	for (size_t i = 0; i < n; i++)
		put(b, atom);
}

static void generate(spiral_buf *b)
{
	size_t r = rnd_below(100);

	b->len = 0;
	assert_int_equal(spiral_buf_put(b, "", 0), 0);
	if (r < 5)
		return; /* empty */
	if (r < 45)
		gen_atoms(b, rnd_below(120));
	else if (r < 65)
		gen_prose(b, rnd_below(1200));
	else if (r < 80)
		gen_repeat(b, 1 + rnd_below(300));
	else if (r < 97)
		gen_atoms(b, 100 + rnd_below(900));
	else if (r < 98)
		gen_repeat(b, 5000 + rnd_below(1000));
	else if (r < 99)
		gen_atoms(b, 5000 + rnd_below(1000));
	else
		gen_prose(b, 5000 + rnd_below(1000));
}

static const char *const keys[] = {
	"t", "text", "a.b-c_d", "evidence", "k234567890123456789012345678901234567890",
};

/* Parse and compare with what was written: value, then the "after" key. */
static void check_value_read(const spiral_buf *file, const char *key,
			     const char *s, size_t len)
{
	struct got g;
	int line;

	if (parse(file->ptr, file->len, &g, &line) != 0) {
		print_message("error: %s\n", spiral_error_message());
		dump("value", s, len);
		dump("file", file->ptr, file->len);
		fail();
	}
	assert_int_equal(line, 0);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.v[0].key, key);
	assert_string_equal(g.v[0].section, "s");
	assert_int_equal(g.v[0].line, 2);
	if (g.v[0].len != len || memcmp(g.v[0].value, s, len) != 0) {
		dump("value", s, len);
		dump("read", g.v[0].value, g.v[0].len);
		dump("file", file->ptr, file->len);
		fail();
	}
	assert_string_equal(g.v[1].key, "after");
	assert_string_equal(g.v[1].value, "end");
	got_free(&g);
}

static void check_text_read(const spiral_buf *file, const char *key,
			    const char *s, size_t len)
{
	spiral_buf joined = SPIRAL_BUF_INIT;
	struct got g;
	int line, last = 0;

	if (parse(file->ptr, file->len, &g, &line) != 0) {
		print_message("error: %s\n", spiral_error_message());
		dump("text", s, len);
		fail();
	}
	assert_int_equal(spiral_buf_put(&joined, "", 0), 0);
	for (size_t i = 0; i < g.n; i++) {
		assert_string_equal(g.v[i].key, key);
		assert_true(g.v[i].line > last);
		last = g.v[i].line;
		if (i > 0)
			put(&joined, "\n\n");
		assert_int_equal(spiral_buf_put(&joined, g.v[i].value,
						g.v[i].len), 0);
	}
	if (joined.len != len || memcmp(joined.ptr, s, len) != 0) {
		dump("text", s, len);
		dump("read", joined.ptr, joined.len);
		dump("file", file->ptr, file->len);
		fail();
	}
	spiral_buf_free(&joined);
	got_free(&g);
}

/* The same file read with inih set up as other distributions build it. */
static void check_other_builds(const spiral_buf *file, const char *key,
			       const char *s, size_t len)
{
	char *prefixes;

	if (!&ini_inline_comment_prefixes || !&ini_allow_inline_comments)
		return;
	prefixes = ini_inline_comment_prefixes;
	ini_inline_comment_prefixes = ";#";
	check_value_read(file, key, s, len);
	ini_inline_comment_prefixes = prefixes;
	ini_allow_inline_comments = false;
	check_value_read(file, key, s, len);
	ini_allow_inline_comments = true;
}

static void roundtrip(const char *s, size_t len, const char *key)
{
	spiral_buf file = SPIRAL_BUF_INIT;

	assert_int_equal(spiral_ini_section(&file, "s"), 0);
	assert_int_equal(spiral_ini_value(&file, key, s, len), 0);
	assert_int_equal(spiral_ini_value(&file, "after", "end", 3), 0);
	check_file(file.ptr, file.len);
	check_plain_inih(file.ptr);
	check_value_read(&file, key, s, len);
	check_other_builds(&file, key, s, len);
	spiral_buf_free(&file);

	assert_int_equal(spiral_ini_text(&file, key, s, len), 0);
	check_file(file.ptr, file.len);
	check_plain_inih(file.ptr);
	check_text_read(&file, key, s, len);
	spiral_buf_free(&file);
}

static void test_random_roundtrip(void **state)
{
	spiral_buf s = SPIRAL_BUF_INIT;
	size_t longest = 0, nlong = 0;

	rng_state = SEED;
	print_message("seed %u, %d strings\n", SEED, ROUNDS);
	for (int i = 0; i < ROUNDS; i++) {
		generate(&s);
		if (s.len >= 5000)
			nlong++;
		if (s.len > longest)
			longest = s.len;
		roundtrip(s.ptr, s.len, keys[i % (sizeof(keys) / sizeof(keys[0]))]);
	}
	print_message("%zu strings of 5000+ bytes, longest %zu\n", nlong,
		      longest);
	assert_true(nlong > 50);
	spiral_buf_free(&s);
}

/* Every string of up to 3 characters over an alphabet of troublemakers:
 * catches edge cases a random walk might miss. */
static void test_short_exhaustive(void **state)
{
	static const char *const alpha[] = {" ", "\n", "\\", ";", "#", "[",
					    "a", "\t", "ā", "x", "\r", "s"};
	size_t n = sizeof(alpha) / sizeof(alpha[0]), total = 0;
	spiral_buf s = SPIRAL_BUF_INIT;

	for (size_t a = 0; a <= n; a++)
		for (size_t b = 0; b <= n; b++)
			for (size_t c = 0; c <= n; c++) {
				s.len = 0;
				put(&s, "");
				if (a < n)
					put(&s, alpha[a]);
				if (b < n)
					put(&s, alpha[b]);
				if (c < n)
					put(&s, alpha[c]);
				roundtrip(s.ptr, s.len, "k");
				total++;
			}
	print_message("%zu short strings\n", total);
	spiral_buf_free(&s);
}

/* Long runs around the wrap and line limits, for every key length. */
static void test_long_runs(void **state)
{
	static const char *const runs[] = {"a", " ", "\\", "ā", "😀", "\n",
					   ";", "a ", " a", "ab  ", "\t"};
	spiral_buf s = SPIRAL_BUF_INIT;

	for (size_t r = 0; r < sizeof(runs) / sizeof(runs[0]); r++)
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			for (size_t n = 60; n < 400; n += 7) {
				s.len = 0;
				put(&s, "");
				for (size_t i = 0; i < n; i++)
					put(&s, runs[r]);
				roundtrip(s.ptr, s.len, keys[k]);
			}
	spiral_buf_free(&s);
}

/* ---- the format, by example --------------------------------------------- */

static void expect_written(const char *value, const char *file)
{
	spiral_buf b = SPIRAL_BUF_INIT;

	assert_int_equal(spiral_ini_value(&b, "k", value, strlen(value)), 0);
	assert_string_equal(b.ptr, file);
	spiral_buf_free(&b);
}

/* 200 letters a, cut at the wrap width (76 bytes, glue included). */
static const char *expected_run(void)
{
	static char want[256];
	char *p = want;

	memcpy(p, "k = ", 4);
	memset(p + 4, 'a', 71);
	memcpy(p + 75, "\\\n  ", 4);
	p += 79;
	memset(p, 'a', 73);
	memcpy(p + 73, "\\\n  ", 4);
	p += 77;
	memset(p, 'a', 56);
	memcpy(p + 56, "\n", 2);
	return want;
}

static void test_format_examples(void **state)
{
	spiral_buf b = SPIRAL_BUF_INIT;

	expect_written("", "k =\n");
	expect_written("plain = text: \"quoted\" ]", "k = plain = text: \"quoted\" ]\n");
	expect_written(" lead and trail ", "k = \\slead and trail\\s\n");
	expect_written(" ", "k = \\s\n");
	expect_written("   ", "k = \\s \\s\n");
	expect_written("a\tb", "k = a\\tb\n");
	expect_written("x ;y #z a;b", "k = x \\;y \\#z a;b\n");
	expect_written(";#[", "k = \\;#[\n");
	expect_written("[x]", "k = \\[x]\n");
	expect_written("C:\\Users", "k = C:\\\\Users\n");
	expect_written("\x01\x7f\v", "k = \\x01\\x7f\\x0b\n");
	expect_written("a\r\nb", "k = a\\r\\n\n  b\n");
	expect_written("ā 😀", "k = ā 😀\n");
	expect_written("one\ntwo\n\nthree\n",
		       "k = one\\n\n  two\\n\n  \\n\n  three\\n\n");
	expect_written("\n", "k = \\n\n");

	/* No space to break at: cut at the wrap width and glued. */
	char run[201];
	memset(run, 'a', 200);
	run[200] = '\0';
	assert_int_equal(spiral_ini_value(&b, "k", run, 200), 0);
	assert_string_equal(b.ptr, expected_run());
	spiral_buf_free(&b);

	/* A cut inside a run of spaces keeps both ends visible. */
	memset(run, ' ', 200);
	run[0] = 'a';
	assert_int_equal(spiral_ini_value(&b, "k", run, 200), 0);
	assert_memory_equal(b.ptr, "k = a ", 6);
	assert_non_null(strstr(b.ptr, "\\s\\\n  \\s"));
	spiral_buf_free(&b);

	assert_int_equal(spiral_ini_section(&b, "entry"), 0);
	assert_int_equal(spiral_ini_value(&b, "phase", "scan", 4), 0);
	assert_int_equal(spiral_ini_section(&b, "text"), 0);
	assert_string_equal(b.ptr, "[entry]\nphase = scan\n\n[text]\n");
	spiral_buf_free(&b);
}

/* A paragraph of prose reads as prose: short indented lines, no escapes. */
static void test_readable_prose(void **state)
{
	static const char para[] =
		"Our ākonga in years 5 and 6 said that they rarely talk about "
		"their reading at home, and several told us that books in te "
		"reo Māori are hard to find. We want to know whether a weekly "
		"whānau reading hui changes how often they read for pleasure, "
		"and what the kaiako notice about their confidence over the "
		"next two terms of the year.";
	spiral_buf text = SPIRAL_BUF_INIT, file = SPIRAL_BUF_INIT;
	const char *line, *nl;
	int continuations = 0;

	assert_true(strlen(para) >= 300);
	put(&text, "First we scanned.\n\n");
	put(&text, para);
	put(&text, "\n\nThen we focused.");
	assert_int_equal(spiral_ini_text(&file, "text", text.ptr, text.len),
			 0);
	print_message("%s", file.ptr);
	assert_memory_equal(file.ptr, "text = First we scanned.\n"
				      "text = Our ākonga in years 5 and 6",
			    strlen("text = First we scanned.\n"
				   "text = Our ākonga in years 5 and 6"));
	for (line = file.ptr; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		assert_true(nl - line <= SPIRAL_INI_WRAP);
		assert_null(memchr(line, '\\', (size_t)(nl - line)));
		if (line[0] == ' ') {
			assert_memory_equal(line, "  ", 2);
			assert_true(line[2] != ' ');
			continuations++;
		}
	}
	assert_true(continuations >= 4);
	check_text_read(&file, "text", text.ptr, text.len);
	spiral_buf_free(&text);
	spiral_buf_free(&file);
}

/* ---- tolerant reading ---------------------------------------------------- */

static void test_read_comments_and_blanks(void **state)
{
	struct got g;

	assert_int_equal(parse_str("; a comment\n"
				   "# another\n"
				   "\n"
				   "[s]\n"
				   "a = one\n"
				   "; between\n"
				   "  two\n"
				   "# hash between\n"
				   "\n"
				   "  three\n"
				   "\n"
				   "b = x\n",
				   &g),
			 0);
	assert_int_equal(g.n, 2);
	expect(&g, 0, "s", "a", "one two three", 5);
	expect(&g, 1, "s", "b", "x", 12);
	got_free(&g);
}

static void test_read_crlf_and_bom(void **state)
{
	struct got g;

	assert_int_equal(parse_str("\xEF\xBB\xBF[s]\r\n"
				   "a = one\\\r\n"
				   "  two\r\n"
				   "b = \\sx\\s\r\n"
				   "\r\n"
				   "c = ā\r\n",
				   &g),
			 0);
	assert_int_equal(g.n, 3);
	expect(&g, 0, "s", "a", "onetwo", 2);
	expect(&g, 1, "s", "b", " x ", 4);
	expect(&g, 2, "s", "c", "ā", 6);
	got_free(&g);

	/* A BOM right before a key, outside any section. */
	assert_int_equal(parse_str("\xEF\xBB\xBFk = v\n", &g), 0);
	assert_int_equal(g.n, 1);
	expect(&g, 0, "", "k", "v", 1);
	got_free(&g);

	/* Empty input and a last line without its newline. */
	assert_int_equal(parse_str("", &g), 0);
	assert_int_equal(g.n, 0);
	got_free(&g);
	assert_int_equal(parse_str("[s]\nk = v", &g), 0);
	expect(&g, 0, "s", "k", "v", 2);
	got_free(&g);
}

static void test_read_order_and_repeats(void **state)
{
	struct got g;

	assert_int_equal(parse_str("[s]\nz = 1\na = 2\nz = 3\n  more\n"
				   "[t]\nz = 4\n",
				   &g),
			 0);
	assert_int_equal(g.n, 4);
	expect(&g, 0, "s", "z", "1", 2);
	expect(&g, 1, "s", "a", "2", 3);
	expect(&g, 2, "s", "z", "3 more", 4);
	expect(&g, 3, "t", "z", "4", 7);
	got_free(&g);

	/* After a section line inih takes an indented line for a key, even
	 * when section and key repeat. */
	assert_int_equal(parse_str("[a]\nk = 1\n[b]\n  k = 2\n[b]\n  k = 3\n",
				   &g),
			 0);
	assert_int_equal(g.n, 3);
	expect(&g, 0, "a", "k", "1", 2);
	expect(&g, 1, "b", "k", "2", 4);
	expect(&g, 2, "b", "k", "3", 6);
	got_free(&g);
}

static void test_read_hand_written(void **state)
{
	struct got g;

	/* Natural continuation lines, with spaces or a tab. */
	assert_int_equal(parse_str("k = a\n  b\n\tc\n", &g), 0);
	expect(&g, 0, "", "k", "a b c", 1);
	got_free(&g);

	/* Backslashes that are not escapes stay as typed. */
	assert_int_equal(parse_str("k = C:\\Users\\q \\x4g \\X41 \\x4A \\x\n",
				   &g),
			 0);
	expect(&g, 0, "", "k", "C:\\Users\\q \\x4g \\X41 J \\x", 1);
	got_free(&g);

	/* An inline comment after white space: inih drops it. */
	assert_int_equal(parse_str("k = value ; note\nj = a;b\n", &g), 0);
	expect(&g, 0, "", "k", "value", 1);
	expect(&g, 1, "", "j", "a;b", 2);
	got_free(&g);

	/* "key: value", as Python's configparser writes it. */
	assert_int_equal(parse_str("k: v\n", &g), 0);
	expect(&g, 0, "", "k", "v", 1);
	got_free(&g);

	/* Glue markers, newlines and empty segments. */
	assert_int_equal(parse_str("a = abc\\\n"
				   "b = a\\\n  b\n"
				   "c = a\\n\n  b\n"
				   "d = a\\\\\n  b\n"
				   "e =\n"
				   "f =\n  x\n"
				   "g = \\\n",
				   &g),
			 0);
	assert_int_equal(g.n, 7);
	expect(&g, 0, "", "a", "abc", 1);
	expect(&g, 1, "", "b", "ab", 2);
	expect(&g, 2, "", "c", "a\nb", 4);
	expect(&g, 3, "", "d", "a\\ b", 6);
	expect(&g, 4, "", "e", "", 8);
	expect(&g, 5, "", "f", "x", 9);
	expect(&g, 6, "", "g", "", 11);
	got_free(&g);
}

/* inih keeps 49 bytes of a section name but hands over a key line's name
 * whole; its continuation lines still belong to that key. */
static void test_read_long_names(void **state)
{
	static const char key[] =
		"k12345678901234567890123456789012345678901234567890123456789";
	static const char section[] =
		"s12345678901234567890123456789012345678901234567890123456789";
	spiral_buf b = SPIRAL_BUF_INIT;
	struct got g;

	assert_int_equal(spiral_buf_printf(&b, "[%s]\n%s = a\n  b\n", section,
					   key), 0);
	assert_int_equal(parse_str(b.ptr, &g), 0);
	assert_int_equal(g.n, 1);
	assert_int_equal(strlen(g.v[0].section), 49);
	assert_memory_equal(g.v[0].section, section, 49);
	expect(&g, 0, g.v[0].section, key, "a b", 2);
	got_free(&g);
	spiral_buf_free(&b);
}

/* Whatever the bytes, the reader either delivers valid UTF-8 values or
 * refuses with a line number; it never crashes or reads out of bounds. */
static void test_read_garbage(void **state)
{
	static const char *const bits[] = {
		"[", "]", "=", ":", " ", "  ", "\t", "\n", "\r", "\\", ";",
		"#", "k", "key", "[s]", "\\x", "\\x0", "\\x00", "\\xc3",
		"\\xa9", "\\n", "\\", "ā", "\xc3", "\xff", "\xef\xbb\xbf",
		"\n  ", "\nk = ", "\n[s]\n",
	};
	spiral_buf b = SPIRAL_BUF_INIT;
	size_t nbits = sizeof(bits) / sizeof(bits[0]), ok = 0;
	struct got g;
	int line, rc;

	rng_state = SEED + 1;
	for (int i = 0; i < 3000; i++) {
		b.len = 0;
		put(&b, "");
		for (size_t n = rnd_below(60); n > 0; n--)
			put(&b, bits[rnd_below(nbits)]);
		if (rnd_below(10) == 0)
			assert_int_equal(spiral_buf_put(&b, "\0", 1), 0);
		rc = parse(b.ptr, b.len, &g, &line);
		if (rc == 0) {
			assert_int_equal(line, 0);
			for (size_t j = 0; j < g.n; j++)
				assert_true(spiral_utf8_valid(g.v[j].value,
							      g.v[j].len));
			ok++;
		} else {
			assert_int_equal(rc, SPIRAL_EFORMAT);
			assert_true(line > 0);
			assert_true(strlen(spiral_error_message()) > 0);
		}
		got_free(&g);
	}
	print_message("%zu of 3000 garbage files read\n", ok);
	spiral_buf_free(&b);
}

/* ---- refusals ------------------------------------------------------------ */

static void expect_write_refused(int (*write)(spiral_buf *, const char *,
					      const char *, size_t),
				 const char *key, const char *value,
				 size_t len, const char *message)
{
	spiral_buf b = SPIRAL_BUF_INIT;

	put(&b, "[s]\n");
	assert_int_equal(write(&b, key, value, len), SPIRAL_ERROR);
	assert_int_equal(b.len, 4);
	assert_string_equal(b.ptr, "[s]\n");
	if (!strstr(spiral_error_message(), message))
		print_message("message: %s\n", spiral_error_message());
	assert_non_null(strstr(spiral_error_message(), message));
	spiral_buf_free(&b);
}

static void test_write_refusals(void **state)
{
	int (*writers[])(spiral_buf *, const char *, const char *, size_t) = {
		spiral_ini_value, spiral_ini_text};
	spiral_buf b = SPIRAL_BUF_INIT;

	for (size_t i = 0; i < 2; i++) {
		expect_write_refused(writers[i], "text", "ok\xff", 3,
				     "not valid UTF-8");
		expect_write_refused(writers[i], "text", "a\0b", 3,
				     "NUL byte");
		/* Refused late in the text: the first paragraph is not
		 * written either. */
		expect_write_refused(writers[i], "text", "fine\n\nbad\xc3", 10,
				     "not valid UTF-8");
		expect_write_refused(writers[i], "", "v", 1, "invalid key");
		expect_write_refused(writers[i], "a b", "v", 1, "invalid key");
		expect_write_refused(writers[i], "k=", "v", 1, "invalid key");
		expect_write_refused(writers[i],
				     "k2345678901234567890123456789012345678901",
				     "v", 1, "invalid key");
	}
	assert_int_equal(spiral_ini_section(&b, "a]b"), SPIRAL_ERROR);
	assert_int_equal(spiral_ini_section(&b, ""), SPIRAL_ERROR);
	assert_int_equal(b.len, 0);
}

static void expect_read_refused(const char *data, size_t len, int line,
				const char *message)
{
	struct got g;
	int at;

	assert_int_equal(parse(data, len, &g, &at), SPIRAL_EFORMAT);
	if (at != line || !strstr(spiral_error_message(), message))
		print_message("line %d: %s\n", at, spiral_error_message());
	assert_int_equal(at, line);
	assert_non_null(strstr(spiral_error_message(), message));
	got_free(&g);
}

#define REFUSED(s, line, message) \
	expect_read_refused(s, sizeof(s) - 1, line, message)

static void test_read_refusals(void **state)
{
	char line[400];
	spiral_buf b = SPIRAL_BUF_INIT;

	REFUSED("[s]\nk = v\nx\0 = y\n", 3, "line 3: NUL byte");
	REFUSED("[s]\nk = \xc3\x28\n", 2, "line 2 is not valid UTF-8");
	REFUSED("[s]\nk = v\n\njust words\n", 4,
		"line 4: expected 'key = value' or '[section]'");
	REFUSED("[s]\nk = v\n[text\nj = w\n", 3,
		"line 3: section header without ']'");
	REFUSED("[s]\nk = a\\x00b\n", 2, "line 2: the value of 'k' holds a NUL");
	REFUSED("[s]\nk = a\\xffb\n", 2, "line 2: the value of 'k' is not valid");
	/* A bad escape on a continuation line names the key's line. */
	REFUSED("[s]\na = 1\nk = a\n  b\\x00\nz = 1\n", 3, "line 3:");
	/* The first fault in the file is the one reported. */
	REFUSED("[s]\nbad\nk = v\nk = \\x00\nx\0\n", 2, "line 2:");
	REFUSED("[s]\nk = \\x00\nbad\n", 2, "line 2:");
	REFUSED("= v\n", 1, "line 1: a value without a key");

	/* Over-long lines: 197 bytes is inih's limit, line end aside. */
	memset(line, 'v', sizeof(line));
	put(&b, "[s]\nk = v\n");
	assert_int_equal(spiral_buf_put(&b, "k = ", 4), 0);
	assert_int_equal(spiral_buf_put(&b, line, 193), 0);
	put(&b, "\r\n");
	struct got g;
	int at;
	assert_int_equal(parse(b.ptr, b.len, &g, &at), 0);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.v[1].len, 193);
	got_free(&g);
	b.len -= 2;
	put(&b, "v\n");
	expect_read_refused(b.ptr, b.len, 3, "line 3 is longer than 197 bytes");
	b.len = 0;
	put(&b, "[s]\nk = v\n");
	assert_int_equal(spiral_buf_put(&b, line, 250), 0);
	expect_read_refused(b.ptr, b.len, 3, "line 3 is longer than 197 bytes");
	spiral_buf_free(&b);
}

static void test_callback_stops(void **state)
{
	static const char data[] = "[s]\na = 1\nb = 2\nc = 3\n";
	struct got g;
	int line;

	memset(&g, 0, sizeof(g));
	g.stop_at = 2;
	assert_int_equal(spiral_ini_parse(data, sizeof(data) - 1, collect, &g,
					  &line),
			 42);
	assert_int_equal(g.n, 2);
	assert_int_equal(line, 3);
	got_free(&g);

	/* The last value, delivered at the end of the input. */
	g.stop_at = 3;
	assert_int_equal(spiral_ini_parse(data, sizeof(data) - 1, collect, &g,
					  &line),
			 42);
	assert_int_equal(g.n, 3);
	assert_int_equal(line, 4);
	got_free(&g);
}

/* UTF-8 as the standard has it (RFC 3629), a byte at a time: no NUL, no
 * overlong form, no surrogate, nothing past U+10FFFF. */
static int utf8_reference(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned c = s[i], cp, n;
		if (c == 0)
			return 0;
		if (c < 0x80) {
			i++;
			continue;
		}
		n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
		if (!n || c > 0xF4 || i + n > len)
			return 0;
		cp = c & (0x7F >> n);
		for (unsigned k = 1; k < n; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) ||
		    (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		i += n;
	}
	return 1;
}

/* spiral_utf8_valid reads eight ASCII bytes at a time: the same answer as
 * the reference for text mostly ASCII with a NUL, a high byte or a
 * sequence anywhere, at every offset from the eight-byte steps. */
static void test_utf8_valid(void **state)
{
	static const char *const bits[] = {
		"\0", "\xC2\xA0", "\xC4\x81", "\xE2\x80\x99", "\xF0\x9F\x98\x80",
		"\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\x80", "\xFF",
		"\xE2\x80", "\x7F", "\x01",
	};
	static const size_t bitlen[] = {1, 2, 2, 3, 4, 2, 3, 4, 1, 1, 2, 1, 1};
	unsigned char s[64];
	unsigned seed = 7;

	(void)state;
	for (int round = 0; round < 400000; round++) {
		size_t len = (seed = seed * 1103515245u + 12345u) >> 16 & 63, i = 0;
		while (i < len) {
			seed = seed * 1103515245u + 12345u;
			if ((seed >> 16) % 23 == 0) {
				size_t b = (seed >> 8) % (sizeof(bits) / sizeof(bits[0]));
				for (size_t k = 0; k < bitlen[b] && i < len; k++)
					s[i++] = (unsigned char)bits[b][k];
			} else {
				s[i++] = (unsigned char)('a' + (seed >> 20) % 26);
			}
		}
		if (!!spiral_utf8_valid((const char *)s, len) != utf8_reference(s, len))
			fail_msg("round %d, %zu bytes: spiral_utf8_valid says %d", round, len,
				 spiral_utf8_valid((const char *)s, len));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_examples),
		cmocka_unit_test(test_readable_prose),
		cmocka_unit_test(test_read_comments_and_blanks),
		cmocka_unit_test(test_read_crlf_and_bom),
		cmocka_unit_test(test_read_order_and_repeats),
		cmocka_unit_test(test_read_hand_written),
		cmocka_unit_test(test_read_long_names),
		cmocka_unit_test(test_read_garbage),
		cmocka_unit_test(test_write_refusals),
		cmocka_unit_test(test_read_refusals),
		cmocka_unit_test(test_callback_stops),
		cmocka_unit_test(test_short_exhaustive),
		cmocka_unit_test(test_long_runs),
		cmocka_unit_test(test_random_roundtrip),
		cmocka_unit_test(test_utf8_valid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
