/* Helpers shared by the fuzz targets: splitting inputs, checking output
 * syntax, temporary folders.  Written for the fuzzers alone: independent
 * of the library, so that a check does not share the bug it looks for. */
#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

void fuzz_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("fuzz: invariant broken: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

char *fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		return NULL;
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

int fuzz_split(const char *data, size_t size, size_t *pos, const char *sep,
	       size_t seplen, const char **piece, size_t *plen)
{
	size_t start = *pos, i;

	if (start > size)
		return 0;
	for (i = start; i + seplen <= size; i++)
		if (memcmp(data + i, sep, seplen) == 0)
			break;
	if (i + seplen > size)
		i = size;
	*piece = data + start;
	*plen = i - start;
	*pos = i + seplen; /* past the end when there was no separator */
	return 1;
}

/* ---- UTF-8 and controls --------------------------------------------- */

/* Length of the valid UTF-8 sequence at s, or 0 (RFC 3629). */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0], cp;
	size_t k;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		k = 2, cp = c & 0x1F;
	else if (c >= 0xE0 && c <= 0xEF)
		k = 3, cp = c & 0x0F;
	else if (c >= 0xF0 && c <= 0xF4)
		k = 4, cp = c & 0x07;
	else
		return 0;
	if (n < k)
		return 0;
	for (size_t i = 1; i < k; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if ((k == 3 && cp < 0x800) || (k == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return k;
}

size_t fuzz_first_control(const char *s, size_t len, int allow_nl,
			  int allow_tab)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k;

	while (i < len) {
		unsigned c = p[i];
		if (c < 0x20 || c == 0x7F) {
			if (!((c == '\n' && allow_nl) || (c == '\t' && allow_tab)))
				return i;
			i++;
			continue;
		}
		k = utf8_len(p + i, len - i);
		if (k == 0) {
			if (c >= 0x80 && c <= 0x9F)
				return i; /* a raw 8-bit C1 control */
			i++;
			continue;
		}
		if (k == 2 && c == 0xC2 && p[i + 1] <= 0x9F)
			return i; /* U+0080..U+009F */
		i += k;
	}
	return len;
}

size_t fuzz_longest_line(const char *s, size_t len)
{
	size_t longest = 0, start = 0;

	for (size_t i = 0; i <= len; i++) {
		if (i == len || s[i] == '\n') {
			if (i - start > longest)
				longest = i - start;
			start = i + 1;
		}
	}
	return longest;
}

/* ---- JSON (RFC 8259) -------------------------------------------------- */

typedef struct json {
	const unsigned char *s;
	size_t len, pos;
	int depth;
} json;

static void json_ws(json *j)
{
	while (j->pos < j->len && strchr(" \t\r\n", j->s[j->pos]) && j->s[j->pos])
		j->pos++;
}

static int json_hex4(json *j)
{
	for (int i = 0; i < 4; i++, j->pos++)
		if (j->pos >= j->len || !strchr("0123456789abcdefABCDEF", j->s[j->pos]) ||
		    !j->s[j->pos])
			return 0;
	return 1;
}

static int json_str(json *j)
{
	size_t k;

	if (j->pos >= j->len || j->s[j->pos] != '"')
		return 0;
	j->pos++;
	while (j->pos < j->len) {
		unsigned c = j->s[j->pos];
		if (c == '"') {
			j->pos++;
			return 1;
		}
		if (c < 0x20)
			return 0;
		if (c == '\\') {
			j->pos++;
			if (j->pos >= j->len)
				return 0;
			c = j->s[j->pos++];
			if (c == 'u') {
				if (!json_hex4(j))
					return 0;
			} else if (!c || !strchr("\"\\/bfnrt", (int)c)) {
				return 0;
			}
			continue;
		}
		k = utf8_len(j->s + j->pos, j->len - j->pos);
		if (!k)
			return 0;
		j->pos += k;
	}
	return 0;
}

static int json_digits(json *j)
{
	size_t start = j->pos;

	while (j->pos < j->len && j->s[j->pos] >= '0' && j->s[j->pos] <= '9')
		j->pos++;
	return j->pos > start;
}

static int json_number(json *j)
{
	if (j->pos < j->len && j->s[j->pos] == '-')
		j->pos++;
	if (j->pos < j->len && j->s[j->pos] == '0')
		j->pos++;
	else if (!json_digits(j))
		return 0;
	if (j->pos < j->len && j->s[j->pos] == '.') {
		j->pos++;
		if (!json_digits(j))
			return 0;
	}
	if (j->pos < j->len && (j->s[j->pos] == 'e' || j->s[j->pos] == 'E')) {
		j->pos++;
		if (j->pos < j->len && (j->s[j->pos] == '+' || j->s[j->pos] == '-'))
			j->pos++;
		if (!json_digits(j))
			return 0;
	}
	return 1;
}

static int json_word(json *j, const char *w)
{
	size_t n = strlen(w);

	if (j->len - j->pos < n || memcmp(j->s + j->pos, w, n) != 0)
		return 0;
	j->pos += n;
	return 1;
}

static int json_value(json *j);

static int json_list(json *j, char close, int object)
{
	j->pos++;
	json_ws(j);
	if (j->pos < j->len && j->s[j->pos] == close) {
		j->pos++;
		return 1;
	}
	for (;;) {
		json_ws(j);
		if (object) {
			if (!json_str(j))
				return 0;
			json_ws(j);
			if (j->pos >= j->len || j->s[j->pos] != ':')
				return 0;
			j->pos++;
		}
		if (!json_value(j))
			return 0;
		json_ws(j);
		if (j->pos >= j->len)
			return 0;
		if (j->s[j->pos] == close) {
			j->pos++;
			return 1;
		}
		if (j->s[j->pos] != ',')
			return 0;
		j->pos++;
	}
}

static int json_value(json *j)
{
	int ok;

	json_ws(j);
	if (j->pos >= j->len)
		return 0;
	switch (j->s[j->pos]) {
	case '"':
		return json_str(j);
	case '{':
	case '[':
		if (++j->depth > 200)
			return 0;
		ok = json_list(j, j->s[j->pos] == '{' ? '}' : ']',
			       j->s[j->pos] == '{');
		j->depth--;
		return ok;
	case 't':
		return json_word(j, "true");
	case 'f':
		return json_word(j, "false");
	case 'n':
		return json_word(j, "null");
	default:
		return json_number(j);
	}
}

int fuzz_json_string_valid(const char *s, size_t len)
{
	json j = {(const unsigned char *)s, len, 0, 0};

	return json_str(&j) && j.pos == len;
}

int fuzz_json_valid(const char *s, size_t len)
{
	json j = {(const unsigned char *)s, len, 0, 0};

	if (!json_value(&j))
		return 0;
	json_ws(&j);
	return j.pos == len;
}

/* ---- temporary files ------------------------------------------------- */

static char tmp_root[4096];

static int rm_one(const char *path, const struct stat *sb, int flag,
		  struct FTW *ftw)
{
	(void)sb, (void)flag;
	if (ftw->level > 0)
		remove(path);
	return 0;
}

void fuzz_rm_contents(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void tmp_cleanup(void)
{
	if (tmp_root[0]) {
		fuzz_rm_contents(tmp_root);
		rmdir(tmp_root);
		tmp_root[0] = '\0';
	}
}

const char *fuzz_tmpdir(void)
{
	const char *base = getenv("TMPDIR");

	if (tmp_root[0])
		return tmp_root;
	if (!base || !*base)
		base = "/tmp";
	if (snprintf(tmp_root, sizeof(tmp_root), "%s/spiral-fuzz-XXXXXX", base) >=
		    (int)sizeof(tmp_root) ||
	    !mkdtemp(tmp_root)) {
		tmp_root[0] = '\0';
		return NULL;
	}
	atexit(tmp_cleanup);
	return tmp_root;
}

int fuzz_write_file(const char *path, const char *data, size_t len)
{
	char *dir = strdup(path), *slash;
	FILE *f;
	size_t done;

	if (!dir)
		return -1;
	/* Make each parent in turn. */
	for (slash = strchr(dir + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
			free(dir);
			return -1;
		}
		*slash = '/';
	}
	free(dir);
	f = fopen(path, "wb");
	if (!f)
		return -1;
	done = len ? fwrite(data, 1, len, f) : 0;
	if (fclose(f) != 0 || done != len)
		return -1;
	return 0;
}
