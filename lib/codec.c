/*
 * The INI codec: how a value is written so that any build of inih reads it
 * back byte for byte, and how it is read back.
 *
 * A file is "[section]" lines and values, a blank line before each section
 * but the first.  A value is a "key = ..." line, then continuation lines
 * indented by two spaces; the text after "key = " and after each indent is
 * a segment.  Keys and section names are 1 to 40 of A-Z a-z 0-9 _ . -.  An
 * empty value is written "key =".  No line is longer than SPIRAL_INI_MAX_LINE
 * (160) bytes; the writer aims at SPIRAL_INI_WRAP (76), indent included.
 *
 * Whatever its build settings, inih strips white space from both ends of
 * every line, takes a line that starts with ';' or '#' for a comment, may
 * end a line at a ';' or '#' that follows white space (an inline comment),
 * skips blank lines, may take a line starting with '[' for a section, and
 * hands over each continuation line by itself.  So a segment is escaped:
 *
 *	\\	backslash	always
 *	\n	newline		always; the segment ends after it
 *	\t	tab		always
 *	\r	carriage return	always
 *	\xHH	every other byte below 0x20, and 0x7f (two lowercase hex digits)
 *	\s	space		only as the first or last character of a segment
 *	\; \#	; and #		only first in a segment or after a raw space
 *	\[	[		only first in a segment
 *
 * Everything else ('=', ':', ']', quotes, every UTF-8 character) is written
 * as it is, so that a file reads as prose.  A reader keeps any other
 * backslash sequence (\q, \x not followed by two hex digits) as it is, so
 * that a hand-typed C:\Users reads as typed; it also takes \xHH in capitals.
 *
 * The segments of a value are joined thus: a segment that ends with a lone
 * backslash (one that starts no escape) is glued to the next, the backslash
 * dropped; a segment that ends with a newline (\n) is followed directly by
 * the next; otherwise one space goes between the two.  Empty segments are
 * ignored, and a lone backslash at the end of a value is dropped.
 *
 * The writer ends a segment after every \n, so that each line of the text
 * starts a line of the file.  It then wraps greedily at single spaces (a
 * space between two non-spaces, neither at the end of the line of text),
 * dropping the space, which the reader puts back.  A word too long for the
 * wrap width runs on to the next single space (or the end of its line of
 * text) while the line stays within 160 bytes.  Text with no such break (a
 * very long URL, a run of spaces) is cut at the wrap width between two
 * characters or escapes, never inside one, and glued with a trailing
 * backslash; what follows a cut is cut again at the wrap width.
 *
 * Reading is tolerant: a BOM, CRLF line ends, blank lines, comments (also
 * between continuation lines), keys in any order, "key: value", and natural
 * continuation lines (joined with one space) are all fine.  Strict where
 * inih cannot be trusted: NUL, invalid UTF-8 and lines that do not fit
 * inih's line buffer are refused rather than half read.  inih keeps only
 * the first 49 bytes of a section name; keys are reported whole.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "internal.h"
#include "spiral.h"

/* Longest key or section name that the writer accepts. */
enum { NAME_MAX_LEN = 40 };

static const char indent[] = "  ";

/* ---- writing ------------------------------------------------------------ */

