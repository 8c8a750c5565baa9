/*
 * fuzz_merge: spiral_ini_merge3 on three files split from one input at NUL
 * bytes (base, ours, theirs; NUL never belongs to a file spiral reads).
 * A merge either refuses (SPIRAL_EFORMAT, out untouched) or writes INI that
 * spiral_ini_parse and stock inih read, with lines of at most 160 bytes;
 * when two of the three agree the result holds the third's values (or
 * ours' when ours and theirs agree), key by key; merging the result with
 * itself changes nothing.  spiral_merge_files on the same three, as files,
 * writes what spiral_ini_merge3 gave.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "fuzz.h"
#include "spiral.h"

/* One value, in file order. */
typedef struct kv {
	char *section, *key, *value;
	size_t seq;
} kv;

typedef struct kvs {
	kv *v;
	size_t n, cap;
} kvs;

static int on_value(void *user, const char *section, const char *key,
		    const char *value, size_t len, int line)
{
	kvs *s = user;
	kv *x;

	(void)len, (void)line;
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 16;
		kv *grown = realloc(s->v, cap * sizeof(*grown));
		if (!grown)
			abort();
		s->v = grown;
		s->cap = cap;
	}
	x = &s->v[s->n];
	x->section = strdup(section);
	x->key = strdup(key);
	x->value = strdup(value);
	if (!x->section || !x->key || !x->value)
		abort();
	x->seq = s->n++;
	return 0;
}

static void kvs_free(kvs *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].section);
		free(s->v[i].key);
		free(s->v[i].value);
	}
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* By section, key, then place: the units of the merge, values in order. */
static int kv_cmp(const void *a, const void *b)
{
	const kv *x = a, *y = b;
	int c = strcmp(x->section, y->section);

	if (!c)
		c = strcmp(x->key, y->key);
	if (!c)
		c = (x->seq > y->seq) - (x->seq < y->seq);
	return c;
}

static int parse_sorted(const char *data, size_t len, kvs *out)
{
	int line, rc = spiral_ini_parse(data, len, on_value, out, &line);

	if (rc == 0 && out->n)
		qsort(out->v, out->n, sizeof(*out->v), kv_cmp);
	return rc;
}

static int same_values(const kvs *a, const kvs *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i].section, b->v[i].section) ||
		    strcmp(a->v[i].key, b->v[i].key) ||
		    strcmp(a->v[i].value, b->v[i].value))
			return 0;
	return 1;
}

static int stock_accept(void *user, const char *section, const char *name,
			const char *value)
{
	(void)user, (void)section, (void)name, (void)value;
	return 1;
}

static void check_files(const char *const parts[3], const size_t lens[3],
			const char *merged, size_t mlen)
{
	static const char *const names[3] = {"base", "ours", "theirs"};
	const char *dir = fuzz_tmpdir();
	char paths[3][4200];
	spiral_strv both = {0};
	char *data = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	if (!dir)
		return;
	for (int i = 0; i < 3; i++) {
		snprintf(paths[i], sizeof(paths[i]), "%s/%s.ini", dir, names[i]);
		if (fuzz_write_file(paths[i], parts[i], lens[i]) < 0)
			return;
	}
	rc = spiral_merge_files(paths[0], paths[1], paths[2], &both);
	if (rc != 0)
		fuzz_fail("spiral_merge_files failed where merge3 worked: %s",
			  spiral_error_message());
	f = fopen(paths[1], "rb");
	FUZZ_CHECK(f != NULL);
	data = malloc(mlen + 2);
	FUZZ_CHECK(data != NULL);
	len = fread(data, 1, mlen + 1, f);
	fclose(f);
	FUZZ_CHECK(len == mlen);
	FUZZ_CHECK(len == 0 || memcmp(data, merged, len) == 0);
	free(data);
	spiral_strv_free(&both);
	fuzz_rm_contents(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data, *parts[3] = {"", "", ""};
	size_t lens[3] = {0, 0, 0}, pos = 0, both = 0, both2 = 0;
	spiral_buf out = SPIRAL_BUF_INIT, again = SPIRAL_BUF_INIT;
	kvs side[3] = {{0}}, result = {0};
	char *text;
	int rc;

	for (int i = 0; i < 3; i++)
		if (!fuzz_split(in, size, &pos, "", 1, &parts[i], &lens[i]))
			break;
	/* A second merge must not disturb what is in out already. */
	if (spiral_buf_puts(&out, "; kept\n") < 0)
		abort();
	rc = spiral_ini_merge3(parts[0], lens[0], parts[1], lens[1], parts[2],
			       lens[2], &out, &both);
	if (rc != 0) {
		FUZZ_CHECK(rc == SPIRAL_EFORMAT);
		FUZZ_CHECK(out.len == 7 && strcmp(out.ptr, "; kept\n") == 0);
		goto done;
	}
	text = out.ptr + 7;
	FUZZ_CHECK(fuzz_longest_line(text, out.len - 7) <= SPIRAL_INI_MAX_LINE);
	FUZZ_CHECK(strlen(text) == out.len - 7);
	if (ini_parse_string(text, stock_accept, NULL) != 0)
		fuzz_fail("stock inih refuses the merge:\n%s", text);
	if (parse_sorted(text, out.len - 7, &result) != 0)
		fuzz_fail("the merge does not parse (%s):\n%s",
			  spiral_error_message(), text);
	for (int i = 0; i < 3; i++)
		FUZZ_CHECK(parse_sorted(parts[i], lens[i], &side[i]) == 0);
	/* Two sides agree: the third one's values stand. */
	if (same_values(&side[1], &side[2]) || same_values(&side[0], &side[2])) {
		FUZZ_CHECK(same_values(&result, &side[1]));
		FUZZ_CHECK(both == 0);
	} else if (same_values(&side[0], &side[1])) {
		FUZZ_CHECK(same_values(&result, &side[2]));
		FUZZ_CHECK(both == 0);
	}
	/* The result merged with itself is itself (its comments aside). */
	rc = spiral_ini_merge3(text, out.len - 7, text, out.len - 7, text,
			       out.len - 7, &again, &both2);
	FUZZ_CHECK(rc == 0 && both2 == 0);
	if (both == 0) {
		FUZZ_CHECK(again.len == out.len - 7);
		FUZZ_CHECK(again.len == 0 || memcmp(again.ptr, text, again.len) == 0);
	}
	check_files(parts, lens, text, out.len - 7);
done:
	for (int i = 0; i < 3; i++)
		kvs_free(&side[i]);
	kvs_free(&result);
	spiral_buf_free(&out);
	spiral_buf_free(&again);
	spiral_error_clear();
	return 0;
}
