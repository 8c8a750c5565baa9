/*
 * fuzz_codec: the INI codec.  Any bytes are parsed (spiral_ini_parse, a
 * callback that counts and keeps what it gets); whatever was read is
 * written back (spiral_ini_section and spiral_ini_value, and again with
 * spiral_ini_text), and that must parse to the same values, on lines of at
 * most 160 bytes.  A callback that stops the parse must stop it with its
 * own code.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "spiral.h"

typedef struct item {
	char *section, *key, *value;
	size_t len;
} item;

typedef struct items {
	item *v;
	size_t n, cap;
	size_t stop_after; /* return 42 from the callback after this many */
} items;

static void items_free(items *it)
{
	for (size_t i = 0; i < it->n; i++) {
		free(it->v[i].section);
		free(it->v[i].key);
		free(it->v[i].value);
	}
	free(it->v);
	memset(it, 0, sizeof(*it));
}

static int keep(void *user, const char *section, const char *key,
		const char *value, size_t len, int line)
{
	items *it = user;
	item *x;

	FUZZ_CHECK(section && key && value && line > 0);
	FUZZ_CHECK(value[len] == '\0' && strlen(value) == len);
	FUZZ_CHECK(spiral_utf8_valid(value, len));
	if (it->stop_after && it->n + 1 >= it->stop_after)
		return 42;
	if (it->n == it->cap) {
		size_t cap = it->cap ? 2 * it->cap : 16;
		item *grown = realloc(it->v, cap * sizeof(*grown));
		if (!grown)
			return SPIRAL_ENOMEM;
		it->v = grown;
		it->cap = cap;
	}
	x = &it->v[it->n];
	x->section = strdup(section);
	x->key = strdup(key);
	x->value = malloc(len + 1);
	if (!x->section || !x->key || !x->value) {
		free(x->section);
		free(x->key);
		free(x->value);
		return SPIRAL_ENOMEM;
	}
	memcpy(x->value, value, len + 1);
	x->len = len;
	it->n++;
	return 0;
}

/* Writes what the writer accepts of it (names it refuses are left out,
 * and so are keys before any section once a section is written); *kept
 * gets the items written, in order. */
static void write_back(const items *it, int as_text, spiral_buf *out,
		       items *kept)
{
	const char *section = NULL;

	for (size_t i = 0; i < it->n; i++) {
		const item *x = &it->v[i];
		size_t mark = out->len;
		int rc;

		if (!section || strcmp(section, x->section) != 0) {
			if (!*x->section) {
				if (section)
					continue;
			} else if (spiral_ini_section(out, x->section) < 0) {
				out->len = mark;
				if (out->ptr)
					out->ptr[mark] = '\0';
				continue;
			}
			section = x->section;
		}
		rc = as_text ? spiral_ini_text(out, x->key, x->value, x->len)
			     : spiral_ini_value(out, x->key, x->value, x->len);
		if (rc == SPIRAL_ENOMEM)
			abort();
		if (rc < 0)
			continue;
		FUZZ_CHECK(keep(kept, x->section, x->key, x->value, x->len, 1) == 0);
	}
}

/* Paragraphs written by spiral_ini_text come back one by one: joined
 * with "\n\n" they are the value again. */
static void check_same(const items *want, const items *got, int as_text)
{
	size_t g = 0;

	for (size_t i = 0; i < want->n; i++) {
		const item *w = &want->v[i];
		spiral_buf joined = SPIRAL_BUF_INIT;
		size_t paragraphs = 1;

		if (as_text)
			for (size_t k = 0; k + 1 < w->len; k++)
				if (w->value[k] == '\n' && w->value[k + 1] == '\n') {
					paragraphs++;
					k++;
				}
		for (size_t p = 0; p < paragraphs; p++, g++) {
			FUZZ_CHECK(g < got->n);
			FUZZ_CHECK(strcmp(got->v[g].section, w->section) == 0);
			FUZZ_CHECK(strcmp(got->v[g].key, w->key) == 0);
			if (p && spiral_buf_put(&joined, "\n\n", 2) < 0)
				abort();
			if (spiral_buf_put(&joined, got->v[g].value, got->v[g].len) < 0)
				abort();
		}
		FUZZ_CHECK(joined.len == w->len);
		FUZZ_CHECK(w->len == 0 || memcmp(joined.ptr, w->value, w->len) == 0);
		spiral_buf_free(&joined);
	}
	FUZZ_CHECK(g == got->n);
}

static void round_trip(const items *it, int as_text)
{
	spiral_buf out = SPIRAL_BUF_INIT;
	items kept = {0}, again = {0};
	int line = -1, rc;

	write_back(it, as_text, &out, &kept);
	FUZZ_CHECK(fuzz_longest_line(out.ptr ? out.ptr : "", out.len) <=
		   SPIRAL_INI_MAX_LINE);
	rc = spiral_ini_parse(out.ptr ? out.ptr : "", out.len, keep, &again,
			      &line);
	if (rc != 0)
		fuzz_fail("written text does not parse (line %d: %s):\n%s", line,
			  spiral_error_message(), out.ptr ? out.ptr : "");
	check_same(&kept, &again, as_text);
	items_free(&kept);
	items_free(&again);
	spiral_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	items it = {0}, stopped = {0};
	int line = -1, rc;

	rc = spiral_ini_parse((const char *)data, size, keep, &it, &line);
	if (rc == SPIRAL_ENOMEM)
		abort();
	if (rc == 0) {
		FUZZ_CHECK(line == 0);
		round_trip(&it, 0);
		round_trip(&it, 1);
		/* A callback that says stop is obeyed, with its code. */
		if (it.n > 0) {
			stopped.stop_after = it.n;
			rc = spiral_ini_parse((const char *)data, size, keep,
					      &stopped, &line);
			FUZZ_CHECK(rc == 42);
			FUZZ_CHECK(stopped.n + 1 == it.n);
		}
	} else {
		FUZZ_CHECK(rc == SPIRAL_EFORMAT);
		FUZZ_CHECK(line > 0);
		FUZZ_CHECK(*spiral_error_message());
	}
	items_free(&it);
	items_free(&stopped);
	spiral_error_clear();
	return 0;
}