static int check_name(const char *what, const char *name)
{
	static const char ok[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				 "abcdefghijklmnopqrstuvwxyz0123456789_.-";
	size_t len = strlen(name);

	/* A measure name is a key in any script (spiral(5)). */
	if (strcmp(what, "key") == 0 && spiral_measure_name_valid(name))
		return 0;
	if (len == 0 || len > NAME_MAX_LEN || strspn(name, ok) != len)
		return spiral_error(SPIRAL_ERROR,
				    "invalid %s name '%.60s': use 1 to %d of "
				    "A-Z a-z 0-9 _ . -",
				    what, name, NAME_MAX_LEN);
	return 0;
}

/* Undo a partial write, so that a failed call leaves out as it found it. */
static void buf_truncate(spiral_buf *out, size_t len)
{
	out->len = len;
	if (out->ptr)
		out->ptr[len] = '\0';
}

/* Length of the (already validated) UTF-8 character whose first byte is c. */
static size_t char_len(char c)
{
	unsigned char u = (unsigned char)c;

	if (u < 0x80)
		return 1;
	if (u < 0xE0)
		return 2;
	if (u < 0xF0)
		return 3;
	return 4;
}

static size_t escape(char out[4], char c)
{
	out[0] = '\\';
	out[1] = c;
	return 2;
}

/*
 * Encode the character at v[i] of the segment that starts at v[start] into
 * out (at most 4 bytes) and return its length.  last says whether it ends
 * the segment: a space there would be stripped by inih.
 */
static size_t encode_char(const char *v, size_t i, size_t start, int last,
			  char out[4])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char c = (unsigned char)v[i];
	int first = i == start;
	size_t n;

	switch (c) {
	case '\\':
		return escape(out, '\\');
	case '\n':
		return escape(out, 'n');
	case '\t':
		return escape(out, 't');
	case '\r':
		return escape(out, 'r');
	case ' ':
		if (first || last)
			return escape(out, 's');
		break;
	case ';':
	case '#':
		/* The space before is raw unless it began the segment. */
		if (first || (i - 1 > start && v[i - 1] == ' '))
			return escape(out, (char)c);
		break;
	case '[':
		if (first)
			return escape(out, '[');
		break;
	default:
		if (c < 0x20 || c == 0x7F) {
			out[0] = '\\';
			out[1] = 'x';
			out[2] = hex[c >> 4];
			out[3] = hex[c & 0xF];
			return 4;
		}
		n = char_len((char)c);
		memcpy(out, v + i, n);
		return n;
	}
	out[0] = (char)c;
	return 1;
}

static size_t encoded_len(const char *v, size_t i, size_t start, int last)
{
	char tmp[4];

	return encode_char(v, i, start, last, tmp);
}

/* A space that may become a line break: the reader puts one space back. */
static int single_space(const char *v, size_t start, size_t end, size_t i)
{
	return v[i] == ' ' && i > start && v[i - 1] != ' ' && i + 1 < end &&
	       v[i + 1] != ' ';
}

enum cut { CUT_END, CUT_SPACE, CUT_GLUE };

/*
 * Where the segment that starts at v[start] ends, in the line of text that
 * ends at v[end] (after its newline, if any), when the segment follows
 * `prefix` bytes of key or indent.  Returns the end of the segment; *how
 * says whether a space is dropped after it or a glue marker put.
 */
static size_t find_cut(const char *v, size_t start, size_t end, size_t prefix,
		       int glued, enum cut *how)
{
	/* The rest of a word already cut is cut evenly, not run on. */
	size_t limit = glued ? SPIRAL_INI_WRAP : SPIRAL_INI_MAX_LINE;
	size_t i = start, width = prefix, cut_width, fit = 0, forced = start;

	while (i < end) {
		width += encoded_len(v, i, start, 0);
		i += char_len(v[i]);
		/* A space that ends the segment is written \s: one more byte. */
		cut_width = width + (v[i - 1] == ' ' && i - 1 > start);
		if (cut_width > SPIRAL_INI_WRAP && fit)
			break;
		if (cut_width > limit)
			break;
		if (i == end) {
			*how = CUT_END;
			return end;
		}
		if (single_space(v, start, end, i)) {
			if (cut_width > SPIRAL_INI_WRAP) {
				/* A long word runs on rather than being cut. */
				*how = CUT_SPACE;
				return i;
			}
			fit = i;
		}
		if (cut_width + 1 <= SPIRAL_INI_WRAP)
			forced = i;
	}
	if (fit) {
		*how = CUT_SPACE;
		return fit;
	}
	*how = CUT_GLUE;
	return forced;
}

static int put_segment(spiral_buf *out, const char *v, size_t start,
		       size_t stop, int glue)
{
	char enc[4];
	size_t i, n, len;

	for (i = start; i < stop; i += n) {
		n = char_len(v[i]);
		len = encode_char(v, i, start, i + n == stop, enc);
		if (spiral_buf_put(out, enc, len) < 0)
			return SPIRAL_ENOMEM;
	}
	if (glue && spiral_buf_putc(out, '\\') < 0)
		return SPIRAL_ENOMEM;
	return spiral_buf_putc(out, '\n');
}

