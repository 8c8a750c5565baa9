/*
 * fuzz_store: the store loader fed a whole inquiry folder, and everything
 * that shows what it loaded.
 *
 * Input: files, each after a line "=== NAME" (what comes before the first
 * such line is inquiry.ini).  NAME is relative to the inquiry's folder
 * (inquiries/8b/8b415fcf7b79de4146c56c385c5d67b4/), or with a leading '@'
 * to the top of the repository, which lets one input hold several
 * inquiries.  Names with bytes other than A-Z a-z 0-9 . _ - /, or "..",
 * are left out.  A first line "=== !strict" loads as fsck does.
 *
 * The files are written into a temporary repository top, loaded with
 * spiral_store_load, and shown in every format: show (json, text, md),
 * list and log (table, json, csv, md).  JSON must be valid, and no text
 * output may hold a terminal control (C0 but newline and tab, DEL, C1,
 * ESC).  What was loaded, written again by the record writers
 * (spiral_*_serialize) and fed to a second store (spiral_store_add_file),
 * must show the same (show --format json); a record the writers refuse
 * (over a limit) skips that check.  Everything is removed again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "spiral.h"

static const char inquiry_dir[] =
	"inquiries/8b/8b415fcf7b79de4146c56c385c5d67b4/";

static int name_ok(const char *name, size_t len)
{
	static const char ok[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				 "abcdefghijklmnopqrstuvwxyz0123456789._-/";

	if (len == 0 || len > 200 || name[0] == '/' || name[len - 1] == '/')
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!strchr(ok, name[i]) || name[i] == '\0')
			return 0;
	for (size_t i = 0; i + 1 < len; i++)
		if ((name[i] == '.' && name[i + 1] == '.') ||
		    (name[i] == '/' && name[i + 1] == '/'))
			return 0;
	return 1;
}

static int write_piece(const char *top, const char *name, size_t nlen,
		       const char *data, size_t len)
{
	char path[4600];
	int n;

	if (nlen && name[0] == '@')
		n = snprintf(path, sizeof(path), "%s/%.*s", top, (int)nlen - 1,
			     name + 1);
	else
		n = snprintf(path, sizeof(path), "%s/%s%.*s", top, inquiry_dir,
			     (int)nlen, name);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -1;
	return fuzz_write_file(path, data, len);
}

static void check_json(const char *what, const spiral_buf *b)
{
	if (!fuzz_json_valid(b->ptr ? b->ptr : "", b->len))
		fuzz_fail("%s is not valid JSON:\n%s", what, b->ptr ? b->ptr : "");
}

/* CSV ends its records with CRLF (RFC 4180): a CR is allowed there. */
static void check_text(const char *what, const spiral_buf *b, int csv)
{
	const char *s = b->ptr ? b->ptr : "";
	size_t at = 0;

	for (;;) {
		at += fuzz_first_control(s + at, b->len - at, 1, 1);
		if (!(csv && at + 1 < b->len && s[at] == '\r' && s[at + 1] == '\n'))
			break;
		at++;
	}

	if (at < b->len)
		fuzz_fail("%s holds a terminal control (byte 0x%02x at %zu):\n%s",
			  what, (unsigned char)s[at], at, s);
}

