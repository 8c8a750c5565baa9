/*
 * Shared by the fuzz targets (tests/fuzz/fuzz_*.c).  Each target defines
 * LLVMFuzzerTestOneInput; it is linked either with libFuzzer (meson
 * -Dfuzzing=true, clang) or with standalone.c, which replays files (every
 * normal build: the fuzz-regress test).
 *
 * A target that finds a broken invariant calls fuzz_fail(), which prints
 * why and aborts: libFuzzer then saves the input as a crash.
 */
#ifndef SPIRAL_FUZZ_H
#define SPIRAL_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Prints "fuzz: invariant broken: ..." and aborts. */
_Noreturn void fuzz_fail(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
/* fuzz_fail unless cond, naming the condition and its place. */
#define FUZZ_CHECK(cond)                                                  \
	do {                                                              \
		if (!(cond))                                              \
			fuzz_fail("%s:%d: %s", __FILE__, __LINE__, #cond); \
	} while (0)

/* A copy of data[0..size) with a NUL after it; NULL when out of memory. */
char *fuzz_strndup(const uint8_t *data, size_t size);

/* The next piece of data up to sep (a byte string of seplen bytes) or the
 * end: *piece and *plen get it, *pos moves past the separator.  Returns 0
 * when there was nothing left. */
int fuzz_split(const char *data, size_t size, size_t *pos, const char *sep,
	       size_t seplen, const char **piece, size_t *plen);

/* 1 if s[0..len) is exactly one JSON string literal ("..." with valid
 * escapes, no raw control characters) in valid UTF-8. */
int fuzz_json_string_valid(const char *s, size_t len);
/* 1 if s[0..len) is one JSON value (RFC 8259), white space around it. */
int fuzz_json_valid(const char *s, size_t len);
/* Offset of the first terminal control in s (C0 other than those allowed,
 * DEL, a C1 control in UTF-8 or a raw 8-bit C1 byte, ESC), or len. */
size_t fuzz_first_control(const char *s, size_t len, int allow_nl,
			  int allow_tab);
/* The longest line of s[0..len), in bytes (without its newline). */
size_t fuzz_longest_line(const char *s, size_t len);

/* A private temporary folder for this process, made on first use and
 * removed at exit ($TMPDIR or /tmp); NULL if none can be made. */
const char *fuzz_tmpdir(void);
/* Removes everything inside dir (not dir itself). */
void fuzz_rm_contents(const char *dir);
/* Writes a whole file, making its parent folders; 0 or -1. */
int fuzz_write_file(const char *path, const char *data, size_t len);

#endif