/* The end of the line of text that starts at v[start], after its newline. */
static size_t text_line_end(const char *v, size_t start, size_t len)
{
	const char *nl = memchr(v + start, '\n', len - start);

	return nl ? (size_t)(nl - v) + 1 : len;
}

/* Writes a validated key and value. */
static int put_value(spiral_buf *out, const char *key, const char *v,
		     size_t len)
{
	size_t start = 0, end, stop, prefix = strlen(key) + 3;
	enum cut how = CUT_END;

	if (spiral_buf_puts(out, key) < 0)
		return SPIRAL_ENOMEM;
	if (len == 0)
		return spiral_buf_puts(out, " =\n");
	if (spiral_buf_puts(out, " = ") < 0)
		return SPIRAL_ENOMEM;
	while (start < len) {
		end = text_line_end(v, start, len);
		stop = find_cut(v, start, end, prefix, how == CUT_GLUE, &how);
		if (put_segment(out, v, start, stop, how == CUT_GLUE) < 0)
			return SPIRAL_ENOMEM;
		start = how == CUT_SPACE ? stop + 1 : stop;
		if (start < len && spiral_buf_puts(out, indent) < 0)
			return SPIRAL_ENOMEM;
		prefix = strlen(indent);
	}
	return 0;
}

int spiral_ini_section(spiral_buf *out, const char *name)
{
	int rc;

	if ((rc = check_name("section", name)) < 0)
		return rc;
	if (out->len > 0)
		return spiral_buf_printf(out, "\n[%s]\n", name);
	return spiral_buf_printf(out, "[%s]\n", name);
}

int spiral_ini_value(spiral_buf *out, const char *key, const char *value,
		     size_t len)
{
	size_t mark = out->len;
	int rc;

	if ((rc = check_name("key", key)) < 0)
		return rc;
	if ((rc = spiral_text_check(value, len, key)) < 0)
		return rc;
	if ((rc = put_value(out, key, value, len)) < 0)
		buf_truncate(out, mark);
	return rc;
}

/* The end of the paragraph that starts at text[start]: the next "\n\n". */
static size_t paragraph_end(const char *text, size_t start, size_t len)
{
	for (size_t i = start; i + 1 < len; i++)
		if (text[i] == '\n' && text[i + 1] == '\n')
			return i;
	return len;
}

int spiral_ini_text(spiral_buf *out, const char *key, const char *text,
		    size_t len)
{
	size_t mark = out->len, start = 0, end;
	int rc;

	if ((rc = check_name("key", key)) < 0)
		return rc;
	if ((rc = spiral_text_check(text, len, key)) < 0)
		return rc;
	for (;;) {
		end = paragraph_end(text, start, len);
		if ((rc = put_value(out, key, text + start, end - start)) < 0) {
			buf_truncate(out, mark);
			return rc;
		}
		if (end == len)
			return 0;
		start = end + 2;
	}
}

/* ---- reading ------------------------------------------------------------ */

struct parse {
	const char *data;
	size_t len, pos;
	int line;     /* lines handed to inih so far: its line number */
	int indented; /* the line just handed over began with white space */
	int sections; /* lines that began with '[': each resets inih's key */

	/* The value being read: raw segments decoded as they come. */
	int pending;
	const char *section, *key; /* in names: the section, a NUL, the key */
	spiral_buf names;
	int key_line, key_sections;
	spiral_buf value;
	int segments; /* non-empty segments so far */
	int joined;   /* the last one needs no space before the next */

	spiral_ini_cb cb;
	void *user;
	int rc, err_line, by_cb;

	/* With problem set (fsck), each problem of the file is passed on and
	 * the rest of the file is still read. */
	ini_problem_cb problem;
	int kept_line;    /* the first problem passed on */
	int called_line;  /* the last line the handler was called for */
	int content_line; /* the last line handed over, if it held neither
			   * white space, a comment nor a section header */
	size_t content_pos; /* where that line starts */
};

/* A problem of the file (SPIRAL_EFORMAT, its message set): the end of
 * reading, or passed on without its "line N: " (the line goes with it). */
