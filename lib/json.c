/* A small JSON reader (RFC 8259) for import --json: the whole document as a
 * tree of values.  Strict: one value, nothing after it but white space,
 * strings valid UTF-8 without NUL, nesting at most JSON_MAX_DEPTH deep.
 * Numbers keep their text: the caller reads an integer or a double. */
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "internal.h"

#define JSON_MAX_DEPTH 64

typedef struct json_reader {
	const char *s;
	size_t len, pos;
	int line;
} json_reader;

static int json_fail(json_reader *r, const char *what)
{
	return spiral_error(SPIRAL_EFORMAT, "line %d: %s", r->line, what);
}

static void skip_space(json_reader *r)
{
	while (r->pos < r->len) {
		char c = r->s[r->pos];
		if (c == '\n')
			r->line++;
		else if (c != ' ' && c != '\t' && c != '\r')
			break;
		r->pos++;
	}
}

static int hex4(json_reader *r, unsigned *out)
{
	unsigned v = 0;

	if (r->len - r->pos < 4)
		return json_fail(r, "a \\u escape needs four hex digits");
	for (int i = 0; i < 4; i++) {
		char c = r->s[r->pos++];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return json_fail(r, "a \\u escape needs four hex digits");
	}
	*out = v;
	return 0;
}

/* cp is a scalar value (surrogates are paired or refused before). */
static void put_utf8(spiral_buf *b, unsigned cp)
{
	utf8proc_uint8_t u[4];
	utf8proc_ssize_t n = utf8proc_encode_char((utf8proc_int32_t)cp, u);

	spiral_buf_put(b, u, (size_t)n);
}

/* After the opening quote; *out allocated. */
static int read_string(json_reader *r, char **out, size_t *out_len)
{
	spiral_buf b = SPIRAL_BUF_INIT;
	unsigned cp, lo;
	int rc;

	spiral_buf_put(&b, "", 0);
	for (;;) {
		char c;
		if (r->pos >= r->len) {
			rc = json_fail(r, "a string is not closed");
			goto fail;
		}
		c = r->s[r->pos++];
		if (c == '"')
			break;
		if ((unsigned char)c < 0x20) {
			rc = json_fail(r, "a control character in a string");
			goto fail;
		}
		if (c != '\\') {
			spiral_buf_putc(&b, c);
			continue;
		}
		if (r->pos >= r->len) {
			rc = json_fail(r, "a string is not closed");
			goto fail;
		}
		c = r->s[r->pos++];
		switch (c) {
		case '"': case '\\': case '/':
			spiral_buf_putc(&b, c);
			break;
		case 'b': spiral_buf_putc(&b, '\b'); break;
		case 'f': spiral_buf_putc(&b, '\f'); break;
		case 'n': spiral_buf_putc(&b, '\n'); break;
		case 'r': spiral_buf_putc(&b, '\r'); break;
		case 't': spiral_buf_putc(&b, '\t'); break;
		case 'u':
			if ((rc = hex4(r, &cp)) < 0)
				goto fail;
			if (cp >= 0xD800 && cp < 0xDC00) {
				if (r->len - r->pos < 2 || r->s[r->pos] != '\\' ||
				    r->s[r->pos + 1] != 'u') {
					rc = json_fail(r, "a lone surrogate in a \\u escape");
					goto fail;
				}
				r->pos += 2;
				if ((rc = hex4(r, &lo)) < 0)
					goto fail;
				if (lo < 0xDC00 || lo > 0xDFFF) {
					rc = json_fail(r, "a lone surrogate in a \\u escape");
					goto fail;
				}
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			} else if (cp >= 0xDC00 && cp <= 0xDFFF) {
				rc = json_fail(r, "a lone surrogate in a \\u escape");
				goto fail;
			}
			put_utf8(&b, cp);
			break;
		default:
			rc = json_fail(r, "an unknown escape in a string");
			goto fail;
		}
	}
	if (b.failed) {
		rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
		goto fail;
	}
	if (!spiral_utf8_valid(b.ptr, b.len) || memchr(b.ptr, '\0', b.len)) {
		rc = json_fail(r, "a string that is not UTF-8 text (or holds NUL)");
		goto fail;
	}
	*out_len = b.len;
	*out = spiral_buf_detach(&b);
	return 0;
fail:
	spiral_buf_free(&b);
	return rc;
}

