/*
 * fuzz_escape: the text escapers, on any bytes.
 *   spiral_visible (terminal): no C0 control (but newline and tab when
 *     kept), DEL, C1 control (UTF-8 or raw 8-bit) or ESC comes out, nor a
 *     Unicode bidirectional control; valid UTF-8 in, valid UTF-8 out.
 *   spiral_json_string: one JSON string literal, valid UTF-8, that a JSON
 *     reader takes back as the input when the input was valid UTF-8.
 *   spiral_csv_field: exactly one RFC 4180 field, with no terminal control
 *     in it (newline and tab aside).
 *   spiral_html_escape: no < > " ' and no raw control character (C0,
 *     DEL, C1) in the output, & only as the start of an entity it writes
 *     (&amp; &lt; &gt; &quot; &#39;); valid UTF-8 out.
 *
 * Input: one byte of flags for spiral_visible, then the text.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "spiral.h"

/* Offset of a bidirectional control (U+202A..U+202E, U+2066..U+2069) or
 * len. */
static size_t first_bidi(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i + 2 < len; i++)
		if (p[i] == 0xE2 && ((p[i + 1] == 0x80 && p[i + 2] >= 0xAA &&
				      p[i + 2] <= 0xAE) ||
				     (p[i + 1] == 0x81 && p[i + 2] >= 0xA6 &&
				      p[i + 2] <= 0xA9)))
			return i;
	return len;
}

static void check_visible(const char *s, size_t len, unsigned flags)
{
	spiral_buf out = SPIRAL_BUF_INIT;
	const char *o;
	size_t at;

	if (spiral_visible(&out, s, len, flags) == SPIRAL_ENOMEM)
		abort();
	o = out.ptr ? out.ptr : "";
	at = fuzz_first_control(o, out.len, !!(flags & SPIRAL_VISIBLE_KEEP_NL),
				!!(flags & SPIRAL_VISIBLE_KEEP_TAB));
	if (at < out.len)
		fuzz_fail("spiral_visible lets byte 0x%02x through (at %zu)",
			  (unsigned char)o[at], at);
	if (first_bidi(o, out.len) < out.len)
		fuzz_fail("spiral_visible lets a bidirectional control through");
	if (spiral_utf8_valid(s, len))
		FUZZ_CHECK(spiral_utf8_valid(o, out.len));
	spiral_buf_free(&out);
}

/* Decodes a JSON string literal that fuzz_json_string_valid accepted,
 * \u escapes (with surrogate pairs) as UTF-8. */
static void json_decode(const char *s, size_t len, spiral_buf *out)
{
	for (size_t i = 1; i + 1 < len; i++) {
		unsigned cp;
		char u[4];
		size_t n;

		if (s[i] != '\\') {
			if (spiral_buf_putc(out, s[i]) < 0)
				abort();
			continue;
		}
		i++;
		switch (s[i]) {
		case 'b': cp = '\b'; break;
		case 'f': cp = '\f'; break;
		case 'n': cp = '\n'; break;
		case 'r': cp = '\r'; break;
		case 't': cp = '\t'; break;
		case 'u':
			cp = (unsigned)strtoul((char[5]){s[i + 1], s[i + 2], s[i + 3],
							 s[i + 4], 0},
					       NULL, 16);
			i += 4;
			if (cp >= 0xD800 && cp <= 0xDBFF && i + 6 < len &&
			    s[i + 1] == '\\' && s[i + 2] == 'u') {
				unsigned lo = (unsigned)strtoul(
					(char[5]){s[i + 3], s[i + 4], s[i + 5],
						  s[i + 6], 0},
					NULL, 16);
				if (lo >= 0xDC00 && lo <= 0xDFFF) {
					cp = 0x10000 + ((cp - 0xD800) << 10) +
					     (lo - 0xDC00);
					i += 6;
				}
			}
			break;
		default: cp = (unsigned char)s[i]; break;
		}
		if (cp < 0x80) {
			u[0] = (char)cp;
			n = 1;
		} else if (cp < 0x800) {
			u[0] = (char)(0xC0 | cp >> 6);
			u[1] = (char)(0x80 | (cp & 0x3F));
			n = 2;
		} else if (cp < 0x10000) {
			u[0] = (char)(0xE0 | cp >> 12);
			u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
			u[2] = (char)(0x80 | (cp & 0x3F));
			n = 3;
		} else {
			u[0] = (char)(0xF0 | cp >> 18);
			u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
			u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
			u[3] = (char)(0x80 | (cp & 0x3F));
			n = 4;
		}
		if (spiral_buf_put(out, u, n) < 0)
			abort();
	}
}

