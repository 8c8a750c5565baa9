/*
 * libspiral: collaborative inquiry (the Spiral of Inquiry) kept as INI files
 * in a git repository.
 *
 * The library never prints and never exits.  Every fallible function returns
 * 0 or a negative SPIRAL_E* code; the message is kept for the caller
 * (spiral_error_message()) to print once.  Every type that the library
 * allocates has a matching _free.
 *
 * Contents
 *   1. errors and buffers
 *   2. phases, questions and fields: the one table
 *   3. dates, text and IDs
 *   4. the INI codec (values that round-trip through any inih)
 *   5. the model: inquiries, entries, notes, changes, measures
 *   6. the store: loading a repository's files and folding them into state
 *   7. records: serialising what a write command adds
 *   8. the repository: open, init, config, identity, locked commits
 *   9. queries and output (filters, JSON/CSV/Markdown/table emitters)
 *  10. merging files (git's merge driver for hand-edited INI files)
 *  11. the hub: checking pushes to a cluster hub (verify-push)
 */
#ifndef SPIRAL_H
#define SPIRAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define SPIRAL_VERSION "0.1.0"
/* The storage format this library reads and writes (spiral.ini). */
#define SPIRAL_FORMAT 1
/* The libraries spiral runs with, for --version: libgit2's and utf8proc's
 * as loaded, inih's as built (it has no run-time version). */
typedef struct spiral_lib_versions {
	int libgit2_major, libgit2_minor, libgit2_rev;
	const char *inih, *utf8proc;
} spiral_lib_versions;
void spiral_lib_versions_get(spiral_lib_versions *out);

/* ---- 1. errors and buffers ---------------------------------------------- */

enum {
	SPIRAL_OK = 0,
	SPIRAL_ERROR = -1,     /* a failure: exit 1 */
	SPIRAL_EUSAGE = -2,    /* a malformed argument: exit 2 */
	SPIRAL_ENOTFOUND = -3, /* no such inquiry, key or file */
	SPIRAL_EAMBIGUOUS = -4,
	SPIRAL_EEXISTS = -5,
	SPIRAL_ELOCKED = -6, /* another process kept the lock too long */
	SPIRAL_EFORMAT = -7, /* a file that cannot be understood */
	SPIRAL_ENOMEM = -8,
};

