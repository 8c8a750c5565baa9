/* Errors, buffers and small containers shared by the whole library. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spiral.h"

static _Thread_local char error_message[1024];

const char *spiral_error_message(void) { return error_message; }

void spiral_error_clear(void) { error_message[0] = '\0'; }

int spiral_error(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(error_message, sizeof(error_message), fmt, ap);
	va_end(ap);
	return code;
}

int spiral_buf_flush(spiral_buf *b)
{
	if (b->failed)
		return SPIRAL_ENOMEM;
	if (!b->flush || !b->len)
		return 0;
	if (b->flush(b->flush_ctx, b->ptr, b->len) != 0) {
		b->failed = 1;
		return spiral_error(SPIRAL_ERROR, "cannot write output");
	}
	b->len = 0;
	b->ptr[0] = '\0';
	return 0;
}

static int buf_grow(spiral_buf *b, size_t extra)
{
	size_t want, cap;
	char *p;

	if (b->failed)
		return SPIRAL_ENOMEM;
	if (b->flush && b->len >= SPIRAL_BUF_STREAM && spiral_buf_flush(b) < 0)
		return SPIRAL_ERROR;
	if (extra > SIZE_MAX - b->len - 1) {
		b->failed = 1;
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	}
	want = b->len + extra + 1;
	if (want <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < want)
		cap = cap > SIZE_MAX / 2 ? want : cap * 2;
	p = realloc(b->ptr, cap);
	if (!p) {
		b->failed = 1;
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	}
	b->ptr = p;
	b->cap = cap;
	return 0;
}

int spiral_buf_reserve(spiral_buf *b, size_t extra)
{
	return buf_grow(b, extra);
}

int spiral_buf_put(spiral_buf *b, const void *data, size_t len)
{
	/* The usual case, room enough: no call (output is put piece by
	 * piece, a character at a time where text is escaped). */
	if (!b->failed && b->cap - b->len > len) {
		if (len)
			memcpy(b->ptr + b->len, data, len);
		b->len += len;
		b->ptr[b->len] = '\0';
		return 0;
	}
	if (buf_grow(b, len) < 0)
		return SPIRAL_ENOMEM;
	if (len)
		memcpy(b->ptr + b->len, data, len);
	b->len += len;
	b->ptr[b->len] = '\0';
	return 0;
}

int spiral_buf_puts(spiral_buf *b, const char *s)
{
	return spiral_buf_put(b, s, strlen(s));
}

int spiral_buf_putc(spiral_buf *b, char c)
{
	if (!b->failed && b->cap - b->len > 1) {
		b->ptr[b->len++] = c;
		b->ptr[b->len] = '\0';
		return 0;
	}
	return spiral_buf_put(b, &c, 1);
}

int spiral_buf_vprintf(spiral_buf *b, const char *fmt, va_list ap)
{
	va_list copy;
	int n;

	va_copy(copy, ap);
	n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (n < 0)
		return spiral_error(SPIRAL_ERROR, "cannot format text");
	if (buf_grow(b, (size_t)n) < 0)
		return SPIRAL_ENOMEM;
	vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int spiral_buf_printf(spiral_buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = spiral_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

char *spiral_buf_detach(spiral_buf *b)
{
	char *p = b->ptr;

	if (!p)
		p = calloc(1, 1);
	b->ptr = NULL;
	b->len = b->cap = 0;
	b->failed = 0;
	return p;
}

void spiral_buf_free(spiral_buf *b)
{
	free(b->ptr);
	b->ptr = NULL;
	b->len = b->cap = 0;
	b->failed = 0;
}

int spiral_strv_push_len(spiral_strv *sv, const char *s, size_t len)
{
	char *copy;

	if (sv->n == sv->cap) {
		size_t cap = sv->cap ? sv->cap * 2 : 8;
		char **v = realloc(sv->v, cap * sizeof(*v));
		if (!v)
			return spiral_error(SPIRAL_ENOMEM, "out of memory");
		sv->v = v;
		sv->cap = cap;
	}
	copy = malloc(len + 1);
	if (!copy)
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	memcpy(copy, s, len);
	copy[len] = '\0';
	sv->v[sv->n++] = copy;
	return 0;
}

int spiral_strv_push(spiral_strv *sv, const char *s)
{
	return spiral_strv_push_len(sv, s, strlen(s));
}

int spiral_strv_contains(const spiral_strv *sv, const char *s)
{
	for (size_t i = 0; i < sv->n; i++)
		if (strcmp(sv->v[i], s) == 0)
			return 1;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void spiral_strv_sort(spiral_strv *sv)
{
	if (sv->n > 1)
		qsort(sv->v, sv->n, sizeof(*sv->v), cmp_str);
}

void spiral_strv_free(spiral_strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = sv->cap = 0;
}

int spiral_kvs_set(spiral_kvs *kvs, const char *name, double value)
{
	for (size_t i = 0; i < kvs->n; i++) {
		if (strcmp(kvs->v[i].name, name) == 0) {
			kvs->v[i].value = value;
			return 0;
		}
	}
	if (kvs->n == kvs->cap) {
		size_t cap = kvs->cap ? kvs->cap * 2 : 4;
		spiral_kv *v = realloc(kvs->v, cap * sizeof(*v));
		if (!v)
			return spiral_error(SPIRAL_ENOMEM, "out of memory");
		kvs->v = v;
		kvs->cap = cap;
	}
	kvs->v[kvs->n].name = strdup(name);
	if (!kvs->v[kvs->n].name)
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	kvs->v[kvs->n++].value = value;
	return 0;
}

const spiral_kv *spiral_kvs_get(const spiral_kvs *kvs, const char *name)
{
	for (size_t i = 0; i < kvs->n; i++)
		if (strcmp(kvs->v[i].name, name) == 0)
			return &kvs->v[i];
	return NULL;
}

void spiral_kvs_free(spiral_kvs *kvs)
{
	for (size_t i = 0; i < kvs->n; i++)
		free(kvs->v[i].name);
	free(kvs->v);
	kvs->v = NULL;
	kvs->n = kvs->cap = 0;
}