static void check_json(const char *s)
{
	spiral_buf out = SPIRAL_BUF_INIT, back = SPIRAL_BUF_INIT;
	size_t len = strlen(s);

	if (spiral_json_string(&out, s) == SPIRAL_ENOMEM)
		abort();
	if (!fuzz_json_string_valid(out.ptr ? out.ptr : "", out.len))
		fuzz_fail("spiral_json_string gives no valid JSON string: %s",
			  out.ptr ? out.ptr : "");
	if (spiral_utf8_valid(s, len)) {
		json_decode(out.ptr, out.len, &back);
		FUZZ_CHECK(back.len == len);
		FUZZ_CHECK(len == 0 || memcmp(back.ptr, s, len) == 0);
	}
	spiral_buf_free(&out);
	spiral_buf_free(&back);
}

static void check_csv(const char *s)
{
	spiral_buf out = SPIRAL_BUF_INIT;
	const char *o;
	size_t at;

	if (spiral_csv_field(&out, s) == SPIRAL_ENOMEM)
		abort();
	o = out.ptr ? out.ptr : "";
	if (o[0] == '"') {
		/* Quoted: quotes inside doubled, nothing after the last. */
		size_t i = 1;
		for (;;) {
			FUZZ_CHECK(i < out.len);
			if (o[i] == '"') {
				if (i + 1 < out.len && o[i + 1] == '"') {
					i += 2;
					continue;
				}
				FUZZ_CHECK(i + 1 == out.len);
				break;
			}
			i++;
		}
	} else {
		FUZZ_CHECK(strpbrk(o, ",\"\r\n") == NULL);
	}
	at = fuzz_first_control(o, out.len, 1, 1);
	if (at < out.len)
		fuzz_fail("spiral_csv_field lets byte 0x%02x through (at %zu)",
			  (unsigned char)o[at], at);
	spiral_buf_free(&out);
}

static void check_html(const char *s, size_t len)
{
	static const char *const entities[] = {"&amp;", "&lt;", "&gt;", "&quot;",
					       "&#39;"};
	spiral_buf out = SPIRAL_BUF_INIT;
	const char *o;
	size_t at;

	if (spiral_html_escape(&out, s, len) == SPIRAL_ENOMEM)
		abort();
	o = out.ptr ? out.ptr : "";
	at = fuzz_first_control(o, out.len, 0, 0);
	if (at < out.len)
		fuzz_fail("spiral_html_escape lets byte 0x%02x through (at %zu)",
			  (unsigned char)o[at], at);
	for (size_t i = 0; i < out.len; i++) {
		size_t k = 0;
		if (strchr("<>\"'", o[i]) && o[i])
			fuzz_fail("spiral_html_escape lets '%c' through (at %zu)", o[i], i);
		if (o[i] != '&')
			continue;
		while (k < 5 && strncmp(o + i, entities[k], strlen(entities[k])) != 0)
			k++;
		if (k == 5)
			fuzz_fail("spiral_html_escape: a bare & at %zu", i);
	}
	FUZZ_CHECK(spiral_utf8_valid(o, out.len));
	spiral_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size < 1)
		return 0;
	check_visible((const char *)data + 1, size - 1, data[0] & 3u);
	check_html((const char *)data + 1, size - 1);
	if (!(s = fuzz_strndup(data + 1, size - 1)))
		abort();
	check_json(s);
	check_csv(s);
	free(s);
	return 0;
}
