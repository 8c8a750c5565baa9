/* Text checks, IDs, names and numbers. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
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

	/* Latin, Greek, Cyrillic and the like, at once: only the soft hyphen. */
	if (cp < 0x600)
		return cp == 0xAD;
	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
		if (cp >= ranges[i][0] && cp <= ranges[i][1])
			return 1;
	return 0;
}

/* Offset of the first invalid byte (NUL counts as invalid), or len. */
static size_t utf8_bad_offset(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
	size_t i = 0;

	while (i < len) {
		size_t n;
		uint64_t v;
		/* Eight bytes at a time while they are ASCII and not NUL. */
		if (len - i >= 8) {
			memcpy(&v, p + i, 8);
			if (!((v | ((v - ones) & ~v)) & highs)) {
				i += 8;
				continue;
			}
		}
		n = p[i] ? utf8_seq(p + i, len - i) : 0;
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

int spiral_text_key(const char *s, size_t len, char **out)
{
	utf8proc_uint8_t *key = NULL;
	utf8proc_ssize_t n;

	/* Marks are stripped from the decomposed text before it is composed
	 * again: "Māori" and "MAORI" give the same key. */
	*out = NULL;
	n = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len, &key,
			 UTF8PROC_CASEFOLD | UTF8PROC_COMPOSE | UTF8PROC_STRIPMARK |
				 UTF8PROC_STABLE);
	if (n == UTF8PROC_ERROR_NOMEM)
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	if (n < 0)
		return spiral_error(SPIRAL_ERROR, "text is not valid Unicode: %s",
				    utf8proc_errmsg(n));
	*out = (char *)key;
	return 0;
}

size_t spiral_text_unix(char *s, size_t len)
{
	size_t from = 0, to = 0;

	/* A BOM says nothing but "this is UTF-8"; CRLF and a lone CR end a
	 * line as LF does: a file saved by Word reads as one saved by nano. */
	if (len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
		from = 3;
	for (; from < len; from++) {
		if (s[from] == '\r') {
			s[to++] = '\n';
			if (from + 1 < len && s[from + 1] == '\n')
				from++;
		} else {
			s[to++] = s[from];
		}
	}
	if (to < len)
		s[to] = '\0';
	return to;
}

int spiral_text_blank(const char *s, size_t len)
{
	size_t i = 0, n;
	unsigned cp;

	while (i < len) {
		if ((n = spiral_utf8_next(s + i, len - i, &cp)) == 0)
			return 0;
		if (!(cp == ' ' || (cp >= '\t' && cp <= '\r') || cp == 0x85)) {
			utf8proc_category_t c = utf8proc_category((utf8proc_int32_t)cp);
			if (c != UTF8PROC_CATEGORY_ZS && c != UTF8PROC_CATEGORY_ZL &&
			    c != UTF8PROC_CATEGORY_ZP)
				return 0;
		}
		i += n;
	}
	return 1;
}

size_t spiral_utf8_count(const char *s, size_t len)
{
	size_t count = 0;

	/* Continuation bytes are not characters of their own. */
	for (size_t i = 0; i < len; i++)
		count += ((unsigned char)s[i] & 0xC0) != 0x80;
	return count;
}

int spiral_text_limit(const char *s, const char *what, size_t max)
{
	size_t count = spiral_utf8_count(s, strlen(s));

	if (count <= max)
		return 0;
	return spiral_error(SPIRAL_ERROR, "%s is %zu characters; at most %zu", what,
			    count, max);
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

/* Measure names become INI keys: letters and digits of any script, never
 * mistaken for syntax, short enough for one line of any inih. */
int spiral_measure_name_valid(const char *s)
{
	size_t len = strlen(s), count = 0, n;
	int after_letter = 0;
	unsigned cp;

	if (len == 0 || len > SPIRAL_MEASURE_NAME_BYTES)
		return 0;
	for (size_t i = 0; i < len; i += n, count++) {
		utf8proc_category_t c;

		if ((n = spiral_utf8_next(s + i, len - i, &cp)) == 0)
			return 0;
		if (cp == '_' || (i > 0 && (cp == '-' || cp == '.'))) {
			after_letter = 0;
			continue;
		}
		c = utf8proc_category((utf8proc_int32_t)cp);
		if (c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO) {
			after_letter = 1;
		} else if (c >= UTF8PROC_CATEGORY_ND && c <= UTF8PROC_CATEGORY_NO) {
			after_letter = 0;
		} else if (c >= UTF8PROC_CATEGORY_MN && c <= UTF8PROC_CATEGORY_ME) {
			if (!after_letter) /* a mark belongs to the letter before */
				return 0;
		} else {
			return 0;
		}
	}
	return count <= SPIRAL_MEASURE_NAME_MAX;
}

int spiral_measure_name_normalize(const char *s, char **out)
{
	utf8proc_uint8_t *nfc;

	*out = NULL;
	if (!spiral_utf8_valid(s, strlen(s)))
		return spiral_error(SPIRAL_EUSAGE, "'%s' is not valid UTF-8", s);
	nfc = utf8proc_NFC((const utf8proc_uint8_t *)s);
	if (!nfc)
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	if (!spiral_measure_name_valid((const char *)nfc)) {
		spiral_error(SPIRAL_EUSAGE,
			     "'%s' is not a measure name: use letters and digits "
			     "of any script and _ (and - . after the first), at "
			     "most %d characters",
			     s, SPIRAL_MEASURE_NAME_MAX);
		free(nfc);
		return SPIRAL_EUSAGE;
	}
	*out = (char *)nfc;
	return 0;
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
	{
		char *typed = strndup(arg, (size_t)(eq - arg));
		int rc;

		if (!typed)
			return spiral_error(SPIRAL_ENOMEM, "out of memory");
		/* NFC: a name typed with a combining macron is the same
		 * measure as one typed with the precomposed letter. */
		rc = spiral_measure_name_normalize(typed, &n);
		free(typed);
		if (rc < 0)
			return rc;
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

void spiral_long_format(long v, char out[32])
{
	char digits[24];
	unsigned long u = v < 0 ? 0ul - (unsigned long)v : (unsigned long)v;
	size_t n = 0, at = 0;

	do {
		digits[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		out[at++] = '-';
	while (n)
		out[at++] = digits[--n];
	out[at] = '\0';
}

void spiral_number_format(double v, char out[40])
{
	int prec = 1;

	/* A whole number, as %g writes it with a digit of precision for
	 * each of its digits: the usual measure, at once. */
	if (fabs(v) < 1e15 && v == (double)(long)v && !(v == 0 && signbit(v))) {
		spiral_long_format((long)v, out);
		return;
	}

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