static void render(spiral_store *st)
{
	/* A narrow terminal, so tables are cut too. */
	static const spiral_style plain = {"", "", "", "", "", 60};
	static const spiral_format formats[] = {
		SPIRAL_FORMAT_TABLE, SPIRAL_FORMAT_JSON, SPIRAL_FORMAT_CSV,
		SPIRAL_FORMAT_MD};
	static const char *const names[] = {"table", "json", "csv", "md"};
	spiral_filter all;
	const spiral_inquiry **rows = NULL;
	spiral_log_row *log = NULL;
	size_t nrows = 0, nlog = 0;
	int short_len = spiral_store_short_len(st);
	spiral_buf b = SPIRAL_BUF_INIT;
	char what[64];

	spiral_filter_init(&all, SPIRAL_STATUS_ALL);
	for (size_t i = 0; i < st->ninquiries; i++) {
		const spiral_inquiry *inq = &st->inquiries[i];
		spiral_inquiry *found = NULL;
		spiral_lineage lin;
		spiral_next next;

		FUZZ_CHECK(spiral_store_find(st, inq->id, &found) == 0 &&
			   found == inq);
		FUZZ_CHECK(spiral_inquiry_next_seq(inq) >= 1);
		if (spiral_store_lineage(st, inq, &lin) == SPIRAL_ENOMEM)
			abort();
		FUZZ_CHECK(lin.nback < st->ninquiries || st->ninquiries == 0);
		spiral_inquiry_next(inq, NULL, 0, &next);
		if (spiral_next_text(&b, &next, inq->id) == SPIRAL_ENOMEM)
			abort();
		b.len = 0;
		if (spiral_json_show(&b, inq, NULL, &lin) == SPIRAL_ENOMEM)
			abort();
		check_json("show --format json", &b);
		b.len = 0;
		if (spiral_json_summary(&b, inq) == SPIRAL_ENOMEM)
			abort();
		check_json("the JSON summary", &b);
		b.len = 0;
		for (size_t k = 0; k < inq->nentries; k++) {
			if (spiral_json_entry(&b, inq, &inq->entries[k], 1) ==
			    SPIRAL_ENOMEM)
				abort();
			check_json("a JSON entry", &b);
			b.len = 0;
		}
		if (spiral_text_show(&b, inq, short_len, &plain, NULL, &lin) ==
		    SPIRAL_ENOMEM)
			abort();
		check_text("show", &b, 0);
		b.len = 0;
		if (spiral_md_show(&b, inq, NULL, &lin) == SPIRAL_ENOMEM)
			abort();
		check_text("show --format md", &b, 0);
		b.len = 0;
		spiral_lineage_free(&lin);
		for (int cycle = 1; cycle <= inq->cycle && cycle <= 3; cycle++) {
			spiral_measure_summary *m = NULL;
			size_t nm = 0;
			if (spiral_inquiry_measures(inq, cycle, &m, &nm) ==
			    SPIRAL_ENOMEM)
				abort();
			spiral_measures_free(m, nm);
		}
	}
	if (spiral_query_list(st, &all, &rows, &nrows) == SPIRAL_ENOMEM ||
	    spiral_query_log(st, &all, NULL, &log, &nlog) == SPIRAL_ENOMEM)
		abort();
	for (size_t k = 0; k < sizeof(formats) / sizeof(*formats); k++) {
		if (spiral_emit_list(&b, formats[k], rows, nrows, short_len,
				     &plain, &all) == SPIRAL_ENOMEM)
			abort();
		snprintf(what, sizeof(what), "list --format %s", names[k]);
		if (formats[k] == SPIRAL_FORMAT_JSON)
			check_json(what, &b);
		else
			check_text(what, &b, formats[k] == SPIRAL_FORMAT_CSV);
		b.len = 0;
		if (spiral_emit_log(&b, formats[k], log, nlog, short_len, &plain) ==
		    SPIRAL_ENOMEM)
			abort();
		snprintf(what, sizeof(what), "log --format %s", names[k]);
		if (formats[k] == SPIRAL_FORMAT_JSON)
			check_json(what, &b);
		else
			check_text(what, &b, formats[k] == SPIRAL_FORMAT_CSV);
		b.len = 0;
	}
	free(rows);
	free(log);
	spiral_buf_free(&b);
}

/* Adds one serialised record to st2; 1 when the writer refused it. */
static int re_add(spiral_store *st2, const char *path, int rc, spiral_buf *b)
{
	if (rc == SPIRAL_ENOMEM)
		abort();
	if (rc < 0) {
		b->len = 0;
		return 1;
	}
	if (spiral_store_add_file(st2, path, b->ptr ? b->ptr : "", b->len) ==
	    SPIRAL_ENOMEM)
		abort();
	b->len = 0;
	return 0;
}

