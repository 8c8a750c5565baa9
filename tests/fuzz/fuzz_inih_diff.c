/*
 * fuzz_inih_diff (differential): text written by the codec
 * (spiral_ini_section, spiral_ini_value, spiral_ini_text) from fuzzed
 * names and values must be read back identically by stock inih
 * (ini_parse_string of the system's libinih, decoded here by the rules of
 * lib/codec.c's comment, written afresh) and by spiral_ini_parse: both give
 * exactly the values written.
 *
 * Input: pieces separated by 0xFF bytes (never in UTF-8).  A piece
 * "[NAME" is a section, "NAME=VALUE" a value, "*NAME=VALUE" a text with
 * paragraphs.  Pieces the writer refuses are left out.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "fuzz.h"
#include "spiral.h"

typedef struct value {
	char *section, *key;
	spiral_buf v;
} value;

typedef struct values {
	value *v;
	size_t n, cap;
} values;

static value *values_add(values *vs, const char *section, const char *key)
{
	value *x;

	if (vs->n == vs->cap) {
		size_t cap = vs->cap ? 2 * vs->cap : 16;
		value *grown = realloc(vs->v, cap * sizeof(*grown));
		if (!grown)
			abort();
		vs->v = grown;
		vs->cap = cap;
	}
	x = &vs->v[vs->n++];
	x->section = strdup(section);
	x->key = strdup(key);
	x->v = (spiral_buf)SPIRAL_BUF_INIT;
	if (!x->section || !x->key || spiral_buf_put(&x->v, "", 0) < 0)
		abort();
	return x;
}

static void values_free(values *vs)
{
	for (size_t i = 0; i < vs->n; i++) {
		free(vs->v[i].section);
		free(vs->v[i].key);
		spiral_buf_free(&vs->v[i].v);
	}
	free(vs->v);
}

static void put(spiral_buf *b, const char *s, size_t n)
{
	if (spiral_buf_put(b, s, n) < 0)
		abort();
}

/* ---- what the writer was given --------------------------------------- */

/* The values a text comes back as: its paragraphs (split at "\n\n"). */
static void expect_text(values *want, const char *section, const char *key,
			const char *text, size_t len)
{
	size_t start = 0;

	for (;;) {
		size_t end = start;
		while (end + 1 < len && !(text[end] == '\n' && text[end + 1] == '\n'))
			end++;
		if (end + 1 >= len)
			end = len;
		put(&values_add(want, section, key)->v, text + start, end - start);
		if (end == len)
			return;
		start = end + 2;
	}
}

/* ---- stock inih, decoded by the documented rules --------------------- */

typedef struct stock {
	const char *text; /* what was written */
	size_t len, line_pos; /* start of the next physical line to look at */
	values got;
	int joined, segments; /* of the value being read */
} stock;

/* Whether the next line that inih hands a value for is indented (a
 * continuation).  The writer writes no comments and no blank lines but
 * before a section, so the next such line is the next non-blank line that
 * is not a section header. */