static void parse_fail(struct parse *p, int line, int rc)
{
	if (p->problem && rc == SPIRAL_EFORMAT) {
		const char *msg = spiral_error_message();
		char at[32];
		int n = snprintf(at, sizeof(at), "line %d: ", line);

		if (n > 0 && strncmp(msg, at, (size_t)n) == 0)
			msg += n;
		if (!p->kept_line)
			p->kept_line = line;
		p->problem(p->user, line, msg);
		return;
	}
	p->rc = rc;
	p->err_line = line;
}

static int syntax_error(const struct parse *p, int line);
static int syntax_error_at(const struct parse *p, int line, const char *s);

/* inih calls no handler for a line it cannot read (no '=', a '[' without
 * ']'): the line handed over last was one if it held something and no
 * handler was called for it. */
static void check_skipped(struct parse *p)
{
	int line = p->content_line;

	p->content_line = 0;
	if (p->problem && !p->rc && line && line != p->called_line)
		parse_fail(p, line,
			   syntax_error_at(p, line, p->data + p->content_pos));
}

/* Whether inih hands a line of s[0..n) to the handler or finds it wrong:
 * not white space, a comment or a whole section header (inih's rules). */
static int is_content(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && isspace((unsigned char)s[i]))
		i++;
	if (i == n || s[i] == ';' || s[i] == '#')
		return 0;
	if (s[i] != '[')
		return 1;
	for (i++; i < n; i++) {
		if (s[i] == ']')
			return 0;
		if (s[i] == ';' && isspace((unsigned char)s[i - 1]))
			return 1; /* an inline comment before the ']' */
	}
	return 1;
}

/* A line at fault: the end of reading, or (problems passed on) an empty
 * line in its place, so that inih's line numbers stay right. */
static char *skip_line(struct parse *p, char *str, int num)
{
	if (p->rc || num < 2)
		return NULL;
	p->indented = 0;
	str[0] = '\n';
	str[1] = '\0';
	return str;
}

/*
 * inih's reader: hands over one physical line at a time, refusing what
 * inih would silently mangle (NUL ends its strings; a line longer than its
 * buffer is split or cut), so that nothing is read half-way.
 */
