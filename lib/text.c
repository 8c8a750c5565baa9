/* Text checks, IDs, names and numbers. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <utf8proc.h>

#include "spiral.h"

/* Length of the valid UTF-8 sequence at s (at most len bytes), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t len)
{
	unsigned c = s[0];
	size_t n;
	unsigned cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		n = 2, cp = c & 0x1F;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 3, cp = c & 0x0F;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return n;
}

size_t spiral_utf8_next(const char *s, size_t len, unsigned *cp)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = len ? utf8_seq(p, len) : 0;
	unsigned v;

	if (!n)
		return 0;
	v = n == 1 ? p[0] : n == 2 ? p[0] & 0x1Fu : n == 3 ? p[0] & 0x0Fu : p[0] & 0x07u;
	for (size_t i = 1; i < n; i++)
		v = (v << 6) | (p[i] & 0x3Fu);
	*cp = v;
	return n;
}

/* Unicode's format characters (general category Cf, as of Unicode 15.1)
 * and the line and paragraph separators: invisible, yet they reorder,
 * join or hide the text around them. */
int spiral_unicode_invisible(unsigned cp)
{
	static const unsigned ranges[][2] = {
		{0x00AD, 0x00AD},   {0x0600, 0x0605},   {0x061C, 0x061C},
		{0x06DD, 0x06DD},   {0x070F, 0x070F},   {0x0890, 0x0891},
		{0x08E2, 0x08E2},   {0x180E, 0x180E},   {0x200B, 0x200F},
		{0x2028, 0x202E},   {0x2060, 0x2064},   {0x2066, 0x206F},
		{0xFEFF, 0xFEFF},   {0xFFF9, 0xFFFB},   {0x110BD, 0x110BD},
		{0x110CD, 0x110CD}, {0x13430, 0x1343F}, {0x1BCA0, 0x1BCA3},
		{0x1D173, 0x1D17A}, {0xE0001, 0xE0001}, {0xE0020, 0xE007F},
	};

	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
		if (cp >= ranges[i][0] && cp <= ranges[i][1])
			return 1;
	return 0;
}

/* Offset of the first invalid byte (NUL counts as invalid), or len. */
static size_t utf8_bad_offset(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		size_t n = p[i] ? utf8_seq(p + i, len - i) : 0;
		if (!n)
			return i;
		i += n;
	}
	return len;
}

int spiral_utf8_valid(const char *s, size_t len)
{
	return utf8_bad_offset(s, len) == len;
}

int spiral_text_check(const char *s, size_t len, const char *what)
{
	size_t bad = utf8_bad_offset(s, len);

	if (bad == len)
		return 0;
	if (s[bad] == '\0')
		return spiral_error(SPIRAL_ERROR, "%s holds a NUL byte (at byte %zu)",
				    what, bad);
	return spiral_error(SPIRAL_ERROR, "%s is not valid UTF-8 (at byte %zu)",
			    what, bad);
}

int spiral_text_fold(const char *s, char **out)
{
	utf8proc_uint8_t *folded = NULL;
	utf8proc_ssize_t n;

	*out = NULL;
	n = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)strlen(s),
			 &folded, UTF8PROC_CASEFOLD | UTF8PROC_COMPOSE | UTF8PROC_STABLE);
	if (n == UTF8PROC_ERROR_NOMEM)
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	if (n < 0)
		return spiral_error(SPIRAL_ERROR, "'%s' is not valid Unicode text: %s",
				    s, utf8proc_errmsg(n));
	*out = (char *)folded;
	return 0;
}

int spiral_id_new(char out[SPIRAL_ID_LEN + 1])
{
	unsigned char raw[SPIRAL_ID_LEN / 2];
	size_t got = 0;

	while (got < sizeof(raw)) {
		ssize_t n = getrandom(raw + got, sizeof(raw) - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return spiral_error(SPIRAL_ERROR, "no random numbers: %s",
					    strerror(errno));
		}
		got += (size_t)n;
	}
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
	return 0;
}

int spiral_id_valid(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return i == SPIRAL_ID_LEN;
}

size_t spiral_id_short_len(const char *id, const char *const *ids, size_t n)
{
	size_t len = 8, idlen = strlen(id);

	for (size_t i = 0; i < n; i++) {
		size_t common = 0;
		if (strcmp(ids[i], id) == 0)
			continue;
		while (ids[i][common] && ids[i][common] == id[common])
			common++;
		if (common + 1 > len)
			len = common + 1;
	}
	return len < idlen ? len : idlen;
}

/* Measure names become INI keys: ASCII, short, never mistaken for syntax. */
int spiral_measure_name_valid(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' ||
		      (i > 0 && (c == '-' || c == '.'))))
			return 0;
	}
	return i >= 1 && i <= 40;
}

/* Tags are short single-line labels: any UTF-8 but no control characters
 * (C0, DEL or C1) and no leading or trailing space. */
int spiral_tag_valid(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > 100 || !spiral_utf8_valid(s, len))
		return 0;
	if (s[0] == ' ' || s[len - 1] == ' ')
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f ||
		    (c == 0xC2 && (unsigned char)s[i + 1] >= 0x80 &&
		     (unsigned char)s[i + 1] <= 0x9F))
			return 0;
	}
	return 1;
}

int spiral_measure_parse(const char *arg, char **name, double *value)
{
	const char *eq = strchr(arg, '=');
	char *end;
	char *n;
	double v;

	if (!eq)
		return spiral_error(SPIRAL_EUSAGE, "'%s' is not NAME=NUMBER", arg);
	n = strndup(arg, (size_t)(eq - arg));
	if (!n)
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	if (!spiral_measure_name_valid(n)) {
		spiral_error(SPIRAL_EUSAGE,
			     "'%s' is not a measure name (letters, digits, _ - ., "
			     "at most 40)", n);
		free(n);
		return SPIRAL_EUSAGE;
	}
	errno = 0;
	v = strtod(eq + 1, &end);
	if (eq[1] == '\0' || *end || errno == ERANGE || !isfinite(v) ||
	    strspn(eq + 1, "0123456789+-.eE") != strlen(eq + 1)) {
		spiral_error(SPIRAL_EUSAGE, "'%s' is not a number (in %s)", eq + 1,
			     arg);
		free(n);
		return SPIRAL_EUSAGE;
	}
	*name = n;
	*value = v == 0 ? 0 : v; /* no negative zero */
	return 0;
}

void spiral_number_format(double v, char out[40])
{
	int prec = 1;

	/* Enough precision for every integer digit keeps 60 from reading
	 * "6e+01"; very large and very small numbers still use exponents. */
	for (double a = fabs(v); a >= 10 && prec < 17; a /= 10)
		prec++;
	for (; prec <= 17; prec++) {
		snprintf(out, 40, "%.*g", prec, v);
		if (strtod(out, NULL) == v)
			return;
	}
}