static int next_value_line_indented(stock *s)
{
	while (s->line_pos < s->len) {
		const char *l = s->text + s->line_pos;
		const char *nl = memchr(l, '\n', s->len - s->line_pos);
		size_t n = nl ? (size_t)(nl - l) : s->len - s->line_pos;

		s->line_pos += n + (nl != NULL);
		if (n == 0 || l[0] == '[')
			continue;
		return isspace((unsigned char)l[0]) != 0;
	}
	fuzz_fail("inih handed over more values than there are lines");
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* One segment: \\ \n \t \r \s \; \# \[ \xHH; any other backslash stays;
 * a lone backslash at the end glues the next segment on. */
static void decode_segment(stock *s, spiral_buf *b, const char *seg)
{
	size_t n = strlen(seg), mark;
	int glue = 0;

	if (n == 0)
		return;
	if (s->segments > 0 && !s->joined)
		put(b, " ", 1);
	mark = b->len;
	for (size_t i = 0; i < n; i++) {
		char c = seg[i], out;
		if (c != '\\') {
			put(b, &c, 1);
			continue;
		}
		if (i + 1 == n) {
			glue = 1;
			break;
		}
		switch (seg[i + 1]) {
		case '\\': out = '\\'; break;
		case 'n': out = '\n'; break;
		case 't': out = '\t'; break;
		case 'r': out = '\r'; break;
		case 's': out = ' '; break;
		case ';': out = ';'; break;
		case '#': out = '#'; break;
		case '[': out = '['; break;
		case 'x':
			if (i + 3 < n + 1 && hexval(seg[i + 2]) >= 0 &&
			    hexval(seg[i + 3]) >= 0) {
				out = (char)(hexval(seg[i + 2]) * 16 + hexval(seg[i + 3]));
				put(b, &out, 1);
				i += 3;
				continue;
			}
			/* fall through */
		default:
			put(b, "\\", 1);
			continue;
		}
		put(b, &out, 1);
		i++;
	}
	s->segments++;
	s->joined = glue || (b->len > mark && b->ptr[b->len - 1] == '\n');
}

static int on_stock(void *user, const char *section, const char *name,
		    const char *val)
{
	stock *s = user;
	value *cur = s->got.n ? &s->got.v[s->got.n - 1] : NULL;

	FUZZ_CHECK(name && val);
	if (next_value_line_indented(s)) {
		FUZZ_CHECK(cur != NULL);
		FUZZ_CHECK(strcmp(cur->key, name) == 0);
	} else {
		cur = values_add(&s->got, section, name);
		s->segments = 0;
		s->joined = 0;
	}
	decode_segment(s, &cur->v, val);
	return 1;
}

/* ---- spiral_ini_parse ------------------------------------------------ */

static int on_spiral(void *user, const char *section, const char *key,
		     const char *v, size_t len, int line)
{
	values *vs = user;

	(void)line;
	put(&values_add(vs, section, key)->v, v, len);
	return 0;
}

static void check_same(const char *who, const values *want, const values *got,
		       const char *text)
{
	if (want->n != got->n)
		fuzz_fail("%s read %zu values, %zu written:\n%s", who, got->n,
			  want->n, text);
	for (size_t i = 0; i < want->n; i++) {
		const value *w = &want->v[i], *g = &got->v[i];
		if (strcmp(w->section, g->section) || strcmp(w->key, g->key) ||
		    w->v.len != g->v.len || memcmp(w->v.ptr, g->v.ptr, w->v.len))
			fuzz_fail("%s read value %zu as [%s] %s = '%s', written "
				  "[%s] %s = '%s':\n%s",
				  who, i, g->section, g->key, g->v.ptr, w->section,
				  w->key, w->v.ptr, text);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data, *piece;
	size_t pos = 0, plen;
	spiral_buf out = SPIRAL_BUF_INIT;
	values want = {0}, mine = {0};
	stock st = {0};
	char *section = strdup(""), *text;
	int line, rc;

	if (!section)
		abort();
	while (fuzz_split(in, size, &pos, "\xff", 1, &piece, &plen)) {
		char *p = fuzz_strndup((const uint8_t *)piece, plen), *eq;
		size_t mark = out.len;
		int as_text = 0;

		if (!p)
			abort();
		if (p[0] == '[') {
			if (spiral_ini_section(&out, p + 1) == 0) {
				free(section);
				if (!(section = strdup(p + 1)))
					abort();
			}
		} else if ((eq = memchr(p, '=', plen))) {
			char *key = p;
			size_t vlen = plen - (size_t)(eq + 1 - p);
			*eq = '\0';
			if (*key == '*') {
				as_text = 1;
				key++;
			}
			rc = as_text ? spiral_ini_text(&out, key, eq + 1, vlen)
				     : spiral_ini_value(&out, key, eq + 1, vlen);
			if (rc == 0 && as_text)
				expect_text(&want, section, key, eq + 1, vlen);
			else if (rc == 0)
				put(&values_add(&want, section, key)->v, eq + 1, vlen);
			else
				FUZZ_CHECK(out.len == mark);
		}
		free(p);
	}
	text = out.ptr ? out.ptr : "";
	FUZZ_CHECK(fuzz_longest_line(text, out.len) <= SPIRAL_INI_MAX_LINE);
	FUZZ_CHECK(strlen(text) == out.len);

	st.text = text;
	st.len = out.len;
	rc = ini_parse_string(text, on_stock, &st);
	if (rc != 0)
		fuzz_fail("stock inih refuses line %d of:\n%s", rc, text);
	check_same("stock inih", &want, &st.got, text);

	rc = spiral_ini_parse(text, out.len, on_spiral, &mine, &line);
	if (rc != 0)
		fuzz_fail("spiral_ini_parse refuses line %d (%s) of:\n%s", line,
			  spiral_error_message(), text);
	check_same("spiral_ini_parse", &want, &mine, text);

	values_free(&want);
	values_free(&mine);
	values_free(&st.got);
	spiral_buf_free(&out);
	free(section);
	spiral_error_clear();
	return 0;
}