static char *read_line(char *str, int num, void *stream)
{
	struct parse *p = stream;
	const char *s = p->data + p->pos, *nl;
	size_t n = p->len - p->pos;

	check_skipped(p);
	if (p->rc || p->pos >= p->len)
		return NULL;
	if (p->pos == 0 && n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
		s += 3;
		n -= 3;
	}
	nl = memchr(s, '\n', n);
	if (nl)
		n = (size_t)(nl - s);
	p->pos = (size_t)(s - p->data) + n + (nl != NULL);
	p->line++;
	if (n > 0 && s[n - 1] == '\r')
		n--;
	if (memchr(s, '\0', n)) {
		parse_fail(p, p->line, spiral_error(SPIRAL_EFORMAT,
			   "line %d: NUL byte", p->line));
		return skip_line(p, str, num);
	}
	if (!spiral_utf8_valid(s, n)) {
		parse_fail(p, p->line, spiral_error(SPIRAL_EFORMAT,
			   "line %d is not valid UTF-8", p->line));
		return skip_line(p, str, num);
	}
	/* inih's own rule: its buffer holds the line, "\r\n" and a NUL. */
	if (num < 3 || n > (size_t)num - 3) {
		parse_fail(p, p->line, spiral_error(SPIRAL_EFORMAT,
			   "line %d is longer than %d bytes", p->line,
			   num < 3 ? 0 : num - 3));
		return skip_line(p, str, num);
	}
	/* The same test inih makes for a continuation line. */
	p->indented = n > 0 && isspace((unsigned char)s[0]);
	p->sections += n > 0 && s[0] == '[';
	p->content_line = is_content(s, n) ? p->line : 0;
	p->content_pos = (size_t)(s - p->data);
	memcpy(str, s, n);
	str[n] = '\n';
	str[n + 1] = '\0';
	return str;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The byte an escape stands for (s follows the backslash), or -1 if it is
 * not an escape; *used is how many bytes of s it takes. */
static int unescape_one(const char *s, size_t *used)
{
	static const char plain[] = "\\;#[";
	int hi, lo;

	*used = 1;
	switch (*s) {
	case 'n':
		return '\n';
	case 't':
		return '\t';
	case 'r':
		return '\r';
	case 's':
		return ' ';
	case 'x':
		hi = hex_digit(s[1]);
		lo = hi < 0 ? -1 : hex_digit(s[2]);
		if (lo < 0)
			return -1;
		*used = 3;
		return (hi << 4) | lo;
	default:
		if (*s && strchr(plain, *s))
			return (unsigned char)*s;
		return -1;
	}
}

/* Decode one raw segment onto b; *glue says it ended with a lone
 * backslash. */
static int unescape_segment(spiral_buf *b, const char *raw, int *glue)
{
	size_t run, used;
	int c;

	*glue = 0;
	while (*raw) {
		run = strcspn(raw, "\\");
		if (spiral_buf_put(b, raw, run) < 0)
			return SPIRAL_ENOMEM;
		raw += run;
		if (!*raw)
			break;
		raw++;
		if (!*raw) {
			*glue = 1;
			break;
		}
		c = unescape_one(raw, &used);
		if (c < 0) {
			/* Not ours: keep the backslash, read on from the next
			 * character as usual. */
			if (spiral_buf_putc(b, '\\') < 0)
				return SPIRAL_ENOMEM;
			continue;
		}
		if (spiral_buf_putc(b, (char)c) < 0)
			return SPIRAL_ENOMEM;
		raw += used;
	}
	return 0;
}

static int add_segment(struct parse *p, const char *raw)
{
	size_t mark;
	int glue;

	if (!*raw)
		return 0;
	if (p->segments > 0 && !p->joined &&
	    spiral_buf_putc(&p->value, ' ') < 0)
		goto nomem;
	mark = p->value.len;
	if (unescape_segment(&p->value, raw, &glue) < 0)
		goto nomem;
	p->joined = glue || (p->value.len > mark &&
			     p->value.ptr[p->value.len - 1] == '\n');
	p->segments++;
	return 0;
nomem:
	parse_fail(p, p->line, spiral_error(SPIRAL_ENOMEM, "out of memory"));
	return SPIRAL_ENOMEM;
}

/* Hand the value read so far to the callback. */
static int flush(struct parse *p)
{
	const char *v = p->value.ptr ? p->value.ptr : "";
	size_t len = p->value.len;
	int rc;

	if (!p->pending)
		return 0;
	p->pending = 0;
	if (memchr(v, '\0', len)) {
		parse_fail(p, p->key_line, spiral_error(SPIRAL_EFORMAT,
			   "line %d: the value of '%s' holds a NUL byte",
			   p->key_line, p->key));
		return p->rc;
	}
	if (!spiral_utf8_valid(v, len)) {
		parse_fail(p, p->key_line, spiral_error(SPIRAL_EFORMAT,
			   "line %d: the value of '%s' is not valid UTF-8",
			   p->key_line, p->key));
		return p->rc;
	}
	rc = p->cb(p->user, p->section, p->key, v, len, p->key_line);
	if (rc) {
		/* The callback's own code, never passed on. */
		p->rc = rc;
		p->err_line = p->key_line;
		p->by_cb = 1;
	}
	return rc;
}

static int start_value(struct parse *p, const char *section, const char *key)
{
	size_t slen = strlen(section);

	/* No allocation for each key: the names' room is kept. */
	buf_truncate(&p->names, 0);
	spiral_buf_put(&p->names, section, slen + 1);
	spiral_buf_puts(&p->names, key);
	p->section = p->names.ptr;
	p->key = p->names.ptr + slen + 1;
	if (p->names.failed) {
		p->section = p->key = "";
		parse_fail(p, p->line, spiral_error(SPIRAL_ENOMEM,
						    "out of memory"));
		return SPIRAL_ENOMEM;
	}
	p->pending = 1;
	p->key_line = p->line;
	p->key_sections = p->sections;
	buf_truncate(&p->value, 0);
	p->segments = 0;
	p->joined = 0;
	return 0;
}

/*
 * inih's handler, called once per key line and once per continuation line,
 * with the same name for both: the reader's note of the line's indent and
 * of section lines since the key tells them apart.  Returns 0 (an error to
 * inih) once parsing has failed, so that nothing more is delivered.
 */
static int on_line(void *user, const char *section, const char *name,
		   const char *value)
{
	struct parse *p = user;

	p->called_line = p->line;
	if (p->rc)
		return 0;
	if (!name)
		return 1; /* a build that announces each section */
	if (!value) {
		/* A build that allows a name without '=': we do not. */
		parse_fail(p, p->line, spiral_error(SPIRAL_EFORMAT,
			   "line %d: expected 'key = value' or '[section]'",
			   p->line));
		return 0;
	}
	if (p->indented && p->pending && p->key_sections == p->sections)
		return add_segment(p, value) == 0;
	if (flush(p))
		return 0;
	if (!*name) {
		/* inih would take the next indented line for a key of its
		 * own, not a continuation: refuse rather than guess. */
		parse_fail(p, p->line, spiral_error(SPIRAL_EFORMAT,
			   "line %d: a value without a key", p->line));
		return 0;
	}
	if (start_value(p, section, name) < 0)
		return 0;
	return add_segment(p, value) == 0;
}

/* Why inih refused a line: say whether it looks like a section. */
static int syntax_error(const struct parse *p, int line)
{
	const char *s = p->data, *end = p->data + p->len;

	for (int n = 1; n < line && s < end; n++) {
		s = memchr(s, '\n', (size_t)(end - s));
		s = s ? s + 1 : end;
	}
	if (line == 1 && end - s >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
		s += 3;
	return syntax_error_at(p, line, s);
}

/* The same for the line that starts at s. */
static int syntax_error_at(const struct parse *p, int line, const char *s)
{
	const char *end = p->data + p->len;

	while (s < end && *s != '\n' && isspace((unsigned char)*s))
		s++;
	if (s < end && *s == '[')
		return spiral_error(SPIRAL_EFORMAT,
				    "line %d: section header without ']'",
				    line);
	return spiral_error(SPIRAL_EFORMAT,
			    "line %d: expected 'key = value' or '[section]'",
			    line);
}

/* The outcome: a callback's code as it is, else the first line at fault. */
static int parse_result(struct parse *p, int bad, int *err_line)
{
	if (p->problem && !p->rc && (p->kept_line || bad > 0)) {
		/* Each was passed on; a line inih refused that was not seen
		 * as one (another build's rules) is passed on here. */
		if (!p->kept_line)
			parse_fail(p, bad, syntax_error(p, bad));
		*err_line = p->kept_line;
		return SPIRAL_EFORMAT;
	}
	if (p->rc && (p->by_cb || bad <= 0 || p->err_line <= bad)) {
		*err_line = p->err_line;
		return p->rc;
	}
	if (bad > 0) {
		*err_line = bad;
		return syntax_error(p, bad);
	}
	if (bad < 0) {
		*err_line = 0;
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	}
	*err_line = 0;
	return 0;
}

static int parse_ini(const char *data, size_t len, spiral_ini_cb cb,
		     ini_problem_cb problem, void *user, int *err_line)
{
	struct parse p = {0};
	int bad, rc, line;

	p.data = data;
	p.len = len;
	p.cb = cb;
	p.problem = problem;
	p.user = user;
	bad = ini_parse_stream(read_line, &p, on_line, &p);
	check_skipped(&p);
	if (!p.rc)
		flush(&p);
	rc = parse_result(&p, bad, &line);
	if (err_line)
		*err_line = line;
	spiral_buf_free(&p.names);
	spiral_buf_free(&p.value);
	return rc;
}

int spiral_ini_parse(const char *data, size_t len, spiral_ini_cb cb,
		     void *user, int *err_line)
{
	return parse_ini(data, len, cb, NULL, user, err_line);
}

int ini_parse_each(const char *data, size_t len, spiral_ini_cb cb,
		   ini_problem_cb problem, void *user, int *err_line)
{
	return parse_ini(data, len, cb, problem, user, err_line);
}