static int read_number(json_reader *r, json_value *v)
{
	size_t start = r->pos;
	const char *s = r->s;

	if (r->pos < r->len && s[r->pos] == '-')
		r->pos++;
	if (r->pos >= r->len || s[r->pos] < '0' || s[r->pos] > '9')
		return json_fail(r, "not a JSON value");
	if (s[r->pos] == '0')
		r->pos++;
	else
		while (r->pos < r->len && s[r->pos] >= '0' && s[r->pos] <= '9')
			r->pos++;
	if (r->pos < r->len && s[r->pos] == '.') {
		r->pos++;
		if (r->pos >= r->len || s[r->pos] < '0' || s[r->pos] > '9')
			return json_fail(r, "a malformed number");
		while (r->pos < r->len && s[r->pos] >= '0' && s[r->pos] <= '9')
			r->pos++;
	}
	if (r->pos < r->len && (s[r->pos] == 'e' || s[r->pos] == 'E')) {
		r->pos++;
		if (r->pos < r->len && (s[r->pos] == '+' || s[r->pos] == '-'))
			r->pos++;
		if (r->pos >= r->len || s[r->pos] < '0' || s[r->pos] > '9')
			return json_fail(r, "a malformed number");
		while (r->pos < r->len && s[r->pos] >= '0' && s[r->pos] <= '9')
			r->pos++;
	}
	v->type = JSON_NUMBER;
	if (!(v->str = strndup(s + start, r->pos - start)))
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	v->len = r->pos - start;
	return 0;
}

static int read_value(json_reader *r, json_value *v, int depth);

static int grow(json_value *v)
{
	json_value *items;
	char **keys;
	size_t cap = v->cap ? v->cap * 2 : 8;

	if (v->n < v->cap)
		return 0;
	items = realloc(v->items, cap * sizeof(*items));
	if (!items)
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	v->items = items;
	if (v->type == JSON_OBJECT) {
		keys = realloc(v->keys, cap * sizeof(*keys));
		if (!keys)
			return spiral_error(SPIRAL_ENOMEM, "out of memory");
		v->keys = keys;
	}
	v->cap = cap;
	return 0;
}

static int read_container(json_reader *r, json_value *v, int depth)
{
	char close = v->type == JSON_OBJECT ? '}' : ']';
	int rc;

	if (depth > JSON_MAX_DEPTH)
		return json_fail(r, "nested too deep");
	skip_space(r);
	if (r->pos < r->len && r->s[r->pos] == close) {
		r->pos++;
		return 0;
	}
	for (;;) {
		char *key = NULL;
		size_t klen;
		skip_space(r);
		if (v->type == JSON_OBJECT) {
			if (r->pos >= r->len || r->s[r->pos] != '"')
				return json_fail(r, "a key (a string) expected");
			r->pos++;
			if ((rc = read_string(r, &key, &klen)) < 0)
				return rc;
			skip_space(r);
			if (r->pos >= r->len || r->s[r->pos] != ':') {
				free(key);
				return json_fail(r, "':' expected after a key");
			}
			r->pos++;
		}
		if ((rc = grow(v)) < 0) {
			free(key);
			return rc;
		}
		memset(&v->items[v->n], 0, sizeof(v->items[v->n]));
		if (v->type == JSON_OBJECT)
			v->keys[v->n] = key;
		v->n++;
		if ((rc = read_value(r, &v->items[v->n - 1], depth + 1)) < 0)
			return rc;
		skip_space(r);
		if (r->pos < r->len && r->s[r->pos] == ',') {
			r->pos++;
			continue;
		}
		if (r->pos < r->len && r->s[r->pos] == close) {
			r->pos++;
			return 0;
		}
		return json_fail(r, v->type == JSON_OBJECT ? "',' or '}' expected"
							   : "',' or ']' expected");
	}
}

static int literal(json_reader *r, const char *word)
{
	size_t n = strlen(word);

	if (r->len - r->pos < n || memcmp(r->s + r->pos, word, n) != 0)
		return json_fail(r, "not a JSON value");
	r->pos += n;
	return 0;
}

static int read_value(json_reader *r, json_value *v, int depth)
{
	char c;

	skip_space(r);
	if (r->pos >= r->len)
		return json_fail(r, "a value expected");
	c = r->s[r->pos];
	switch (c) {
	case '{':
	case '[':
		r->pos++;
		v->type = c == '{' ? JSON_OBJECT : JSON_ARRAY;
		return read_container(r, v, depth);
	case '"':
		r->pos++;
		v->type = JSON_STRING;
		return read_string(r, &v->str, &v->len);
	case 't':
		v->type = JSON_TRUE;
		return literal(r, "true");
	case 'f':
		v->type = JSON_FALSE;
		return literal(r, "false");
	case 'n':
		v->type = JSON_NULL;
		return literal(r, "null");
	}
	return read_number(r, v);
}

int json_parse(const char *data, size_t len, json_value *out)
{
	json_reader r = {data, len, 0, 1};
	int rc;

	memset(out, 0, sizeof(*out));
	if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
		r.pos = 3;
	if ((rc = read_value(&r, out, 0)) == 0) {
		skip_space(&r);
		if (r.pos < r.len)
			rc = json_fail(&r, "more after the end of the document");
	}
	if (rc < 0)
		json_free(out);
	return rc;
}

void json_free(json_value *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->n; i++) {
		json_free(&v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->str);
	memset(v, 0, sizeof(*v));
}

const json_value *json_get(const json_value *obj, const char *key)
{
	if (!obj || obj->type != JSON_OBJECT)
		return NULL;
	for (size_t i = 0; i < obj->n; i++)
		if (strcmp(obj->keys[i], key) == 0)
			return &obj->items[i];
	return NULL;
}
