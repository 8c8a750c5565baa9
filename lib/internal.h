/* Functions shared between the library's own files; not part of the API. */
#ifndef SPIRAL_INTERNAL_H
#define SPIRAL_INTERNAL_H

#include <git2.h>
#include <time.h>

#include "spiral.h"

/* As spiral_ini_parse, reading on past each problem of the file (a line
 * that is not INI, not UTF-8, too long; a value that cannot be one): each
 * is given to problem (its line, its message without "line N: ") and the
 * return is SPIRAL_EFORMAT with *err_line the first, as spiral_ini_parse's
 * would be.  A callback's non-zero return still stops the reading. */
typedef void (*ini_problem_cb)(void *user, int line, const char *message);
int ini_parse_each(const char *data, size_t len, spiral_ini_cb cb,
		   ini_problem_cb problem, void *user, int *err_line);

/* A parse problem: line (0 if none) and message, for the store to record.
 * With strict and each set (fsck), every problem of the file is also given
 * to each(user, ...), in the order found, the file being read to its end;
 * line and message hold the first. */
typedef struct record_problem {
	int line;
	char message[512];
	void (*each)(void *user, int line, const char *message);
	void *user;
} record_problem;

/* Parse one record file.  Returns 0, or SPIRAL_EFORMAT with *pb filled.
 * With strict, unknown sections and keys are problems too (the record is
 * still returned: pb->line > 0 and the return is 1).  Without strict,
 * pb->each is not looked at. */
int record_parse_inquiry(const char *data, size_t len, int strict,
			 spiral_inquiry *out, record_problem *pb);
int record_parse_entry(const char *data, size_t len, int strict,
		       spiral_entry *out, record_problem *pb);
int record_parse_note(const char *data, size_t len, int strict,
		      spiral_note *out, record_problem *pb);
int record_parse_change(const char *data, size_t len, int strict,
			spiral_change *out, record_problem *pb);
int record_parse_repository(const char *data, size_t len, int *format,
			    record_problem *pb);

/* Read a whole regular file (no links followed), at most max bytes. */
int read_file_bounded(const char *path, size_t max, char **data, size_t *len);
/* Writes a whole file or nothing (a temporary beside it, then rename),
 * with the given mode; `name` is what an error calls it (repo.c). */
int write_atomic(const char *path, const char *name, const char *data,
		 size_t len, unsigned mode);
/* The loader's rules, shared by its two sources, the work tree (store.c)
 * and git's objects (cache.c): what a link is called; whether a folder of
 * an inquiry holds records; how many records of one folder are read (more
 * is a problem of rel in st). */
#define STORE_LINK_PROBLEM "is a symbolic link: not followed"
int store_is_record_folder(const char *name);
/* Frees what a store's borrowed records live in (cache.c). */
void store_keep_free(struct store_keep *keep);
/* A pass over the store's inquiries, in order, that reads each one's texts
 * once has done with those before p (a text of the inquiry it is at): the
 * pages of the cache they were read from go back to the kernel, to be read
 * again from the file should anything look at them (cache.c). */
void store_texts_done(const spiral_store *st, const char *p);
size_t store_records_capped(spiral_store *st, const char *rel, size_t n);
/* Largest file spiral reads from a repository. */
#define SPIRAL_MAX_FILE (1024 * 1024)

/* The repository's libgit2 handle, for the library's own files. */
git_repository *repo_git(spiral_repo *r);
/* Writes all of p, or returns -1 with errno set (ENOSPC for a write that
 * takes nothing). */
int repo_write_all(int fd, const void *p, size_t len);
/* The system's certificates, read before a transfer (repo.c). */
void repo_tls_ready(void);
void repo_drop_pack_pages(spiral_repo *r);
/* Lets go of all libgit2 keeps of r between calls (its object cache, its
 * packs, their delta-base cache, the index and configuration it read):
 * they are read again when next needed.  Objects held stay valid. */
void repo_let_go(spiral_repo *r);
/* SPIRAL_ERROR when dir/rel is there but neither a file nor a folder (a
 * FIFO would block git), with a message that names it. */
int repo_check_plain_file(const char *dir, const char *rel);
/* Writes to a copy of the index file from, with adds
 * (sorted in place) put in (index.c): 0, 1 when libgit2 must do it (an
 * index version, conflict or extension this does not handle), or an
 * error.  A large index is written split (git's split index: most entries
 * stay in .git/sharedindex.*); with for_libgit2, whole (libgit2 cannot read
 * a split index) and not synced (a copy to read and remove). */
int repo_index_splice(const char *from, const char *to, git_index_entry *adds,
		      size_t n, int for_libgit2);