/* The message of the last error on this thread ("" if none). */
const char *spiral_error_message(void);
/* Record an error; returns code so that callers can `return spiral_error(...)`. */
int spiral_error(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void spiral_error_clear(void);

/* A growable byte buffer; always NUL-terminated once anything is put.
 * A failed growth sticks: every later put fails too, so a writer of many
 * pieces may check `failed` once at the end instead of after each. */
typedef struct spiral_buf {
	char *ptr;
	size_t len, cap;
	int failed;
	/* Streaming (optional): once SPIRAL_BUF_STREAM bytes are held and
	 * more do not fit, they are handed to flush and dropped, so a large
	 * output takes no more memory than that.  A flush that fails (returns
	 * non-zero) fails the buffer as running out of memory does. */
	int (*flush)(void *ctx, const char *data, size_t len);
	void *flush_ctx;
} spiral_buf;
#define SPIRAL_BUF_INIT {NULL, 0, 0, 0, NULL, NULL}
#define SPIRAL_BUF_STREAM (256 * 1024)
/* Room for extra more bytes and a NUL after len, without putting them. */
int spiral_buf_reserve(spiral_buf *b, size_t extra);
int spiral_buf_put(spiral_buf *b, const void *data, size_t len);
int spiral_buf_puts(spiral_buf *b, const char *s);
int spiral_buf_putc(spiral_buf *b, char c);
int spiral_buf_printf(spiral_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int spiral_buf_vprintf(spiral_buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* Hands what is held to the flush callback (nothing without one). */
int spiral_buf_flush(spiral_buf *b);
/* Hand the bytes to the caller (who frees them) and reset the buffer. */
char *spiral_buf_detach(spiral_buf *b);
void spiral_buf_free(spiral_buf *b);

/* A list of owned strings. */
typedef struct spiral_strv {
	char **v;
	size_t n, cap;
} spiral_strv;
int spiral_strv_push(spiral_strv *sv, const char *s);
int spiral_strv_push_len(spiral_strv *sv, const char *s, size_t len);
int spiral_strv_contains(const spiral_strv *sv, const char *s);
void spiral_strv_sort(spiral_strv *sv);
void spiral_strv_free(spiral_strv *sv);

/* ---- 2. phases, questions and fields: the one table ---------------------- */

typedef enum spiral_phase {
	SPIRAL_SCAN,
	SPIRAL_FOCUS,
	SPIRAL_HUNCH,
	SPIRAL_LEARN,
	SPIRAL_ACT,
	SPIRAL_CHECK,
	SPIRAL_PHASE_COUNT,
	SPIRAL_PHASE_NONE = -1
} spiral_phase;

typedef struct spiral_phase_info {
	const char *name;      /* "scan" */
	const char *summary;   /* one line for help and man pages */
	const char *question;  /* the guiding question, shown by status */
	const char *const *questions; /* every guiding question, NULL-ended */
	int asks_learners;     /* template also carries the learner questions */
} spiral_phase_info;

const spiral_phase_info *spiral_phase_get(spiral_phase p);
/* Exact name match; SPIRAL_PHASE_NONE when unknown. */
spiral_phase spiral_phase_from_name(const char *name);
spiral_phase spiral_phase_next(spiral_phase p);
/* The four questions asked of learners, NULL-ended. */
extern const char *const spiral_learner_questions[];

typedef enum spiral_verdict {
	SPIRAL_VERDICT_NONE = -1,
	SPIRAL_VERDICT_ENOUGH,
	SPIRAL_VERDICT_PARTLY,
	SPIRAL_VERDICT_NOT_ENOUGH,
} spiral_verdict;
const char *spiral_verdict_name(spiral_verdict v); /* NULL for NONE */
spiral_verdict spiral_verdict_from_name(const char *name);

/* Single-valued and set-valued fields of an inquiry, changed by records. */
typedef enum spiral_field {
	SPIRAL_FIELD_TITLE,
	SPIRAL_FIELD_LEARNERS,
	SPIRAL_FIELD_STATUS,
	SPIRAL_FIELD_TAG,
	SPIRAL_FIELD_TEAM,
	SPIRAL_FIELD_COUNT,
	SPIRAL_FIELD_NONE = -1
} spiral_field;
const char *spiral_field_name(spiral_field f);
spiral_field spiral_field_from_name(const char *name);
int spiral_field_is_set(spiral_field f); /* tag, team */

/* ---- 3. dates, text and IDs ------------------------------------------- */

typedef struct spiral_date {
	int64_t time; /* seconds since the epoch, UTC */
	int offset;   /* minutes east of UTC */
} spiral_date;
#define SPIRAL_DATE_LEN 32

/* Every parser accepts only the years 0001 to 9999 (at UTC and at the
 * date's own offset); anything else is SPIRAL_EUSAGE. */
/* What a user types: YYYY-MM-DD (local midnight) or ISO 8601 date-time
 * with optional offset (local time without one), or a day as people say
 * it, any case: "today", "yesterday", "N days ago", "N weeks ago", "last
 * monday" ... "last sunday" (the latest such day before today), read as
 * that day's YYYY-MM-DD.  _at counts those days from the instant now
 * (seconds since the epoch), the others from the clock. */
int spiral_date_parse(const char *s, spiral_date *out);
int spiral_date_parse_at(const char *s, int64_t now, spiral_date *out);
/* What a file holds: as spiral_date_parse, but a date without an offset is
 * UTC, on every machine.  *no_offset (when not NULL) is set to 1 for such a
 * date (fsck warns), else 0. */
int spiral_date_parse_stored(const char *s, spiral_date *out, int *no_offset);
/* A --since/--until bound: a bare YYYY-MM-DD, or a day said in words, is
 * the whole local day, from its first second (end_of_day 0) to its last
 * (1), however many hours it has; anything else as spiral_date_parse. */
int spiral_date_parse_bound(const char *s, int end_of_day, spiral_date *out);
int spiral_date_parse_bound_at(const char *s, int end_of_day, int64_t now,
			       spiral_date *out);
/* As git reads GIT_AUTHOR_DATE: "@secs [+zone]", "secs +zone", ISO 8601,
 * RFC 2822. */
int spiral_date_parse_git(const char *s, spiral_date *out);
/* "2026-03-02T09:00:00+13:00" */
void spiral_date_format(spiral_date d, char out[SPIRAL_DATE_LEN]);
/* "20260301T200000Z", for file names (UTC) */
void spiral_date_stamp(spiral_date d, char out[SPIRAL_DATE_LEN]);
/* "2026-03-02", the local day as recorded */
void spiral_date_day(spiral_date d, char out[SPIRAL_DATE_LEN]);
spiral_date spiral_date_now(void);
int spiral_date_cmp(spiral_date a, spiral_date b);

/* 0 if s[0..len) is valid UTF-8 with no NUL; else SPIRAL_ERROR with a
 * message naming `what` and the byte offset. */
int spiral_text_check(const char *s, size_t len, const char *what);
int spiral_utf8_valid(const char *s, size_t len);
/* The length of the valid UTF-8 sequence at s[0..len) and its code point
 * in *cp, or 0 when the bytes there are not valid UTF-8. */
size_t spiral_utf8_next(const char *s, size_t len, unsigned *cp);
/* s with Unicode's full case folding, composed (NFC), so that text typed in
 * any case, composed or decomposed, compares equal ("TŌTARA" and
 * "tōtara"): for matching, never for storing.  *out is allocated (free()).
 * SPIRAL_ERROR when s is not valid UTF-8. */
int spiral_text_fold(const char *s, char **out);
/* s[0..len) as a search key: folded as spiral_text_fold, and without its
 * accents and other marks, so that "kaupapa maori" finds "kaupapa Māori".
 * *out is allocated (free()). */
int spiral_text_key(const char *s, size_t len, char **out);
/* A code point that is invisible yet changes how text around it shows:
 * format characters (Cf: bidirectional controls, zero-width characters,
 * the BOM, the soft hyphen...) and U+2028/U+2029. */
int spiral_unicode_invisible(unsigned cp);
/* Text as typed into any editor: a leading BOM dropped, CRLF and a lone CR
 * made LF, in place; returns the new length (s is NUL-terminated there). */
size_t spiral_text_unix(char *s, size_t len);
/* 1 when valid UTF-8 s[0..len) holds only white space (ASCII, and Unicode's
 * space, line and paragraph separators such as U+00A0), or nothing. */
int spiral_text_blank(const char *s, size_t len);
/* Characters (code points) of valid UTF-8. */
size_t spiral_utf8_count(const char *s, size_t len);
/* 0 when s has at most max characters, else SPIRAL_ERROR "WHAT is N
 * characters; at most MAX". */
int spiral_text_limit(const char *s, const char *what, size_t max);

/* A fresh random ID: 32 lowercase hex digits (128 bits). */
#define SPIRAL_ID_LEN 32
int spiral_id_new(char out[SPIRAL_ID_LEN + 1]);
int spiral_id_valid(const char *s); /* 32 lowercase hex digits */
/* Shortest prefix (at least 8) that is unique among ids. */
size_t spiral_id_short_len(const char *id, const char *const *ids, size_t n);

/* Measure and tag names.  A measure name is letters and digits of any
 * script (a combining mark after a letter), '_', and '-' '.' after the
 * first: at most SPIRAL_MEASURE_NAME_MAX characters (and
 * SPIRAL_MEASURE_NAME_BYTES bytes, so that "name = number" fits a line). */
#define SPIRAL_MEASURE_NAME_MAX 40
#define SPIRAL_MEASURE_NAME_BYTES 120
int spiral_measure_name_valid(const char *s);
/* The name in NFC (allocated in *out) when it is a valid measure name;
 * else SPIRAL_EUSAGE with a message that says what a name may hold. */
int spiral_measure_name_normalize(const char *s, char **out);
int spiral_tag_valid(const char *s);
/* Parse "NAME=NUMBER"; the name is allocated. SPIRAL_EUSAGE if malformed. */
int spiral_measure_parse(const char *arg, char **name, double *value);
/* Shortest decimal that reads back as the same double. */
void spiral_number_format(double v, char out[40]);
/* v in decimal, as printf's %ld writes it. */
void spiral_long_format(long v, char out[32]);

/* ---- 4. the INI codec --------------------------------------------------- */

/* Writing.  Lines are at most SPIRAL_INI_MAX_LINE bytes; values are escaped
 * and wrapped so that inih, whatever its build settings, reads them back
 * exactly (see spiral(5)). */
#define SPIRAL_INI_MAX_LINE 160
#define SPIRAL_INI_WRAP 76
int spiral_ini_section(spiral_buf *out, const char *name);
int spiral_ini_value(spiral_buf *out, const char *key, const char *value,
		     size_t len);
/* Text with paragraphs: one `key =` per paragraph (split at "\n\n"). */
int spiral_ini_text(spiral_buf *out, const char *key, const char *text,
		    size_t len);

/* Reading.  The callback gets each decoded value once, with the line of its
 * key.  Paragraph keys written by spiral_ini_text come back one by one;
 * spiral_ini_text_join() reassembles them.  Return non-zero from the
 * callback to stop with that code. */
typedef int (*spiral_ini_cb)(void *user, const char *section, const char *key,
			     const char *value, size_t len, int line);
/* Parses data[0..len).  Tolerates a BOM, CRLF, comments, blank lines and
 * keys in any order.  Refuses NUL, invalid UTF-8 and over-long lines.
 * On failure *err_line is the line at fault and the error message says why. */
int spiral_ini_parse(const char *data, size_t len, spiral_ini_cb cb,
		     void *user, int *err_line);

/* ---- 5. the model ------------------------------------------------------- */

typedef struct spiral_kv {
	char *name;
	double value;
} spiral_kv;

typedef struct spiral_kvs {
	spiral_kv *v;
	size_t n, cap;
} spiral_kvs;
/* Set name to value (replacing an existing name). */
int spiral_kvs_set(spiral_kvs *kvs, const char *name, double value);
const spiral_kv *spiral_kvs_get(const spiral_kvs *kvs, const char *name);
void spiral_kvs_free(spiral_kvs *kvs);

/* Who did it.  Strings owned. */
typedef struct spiral_who {
	char *author, *email, *school;
} spiral_who;

/* Every record carries seq, a Lamport counter: one more than the largest seq
 * its writer had loaded of that inquiry (spiral_inquiry_next_seq).  A file
 * without one (written before seq existed, or by hand) reads as seq 0. */
#define SPIRAL_SEQ_MAX 9007199254740992LL /* 2^53: exact in any JSON reader */

/* What one inquiry may hold (spiral(5), LIMITS), besides files of at most
 * 1 MiB: far above any real use, low enough that no repository can make a
 * command slow.  Reading past a limit is a problem (path and line) and the
 * rest is still read; writing past one is refused with nothing written. */
#define SPIRAL_MAX_RECORDS 10000 /* files in each of entries/ notes/ changes/ */
#define SPIRAL_MAX_PARENTS 100   /* parents of one change */
#define SPIRAL_MAX_VALUES 1000   /* tags, team members, evidence items */
#define SPIRAL_MAX_MEASURES 100  /* measures, and targets, of one entry */
/* Characters (code points) of one value, checked when written; a longer
 * value from elsewhere is still read (fsck notes it). */
#define SPIRAL_MAX_TITLE 200     /* an inquiry's title */
#define SPIRAL_MAX_LEARNERS 200  /* its learners */
#define SPIRAL_MAX_EVIDENCE 2000 /* one evidence item */

typedef struct spiral_entry {
	char id[SPIRAL_ID_LEN + 1];
	spiral_phase phase; /* here, where the id leaves room (100,000 loaded) */
	char *path; /* relative to the work tree */
	int64_t seq;
	spiral_date date;
	spiral_who who;
	int cycle;
	int new_cycle; /* check --new-cycle: later entries start cycle+1 */
	spiral_verdict verdict;
	char *text;
	spiral_strv evidence;
	spiral_kvs measures, targets;
} spiral_entry;

typedef struct spiral_note {
	char id[SPIRAL_ID_LEN + 1];
	char *path;
	int64_t seq;
	spiral_date date;
	spiral_who who;
	char *text;
} spiral_note;

typedef enum spiral_op { SPIRAL_OP_SET, SPIRAL_OP_ADD, SPIRAL_OP_REMOVE } spiral_op;
const char *spiral_op_name(spiral_op op);

/* One edit of one field.  For set: parents are the edits of that field it
 * saw (its heads).  For remove: parents are the additions of that value it
 * saw (an inquiry's initial tags and team count as additions whose id is the
 * inquiry's id). */
typedef struct spiral_change {
	char id[SPIRAL_ID_LEN + 1];
	char *path;
	int64_t seq;
	spiral_date date;
	spiral_who who;
	spiral_field field;
	spiral_op op;
	char *value;
	spiral_strv parents;
} spiral_change;

/* A single-valued field with more than one head. */
typedef struct spiral_conflict {
	spiral_field field;
	spiral_strv values; /* head values, oldest first, distinct */
	spiral_strv heads;  /* head change ids, same order as values */
} spiral_conflict;

/* Per-cycle summary of one measure.  has_* say which numbers exist.
 * target is the cycle's own (the contract's); when the cycle set none, the
 * last target of the latest earlier cycle that set one (carried_cycle) is
 * carried over, with the progress against it.  Either target is left out
 * when it equals the baseline. */
typedef struct spiral_measure_summary {
	char *name;
	int has_baseline, has_target, has_latest, has_progress;
	double baseline, target, latest, progress;
	int has_carried, has_carried_progress, carried_cycle;
	double carried_target, carried_progress;
} spiral_measure_summary;

/* One cycle of an inquiry: the dates of its first and last entries (none
 * before its first entry; no end while it is the current cycle), the
 * verdict of its last check that gave one, and its measures. */
typedef struct spiral_cycle {
	int cycle;
	int has_started, has_ended;
	spiral_date started, ended;
	spiral_verdict verdict;
	spiral_measure_summary *measures; /* sorted by name */
	size_t nmeasures;
} spiral_cycle;

typedef struct spiral_inquiry {
	char id[SPIRAL_ID_LEN + 1];
	char *dir; /* inquiries/4f/4f1c... relative to the work tree */
	/* As created (inquiry.ini). */
	char *title0, *learners0, *continues;
	spiral_date created;
	spiral_who who;
	spiral_strv tags0, team0;
	/* Records, each kind sorted by (seq, date, id): a record after all
	 * its writer had seen, concurrent ones by date, then id. */
	spiral_entry *entries;
	size_t nentries;
	spiral_note *notes;
	size_t nnotes;
	spiral_change *changes;
	size_t nchanges;
	/* Folded state (spiral_inquiry_fold). */
	const char *title, *learners, *status; /* point into records */
	int closed;
	spiral_strv tags, team; /* sorted */
	spiral_conflict *conflicts;
	size_t nconflicts;
	spiral_strv heads[SPIRAL_FIELD_COUNT]; /* of single-valued fields */
	spiral_phase phase; /* of the last entry in that order, or NONE */
	int cycle;          /* the cycle the inquiry is in now */
	spiral_date updated;    /* latest date of any record, or created */
	spiral_date last_entry; /* latest date of an entry, or created */
	/* Bit (1u << field) per set whose values went past SPIRAL_MAX_VALUES:
	 * only the first, in the records' order, are kept. */
	unsigned over_limit;
	/* A summary (a load with SPIRAL_LOAD_SUMMARY, from the cache): the
	 * folded state above without the records, whose numbers are in
	 * counts (entries, notes, changes), nor heads (a write loads its
	 * inquiry whole); title, learners and status point into owned. */
	int summary;
	size_t counts[3];
	char *owned[3];
	/* Loaded from the cache whole: the strings and arrays of its
	 * records and of what is read from the summary (all but dir, the
	 * conflicts' array and heads) are not the inquiry's but the store's
	 * (the cache file, mapped, and room taken with it), valid as long as
	 * the store; read-only. */
	int borrowed;
} spiral_inquiry;
/* How many entries inq has, whether its records are loaded or not. */
size_t spiral_inquiry_entry_count(const spiral_inquiry *inq);

/* Recompute the folded state from the records (deterministic: the same on
 * every machine whatever the order the files arrived in). */
int spiral_inquiry_fold(spiral_inquiry *inq);
/* The seq of a record written now: 1 + the largest seq among the inquiry's
 * entries, notes and changes as loaded (the inquiry itself counts as 0). */
int64_t spiral_inquiry_next_seq(const spiral_inquiry *inq);
/* Measures of one cycle, sorted by name.  Caller frees with
 * spiral_measures_free. */
int spiral_inquiry_measures(const spiral_inquiry *inq, int cycle,
			    spiral_measure_summary **out, size_t *n);
void spiral_measures_free(spiral_measure_summary *m, size_t n);
/* Every cycle that has entries, and the current one, oldest first, each
 * with its measures as spiral_inquiry_measures gives them.  Caller frees
 * with spiral_cycles_free. */
int spiral_inquiry_cycles(const spiral_inquiry *inq, spiral_cycle **out,
			  size_t *n);
void spiral_cycles_free(spiral_cycle *c, size_t n);

/* What comes next (next.c): the spiral's next phase, or after a check the
 * decision its verdict calls for. */
typedef enum spiral_next_kind {
	SPIRAL_NEXT_PHASE,     /* log the next phase (after check --new-cycle:
				* the new cycle's scan) */
	SPIRAL_NEXT_VERDICT,   /* a check without verdict: answer its question */
	SPIRAL_NEXT_CLOSE,     /* enough: close, or carry it to new learners */
	SPIRAL_NEXT_NEW_CYCLE, /* partly, not-enough: start the next cycle */
	SPIRAL_NEXT_REOPEN,    /* the inquiry is closed */
} spiral_next_kind;
typedef struct spiral_next {
	spiral_next_kind kind;
	spiral_phase phase;     /* the phase to log (PHASE, VERDICT, NEW_CYCLE) */
	spiral_verdict verdict; /* of the last entry */
	int cycle;              /* the cycle the next entry goes in */
} spiral_next;
/* From the inquiry's last entry in causal order, or from `added` when not
 * NULL (an entry just written: its seq puts it last), and with closing set
 * as if the inquiry were closed by it. */
void spiral_inquiry_next(const spiral_inquiry *inq, const spiral_entry *added,
			 int closing, spiral_next *out);
/* "phase", "verdict", "close", "new-cycle", "reopen". */
const char *spiral_next_name(spiral_next_kind kind);
/* The commands that carry it out, for the inquiry shown as id. */
int spiral_next_commands(const spiral_next *next, const char *id,
			 spiral_strv *out);
/* For people: a "Next: ..." line (or that the inquiry is closed), then the
 * commands, indented. */
int spiral_next_text(spiral_buf *out, const spiral_next *next, const char *id);
/* For a write, before it adds to inq: 0 when one more record fits in its
 * folder `folder` ("entries", "notes" or "changes") and, when f is tag or
 * team and value is not already in that set, one more value fits in the
 * set; else SPIRAL_ERROR naming the limit (spiral(5), LIMITS). */
int spiral_inquiry_room(const spiral_inquiry *inq, const char *folder,
			spiral_field f, const char *value);
/* The same for adding all of `adds` (values of tag or team, one change
 * each) at once: they are counted together, as one edit writes them. */
int spiral_inquiry_room_many(const spiral_inquiry *inq, spiral_field f,
			     const spiral_strv *adds);
/* The set-additions of `value` in field tag/team still standing (for the
 * parents of a removal). */
int spiral_inquiry_set_adds(const spiral_inquiry *inq, spiral_field field,
			    const char *value, spiral_strv *out);
void spiral_inquiry_free(spiral_inquiry *inq);

/* ---- 6. the store ------------------------------------------------------- */

/* A problem found while loading: the rest keeps working. */
typedef struct spiral_problem {
	char *path;
	int line; /* 0 when the problem is not on a line */
	char *message;
} spiral_problem;

typedef struct spiral_store {
	spiral_inquiry *inquiries; /* sorted by id */
	size_t ninquiries, cap;
	spiral_problem *problems;
	size_t nproblems, pcap;
	int strict; /* fsck: also report unknown keys and sections */
	/* The inquiry folders a full load found, readable or not, sorted:
	 * what prefixes are resolved and shortened against. */
	spiral_strv ids;
	size_t *slots, nslots; /* while loading: id to inquiry (store.c) */
	struct store_keep *keep; /* what borrowed records live in (cache.c) */
} spiral_store;

/* The loader is fed files by path and contents, so that it could be fed from
 * a cache, a git tree or the work tree alike.  Paths are relative to the top
 * of the repository, '/'-separated.  A file that cannot be understood is
 * recorded as a problem, not returned as an error. */
int spiral_store_add_file(spiral_store *st, const char *path, const char *data,
			  size_t len);
/* Sort records and fold every inquiry. */
int spiral_store_finish(spiral_store *st);
/* Load every inquiry under the work tree top (or only the one whose full id
 * is `only`, when not NULL). */
int spiral_store_load(spiral_store *st, const char *top, const char *only);
/* Load every inquiry as committed at HEAD, through the cache of parsed
 * inquiries in the git folder (cache.c): only the inquiries whose tree
 * changed since the cache was written are read, from git's objects; the
 * cache is then brought up to date (quietly not, when it cannot be
 * written).  Hand edits not committed are not seen: spiral_store_load
 * reads the work tree.  With SPIRAL_LOAD_SUMMARY the inquiries from the
 * cache come without their records (spiral_inquiry.summary). */
#define SPIRAL_LOAD_SUMMARY 1u
typedef struct spiral_repo spiral_repo;
int spiral_store_load_repo(spiral_store *st, spiral_repo *r, unsigned flags);
/* As a summary load, but for spiral_store_lineage of inq only: when the
 * cache is up to date, just the inquiries that lineage walks are loaded
 * (and st->ids holds theirs only); else every summary. */
int spiral_store_load_lineage(spiral_store *st, spiral_repo *r,
			      const spiral_inquiry *inq);
/* Find an inquiry by full id or unique prefix of at least 4 characters,
 * among st->ids (as spiral_resolve_id); one that did not load is an error
 * that quotes its first problem. */
int spiral_store_find(spiral_store *st, const char *prefix,
		      spiral_inquiry **out);
/* --continues both ways (lineage.c): back holds the inquiries inq
 * continues, nearest first, as far as they are loaded; the walk stops at a
 * link to an inquiry not in st (missing: its id) or back to one already
 * walked (loop: its id).  forward holds those that continue inq, oldest
 * first.  Pointers into st; free with spiral_lineage_free. */
typedef struct spiral_lineage {
	const spiral_inquiry **back, **forward;
	size_t nback, nforward;
	const char *missing, *loop;
} spiral_lineage;
int spiral_store_lineage(const spiral_store *st, const spiral_inquiry *inq,
			 spiral_lineage *out);
void spiral_lineage_free(spiral_lineage *l);
void spiral_store_problem(spiral_store *st, const char *path, int line,
			  const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void spiral_store_free(spiral_store *st);

/* Layout: where records live (see spiral(5)). Results are allocated. */
char *spiral_path_inquiry_dir(const char *id);
char *spiral_path_inquiry_file(const char *id);
char *spiral_path_entry(const char *inq, const spiral_entry *e);
char *spiral_path_note(const char *inq, const spiral_note *n);
char *spiral_path_change(const char *inq, const spiral_change *c);
/* Full inquiry IDs present under top/inquiries, sorted. */
int spiral_list_ids(const char *top, spiral_strv *out);
/* The same, only those sharing the first two hex digits of prefix (its
 * fan folder): all that can share a prefix with it, as resolving or
 * shortening one id needs. */
int spiral_list_fan_ids(const char *top, const char *prefix, spiral_strv *out);
/* Resolve an ID prefix against the ids on disk. */
int spiral_resolve_id(const char *top, const char *prefix, char **full);

/* ---- 7. records --------------------------------------------------------- */

int spiral_repository_serialize(spiral_buf *out);
int spiral_gitattributes_serialize(spiral_buf *out);
int spiral_inquiry_serialize(const spiral_inquiry *inq, spiral_buf *out);
int spiral_entry_serialize(const spiral_entry *e, spiral_buf *out);
int spiral_note_serialize(const spiral_note *n, spiral_buf *out);
int spiral_change_serialize(const spiral_change *c, spiral_buf *out);
void spiral_entry_free(spiral_entry *e);
void spiral_note_free(spiral_note *n);
void spiral_change_free(spiral_change *c);
void spiral_who_free(spiral_who *w);

/* ---- 8. the repository -------------------------------------------------- */

typedef struct spiral_repo spiral_repo;

/* Open the repository containing `path` (searching upwards), or the one in
 * $SPIRAL_DIR when path is NULL and it is set, else the current directory. */
int spiral_repo_open(spiral_repo **out, const char *path);
/* Create (or adopt) a repository at path; commits spiral.ini on first use.
 * *created is 1 when a commit was made. */
int spiral_repo_init(spiral_repo **out, const char *path, int *created);
const char *spiral_repo_top(const spiral_repo *r); /* work tree, no slash */
void spiral_repo_free(spiral_repo *r);
/* What a command that worked could not finish (a work tree or index left
 * for the next command to update), one line each; NULL when nothing. */
const char *spiral_repo_warning(const spiral_repo *r);
/* How this program is named to a command that waits for its lock
 * ("spiral pull origin"); control characters become spaces, long text is cut. */
void spiral_set_program(const char *description);

/* Clone-local settings (kept in .git/config, never committed). */
typedef struct spiral_config_key {
	const char *name;     /* as the user types it: "school" */
	const char *git_name; /* in .git/config: "spiral.school" */
	const char *help;
} spiral_config_key;
extern const spiral_config_key spiral_config_keys[]; /* NULL-ended */
const spiral_config_key *spiral_config_key_find(const char *name);
/* *value is allocated, or NULL when unset (still 0). */
int spiral_config_get(spiral_repo *r, const char *name, char **value);
int spiral_config_set(spiral_repo *r, const char *name, const char *value);
/* Set (or with NULL unset) a key in the user's own git configuration
 * (~/.gitconfig), as git config --global; needs no repository. */
int spiral_config_set_global(const char *name, const char *value);
/* What set and set_global check of a value: valid UTF-8, one line, and
 * for school, cluster, user.name and user.email not blank (SPIRAL_EUSAGE,
 * with what to give instead). */
int spiral_config_check(const char *name, const char *value);

/* The author of a write: git identity (env overrides) and the clone's school.
 * With r NULL, the user's configuration alone (no school).  Fails with a
 * message saying how to set what is missing. */
int spiral_identity(spiral_repo *r, spiral_who *out);
/* The date of a write: GIT_AUTHOR_DATE if set, else now; never shifted
 * (records are ordered by seq, not by date). */
int spiral_write_date(spiral_date *out);

/* A write: files to add and a message, committed as one commit under the
 * repository's lock.  Files are only ever added, never rewritten. */
typedef struct spiral_txn spiral_txn;
int spiral_txn_begin(spiral_repo *r, spiral_txn **out);
int spiral_txn_add(spiral_txn *t, const char *path, const char *data,
		   size_t len);
/* Commits, updates HEAD, the index and the work tree; releases the lock. */
int spiral_txn_commit(spiral_txn *t, const char *message, const spiral_who *who,
		      char out_commit[41]);
/* Releases the lock without writing anything. */
void spiral_txn_free(spiral_txn *t);

/* Commits to push (ahead) and to pull (behind) against the current branch's
 * upstream; SPIRAL_ENOTFOUND when there is none. */
int spiral_repo_tracking(spiral_repo *r, char **upstream, size_t *ahead,
			 size_t *behind);

/* Adding records to a write (write.c).  The record's who is borrowed. */
int spiral_txn_add_inquiry(spiral_txn *t, const spiral_inquiry *inq);
int spiral_txn_add_entry(spiral_txn *t, const char *inquiry,
			 const spiral_entry *e);
int spiral_txn_add_note(spiral_txn *t, const char *inquiry, const spiral_note *n);
/* Field edits: return 1 when a change record was added, 0 when the inquiry
 * already had that value (nothing to write). */
int spiral_edit_set(spiral_txn *t, const spiral_inquiry *inq, spiral_field f,
		    const char *value, const spiral_who *who, spiral_date date);
int spiral_edit_add(spiral_txn *t, const spiral_inquiry *inq, spiral_field f,
		    const char *value, const spiral_who *who, spiral_date date);
int spiral_edit_remove(spiral_txn *t, const spiral_inquiry *inq, spiral_field f,
		       const char *value, const spiral_who *who, spiral_date date);

/* Paths that differ from HEAD in the work tree (hand edits), under
 * inquiries/ and spiral.ini. */
int spiral_repo_changed(spiral_repo *r, spiral_strv *out);

/* ---- 8a. moving inquiries in and out (transfer.c, csvimport.c) --------- */

/* The shape of export's document (spiral-export(1)); import reads it. */
#define SPIRAL_EXPORT_VERSION 1
/* Every inquiry of st and every record of it, as stored (ids, seq, dates,
 * authors, changes with their parents), as one JSON document. */
int spiral_export_json(spiral_buf *out, const spiral_store *st);

/* What an import added, and the records it found already there. */
typedef struct spiral_import_result {
	size_t inquiries, entries, notes, changes, skipped;
} spiral_import_result;
/* Reads a document of spiral_export_json into t (st: the repository as
 * loaded under t's lock).  Every record keeps its id, seq, dates and
 * authors and is validated as a pulled file is; one the repository has
 * with the same content is skipped, one with the same id and other
 * content is SPIRAL_EEXISTS naming it.  With t NULL, only checks.  On any
 * error nothing is added to t that should be committed: free t. */
int spiral_import_json(spiral_txn *t, const spiral_store *st, const char *data,
		       size_t len, spiral_import_result *res);

/* The column layouts of a spreadsheet (spiral-import(1)). */
typedef enum spiral_csv_layout {
	SPIRAL_LAYOUT_AUTO,    /* from the header */
	SPIRAL_LAYOUT_ENTRIES, /* one row per entry */
	SPIRAL_LAYOUT_PHASES,  /* one row per inquiry, a column per phase */
} spiral_csv_layout;
/* "entries", "phases"; SPIRAL_EUSAGE for anything else. */
int spiral_csv_layout_from_name(const char *name, spiral_csv_layout *out);
/* Reads a spreadsheet saved as CSV into t (or with t NULL, checks it).
 * who: the author of rows without one, and the school of rows without
 * one.  Every row is checked first: each bad one adds "row N: why" to
 * problems and the return is SPIRAL_EFORMAT, with nothing added.  IDs are
 * derived from the rows' content, so that a second import of the same
 * rows adds nothing. */
int spiral_import_csv(spiral_txn *t, const spiral_store *st, const char *data,
		      size_t len, spiral_csv_layout layout, const spiral_who *who,
		      spiral_strv *problems, spiral_import_result *res);

/* ---- 8b. sharing: remotes, clone, pull, push (remote.c, pull.c) --------- */

/* What the front end lends a transfer.  prompt asks for a login (only on a
 * terminal: leave it NULL elsewhere) and returns 0 with both strings
 * allocated; progress reports objects received.  remote_says gets each
 * line the remote sends during a push (a hub's hook giving its reasons),
 * without its line end: text from the remote, to be made visible
 * (spiral_visible) before it is printed. */
typedef struct spiral_remote_cb {
	int (*prompt)(void *user, const char *url, const char *username,
		      char **out_user, char **out_pass);
	void (*progress)(void *user, size_t received, size_t total, size_t bytes);
	void *user;
	void (*remote_says)(void *user, const char *line);
} spiral_remote_cb;

int spiral_remote_list(spiral_repo *r, spiral_strv *names, spiral_strv *urls);
int spiral_remote_url(spiral_repo *r, const char *name, char **url);
int spiral_remote_add(spiral_repo *r, const char *name, const char *url);
int spiral_remote_remove(spiral_repo *r, const char *name);
int spiral_remote_rename(spiral_repo *r, const char *from, const char *to);
/* The current branch's upstream remote, else origin, else the only one. */
int spiral_remote_default(spiral_repo *r, char **name);
/* A URL as it may be shown (printed, logged, put in a commit message): a
 * password in it is left out, as git does.  Allocated; NULL when out of
 * memory. */
char *spiral_url_shown(const char *url);

/* Commits to push and to pull against each remote's copy of the current
 * branch, as of the last fetch (known is 0 when there is none). */
typedef struct spiral_tracking {
	char *name, *url;
	int known;
	size_t ahead, behind;
} spiral_tracking;
int spiral_remote_tracking(spiral_repo *r, spiral_tracking **out, size_t *n);
void spiral_tracking_free(spiral_tracking *t, size_t n);

typedef struct spiral_push_result {
	char *url;
	int up_to_date;   /* the remote had it all */
	int upstream_set; /* the branch now tracks REMOTE/BRANCH */
} spiral_push_result;
int spiral_push(spiral_repo *r, const char *remote, const spiral_remote_cb *cb,
		spiral_push_result *res);
void spiral_push_result_free(spiral_push_result *res);

/* What a pull brought, per school. */
typedef struct spiral_arrival {
	char *school;
	size_t inquiries, entries, notes, changes;
} spiral_arrival;

/* A field conflict that the pull made. */
typedef struct spiral_new_conflict {
	char id[SPIRAL_ID_LEN + 1];
	char *title;
	spiral_field field;
	spiral_strv values;
} spiral_new_conflict;

typedef struct spiral_pull_result {
	char *url;
	int empty;        /* the remote has no commits yet */
	int up_to_date;   /* nothing new */
	int fast_forward; /* HEAD moved to the remote's commit */
	spiral_strv skipped; /* "PATH: why": refused files, left out */
	spiral_strv kept;    /* files the other side deleted, kept here */
	spiral_strv merged;  /* files both sides changed, merged by key */
	spiral_arrival *arrivals;
	size_t narrivals;
	spiral_new_conflict *conflicts;
	size_t nconflicts;
} spiral_pull_result;

/* Fetches REMOTE's default branch and merges it under the repository's
 * lock: records as a union, every incoming file validated first (see
 * spiral(5)).  A remote that is not a spiral repository, or of a newer
 * format, is refused with nothing changed. */
int spiral_pull(spiral_repo *r, const char *remote, const spiral_who *who,
		const spiral_remote_cb *cb, spiral_pull_result *res);
void spiral_pull_result_free(spiral_pull_result *res);

/* Clones url into dir (which must not exist or be empty) as a pull into a
 * new repository; on failure nothing is left behind.  res as for pull. */
int spiral_clone(const char *url, const char *dir, const spiral_remote_cb *cb,
		 spiral_repo **out, spiral_pull_result *res);
/* Registers spiral merge-file as the clone's merge driver (.git/config). */
int spiral_repo_register_driver(spiral_repo *r);

/* ---- 9. queries and output ---------------------------------------------- */

typedef enum spiral_status_filter {
	SPIRAL_STATUS_ACTIVE,
	SPIRAL_STATUS_CLOSED,
	SPIRAL_STATUS_ALL
} spiral_status_filter;

/* The filters shared by every reading command.  A filter given several
 * values means any of them; different filters must all match.  Empty
 * lists and phases 0 select everything. */
typedef struct spiral_filter {
	spiral_strv schools; /* the inquiry's school, folded (spiral_text_fold) */
	spiral_strv tags;    /* the inquiry has one of these tags, exactly */
	spiral_strv authors; /* folded; a substring of name or email */
	unsigned phases;     /* 1u << phase for each phase asked for */
	spiral_status_filter status;
	int has_since, has_until;
	spiral_date since, until;
	int stalled_days; /* -1: no filter */
	int64_t now;      /* for --stalled */
} spiral_filter;

void spiral_filter_init(spiral_filter *f, spiral_status_filter status);
/* Add a value to a filter: schools and authors match whatever their case
 * and Unicode normalisation (spiral_text_fold), tags exactly.  SPIRAL_ERROR
 * for text that is not valid UTF-8. */
int spiral_filter_add_school(spiral_filter *f, const char *school);
int spiral_filter_add_author(spiral_filter *f, const char *author);
int spiral_filter_add_tag(spiral_filter *f, const char *tag);
void spiral_filter_add_phase(spiral_filter *f, spiral_phase p);
void spiral_filter_free(spiral_filter *f);
/* --since/--until values: spiral_date_parse_bound (section 3). */
/* No entry for `days` days (counting from creation when there is none). */
int spiral_inquiry_stalled(const spiral_inquiry *inq, int days, int64_t now);
/* Whole days from the last entry (or the creation) to now; 0 at least. */
int spiral_inquiry_days_idle(const spiral_inquiry *inq, int64_t now);
int spiral_inquiry_matches(const spiral_filter *f, const spiral_inquiry *inq);
/* An entry's or note's own fields (phase, author, dates); f may be NULL. */
int spiral_entry_selected(const spiral_filter *f, const spiral_entry *e);
int spiral_note_selected(const spiral_filter *f, const spiral_note *n);
int spiral_entry_matches(const spiral_filter *f, const spiral_inquiry *inq,
			 const spiral_entry *e);
int spiral_note_matches(const spiral_filter *f, const spiral_inquiry *inq,
			const spiral_note *n);

/* list: matching inquiries, most recently active first.  Free *out. */
int spiral_query_list(const spiral_store *st, const spiral_filter *f,
		      const spiral_inquiry ***out, size_t *n);

typedef struct spiral_log_row {
	const spiral_inquiry *inquiry;
	const spiral_entry *entry;
} spiral_log_row;
/* log: matching entries (of one inquiry when only is set), newest first. */
int spiral_query_log(const spiral_store *st, const spiral_filter *f,
		     const char *only, spiral_log_row **out, size_t *n);

/* search and match (search.c).  A hit is a document: an inquiry's own
 * title and learners (entry and note NULL), an entry's text and evidence,
 * or a note.  Pointers into the store; snippet allocated. */
typedef struct spiral_hit {
	const spiral_inquiry *inquiry;
	const spiral_entry *entry;
	const spiral_note *note;
	double score;  /* BM25, rounded to 3 decimals */
	char *snippet; /* one line of the original text around the first match */
} spiral_hit;
/* Documents that hold every word of query (case, accents and marks
 * ignored: spiral_text_key), best first by BM25, ties by inquiry id and
 * then by record id.  Inquiries as spiral_inquiry_matches, entries as
 * spiral_entry_matches, notes as spiral_note_matches select them.
 * SPIRAL_EUSAGE when the query holds no word. */
int spiral_search(const spiral_store *st, const spiral_filter *f,
		  const char *query, spiral_hit **out, size_t *n);
void spiral_hits_free(spiral_hit *hits, size_t n);

/* What another inquiry (or school) shares with one: shared tags, words of
 * the learners, and the cosine of TF-IDF over the text of scan, focus and
 * hunch entries.  inquiry is NULL for a school. */
typedef struct spiral_match {
	const spiral_inquiry *inquiry;
	char *school;        /* as the inquiry (the school's first) spells it */
	double score;        /* 0 to 1, rounded to 3 decimals */
	spiral_strv reasons; /* "shared tag: writing", "shared words: talk, ..." */
} spiral_match;
/* Inquiries of other schools than inq's that f selects and that share
 * something with it, best first, ties by id. */
int spiral_match_inquiries(const spiral_store *st, const spiral_filter *f,
			   const spiral_inquiry *inq, spiral_match **out,
			   size_t *n);
/* Other schools than `school` (compared folded), each taken as all its
 * inquiries that f selects, ranked by what they share with school's. */
int spiral_match_schools(const spiral_store *st, const spiral_filter *f,
			 const char *school, spiral_match **out, size_t *n);
void spiral_matches_free(spiral_match *m, size_t n);

/* Shortest prefix length (at least 8) that tells apart every inquiry of
 * st->ids (the loaded inquiries when it is empty). */
int spiral_store_short_len(const spiral_store *st);

typedef enum spiral_format {
	SPIRAL_FORMAT_TABLE,
	SPIRAL_FORMAT_JSON,
	SPIRAL_FORMAT_CSV,
	SPIRAL_FORMAT_MD,
	SPIRAL_FORMAT_HTML
} spiral_format;

/* Escapes for a terminal: control characters (C0, DEL, C1) are shown as
 * \xHH, \uHHHH, \n, \r, \t, except newline and tab when asked to keep
 * them. */
#define SPIRAL_VISIBLE_KEEP_NL 1u
#define SPIRAL_VISIBLE_KEEP_TAB 2u
int spiral_visible(spiral_buf *out, const char *s, size_t len, unsigned flags);
int spiral_json_string(spiral_buf *out, const char *s);
/* A JSON string, or null for NULL; a JSON array of strings. */
void spiral_json_string_or_null(spiral_buf *out, const char *s);
void spiral_json_strv(spiral_buf *out, const spiral_strv *sv);
/* Text for HTML, in an element or a quoted attribute: shown as
 * spiral_visible shows it (flags 0: no raw control character, a newline
 * too is "\n"), then & < > " ' as &amp; &lt; &gt; &quot; &#39;. */
int spiral_html_escape(spiral_buf *out, const char *s, size_t len);

/* Escape sequences for text output; all "" without colour.  width: the
 * columns a table may fill (the terminal's), 0 for no limit. */
typedef struct spiral_style {
	const char *bold, *dim, *warn, *phase, *reset;
	int width;
} spiral_style;

/* The contract's JSON shapes.  The show emitters list the entries and notes
 * that f selects (all when f is NULL); measures cover the whole cycle, and
 * every cycle is shown.  lin (may be NULL) adds what the inquiry continues
 * and what continues it. */
int spiral_json_summary(spiral_buf *out, const spiral_inquiry *inq);
int spiral_json_entry(spiral_buf *out, const spiral_inquiry *inq,
		      const spiral_entry *e, int with_inquiry);
int spiral_json_show(spiral_buf *out, const spiral_inquiry *inq,
		     const spiral_filter *f, const spiral_lineage *lin);
/* Measure summaries as show's "measures": {NAME: {"baseline", "target",
 * "latest", "progress"}}. */
int spiral_json_measures(spiral_buf *out, const spiral_measure_summary *m,
			 size_t n);
/* list and log in any format but html.  A table fits style->width by
 * cutting its titles and texts; Markdown shows short IDs too.  f is the
 * filter that chose the rows (or NULL): with --stalled, each row also has
 * its days idle, counted to f->now ("days_idle" in JSON and CSV). */
int spiral_emit_list(spiral_buf *out, spiral_format format,
		     const spiral_inquiry *const *rows, size_t n, int short_len,
		     const spiral_style *style, const spiral_filter *f);
int spiral_emit_log(spiral_buf *out, spiral_format format,
		    const spiral_log_row *rows, size_t n, int short_len,
		    const spiral_style *style);
/* search and match in any format but html; schools: match --schools. */
int spiral_emit_search(spiral_buf *out, spiral_format format,
		       const spiral_hit *hits, size_t n, int short_len,
		       const spiral_style *style);
int spiral_emit_match(spiral_buf *out, spiral_format format,
		      const spiral_match *m, size_t n, int schools, int short_len,
		      const spiral_style *style);
/* A table of text cells in table, CSV or Markdown, for emitters outside
 * output.c: cells row-major, ncols a row, the first row the header; numeric
 * has a bit per column of numbers (never guarded as a formula in CSV). */
int spiral_emit_grid(spiral_buf *out, spiral_format format,
		     const spiral_strv *cells, size_t ncols,
		     unsigned long numeric, const spiral_style *style);
/* A text as one CSV field (RFC 4180 quoting, controls and invisible
 * characters made visible, a leading = + - @ or tab guarded by a single
 * quote so that no spreadsheet takes it for a formula). */
int spiral_csv_field(spiral_buf *out, const char *s);
/* A text as Markdown shows it in a table cell or a list item: its
 * punctuation escaped, a newline as <br>, controls visible. */
int spiral_md_text(spiral_buf *out, const char *s);

/* `show` as a Markdown document. */
int spiral_md_show(spiral_buf *out, const spiral_inquiry *inq,
		   const spiral_filter *f, const spiral_lineage *lin);
/* `show` for people; ids shortened to short_len. */
int spiral_text_show(spiral_buf *out, const spiral_inquiry *inq, int short_len,
		     const spiral_style *style, const spiral_filter *f,
		     const spiral_lineage *lin);

/* ---- 9b. the cluster report (report.c) --------------------------------- */

typedef enum spiral_report_by {
	SPIRAL_BY_NONE, /* one group of every inquiry chosen */
	SPIRAL_BY_SCHOOL,
	SPIRAL_BY_PHASE,  /* the current phase */
	SPIRAL_BY_TAG,    /* an inquiry is in the group of each of its tags */
	SPIRAL_BY_AUTHOR, /* ... of whoever started it or logged in it */
} spiral_report_by;
const char *spiral_report_by_name(spiral_report_by by); /* NULL for NONE */
/* "school", "phase", "tag", "author"; SPIRAL_EUSAGE for anything else. */
int spiral_report_by_from_name(const char *name, spiral_report_by *out);

#define SPIRAL_REPORT_IDLE 28  /* days without an entry: stalled */
#define SPIRAL_REPORT_STUCK 70 /* days in scan and focus: a term */

/* Measures of the current cycle (spiral(1) spiral-report: TARGETS). */
typedef struct spiral_report_targets {
	size_t met, on_the_way, no_movement, none;
} spiral_report_targets;

typedef struct spiral_report_group {
	char *key; /* NULL: the one group, or no school/phase/tag */
	size_t inquiries, active, closed, stalled;
	size_t phases[SPIRAL_PHASE_COUNT];
	spiral_report_targets targets;
} spiral_report_group;

/* A data-quality flag: kind is one of "no_target", "stuck",
 * "no_verdict", "no_measure", "broken_lineage", "conflict" (static). */
typedef struct spiral_report_flag {
	const spiral_inquiry *inquiry;
	const char *kind;
	char *message;
} spiral_report_flag;

/* One inquiry of the digest, "what worked" (spiral-report(1), DIGEST):
 * the cycle it tells of, its verdict, hunch, actions, evidence and
 * measures.  Text points into the store. */
typedef struct spiral_report_digest {
	const spiral_inquiry *inquiry;
	int worked;             /* 1: what worked; 0: tried, not enough */
	int cycle;              /* the cycle it tells of */
	spiral_verdict verdict; /* of that cycle's last check that gave one */
	const char *hunch;      /* that cycle's last hunch entry, or NULL */
	const char **actions;   /* its act entries' text, oldest first */
	size_t nactions;
	const char **evidence;  /* its entries' evidence, oldest first */
	size_t nevidence;
	spiral_measure_summary *measures; /* of that cycle, sorted by name */
	size_t nmeasures;
} spiral_report_digest;

typedef struct spiral_report {
	spiral_report_by by;
	int idle_days, stuck_days;
	int64_t now; /* the filter's: generated, days idle */
	spiral_report_group *groups;
	size_t ngroups;
	const spiral_inquiry **rows; /* the inquiries chosen, as list orders them */
	size_t nrows;
	const spiral_inquiry **stalled; /* longest idle first */
	size_t nstalled;
	/* Coherence: counts[s * tags.n + t] inquiries of school s with tag t. */
	spiral_strv schools, tags;
	size_t *counts;
	spiral_report_flag *flags;
	size_t nflags;
	/* What worked, then what was not enough, each grouped by focus area
	 * (spiral-report(1), DIGEST). */
	spiral_report_digest *digest;
	size_t ndigest;
	/* report --digest: table, md and csv show the digest alone (JSON is
	 * always the whole object).  Set by the caller after building. */
	int digest_only;
} spiral_report;

/* The report of the inquiries f chooses (pointers into st, which must
 * outlive it).  Free with spiral_report_free. */
int spiral_report_build(const spiral_store *st, const spiral_filter *f,
			spiral_report_by by, int idle_days, spiral_report *out);
void spiral_report_free(spiral_report *r);
/* Where one measure stands: "met", "on_the_way", "no_movement" or "none"
 * (spiral-report(1), TARGETS). */
const char *spiral_report_target_state(const spiral_measure_summary *m);
/* In any format but html; ids shortened to short_len for people. */
int spiral_emit_report(spiral_buf *out, spiral_format format,
		       const spiral_report *r, int short_len,
		       const spiral_style *style);
/* The report as one self-contained HTML page (html.c): inline CSS and
 * SVG, no script, nothing loaded from elsewhere (a Content-Security-Policy
 * says so), for a screen or A4 paper (spiral-report(1), HTML).  st is the
 * store the report was built from. */
int spiral_emit_report_html(spiral_buf *out, const spiral_report *r,
			    const spiral_store *st, int short_len);

/* ---- 10. merging files -------------------------------------------------- */

/* Three-way merge of one INI file (git's merge driver, merge-file): per key
 * of a section and its ordered values, a side's change wins over the base;
 * a key changed differently on both sides keeps ours' values, then theirs',
 * after a comment line that starts SPIRAL_MERGE_NOTE and the key, and is
 * counted in *both_changed.  Never conflict markers; comments and layout
 * are not kept.  The result is appended to out.  A side that is not valid
 * UTF-8 or INI is SPIRAL_EFORMAT ("theirs: line 3 ..."), out untouched. */
#define SPIRAL_MERGE_NOTE "; spiral merge-file: "
int spiral_ini_merge3(const char *base, size_t blen, const char *ours,
		      size_t olen, const char *theirs, size_t tlen,
		      spiral_buf *out, size_t *both_changed);
/* git's merge driver (%O %A %B): merges the three files (regular files of
 * at most 1 MiB, no link followed) and replaces OURS whole or not at all,
 * keeping its mode.  both_keys gets the keys changed on both sides. */
int spiral_merge_files(const char *base, const char *ours, const char *theirs,
		       spiral_strv *both_keys);

/* ---- 11. the hub: checking pushes --------------------------------------- */

/* A cluster hub's bare repository, as its pre-receive hook sees it.  With
 * path NULL it is opened from the environment (GIT_DIR, and the push's
 * quarantine in GIT_OBJECT_DIRECTORY and GIT_ALTERNATE_OBJECT_DIRECTORIES;
 * without GIT_DIR, found from the current directory upwards), else the
 * repository at path. */
typedef struct spiral_hub spiral_hub;
int spiral_hub_open(spiral_hub **out, const char *path);
const char *spiral_hub_git_dir(const spiral_hub *h);
void spiral_hub_free(spiral_hub *h);
/* spiral.allowEdits in the hub's git configuration (0 when unset). */
int spiral_hub_allow_edits(spiral_hub *h, int *allow);
/* Checks one ref update (OLD and NEW as 40 hex digits, zeros for none)
 * and appends one line per problem to problems ("REF COMMIT: PATH: why";
 * text from the push: make it visible before printing).  The update is
 * acceptable when none was added.  Refused: anything but a branch, a
 * deletion, a non-fast-forward, and any new commit that deletes a file,
 * rewrites one (unless allow_edits: then it must still parse), adds one
 * that the layout or the store refuses, a record without its inquiry, or
 * a change of format.  Returns 0 when the check ran. */
int spiral_hub_check(spiral_hub *h, const char *old_hex, const char *new_hex,
		     const char *ref, int allow_edits, spiral_strv *problems);
/* Writes the hub's hooks/pre-receive: a shell script that runs
 * `program verify-push` (program an absolute path).  A pre-receive hook
 * that spiral did not write is left alone (SPIRAL_EEXISTS).  *hook_path is
 * allocated. */
int spiral_hub_install(spiral_hub *h, const char *program, int allow_edits,
		       char **hook_path);

#endif