static void round_trip(const spiral_store *st)
{
	spiral_store st2 = {0};
	spiral_buf b = SPIRAL_BUF_INIT, j1 = SPIRAL_BUF_INIT, j2 = SPIRAL_BUF_INIT;
	int refused = 0;

	for (size_t i = 0; i < st->ninquiries; i++) {
		const spiral_inquiry *inq = &st->inquiries[i];
		char *file = spiral_path_inquiry_file(inq->id);

		if (!file)
			abort();
		refused |= re_add(&st2, file, spiral_inquiry_serialize(inq, &b), &b);
		free(file);
		for (size_t k = 0; k < inq->nentries; k++)
			refused |= re_add(&st2, inq->entries[k].path,
					  spiral_entry_serialize(&inq->entries[k], &b),
					  &b);
		for (size_t k = 0; k < inq->nnotes; k++)
			refused |= re_add(&st2, inq->notes[k].path,
					  spiral_note_serialize(&inq->notes[k], &b), &b);
		for (size_t k = 0; k < inq->nchanges; k++)
			refused |= re_add(&st2, inq->changes[k].path,
					  spiral_change_serialize(&inq->changes[k], &b),
					  &b);
	}
	if (refused)
		goto done;
	if (spiral_store_finish(&st2) == SPIRAL_ENOMEM)
		abort();
	if (st2.nproblems)
		fuzz_fail("a record written again does not load: %s: %s",
			  st2.problems[0].path, st2.problems[0].message);
	FUZZ_CHECK(st2.ninquiries == st->ninquiries);
	for (size_t i = 0; i < st->ninquiries; i++) {
		j1.len = j2.len = 0;
		if (spiral_json_show(&j1, &st->inquiries[i], NULL, NULL) ==
			    SPIRAL_ENOMEM ||
		    spiral_json_show(&j2, &st2.inquiries[i], NULL, NULL) ==
			    SPIRAL_ENOMEM)
			abort();
		if (j1.len != j2.len || memcmp(j1.ptr, j2.ptr, j1.len) != 0)
			fuzz_fail("written again, inquiry %s shows otherwise:\n%s\n"
				  "----\n%s",
				  st->inquiries[i].id, j1.ptr, j2.ptr);
	}
done:
	spiral_store_free(&st2);
	spiral_buf_free(&b);
	spiral_buf_free(&j1);
	spiral_buf_free(&j2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *top = fuzz_tmpdir(), *in = (const char *)data, *piece;
	size_t pos = 0, plen;
	spiral_store st = {0};
	int first = 1, rc;

	if (!top)
		abort();
	if (size >= 11 && memcmp(data, "=== !strict", 11) == 0)
		st.strict = 1;
	if (size >= 4 && memcmp(data, "=== ", 4) == 0) {
		pos = 4;
		first = 0;
	}
	while (fuzz_split(in, size, &pos, "\n=== ", 5, &piece, &plen)) {
		const char *nl, *name = piece;
		size_t nlen;

		if (first) {
			first = 0;
			if (plen)
				write_piece(top, "inquiry.ini", 11, piece, plen);
			continue;
		}
		nl = memchr(piece, '\n', plen);
		nlen = nl ? (size_t)(nl - piece) : plen;
		if (!name_ok(name, nlen))
			continue;
		write_piece(top, name, nlen, nl ? nl + 1 : piece + plen,
			    nl ? plen - nlen - 1 : 0);
	}
	rc = spiral_store_load(&st, top, NULL);
	if (rc == SPIRAL_ENOMEM)
		abort();
	if (rc == 0) {
		render(&st);
		round_trip(&st);
	}
	for (size_t i = 0; i < st.nproblems; i++)
		FUZZ_CHECK(st.problems[i].path && st.problems[i].message);
	spiral_store_free(&st);
	fuzz_rm_contents(top);
	spiral_error_clear();
	return 0;
}