/* git's index read in place (index.c): its entries (paths pointing into
 * the mapped file), sorted; versions 2 and 3 without conflicts only,
 * checksum checked, a split index made whole.  1 for anything else
 * (libgit2 must read it), or an error (a split index that cannot be read,
 * which libgit2 cannot read either). */
typedef struct repo_index {
	const unsigned char *map, *base_map; /* base: a split index's shared part */
	size_t size, base_size;
	int split;
	struct timespec mtime; /* of the file: entries as new are racy */
	git_index_entry *v;
	size_t n;
} repo_index;
int repo_index_view(const char *path, repo_index *out);
/* Whether the index file at path is split (has git's link extension). */
int repo_index_split(const char *path);
/* Gives libgit2 a whole copy of git's index when it is split, which libgit2
 * 1.5 cannot read (repo.c): 0, 1 when it did, or an error.  Call it before
 * libgit2 looks at the index or at attributes (status, filters). */
int repo_libgit2_index(git_repository *git);
void repo_index_free(repo_index *ix);
size_t repo_index_lower(const repo_index *ix, const char *prefix);
const git_index_entry *repo_index_get(const repo_index *ix, const char *path);
/* status's changed paths, as spiral_repo_changed (status.c); 1 when
 * libgit2's status must decide instead (out left empty). */
int repo_changed_fast(spiral_repo *r, spiral_strv *out);
/* Records libgit2's last error as "what: message"; returns SPIRAL_ERROR. */
int repo_git_fail(const char *what);
/* Makes a commit of tree_id with the given parents (HEAD first) and
 * publishes it as a write does: journal, HEAD moved, paths written to the
 * work tree and index.  With tree_id NULL, publishes parents[0] itself (a
 * fast-forward).  Needs t's lock. */
int repo_publish(spiral_txn *t, const git_oid *tree_id, const git_oid *parents,
		 size_t nparents, const char *message, const spiral_who *who,
		 const spiral_strv *paths);

/* Writes a marker file in place, not through a temporary, and syncs it: a
 * marker cut short by a kill names no lock yet (a cut line names a file
 * that is not there), and nothing is left beside it.  On disk before any
 * lock it names is. */
int repo_marker_write(const char *marker, const char *data, size_t len);

/* Around a write of git's configuration (libgit2 writes .git/config
 * through .git/config.lock): holds the repository's lock, unless a
 * transaction already does, and leaves .git/spiral-config while it
 * writes, so that the next command removes a config.lock that a killed
 * write left.  Pass *token to repo_config_end. */
int repo_config_begin(spiral_repo *r, int *token);
void repo_config_end(spiral_repo *r, int token);

/* A new, empty git repository at path (no commit yet). */
int repo_create(spiral_repo **out, const char *path);

/* A tree of the given blobs alone (no baseline). */
int repo_tree_new(git_repository *git, const git_tree_update *files, size_t n,
		  git_oid *tree_id);

/* Fetches a remote's default branch (remote.c). */
int remote_fetch(spiral_repo *r, const char *name, const spiral_remote_cb *cb,
		 char **url, char **branch, git_oid *oid, int *empty);

/* What an incoming tree may hold (validate.c): NULL when path, mode and
 * size are acceptable, else why not. */
const char *validate_entry(const char *path, unsigned mode, size_t size);
/* NULL when one component of a tree path is a name stock git's fsck
 * accepts ("", ".", "..", ".git" and its NTFS forms are not), else why. */
const char *validate_tree_name(const char *name, size_t len);

/* A JSON document read whole (json.c), for import --json.  A number keeps
 * its text in str; an object's keys are in keys, in the document's order. */
typedef enum json_type {
	JSON_NULL,
	JSON_FALSE,
	JSON_TRUE,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT
} json_type;
typedef struct json_value {
	json_type type;
	char *str; /* a string (valid UTF-8, no NUL) or a number's text */
	size_t len;
	struct json_value *items;
	char **keys;
	size_t n, cap;
} json_value;
/* SPIRAL_EFORMAT with "line N: why" when data is not one JSON value. */
int json_parse(const char *data, size_t len, json_value *out);
void json_free(json_value *v);
/* The member key of an object, or NULL. */
const json_value *json_get(const json_value *obj, const char *key);

/* Adds records made elsewhere (transfer.c) to t, or with t NULL only
 * checks them: each validated as a pulled file is, with its own id, seq,
 * dates and authors.  A record the store st has already is skipped, and
 * with any_content 0 must be the same (else SPIRAL_EEXISTS naming it). */
int import_records(spiral_txn *t, const spiral_store *st,
		   const spiral_inquiry *inqs, size_t n, int any_content,
		   spiral_import_result *res);

#endif
