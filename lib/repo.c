/* The repository: libgit2 underneath, no git binary.
 *
 * A write is a transaction that only adds files:
 *   1. take the repository's lock (flock on .git/spiral.lock: the kernel
 *      drops it when a process dies, so a killed command never wedges the
 *      next one), and finish any write a killed command left half done;
 *   2. write blobs, a tree built from HEAD's tree plus the new paths, and a
 *      commit object (objects alone change nothing anyone sees);
 *   3. record a journal (.git/spiral-journal: old HEAD, new commit, paths);
 *   4. move the branch with compare-and-swap: this is the instant the write
 *      happens;
 *   5. write the new files into the work tree (temp file + rename) and the
 *      index;
 *   6. drop the journal and the lock.
 * A command killed before 4 leaves only unreferenced objects; killed after
 * 4, the next command finds the journal and does 5 again.  So the repository
 * is, for spiral and for stock git, as before the command or as after it. */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <git2/sys/repository.h>
#include <git2.h>
#include <utf8proc.h>
#include <glob.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

struct spiral_repo {
	git_repository *git;
	char *top;
	spiral_buf warning; /* what a command that worked could not finish */
	int locked;	    /* a transaction holds the repository's lock */
};

static int git_fail(const char *what)
{
	const git_error *e = git_error_last();
	int saved = errno;

	if (e && e->message && *e->message)
		return spiral_error(SPIRAL_ERROR, "%s: %s", what, e->message);
	return spiral_error(SPIRAL_ERROR, "%s: %s", what,
			    saved ? strerror(saved) : "unknown git error");
}

static int library_users;

/* ---- certificates, read when a transfer needs them ----------------------
 *
 * libgit2 built with mbedTLS (Debian's) parses the system's certificate
 * bundle in git_libgit2_init: about a fifth of a small command such as
 * show, though only a transfer over HTTPS uses it.  While library_init
 * runs, this definition of mbedTLS's function, which the executable
 * exports (meson.build, git_hooks) and which therefore comes before
 * libmbedx509's, only notes the file's name; repo_tls_ready has libgit2
 * read it, through the real function, before a transfer.  A chain that
 * was never read trusts nothing: a transfer that did not call
 * repo_tls_ready fails to verify the server, it never goes unverified.  With a libgit2 built with
 * OpenSSL this function is never called and nothing changes.
 *
 * Linked statically (SPIRAL_STATIC_GIT, meson.build), these hooks are
 * __wrap_ functions: the linker sends libgit2's calls to them, and
 * __real_ names mbedTLS's or PCRE2's own. */
#ifdef SPIRAL_STATIC_GIT
#define HOOK(name) __wrap_##name
int __real_mbedtls_x509_crt_parse_file(void *chain, const char *path);
void *__real_pcre2_match_data_create_8(uint32_t pairs, void *context);
void __real_pcre2_match_data_free_8(void *data);
#else
#define HOOK(name) name
#endif

int HOOK(mbedtls_x509_crt_parse_file)(void *chain, const char *path);

static int tls_deferring;
static char tls_file[4096];

int HOOK(mbedtls_x509_crt_parse_file)(void *chain, const char *path)
{
	int (*real)(void *, const char *) = NULL;

	if (tls_deferring && path && strlen(path) < sizeof(tls_file)) {
		strcpy(tls_file, path);
		return 0;
	}
#ifdef SPIRAL_STATIC_GIT
	real = __real_mbedtls_x509_crt_parse_file;
#else
	void *sym = dlsym(RTLD_NEXT, "mbedtls_x509_crt_parse_file");
	memcpy(&real, &sym, sizeof(real));
#endif
	return real ? real(chain, path) : -0x2900; /* MBEDTLS_ERR_X509_FILE_IO_ERROR */
}

void repo_tls_ready(void)
{
	if (tls_file[0] && library_users > 0) {
		git_libgit2_opts(GIT_OPT_SET_SSL_CERT_LOCATIONS, tls_file, NULL);
		tls_file[0] = '\0';
	}
}

static void library_init(void)
{
	if (library_users++ == 0) {
		tls_deferring = 1;
		git_libgit2_init();
		tls_deferring = 0;
		/* Nothing from a repository is executed or followed outside it. */
		git_libgit2_opts(GIT_OPT_ENABLE_STRICT_OBJECT_CREATION, 1);
		git_libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR, 1);
	}
}

/* ---- memory ------------------------------------------------------------ */

void repo_let_go(spiral_repo *r)
{
	git_repository__cleanup(r->git);
}

/* libgit2 1.5's git_regexp_match (Debian 12's, built with PCRE2) returns
 * without freeing its pcre2 match data when a string does not match, and
 * pcre2 10.42 keeps its backtracking frames there: 20 KB each.  Looking up
 * a remote matches every configuration entry against url.*.insteadof, so a
 * pull --all of 20 remotes lost 88 MB (and it grows with the square of the
 * number of remotes).  These two definitions, exported by the executable
 * (meson.build, git_hooks) and so found before libpcre2's, remember the
 * match data libgit2 made last, per thread, and free it when libgit2
 * makes the next one, if libgit2 has not: libgit2 makes, uses and drops
 * a match data within one call, never two at once in a thread.  Match data anything
 * else makes is left alone.  The last one is freed by library_done. */
void *HOOK(pcre2_match_data_create_8)(uint32_t pairs, void *context);
void HOOK(pcre2_match_data_free_8)(void *data);

static _Thread_local void *regex_data_last;

static void regex_data_free_real(void *data)
{
	void (*real)(void *) = NULL;

#ifdef SPIRAL_STATIC_GIT
	real = __real_pcre2_match_data_free_8;
#else
	void *sym = dlsym(RTLD_NEXT, "pcre2_match_data_free_8");
	memcpy(&real, &sym, sizeof(real));
#endif
	if (real && data)
		real(data);
}

void *HOOK(pcre2_match_data_create_8)(uint32_t pairs, void *context)
{
	void *(*real)(uint32_t, void *) = NULL;
	void *data;
	int by_libgit2;

#ifdef SPIRAL_STATIC_GIT
	/* Only calls from another library's code are sent here: spiral
	 * makes no match data, so this is libgit2's. */
	real = __real_pcre2_match_data_create_8;
	by_libgit2 = 1;
#else
	void *sym = dlsym(RTLD_NEXT, "pcre2_match_data_create_8");
	Dl_info caller;

	memcpy(&real, &sym, sizeof(real));
	by_libgit2 = dladdr(__builtin_return_address(0), &caller) &&
		     caller.dli_fname && strstr(caller.dli_fname, "libgit2");
#endif
	if (!real)
		return NULL;
	data = real(pairs, context);
	if (by_libgit2) {
		regex_data_free_real(regex_data_last); /* libgit2 lost it */
		regex_data_last = data;
	}
	return data;
}

void HOOK(pcre2_match_data_free_8)(void *data)
{
	if (data && data == regex_data_last)
		regex_data_last = NULL;
	regex_data_free_real(data);
}

/* Gives back the pages of git's pack files that libgit2 has mapped (it
 * keeps a pack mapped whole until the repository is freed): after one
 * school's pull, 14-30 MB at full size that the next school's may not
 * read.  A page read again later comes back from the file; nothing else
 * changes.  repo_let_go does this and more, at the cost of reopening. */
void repo_drop_pack_pages(spiral_repo *r)
{
	const char *gitdir = git_repository_commondir(r->git);
	FILE *f = fopen("/proc/self/maps", "r");
	char line[4096];
	size_t glen = strlen(gitdir);

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		char *path = strchr(line, '/');
		size_t n;
		if (!path || sscanf(line, "%lx-%lx", &lo, &hi) != 2)
			continue;
		n = strlen(path);
		if (n && path[n - 1] == '\n')
			path[--n] = '\0';
		if (strncmp(path, gitdir, glen) != 0 || strncmp(path + glen, "objects/pack/", 13) != 0)
			continue;
		madvise((void *)lo, hi - lo, MADV_DONTNEED);
	}
	fclose(f);
}

static void library_done(void)
{
	if (--library_users == 0) {
		git_libgit2_shutdown();
		regex_data_free_real(regex_data_last);
		regex_data_last = NULL;
	}
}

void spiral_repo_free(spiral_repo *r)
{
	if (!r)
		return;
	git_repository_free(r->git);
	free(r->top);
	spiral_buf_free(&r->warning);
	free(r);
	library_done();
}

const char *spiral_repo_top(const spiral_repo *r) { return r->top; }

const char *spiral_repo_warning(const spiral_repo *r)
{
	return r && r->warning.len ? r->warning.ptr : NULL;
}

/* A warning for the caller to show once the command is done: something a
 * command that worked could not finish (one line each). */
static void repo_warn(spiral_repo *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void repo_warn(spiral_repo *r, const char *fmt, ...)
{
	va_list ap;

	if (r->warning.len)
		spiral_buf_putc(&r->warning, '\n');
	va_start(ap, fmt);
	spiral_buf_vprintf(&r->warning, fmt, ap);
	va_end(ap);
}

git_repository *repo_git(spiral_repo *r) { return r->git; }

int repo_git_fail(const char *what) { return git_fail(what); }

static char *join(const char *a, const char *b)
{
	spiral_buf buf = SPIRAL_BUF_INIT;

	size_t n = strlen(a);

	if (spiral_buf_printf(&buf, "%s%s%s", a, n && a[n - 1] == '/' ? "" : "/",
			      b) < 0) {
		spiral_buf_free(&buf);
		return NULL;
	}
	return spiral_buf_detach(&buf);
}

static int repo_wrap(git_repository *git, spiral_repo **out)
{
	const char *wd = git_repository_workdir(git);
	spiral_repo *r;
	size_t len;

	if (!wd || git_repository_is_bare(git)) {
		git_repository_free(git);
		return spiral_error(SPIRAL_ERROR,
				    "a spiral repository needs a work tree; this "
				    "git repository is bare (clone it first)");
	}
	r = calloc(1, sizeof(*r));
	if (!r || !(r->top = strdup(wd))) {
		free(r);
		git_repository_free(git);
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	}
	len = strlen(r->top);
	while (len > 1 && r->top[len - 1] == '/')
		r->top[--len] = '\0';
	r->git = git;
	*out = r;
	return 0;
}

/* spiral.ini must exist and name a format this binary understands. */
static int check_format(spiral_repo *r)
{
	char *path = join(r->top, "spiral.ini"), *data;
	record_problem pb;
	size_t len;
	int format = 0, rc;

	if (!path)
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	rc = read_file_bounded(path, SPIRAL_MAX_FILE, &data, &len);
	free(path);
	if (rc == SPIRAL_ENOTFOUND)
		return spiral_error(SPIRAL_ERROR,
				    "%s is a git repository but not a spiral one "
				    "(no spiral.ini): run 'spiral init' there",
				    r->top);
	if (rc < 0)
		return rc;
	rc = record_parse_repository(data, len, &format, &pb);
	free(data);
	if (rc < 0)
		return spiral_error(SPIRAL_EFORMAT, "spiral.ini:%d: %s", pb.line,
				    pb.message);
	if (format > SPIRAL_FORMAT)
		return spiral_error(SPIRAL_ERROR,
				    "spiral.ini: format %d is newer than this spiral "
				    "understands (%d): upgrade spiral",
				    format, SPIRAL_FORMAT);
	return 0;
}

/* ---- files libgit2 reads ------------------------------------------------ */

static const char *file_kind(mode_t mode)
{
	return S_ISFIFO(mode)			 ? "a FIFO"
	       : S_ISCHR(mode) || S_ISBLK(mode) ? "a device"
	       : S_ISSOCK(mode)			 ? "a socket"
						 : "not a regular file";
}

/* libgit2 opens the files it reads without O_NONBLOCK, so a FIFO in place
 * of one would hang every command: those it reads are checked first.  A
 * file that is absent (or a dangling link) is read as absent; a folder is
 * an error libgit2 reports itself. */
int repo_check_plain_file(const char *dir, const char *rel)
{
	char *path = join(dir, rel);
	struct stat sb;
	int rc = 0;

	if (!path)
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode) && !S_ISDIR(sb.st_mode))
		rc = spiral_error(SPIRAL_ERROR,
				  "%s is %s: neither git nor spiral can read it "
				  "(remove it)",
				  path, file_kind(sb.st_mode));
	free(path);
	return rc;
}

/* What libgit2 reads to open a repository, before it opens one. */
static int check_git_config(const char *path)
{
	git_buf gitdir = {0};
	int rc = 0;

	if (git_repository_discover(&gitdir, path, 0, NULL) == 0)
		rc = repo_check_plain_file(gitdir.ptr, "config");
	git_buf_dispose(&gitdir);
	git_error_clear();
	return rc;
}

/* What libgit2 reads for the index, status and attributes. */
static int check_git_files(spiral_repo *r)
{
	static const char *const in_gitdir[] = {
		"index", "packed-refs", "info/exclude", "info/attributes", NULL};
	static const char *const in_top[] = {
		".gitattributes", ".gitignore", "inquiries/.gitattributes",
		"inquiries/.gitignore", NULL};
	const char *gitdir = git_repository_path(r->git);
	int rc = 0;

	for (size_t i = 0; rc == 0 && in_gitdir[i]; i++)
		rc = repo_check_plain_file(gitdir, in_gitdir[i]);
	for (size_t i = 0; rc == 0 && in_top[i]; i++)
		rc = repo_check_plain_file(r->top, in_top[i]);
	return rc;
}

static int recover_if_needed(spiral_repo *r);

int spiral_repo_open(spiral_repo **out, const char *path)
{
	git_repository *git = NULL;
	spiral_repo *r;
	int rc;

	if (!path)
		path = getenv("SPIRAL_DIR");
	if (!path || !*path)
		path = ".";
	library_init();
	if ((rc = check_git_config(path)) < 0) {
		library_done();
		return rc;
	}
	if (git_repository_open_ext(&git, path, 0, NULL) < 0) {
		const git_error *e = git_error_last();
		int nomem = e && e->klass == GIT_ERROR_NOMEMORY;
		library_done();
		if (nomem)
			return spiral_error(SPIRAL_ENOMEM, "out of memory");
		return spiral_error(SPIRAL_ENOTFOUND,
				    "not in a spiral repository (%s or any folder "
				    "above it): run 'spiral init' or 'spiral clone'",
				    path);
	}
	if ((rc = repo_wrap(git, &r)) < 0) {
		library_done();
		return rc;
	}
	if ((rc = check_format(r)) < 0 || (rc = check_git_files(r)) < 0 ||
	    (rc = recover_if_needed(r)) < 0) {
		spiral_repo_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

/* Written in place, not through a temporary (see internal.h). */
int repo_marker_write(const char *marker, const char *data, size_t len)
{
	int fd = open(marker, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
		      0644);
	size_t off = 0;
	int err = 0;

	if (fd < 0)
		return spiral_error(SPIRAL_ERROR, "cannot write %s: %s", marker,
				    strerror(errno));
	while (off < len) {
		ssize_t n = write(fd, data + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? errno : ENOSPC;
			break;
		}
		off += (size_t)n;
	}
	if (!err && fsync(fd) < 0)
		err = errno;
	if (err) {
		int rc = spiral_error(SPIRAL_ERROR, "cannot write %s: %s", marker,
				      strerror(err));
		close(fd);
		unlink(marker);
		return rc;
	}
	close(fd);
	return 0;
}

/* ---- configuration and identity ----------------------------------------- */

const spiral_config_key spiral_config_keys[] = {
	{"school", "spiral.school", "the school you log entries for"},
	{"cluster", "spiral.cluster", "the cluster (Kahui Ako) of the school"},
	{"user.name", "user.name", "your name, as git records it"},
	{"user.email", "user.email", "your email, as git records it"},
	{"editor", "spiral.editor", "the editor for templates (else $VISUAL, $EDITOR)"},
	{NULL, NULL, NULL},
};

const spiral_config_key *spiral_config_key_find(const char *name)
{
	for (const spiral_config_key *k = spiral_config_keys; k->name; k++)
		if (strcmp(k->name, name) == 0 || strcmp(k->git_name, name) == 0)
			return k;
	return NULL;
}

/* The configuration as a repository sees it, or without one (r NULL) the
 * user's and the system's, as git outside a repository. */
static int config_snapshot(spiral_repo *r, git_config **out)
{
	git_config *live = NULL;
	int rc;

	if (r)
		return git_repository_config_snapshot(out, r->git);
	if ((rc = git_config_open_default(&live)) < 0)
		return rc;
	rc = git_config_snapshot(out, live);
	git_config_free(live);
	return rc;
}

static int config_get_raw(spiral_repo *r, const char *git_name, char **value)
{
	git_config *cfg = NULL;
	git_buf buf = {0};
	int rc;

	*value = NULL;
	if (config_snapshot(r, &cfg) < 0)
		return git_fail("cannot read the configuration");
	rc = git_config_get_string_buf(&buf, cfg, git_name);
	git_config_free(cfg);
	if (rc == GIT_ENOTFOUND)
		return 0;
	if (rc < 0)
		return git_fail("cannot read the configuration");
	*value = strdup(buf.ptr);
	git_buf_dispose(&buf);
	if (!*value)
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	return 0;
}

static int config_set_raw(spiral_repo *r, const char *git_name,
			  const char *value)
{
	git_config *cfg = NULL, *local = NULL;
	int rc;

	int token;

	if (git_repository_config(&cfg, r->git) < 0)
		return git_fail("cannot open the configuration");
	if ((rc = repo_config_begin(r, &token)) < 0) {
		git_config_free(cfg);
		return rc;
	}
	rc = git_config_open_level(&local, cfg, GIT_CONFIG_LEVEL_LOCAL);
	if (rc == 0)
		rc = value ? git_config_set_string(local, git_name, value)
			   : git_config_delete_entry(local, git_name);
	if (rc == GIT_ENOTFOUND && !value)
		rc = 0;
	if (rc < 0)
		rc = git_fail("cannot write the configuration");
	repo_config_end(r, token);
	git_config_free(local);
	git_config_free(cfg);
	return rc < 0 ? rc : 0;
}

/* A school, a cluster, a name or an email of only white space would be
 * recorded in every entry: refuse it when it is set. */
static int config_value_check(const char *name, const char *value)
{
	const spiral_config_key *k = spiral_config_key_find(name);
	const char *key = k ? k->name : name;

	if (spiral_text_check(value, strlen(value), key) < 0)
		return SPIRAL_ERROR;
	if (strchr(value, '\n'))
		return spiral_error(SPIRAL_EUSAGE, "%s cannot hold a newline", key);
	if (strcmp(key, "editor") != 0 && spiral_text_blank(value, strlen(value)))
		return spiral_error(SPIRAL_EUSAGE,
				    "%s cannot be empty or only white space: give "
				    "%s",
				    key,
				    strcmp(key, "school") == 0 ? "the school's name, as "
								 "in \"Kowhai Intermediate\""
				    : strcmp(key, "cluster") == 0 ? "the cluster's name"
				    : strcmp(key, "user.name") == 0 ? "your name, as in "
								      "\"Aroha Ngata\""
								    : "your email");
	return 0;
}

int spiral_config_check(const char *name, const char *value)
{
	return config_value_check(name, value);
}

int spiral_config_set_global(const char *name, const char *value)
{
	const spiral_config_key *k = spiral_config_key_find(name);
	git_config *cfg = NULL;
	git_buf found = {0};
	spiral_buf path = SPIRAL_BUF_INIT;
	const char *home = getenv("HOME");
	int rc;

	if (value && (rc = config_value_check(name, value)) < 0)
		return rc;
	library_init();
	/* The file git reads as the user's own: ~/.gitconfig unless only the
	 * XDG one exists. */
	if (git_config_find_global(&found) == 0)
		rc = spiral_buf_puts(&path, found.ptr);
	else if (git_config_find_xdg(&found) == 0)
		rc = spiral_buf_puts(&path, found.ptr);
	else if (!home || home[0] != '/')
		rc = spiral_error(SPIRAL_ERROR,
				  "cannot set %s for all your repositories: HOME is not "
				  "set; set it, or set %s in this repository only",
				  name, name);
	else
		rc = spiral_buf_printf(&path, "%s/.gitconfig", home);
	git_buf_dispose(&found);
	if (rc < 0) {
		library_done();
		return rc;
	}
	rc = git_config_open_ondisk(&cfg, path.ptr);
	if (rc == 0)
		rc = value ? git_config_set_string(cfg, k ? k->git_name : name, value)
			   : git_config_delete_entry(cfg, k ? k->git_name : name);
	if (rc == GIT_ENOTFOUND && !value)
		rc = 0;
	git_config_free(cfg);
	spiral_buf_free(&path);
	rc = rc < 0 ? git_fail("cannot write your configuration") : 0;
	library_done();
	return rc;
}

int spiral_config_get(spiral_repo *r, const char *name, char **value)
{
	const spiral_config_key *k = spiral_config_key_find(name);
	int rc;

	if (!r)
		library_init();
	rc = config_get_raw(r, k ? k->git_name : name, value);
	if (!r)
		library_done();
	return rc;
}

int spiral_config_set(spiral_repo *r, const char *name, const char *value)
{
	const spiral_config_key *k = spiral_config_key_find(name);
	int rc;

	if (value && (rc = config_value_check(name, value)) < 0)
		return rc;
	return config_set_raw(r, k ? k->git_name : name, value);
}

/* Environment first, as git does, then the configuration. */
static int setting(spiral_repo *r, const char *env, const char *key,
		   char **out)
{
	const char *v = env ? getenv(env) : NULL;

	if (v && *v) {
		*out = strdup(v);
		return *out ? 0 : spiral_error(SPIRAL_ENOMEM, "out of memory");
	}
	return config_get_raw(r, key, out);
}

int spiral_identity(spiral_repo *r, spiral_who *out)
{
	const char *env;

	memset(out, 0, sizeof(*out));
	if (setting(r, "GIT_AUTHOR_NAME", "user.name", &out->author) < 0 ||
	    setting(r, "GIT_AUTHOR_EMAIL", "user.email", &out->email) < 0 ||
	    setting(r, NULL, "spiral.school", &out->school) < 0) {
		spiral_who_free(out);
		return SPIRAL_ERROR;
	}
	if (!out->email && setting(r, "EMAIL", "user.email", &out->email) < 0) {
		spiral_who_free(out);
		return SPIRAL_ERROR;
	}
	if (!out->author || !out->email) {
		spiral_who_free(out);
		return spiral_error(SPIRAL_ERROR,
				    "who are you? set your name and email with "
				    "'spiral config --global user.name \"Your Name\"' "
				    "and 'spiral config --global user.email "
				    "you@school.nz'");
	}
	/* As git, a name set to nothing is refused, not taken from the
	 * configuration instead: an entry by "" names no one. */
	if ((env = getenv("GIT_AUTHOR_NAME")) && spiral_text_blank(env, strlen(env))) {
		spiral_who_free(out);
		return spiral_error(SPIRAL_ERROR,
				    "GIT_AUTHOR_NAME is empty: unset it, or set it to "
				    "your name");
	}
	if (spiral_text_blank(out->author, strlen(out->author))) {
		spiral_who_free(out);
		return spiral_error(SPIRAL_ERROR,
				    "user.name is empty: set your name with 'spiral "
				    "config --global user.name \"Your Name\"'");
	}
	if (spiral_text_check(out->author, strlen(out->author), "user.name") < 0 ||
	    spiral_text_check(out->email, strlen(out->email), "user.email") < 0 ||
	    (out->school &&
	     spiral_text_check(out->school, strlen(out->school), "school") < 0)) {
		spiral_who_free(out);
		return SPIRAL_ERROR;
	}
	return 0;
}

static int env_date(const char *name, spiral_date *out)
{
	const char *v = getenv(name);

	if (!v || !*v) {
		*out = spiral_date_now();
		return 0;
	}
	if (spiral_date_parse_git(v, out) < 0)
		return spiral_error(SPIRAL_EUSAGE, "%s: '%s' is not a date", name, v);
	return 0;
}

int spiral_write_date(spiral_date *out) { return env_date("GIT_AUTHOR_DATE", out); }

/* ---- the lock ----------------------------------------------------------- */

/* Who takes the lock, as a waiting command names it: "spiral pull origin". */
static char lock_owner[200];

void spiral_set_program(const char *description)
{
	size_t n = 0;

	for (const char *p = description; p && *p && n + 1 < sizeof(lock_owner); p++)
		lock_owner[n++] = (unsigned char)*p < 0x20 || *p == 0x7f ? ' ' : *p;
	lock_owner[n] = '\0';
}

static int lock_timeout_ms(void)
{
	const char *v = getenv("SPIRAL_LOCK_TIMEOUT");
	long s = v ? strtol(v, NULL, 10) : 60;

	return (int)((s < 0 ? 0 : s > 3600 ? 3600 : s) * 1000);
}

/* Jittered sleeps keep thirty-two waiting writers from marching in step. */
static int nap(unsigned *seed)
{
	int ms = 5 + (int)(rand_r(seed) % 20);
	struct timespec ts = {0, ms * 1000000L};

	nanosleep(&ts, NULL);
	return ms;
}

/* "pid 1234: spiral pull origin" from the holder's lock file, or "" when it
 * wrote nothing readable (it may be taking the lock this instant). */
static void lock_holder(int fd, spiral_buf *out)
{
	char buf[sizeof(lock_owner) + 32];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	char *end;
	long pid;

	if (n <= 0)
		return;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	pid = strtol(buf, &end, 10);
	if (end == buf || pid <= 0 || (*end && *end != ' '))
		return;
	spiral_buf_printf(out, "pid %ld", pid);
	if (*end && end[1]) {
		spiral_buf_puts(out, ": ");
		for (const char *p = end + 1; *p; p++)
			spiral_buf_putc(out, (unsigned char)*p < 0x20 || *p == 0x7f ? ' ' : *p);
	}
}

/* A write to a repository that cannot take one (a read-only mount, files
 * without write permission) says so, naming its git folder; err is the
 * errno of the failed attempt. */
static int read_only_error(spiral_repo *r, int err)
{
	const char *git = git_repository_path(r->git);
	int len = (int)strlen(git);

	while (len > 1 && git[len - 1] == '/')
		len--;
	return spiral_error(SPIRAL_ERROR,
			    "cannot write to %.*s: the repository is read-only (%s)",
			    len, git,
			    err == EROFS ? "read-only file system" : "permission denied");
}

static int is_read_only_errno(int err)
{
	return err == EACCES || err == EPERM || err == EROFS;
}

/* The lock is a flock on .git/spiral.lock: the kernel drops it when its
 * holder dies, so a lock file left by a killed command is simply taken.
 * The holder writes "pid command" into it for a waiting command to show.
 * *waited is how long it waited, in ms. */
static int lock_take(spiral_repo *r, int *fd_out, int *waited)
{
	char *path = join(git_repository_path(r->git), "spiral.lock");
	int fd, limit = lock_timeout_ms();
	unsigned seed = (unsigned)getpid();
	spiral_buf who = SPIRAL_BUF_INIT;
	struct stat sb;
	int rc = 0;

	*fd_out = -1;
	*waited = 0;
	if (!path)
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	/* As root, permissions do not stop a write; a read-only mount does. */
	if (access(git_repository_path(r->git), W_OK) < 0 &&
	    is_read_only_errno(errno)) {
		rc = read_only_error(r, errno);
		free(path);
		return rc;
	}
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0644);
	if (fd < 0 && is_read_only_errno(errno)) {
		rc = read_only_error(r, errno);
		free(path);
		return rc;
	}
	if (fd < 0) {
		rc = spiral_error(SPIRAL_ERROR, "cannot open the lock %s: %s", path,
				  errno == ELOOP ? "it is a symbolic link"
						 : strerror(errno));
		free(path);
		return rc;
	}
	if (fstat(fd, &sb) < 0) {
		rc = spiral_error(SPIRAL_ERROR, "cannot read the lock %s: %s", path,
				  strerror(errno));
		goto fail;
	}
	if (!S_ISREG(sb.st_mode)) {
		rc = spiral_error(SPIRAL_ERROR, "the lock %s is %s (remove it)", path,
				  file_kind(sb.st_mode));
		goto fail;
	}
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			rc = spiral_error(SPIRAL_ERROR, "cannot lock %s: %s", path,
					  strerror(errno));
			goto fail;
		}
		if (*waited >= limit) {
			lock_holder(fd, &who);
			if (who.len)
				rc = spiral_error(SPIRAL_ELOCKED,
						  "another spiral command (%s) has "
						  "held the repository for %d s; "
						  "nothing was written (try again)",
						  who.ptr, limit / 1000);
			else
				rc = spiral_error(SPIRAL_ELOCKED,
						  "another spiral command has held "
						  "the repository (%s) for %d s; "
						  "nothing was written (try again)",
						  path, limit / 1000);
			goto fail;
		}
		*waited += nap(&seed);
	}
	/* Who holds it: advisory, so a failure here (a full disk) is no
	 * reason not to write. */
	spiral_buf_printf(&who, "%ld %s\n", (long)getpid(),
			  lock_owner[0] ? lock_owner : "spiral");
	if (ftruncate(fd, 0) == 0 && who.ptr &&
	    pwrite(fd, who.ptr, who.len, 0) < 0) {
		/* nothing to do */
	}
	spiral_buf_free(&who);
	free(path);
	*fd_out = fd;
	return 0;
fail:
	spiral_buf_free(&who);
	close(fd);
	free(path);
	return rc;
}

/* Empties the holder's line and drops the flock. */
static void lock_release(int fd)
{
	if (fd < 0)
		return;
	if (ftruncate(fd, 0) < 0) {
		/* the next holder rewrites it anyway */
	}
	close(fd);
}

/* git's own index lock: a git command is writing the index.  A write
 * waits for it (as long as for spiral's lock, less what that took) and
 * never removes it: only git knows whether its owner still runs. */
static int index_lock_wait(spiral_repo *r, int waited)
{
	char *path = join(git_repository_path(r->git), "index.lock");
	int limit = lock_timeout_ms(), rc = 0;
	unsigned seed = (unsigned)getpid() ^ 0x5a5a;
	struct stat sb;

	if (!path)
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	while (lstat(path, &sb) == 0) {
		if (waited >= limit) {
			rc = spiral_error(SPIRAL_ELOCKED,
					  "another git process is running in this "
					  "repository (%s exists); nothing was "
					  "written (if no git command is running, "
					  "remove index.lock)",
					  path);
			break;
		}
		waited += nap(&seed);
	}
	free(path);
	return rc;
}

/* ---- writing files ------------------------------------------------------ */

static int mkdirs(const char *top, const char *rel)
{
	char *path = join(top, rel);
	int rc = 0;

	if (!path)
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	for (char *p = path + strlen(top) + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0777) < 0 && errno != EEXIST)
			rc = spiral_error(SPIRAL_ERROR, "cannot create %s: %s", path,
					  strerror(errno));
		*p = '/';
		if (rc < 0)
			break;
	}
	free(path);
	return rc;
}

int repo_write_all(int fd, const void *p, size_t len)
{
	const char *data = p;

	while (len) {
		ssize_t n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = ENOSPC;
			return -1;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Writes a whole file or nothing: a temporary beside it, then rename.
 * `name` is what an error calls the file. */
int write_atomic(const char *path, const char *name, const char *data,
		 size_t len, unsigned mode)
{
	spiral_buf t = SPIRAL_BUF_INIT;
	char *tmp;
	int fd, rc = 0;

	if (spiral_buf_printf(&t, "%s.spiral-tmp-XXXXXX", path) < 0 ||
	    !(tmp = spiral_buf_detach(&t)))
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	fd = mkstemp(tmp);
	if (fd < 0) {
		rc = spiral_error(SPIRAL_ERROR, "cannot write %s: %s", name,
				  strerror(errno));
		free(tmp);
		return rc;
	}
	/* mkstemp makes 0600; records are readable as git's own files are. */
	if (fchmod(fd, (mode_t)(mode & 07777)) < 0 || repo_write_all(fd, data, len) < 0 ||
	    fsync(fd) < 0) {
		rc = spiral_error(SPIRAL_ERROR, "cannot write %s: %s", name,
				  strerror(errno));
		close(fd);
		unlink(tmp);
	} else if (close(fd) < 0 || rename(tmp, path) < 0) {
		rc = spiral_error(SPIRAL_ERROR, "cannot write %s: %s", name,
				  strerror(errno));
		unlink(tmp);
	}
	free(tmp);
	return rc;
}

/* A file of the work tree, its folders made as needed. */
static int write_file_atomic(const char *top, const char *rel, const char *data,
			     size_t len)
{
	char *path;
	int rc;

	if ((rc = mkdirs(top, rel)) < 0)
		return rc; /* mkdirs named the folder */
	if (!(path = join(top, rel)))
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	rc = write_atomic(path, rel, data, len, 0644);
	free(path);
	return rc;
}

/* ---- transactions ------------------------------------------------------- */

typedef struct txn_file {
	char *path;
	char *data;
	size_t len;
	int replace;
	git_oid blob;
} txn_file;

struct spiral_txn {
	spiral_repo *repo;
	int lock_fd;
	char commit[GIT_OID_HEXSZ + 1]; /* the last commit published */
	txn_file *files;
	size_t nfiles;
};

static char *journal_path(spiral_repo *r)
{
	return join(git_repository_path(r->git), "spiral-journal");
}

/* The given paths of commit, written into the work tree. */
static int worktree_update(spiral_repo *r, git_tree *tree, const spiral_strv *paths)
{
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < paths->n; i++) {
		git_tree_entry *te = NULL;
		git_blob *blob = NULL;
		if (git_tree_entry_bypath(&te, tree, paths->v[i]) < 0 ||
		    git_blob_lookup(&blob, r->git, git_tree_entry_id(te)) < 0) {
			rc = git_fail(paths->v[i]);
		} else {
			rc = write_file_atomic(r->top, paths->v[i],
					       git_blob_rawcontent(blob),
					       (size_t)git_blob_rawsize(blob));
		}
		git_blob_free(blob);
		git_tree_entry_free(te);
	}
	return rc;
}

/* A copy of git's index as spiral's own file (absent: none), read without
 * blocking on a FIFO or following a link.  A second name for the same file
 * is enough, and costs nothing however large the index: libgit2 writes the
 * new index beside it and renames it over ours, so git's is never changed
 * through it. */
static int index_copy(const char *from, const char *to)
{
	char buf[65536];
	struct stat sb;
	int in, out, rc = 0;
	ssize_t n;

	unlink(to); /* a leftover of a killed write: ours alone */
	if (lstat(from, &sb) == 0 && S_ISREG(sb.st_mode) && link(from, to) == 0)
		return 0;
	in = open(from, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (in < 0 && errno == ENOENT)
		return 0;
	if (in < 0)
		return spiral_error(SPIRAL_ERROR, "cannot read %s: %s", from,
				    errno == ELOOP ? "it is a symbolic link"
						   : strerror(errno));
	if (fstat(in, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		close(in);
		return spiral_error(SPIRAL_ERROR, "%s is not a regular file", from);
	}
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (out < 0) {
		rc = spiral_error(SPIRAL_ERROR, "cannot write %s: %s", to,
				  strerror(errno));
		close(in);
		return rc;
	}
	while (rc == 0 && (n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || repo_write_all(out, buf, (size_t)n) < 0)
			rc = spiral_error(SPIRAL_ERROR, "cannot copy %s to %s: %s", from,
					  to, strerror(errno));
	}
	if (close(out) < 0 && rc == 0)
		rc = spiral_error(SPIRAL_ERROR, "cannot write %s: %s", to,
				  strerror(errno));
	close(in);
	if (rc < 0)
		unlink(to);
	return rc;
}

/* One index entry for a file just written: the blob the commit holds,
 * with the file's own stat data (so that git sees it unchanged without
 * reading it, and no attributes or filters are consulted). */
static int index_entry_for(spiral_repo *r, git_tree *tree, const char *rel,
			   git_index_entry *e, git_tree_entry **te)
{
	char *full = join(r->top, rel);
	struct stat sb;
	int rc = 0;

	if (!full)
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	if (git_tree_entry_bypath(te, tree, rel) < 0)
		rc = git_fail(rel);
	else if (lstat(full, &sb) < 0 || !S_ISREG(sb.st_mode))
		rc = spiral_error(SPIRAL_ERROR, "cannot add %s to the index: %s", rel,
				  errno ? strerror(errno) : "not a regular file");
	free(full);
	if (rc < 0)
		return rc;
	memset(e, 0, sizeof(*e));
	e->ctime.seconds = (int32_t)sb.st_ctim.tv_sec;
	e->ctime.nanoseconds = (uint32_t)sb.st_ctim.tv_nsec;
	e->mtime.seconds = (int32_t)sb.st_mtim.tv_sec;
	e->mtime.nanoseconds = (uint32_t)sb.st_mtim.tv_nsec;
	e->dev = (uint32_t)sb.st_dev;
	e->ino = (uint32_t)sb.st_ino;
	e->mode = git_tree_entry_filemode(*te);
	e->uid = (uint32_t)sb.st_uid;
	e->gid = (uint32_t)sb.st_gid;
	e->file_size = (uint32_t)sb.st_size;
	git_oid_cpy(&e->id, git_tree_entry_id(*te));
	e->path = rel;
	return 0;
}

/* Adds the paths to git's index through a file that is spiral's alone:
 * .git/spiral-index, a copy of the index with the new entries, renamed
 * over .git/index.  git's index.lock is never taken, nor removed, so a
 * killed write leaves only spiral's own leftovers.  While a git command
 * holds index.lock the index is left alone (SPIRAL_ELOCKED): the journal
 * stays, and the next spiral command finishes it. */
static int index_update(spiral_repo *r, git_tree *tree, const spiral_strv *paths)
{
	const char *gitdir = git_repository_path(r->git);
	char *index = join(gitdir, "index"), *ours = join(gitdir, "spiral-index");
	char *git_lock = join(gitdir, "index.lock");
	git_index *idx = NULL;
	git_index_entry *adds = NULL;
	git_tree_entry **tes = NULL;
	struct stat sb, mine;
	int rc = 0;

	if (!index || !ours || !git_lock) {
		rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
		goto out;
	}
	if (lstat(git_lock, &sb) == 0) {
		rc = spiral_error(SPIRAL_ELOCKED,
				  "the index was not updated: another git process "
				  "holds %s",
				  git_lock);
		goto out;
	}
	/* Spliced into a copy of the index as it is (index.c); libgit2 reads
	 * and writes it whole when it holds anything unusual. */
	if (!(adds = calloc(paths->n + 1, sizeof(*adds))) ||
	    !(tes = calloc(paths->n + 1, sizeof(*tes)))) {
		rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; rc == 0 && i < paths->n; i++)
		rc = index_entry_for(r, tree, paths->v[i], &adds[i], &tes[i]);
	if (rc == 0 && (rc = repo_index_splice(index, ours, adds, paths->n, 0)) == 1) {
		rc = 0;
		if ((rc = index_copy(index, ours)) < 0)
			goto out;
		if (git_index_open(&idx, ours) < 0) {
			rc = git_fail("cannot read the index");
			goto out;
		}
		for (size_t i = 0; rc == 0 && i < paths->n; i++)
			if (git_index_add(idx, &adds[i]) < 0)
				rc = git_fail("cannot update the index");
		if (rc == 0 && git_index_write(idx) < 0)
			rc = git_fail("cannot write the index");
	}
	if (rc == 0 && stat(ours, &mine) < 0)
		rc = spiral_error(SPIRAL_ERROR, "cannot write %s: %s", ours,
				  strerror(errno));
	/* git may have started meanwhile: then its index wins, and ours is
	 * written by the next spiral command (the journal stays).  Checked
	 * again after the rename: a git command that took index.lock before
	 * it still holds it, or has renamed its own index over ours. */
	if (rc == 0 && lstat(git_lock, &sb) == 0)
		rc = spiral_error(SPIRAL_ELOCKED,
				  "the index was not updated: another git process "
				  "holds %s",
				  git_lock);
	if (rc == 0 && rename(ours, index) < 0)
		rc = spiral_error(SPIRAL_ERROR, "cannot write %s: %s", index,
				  strerror(errno));
	else if (rc == 0 && (lstat(git_lock, &sb) == 0 || stat(index, &sb) < 0 ||
			     sb.st_ino != mine.st_ino || sb.st_dev != mine.st_dev))
		rc = spiral_error(SPIRAL_ELOCKED,
				  "the index was updated while another git process "
				  "held %s",
				  git_lock);
	if (rc < 0 && ours)
		unlink(ours);
out:
	for (size_t i = 0; tes && i < paths->n; i++)
		git_tree_entry_free(tes[i]);
	free(tes);
	free(adds);
	git_index_free(idx);
	free(index);
	free(ours);
	free(git_lock);
	return rc;
}

/* Puts the work tree and index in step with commit for the given paths. */
static int materialise(spiral_repo *r, git_commit *commit, const spiral_strv *paths)
{
	git_tree *tree = NULL;
	int rc;

	if (git_commit_tree(&tree, commit) < 0)
		return git_fail("cannot read the new commit");
	if ((rc = worktree_update(r, tree, paths)) == 0)
		rc = index_update(r, tree, paths);
	git_tree_free(tree);
	return rc;
}

/* libgit2 1.5 cannot read a split index (nor, so, the attributes in it
 * that its filters look up): when git's index is split, libgit2 is given a
 * whole copy of it instead (written to a temporary file, read, and removed;
 * entries racily clean in it marked so, as in any index spiral writes), and
 * .git/index is left as it is.  0, 1 when it was given one, or an error. */
int repo_libgit2_index(git_repository *git)
{
	const char *gitdir = git_repository_path(git);
	spiral_buf copy = SPIRAL_BUF_INIT;
	char *index = join(gitdir, "index");
	git_index *idx = NULL;
	int rc;

	if (!index)
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	if (!repo_index_split(index)) {
		free(index);
		return 0;
	}
	/* In the temporary folder: a read-only repository is read too. */
	const char *tmp = getenv("TMPDIR");
	int fd;
	spiral_buf_printf(&copy, "%s/spiral-index-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (copy.failed) {
		free(index);
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	}
	if ((fd = mkstemp(copy.ptr)) < 0) {
		spiral_buf_free(&copy);
		spiral_buf_printf(&copy, "%sspiral-index-XXXXXX", gitdir);
		fd = copy.failed ? -1 : mkstemp(copy.ptr);
	}
	if (fd < 0) {
		rc = spiral_error(SPIRAL_ERROR,
				  "cannot make a whole copy of the split index %s: %s", index,
				  strerror(errno));
		free(index);
		spiral_buf_free(&copy);
		return rc;
	}
	close(fd);
	if ((rc = repo_index_splice(index, copy.ptr, NULL, 0, 1)) == 0) {
		if (git_index_open(&idx, copy.ptr) < 0)
			rc = git_fail("cannot read the index");
		else
			git_repository_set_index(git, idx);
	} else if (rc > 0) {
		rc = spiral_error(SPIRAL_ERROR, "cannot read the split index %s", index);
	}
	unlink(copy.ptr);
	git_index_free(idx);
	free(index);
	spiral_buf_free(&copy);
	return rc < 0 ? rc : 1;
}

/* A journal means a spiral write was killed while holding the lock, so the
 * files its steps make are that write's leftovers: spiral's own index and
 * its lock, libgit2's lock of the branch, and our temporary files beside the
 * new records.  git's index.lock is not among them: spiral never takes it. */
/* The branch's lock is the killed write's only when it is empty or holds
 * the commit the journal names (libgit2 writes the new id into it, then
 * renames it): a lock holding anything else is a running git command's. */
static int branch_lock_ours(const char *path, const git_oid *new_id)
{
	char *data = NULL, hex[GIT_OID_HEXSZ + 1];
	size_t len = 0;
	int ours;

	if (read_file_bounded(path, 4096, &data, &len) < 0) {
		spiral_error_clear();
		return 0;
	}
	git_oid_tostr(hex, sizeof(hex), new_id);
	ours = len == 0 || (len >= GIT_OID_HEXSZ &&
			    memcmp(data, hex, GIT_OID_HEXSZ) == 0);
	free(data);
	return ours;
}

static void clear_leftovers(spiral_repo *r, const spiral_strv *paths,
			    const git_oid *new_id)
{
	const char *gitdir = git_repository_path(r->git);
	git_reference *head = NULL;
	spiral_buf p = SPIRAL_BUF_INIT;
	glob_t g;

	/* Out of memory, a leftover stays: the next command finds it. */
	if (spiral_buf_printf(&p, "%sspiral-index", gitdir) == 0)
		unlink(p.ptr);
	if (spiral_buf_puts(&p, ".lock") == 0 && p.ptr)
		unlink(p.ptr);
	if (git_reference_lookup(&head, r->git, "HEAD") == 0 &&
	    git_reference_type(head) == GIT_REFERENCE_SYMBOLIC) {
		p.len = 0;
		if (spiral_buf_printf(&p, "%s%s.lock", gitdir,
				      git_reference_symbolic_target(head)) == 0 &&
		    branch_lock_ours(p.ptr, new_id))
			unlink(p.ptr);
	}
	git_reference_free(head);
	git_error_clear();
	for (size_t i = 0; i < paths->n; i++) {
		p.len = 0;
		if (spiral_buf_printf(&p, "%s/%s.spiral-tmp-??????", r->top,
				      paths->v[i]) == 0 &&
		    glob(p.ptr, GLOB_NOSORT, NULL, &g) == 0) {
			for (size_t k = 0; k < g.gl_pathc; k++)
				unlink(g.gl_pathv[k]);
			globfree(&g);
		}
	}
	spiral_buf_free(&p);
}

/* ---- a configuration write killed half way ------------------------------- */

static char *config_marker_path(spiral_repo *r)
{
	return join(git_repository_path(r->git), "spiral-config");
}

int repo_config_begin(spiral_repo *r, int *token)
{
	char *marker = config_marker_path(r);
	int fd = -1, waited, rc;

	*token = -1;
	if (!marker)
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	if (!r->locked && (rc = lock_take(r, &fd, &waited)) < 0) {
		free(marker);
		return rc;
	}
	rc = repo_marker_write(marker, "lock config\n", 12);
	free(marker);
	if (rc < 0) {
		lock_release(fd);
		return rc;
	}
	*token = fd;
	return 0;
}

void repo_config_end(spiral_repo *r, int token)
{
	char *marker = config_marker_path(r);

	if (marker)
		unlink(marker);
	free(marker);
	lock_release(token);
}

/* Under the repository's lock: a marker left means its writer died, so a
 * config.lock is that writer's (git's own commands could not know it) and
 * would stop every later write of the configuration, git's too. */
static void config_leftovers(spiral_repo *r)
{
	char *marker = config_marker_path(r), *lock;
	struct stat sb;

	if (!marker || lstat(marker, &sb) < 0) {
		free(marker);
		return;
	}
	if ((lock = join(git_repository_path(r->git), "config.lock")) &&
	    lstat(lock, &sb) == 0 && S_ISREG(sb.st_mode))
		unlink(lock);
	free(lock);
	unlink(marker);
	free(marker);
}

/* Finishes a write that a killed command left after moving the branch, or
 * forgets one that was killed before.  While git holds index.lock, the work
 * tree is finished and the journal kept for the index (SPIRAL_ELOCKED). */
static int recover(spiral_repo *r)
{
	char *path = journal_path(r), *data = NULL;
	spiral_strv paths = {0};
	git_oid new_id, head_id;
	git_commit *commit = NULL;
	size_t len;
	int rc;

	memset(&new_id, 0, sizeof(new_id));
	if (!path)
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	config_leftovers(r);
	rc = read_file_bounded(path, 16 * SPIRAL_MAX_FILE, &data, &len);
	if (rc == SPIRAL_ENOTFOUND) {
		free(path);
		spiral_error_clear();
		return 0;
	}
	if (rc < 0)
		goto out;
	rc = 0;
	for (char *line = strtok(data, "\n"); rc == 0 && line;
	     line = strtok(NULL, "\n")) {
		if (strncmp(line, "new ", 4) == 0)
			git_oid_fromstr(&new_id, line + 4);
		else if (strncmp(line, "path ", 5) == 0 &&
			 spiral_strv_push(&paths, line + 5) < 0)
			rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
	}
	if (rc < 0)
		goto out;
	clear_leftovers(r, &paths, &new_id);
	if (git_reference_name_to_id(&head_id, r->git, "HEAD") == 0 &&
	    git_oid_equal(&head_id, &new_id) &&
	    git_commit_lookup(&commit, r->git, &new_id) == 0)
		rc = materialise(r, commit, &paths);
	git_error_clear();
	if (rc == 0)
		unlink(path);
out:
	git_commit_free(commit);
	spiral_strv_free(&paths);
	free(data);
	free(path);
	return rc;
}

/* Any command, reading ones too, finishes a killed write first: what stock
 * git and spiral see is then the repository as after that write.  A reading
 * command that cannot finish it says so and reads on; a write cannot (its
 * own journal would replace the unfinished one). */
static int recover_if_needed(spiral_repo *r)
{
	struct stat sb;
	char *path = journal_path(r), *marker = config_marker_path(r);
	int pending = path && lstat(path, &sb) == 0, fd, waited, rc = 0;

	if (pending && !S_ISREG(sb.st_mode))
		rc = spiral_error(SPIRAL_ERROR, "%s is %s: remove it", path,
				  S_ISLNK(sb.st_mode) ? "a symbolic link"
						      : file_kind(sb.st_mode));
	if (!pending && marker && lstat(marker, &sb) == 0)
		pending = 1; /* a configuration write's leftovers */
	free(path);
	free(marker);
	if (!pending || rc < 0)
		return rc;
	if ((rc = lock_take(r, &fd, &waited)) < 0)
		return rc;
	rc = recover(r);
	lock_release(fd);
	if (rc == SPIRAL_ELOCKED) {
		spiral_error_clear(); /* git's index lock: the index waits */
	} else if (rc < 0) {
		repo_warn(r,
			  "an earlier write is not finished in the work tree or "
			  "index: %s; the next spiral command tries again",
			  spiral_error_message());
		spiral_error_clear();
	}
	return 0;
}

int spiral_txn_begin(spiral_repo *r, spiral_txn **out)
{
	spiral_txn *t = calloc(1, sizeof(*t));
	int rc, waited;

	if (!t)
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	t->repo = r;
	if ((rc = lock_take(r, &t->lock_fd, &waited)) < 0) {
		free(t);
		return rc;
	}
	r->locked = 1;
	/* Before anything is written: git's index lock, then a killed
	 * write's journal, which must be finished before a new one. */
	if ((rc = index_lock_wait(r, waited)) < 0 || (rc = recover(r)) < 0) {
		spiral_txn_free(t);
		return rc;
	}
	*out = t;
	return 0;
}

void spiral_txn_free(spiral_txn *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nfiles; i++) {
		free(t->files[i].path);
		free(t->files[i].data);
	}
	free(t->files);
	lock_release(t->lock_fd);
	t->repo->locked = 0;
	free(t);
}

static int txn_put(spiral_txn *t, const char *path, const char *data,
		   size_t len, int replace)
{
	txn_file *f;

	f = realloc(t->files, (t->nfiles + 1) * sizeof(*f));
	if (!f)
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	t->files = f;
	f = &t->files[t->nfiles];
	memset(f, 0, sizeof(*f));
	f->path = strdup(path);
	f->data = malloc(len + 1);
	if (!f->path || !f->data) {
		free(f->path);
		free(f->data);
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	}
	memcpy(f->data, data, len);
	f->len = len;
	f->replace = replace;
	t->nfiles++;
	return 0;
}

int spiral_txn_add(spiral_txn *t, const char *path, const char *data, size_t len)
{
	return txn_put(t, path, data, len, 0);
}

static int write_journal(spiral_repo *r, const git_oid *old, const git_oid *new_id,
			 const spiral_strv *paths)
{
	char *path = journal_path(r);
	spiral_buf j = SPIRAL_BUF_INIT;
	char hex[GIT_OID_HEXSZ + 1];
	int rc;

	if (!path)
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	/* A journal short of a path would leave that file unwritten after a
	 * kill: all of it or no write. */
	git_oid_tostr(hex, sizeof(hex), old);
	rc = spiral_buf_printf(&j, "old %s\n", hex);
	git_oid_tostr(hex, sizeof(hex), new_id);
	if (rc == 0)
		rc = spiral_buf_printf(&j, "new %s\n", hex);
	for (size_t i = 0; rc == 0 && i < paths->n; i++)
		rc = spiral_buf_printf(&j, "path %s\n", paths->v[i]);
	if (rc < 0)
		rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
	else
		rc = write_atomic(path, "the journal", j.ptr, j.len, 0644);
	spiral_buf_free(&j);
	free(path);
	return rc;
}

static int make_signature(git_signature **out, const char *name_env,
			  const char *email_env, const char *date_env,
			  const spiral_who *who)
{
	const char *name = getenv(name_env), *email = getenv(email_env);
	spiral_date d;

	if (env_date(date_env, &d) < 0)
		return SPIRAL_EUSAGE;
	if (git_signature_new(out, name && *name ? name : who->author,
			      email && *email ? email : who->email, (git_time_t)d.time,
			      d.offset) < 0)
		return git_fail("cannot use that identity");
	return 0;
}

/* A tree of the given blobs alone, from an index in memory: for a first
 * commit (libgit2 needs a baseline tree to update, and an empty one would
 * be left dangling). */
int repo_tree_new(git_repository *git, const git_tree_update *files, size_t n,
		  git_oid *tree_id)
{
	git_index *index = NULL;
	int rc = 0;

	if (git_index_new(&index) < 0)
		return git_fail("cannot make a tree");
	for (size_t i = 0; rc == 0 && i < n; i++) {
		git_index_entry e;
		memset(&e, 0, sizeof(e));
		e.mode = GIT_FILEMODE_BLOB;
		e.id = files[i].id;
		e.path = files[i].path;
		if (git_index_add(index, &e) < 0)
			rc = git_fail("cannot make a tree");
	}
	if (rc == 0 && git_index_write_tree_to(tree_id, index, git) < 0)
		rc = git_fail("cannot make a tree");
	git_index_free(index);
	return rc;
}

/* The tree of HEAD plus the new files.  Existing paths are refused unless
 * the file asked to replace (spiral init adopting a .gitattributes). */
static int build_tree(spiral_txn *t, git_commit *parent, git_oid *tree_id)
{
	spiral_repo *r = t->repo;
	git_tree *base = NULL;
	git_tree_update *updates;
	int rc = 0;

	if (parent && git_commit_tree(&base, parent) < 0)
		return git_fail("cannot read HEAD");
	updates = calloc(t->nfiles, sizeof(*updates));
	if (!updates) {
		git_tree_free(base);
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	}
	for (size_t i = 0; rc == 0 && i < t->nfiles; i++) {
		txn_file *f = &t->files[i];
		git_tree_entry *te = NULL;
		if (base && !f->replace &&
		    git_tree_entry_bypath(&te, base, f->path) == 0) {
			git_tree_entry_free(te);
			rc = spiral_error(SPIRAL_EEXISTS,
					  "%s already exists; records are never "
					  "rewritten",
					  f->path);
			break;
		}
		/* Not finding the path was the good answer: a failure below
		 * must not be reported with that message. */
		git_error_clear();
		errno = 0;
		if (git_blob_create_from_buffer(&f->blob, r->git, f->data, f->len) < 0) {
			rc = git_fail("cannot store a file");
			break;
		}
		updates[i].action = GIT_TREE_UPDATE_UPSERT;
		updates[i].id = f->blob;
		updates[i].filemode = GIT_FILEMODE_BLOB;
		updates[i].path = f->path;
	}
	if (rc == 0 && !base)
		rc = repo_tree_new(r->git, updates, t->nfiles, tree_id);
	else if (rc == 0 &&
		 git_tree_create_updated(tree_id, r->git, base, t->nfiles, updates) < 0)
		rc = git_fail("cannot make the new tree");
	free(updates);
	git_tree_free(base);
	return rc;
}

/* Moves the branch HEAD points to (or a detached HEAD) from old to new. */
static int move_head(spiral_repo *r, git_reference *head, const git_oid *id,
		     const char *message)
{
	git_reference *sym = NULL, *updated = NULL;
	spiral_buf log = SPIRAL_BUF_INIT;
	int rc;

	spiral_buf_printf(&log, "commit%s: %.*s", head ? "" : " (initial)",
			  (int)strcspn(message, "\n"), message);
	if (head) {
		rc = git_reference_set_target(&updated, head, id, log.ptr);
	} else if ((rc = git_reference_lookup(&sym, r->git, "HEAD")) == 0) {
		rc = git_reference_create(&updated, r->git,
					  git_reference_symbolic_target(sym), id, 0,
					  log.ptr);
	}
	spiral_buf_free(&log);
	git_reference_free(sym);
	git_reference_free(updated);
	if (rc < 0) {
		/* libgit2 may fail after the branch moved (out of memory while
		 * it writes the reflog): then the write has happened. */
		git_oid now;
		char why[256];
		snprintf(why, sizeof(why), "%s",
			 git_error_last() ? git_error_last()->message : "");
		if (git_reference_name_to_id(&now, r->git, "HEAD") == 0 &&
		    git_oid_equal(&now, id)) {
			git_error_clear();
			return 0;
		}
		git_error_set_str(GIT_ERROR_REFERENCE, why);
		return git_fail("cannot move HEAD (did something else commit "
				"meanwhile? nothing was written)");
	}
	return 0;
}

int repo_publish(spiral_txn *t, const git_oid *tree_id, const git_oid *parents,
		 size_t nparents, const char *message, const spiral_who *who,
		 const spiral_strv *paths)
{
	spiral_repo *r = t->repo;
	git_reference *head = NULL;
	git_commit *commit = NULL;
	const git_commit *pc[2] = {NULL, NULL};
	git_signature *author = NULL, *committer = NULL;
	git_tree *tree = NULL;
	git_oid commit_id, zero;
	const git_oid *old = &zero;
	spiral_buf msg = SPIRAL_BUF_INIT;
	int rc;

	memset(&zero, 0, sizeof(zero));
	if (nparents > 2)
		return spiral_error(SPIRAL_ERROR, "too many parents");
	rc = git_repository_head(&head, r->git);
	if (rc == GIT_EUNBORNBRANCH || rc == GIT_ENOTFOUND) {
		head = NULL;
		git_error_clear();
	} else if (rc < 0) {
		rc = git_fail("cannot read HEAD");
		goto out;
	} else {
		old = git_reference_target(head);
	}
	if (!message || spiral_buf_puts(&msg, message) < 0 ||
	    ((msg.len == 0 || msg.ptr[msg.len - 1] != '\n') &&
	     spiral_buf_putc(&msg, '\n') < 0)) {
		rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
		goto out;
	}
	if (tree_id) {
		for (size_t i = 0; i < nparents; i++)
			if (git_commit_lookup((git_commit **)&pc[i], r->git,
					      &parents[i]) < 0) {
				rc = git_fail("cannot read a parent commit");
				goto out;
			}
		if ((rc = make_signature(&author, "GIT_AUTHOR_NAME",
					 "GIT_AUTHOR_EMAIL", "GIT_AUTHOR_DATE",
					 who)) < 0 ||
		    (rc = make_signature(&committer, "GIT_COMMITTER_NAME",
					 "GIT_COMMITTER_EMAIL", "GIT_COMMITTER_DATE",
					 who)) < 0)
			goto out;
		if (git_tree_lookup(&tree, r->git, tree_id) < 0 ||
		    git_commit_create(&commit_id, r->git, NULL, author, committer,
				      NULL, msg.ptr, tree, nparents, pc) < 0) {
			rc = git_fail("cannot make the commit");
			goto out;
		}
	} else {
		git_oid_cpy(&commit_id, &parents[0]);
	}
	if ((rc = write_journal(r, old, &commit_id, paths)) < 0)
		goto out;
	if ((rc = move_head(r, head, &commit_id, msg.ptr)) < 0) {
		char *jp = journal_path(r);
		if (jp)
			unlink(jp);
		free(jp);
		goto out;
	}
	/* From here on the write has happened: a failure below is not the
	 * write's, and reporting one would have it made twice.  The journal
	 * stays, so the next command finishes the work tree and index. */
	git_oid_tostr(t->commit, sizeof(t->commit), &commit_id);
	if (git_commit_lookup(&commit, r->git, &commit_id) < 0)
		rc = git_fail("cannot read the new commit");
	else
		rc = materialise(r, commit, paths);
	if (rc == 0) {
		char *jp = journal_path(r);
		if (jp)
			unlink(jp);
		free(jp);
	} else {
		repo_warn(r,
			  "committed %.8s, but the work tree or index is not up "
			  "to date: %s; the next spiral command finishes it",
			  t->commit, spiral_error_message());
		spiral_error_clear();
	}
	rc = 0;
out:
	spiral_buf_free(&msg);
	git_tree_free(tree);
	git_commit_free(commit);
	for (size_t i = 0; i < 2; i++)
		git_commit_free((git_commit *)pc[i]);
	git_reference_free(head);
	git_signature_free(author);
	git_signature_free(committer);
	return rc;
}

int spiral_txn_commit(spiral_txn *t, const char *message, const spiral_who *who,
		      char out_commit[41])
{
	spiral_repo *r = t->repo;
	git_reference *head = NULL;
	git_commit *parent = NULL;
	git_oid tree_id, parent_id;
	spiral_strv paths = {0};
	int rc;

	rc = git_repository_head(&head, r->git);
	if (rc == GIT_EUNBORNBRANCH || rc == GIT_ENOTFOUND) {
		head = NULL;
	} else if (rc < 0) {
		rc = git_fail("cannot read HEAD");
		goto out;
	} else if (git_reference_peel((git_object **)&parent, head,
				      GIT_OBJECT_COMMIT) < 0) {
		rc = git_fail("cannot read HEAD's commit");
		goto out;
	}
	for (size_t i = 0; i < t->nfiles; i++) {
		char *full = join(r->top, t->files[i].path);
		struct stat sb;
		int exists = full && lstat(full, &sb) == 0;
		free(full);
		if (exists && !t->files[i].replace) {
			rc = spiral_error(SPIRAL_EEXISTS,
					  "%s already exists in the work tree; nothing "
					  "was written",
					  t->files[i].path);
			goto out;
		}
	}
	if ((rc = build_tree(t, parent, &tree_id)) < 0)
		goto out;
	for (size_t i = 0; i < t->nfiles; i++)
		if (spiral_strv_push(&paths, t->files[i].path) < 0) {
			rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
			goto out;
		}
	if (parent)
		git_oid_cpy(&parent_id, git_commit_id(parent));
	rc = repo_publish(t, &tree_id, &parent_id, parent ? 1 : 0, message, who,
			  &paths);
	if (rc == 0 && out_commit)
		memcpy(out_commit, t->commit, 41);
out:
	spiral_strv_free(&paths);
	git_commit_free(parent);
	git_reference_free(head);
	return rc;
}

/* ---- init --------------------------------------------------------------- */

static int head_has(spiral_repo *r, const char *path)
{
	git_object *obj = NULL;
	int found;
	spiral_buf spec = SPIRAL_BUF_INIT;

	if (spiral_buf_printf(&spec, "HEAD:%s", path) < 0)
		return -1;
	found = git_revparse_single(&obj, r->git, spec.ptr) == 0;
	git_object_free(obj);
	spiral_buf_free(&spec);
	return found;
}

/* .gitattributes: ours, or an adopted one with our line appended. */
static int attributes_for(spiral_repo *r, spiral_buf *out, int *replace)
{
	spiral_buf ours = SPIRAL_BUF_INIT;
	char *path = join(r->top, ".gitattributes"), *data = NULL;
	size_t len = 0;
	int rc;

	*replace = 0;
	rc = spiral_gitattributes_serialize(&ours);
	if (rc == 0)
		rc = path ? read_file_bounded(path, SPIRAL_MAX_FILE, &data, &len)
			  : SPIRAL_ENOMEM;
	free(path);
	if (rc == SPIRAL_ENOTFOUND) {
		rc = spiral_buf_put(out, ours.ptr, ours.len);
	} else if (rc == 0) {
		*replace = 1;
		rc = spiral_buf_put(out, data, len);
		if (rc == 0 && !strstr(data, "merge=spiral")) {
			if (len && data[len - 1] != '\n')
				rc = spiral_buf_putc(out, '\n');
			if (rc == 0)
				rc = spiral_buf_put(out, ours.ptr, ours.len);
		}
	}
	if (rc == SPIRAL_ENOMEM)
		rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
	free(data);
	spiral_buf_free(&ours);
	return rc;
}

int spiral_repo_init(spiral_repo **out, const char *path, int *created)
{
	git_repository *git = NULL;
	spiral_repo *r = NULL;
	spiral_txn *t = NULL;
	spiral_buf ini = SPIRAL_BUF_INIT, attrs = SPIRAL_BUF_INIT;
	spiral_who who = {0};
	int rc, replace = 0;

	*created = 0;
	if ((rc = repo_check_plain_file(path, ".git/config")) < 0)
		return rc;
	library_init();
	if (git_repository_open_ext(&git, path, GIT_REPOSITORY_OPEN_NO_SEARCH,
				    NULL) < 0) {
		/* Know who commits before creating anything, so a failed init
		 * leaves no half-made repository behind. */
		if ((rc = spiral_identity(NULL, &who)) < 0) {
			library_done();
			return rc;
		}
		spiral_who_free(&who);
	}
	if (!git && git_repository_init(&git, path, 0) < 0) {
		rc = git_fail("cannot create the repository");
		library_done();
		return rc;
	}
	if ((rc = repo_wrap(git, &r)) < 0) {
		library_done();
		return rc;
	}
	if ((rc = check_git_files(r)) < 0 ||
	    (rc = spiral_repo_register_driver(r)) < 0)
		goto fail;
	if ((rc = head_has(r, "spiral.ini")) < 0) {
		rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
		goto fail;
	}
	if (rc) {
		if ((rc = check_format(r)) < 0)
			goto fail;
		*out = r;
		return 0;
	}
	if ((rc = spiral_identity(r, &who)) < 0)
		goto fail;
	if ((rc = spiral_repository_serialize(&ini)) < 0 ||
	    (rc = attributes_for(r, &attrs, &replace)) < 0 ||
	    (rc = spiral_txn_begin(r, &t)) < 0 ||
	    (rc = txn_put(t, "spiral.ini", ini.ptr, ini.len, 1)) < 0 ||
	    (rc = txn_put(t, ".gitattributes", attrs.ptr, attrs.len, replace)) < 0)
		goto fail;
	/* An adopted work tree may hold an uncommitted spiral.ini of its own. */
	t->files[0].replace = 1;
	if ((rc = spiral_txn_commit(t, "init: start a spiral repository\n\n"
				    "spiral keeps collaborative inquiries here as "
				    "INI files (see spiral(5)).",
				    &who, NULL)) < 0)
		goto fail;
	*created = 1;
	spiral_txn_free(t);
	spiral_buf_free(&ini);
	spiral_buf_free(&attrs);
	spiral_who_free(&who);
	*out = r;
	return 0;
fail:
	spiral_txn_free(t);
	spiral_buf_free(&ini);
	spiral_buf_free(&attrs);
	spiral_who_free(&who);
	spiral_repo_free(r);
	return rc;
}

/* A new, empty git repository at path (no commit yet): a clone's start. */
int repo_create(spiral_repo **out, const char *path)
{
	git_repository *git = NULL;
	int rc;

	library_init();
	if (git_repository_init(&git, path, 0) < 0) {
		rc = git_fail("cannot create the repository");
		library_done();
		return rc;
	}
	if ((rc = repo_wrap(git, out)) < 0)
		library_done();
	return rc;
}

int spiral_repo_register_driver(spiral_repo *r)
{
	/* git runs the driver for *.ini (.gitattributes: merge=spiral); the
	 * command is the clone's own configuration, never pulled data. */
	if (config_set_raw(r, "merge.spiral.name",
			   "spiral: INI-aware merge of hand-edited records") < 0 ||
	    config_set_raw(r, "merge.spiral.driver",
			   "spiral merge-file %O %A %B %P") < 0)
		return SPIRAL_ERROR;
	return 0;
}

/* ---- status ------------------------------------------------------------- */

/* git's status reads the .gitignore of every folder it walks, blocking on a
 * FIFO: those under rel are checked first (links are not walked). */
static int check_ignore_files(const char *top, const char *rel, int depth)
{
	char *dir = join(top, rel);
	DIR *d;
	struct dirent *de;
	int rc = 0;

	if (!dir)
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	d = depth < 16 ? opendir(dir) : NULL;
	free(dir);
	if (!d)
		return 0; /* absent, or status reports it */
	while (rc == 0 && (de = readdir(d))) {
		spiral_buf sub = SPIRAL_BUF_INIT;
		struct stat sb;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (spiral_buf_printf(&sub, "%s/%s", rel, de->d_name) < 0) {
			rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
		} else if (strcmp(de->d_name, ".gitignore") == 0) {
			rc = repo_check_plain_file(top, sub.ptr);
		} else if (de->d_type == DT_DIR ||
			   (de->d_type == DT_UNKNOWN && fstatat(dirfd(d), de->d_name, &sb,
								AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISDIR(sb.st_mode))) {
			rc = check_ignore_files(top, sub.ptr, depth + 1);
		}
		spiral_buf_free(&sub);
	}
	closedir(d);
	return rc;
}

int spiral_repo_changed(spiral_repo *r, spiral_strv *out)
{
	git_status_options opts;
	git_status_list *list = NULL;
	char *specs[] = {"inquiries", "spiral.ini", ".gitattributes"};
	int rc = 0;

	if ((rc = repo_changed_fast(r, out)) <= 0)
		return rc;
	if ((rc = check_ignore_files(r->top, "inquiries", 0)) < 0)
		return rc;
	git_status_options_init(&opts, GIT_STATUS_OPTIONS_VERSION);
	if ((rc = repo_libgit2_index(r->git)) < 0)
		return rc;
	rc = 0;
	opts.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
	opts.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED |
		     GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS |
		     GIT_STATUS_OPT_SORT_CASE_SENSITIVELY;
	opts.pathspec.strings = specs;
	opts.pathspec.count = 3;
	if (git_status_list_new(&list, r->git, &opts) < 0)
		return git_fail("cannot read the status");
	for (size_t i = 0; rc == 0 && i < git_status_list_entrycount(list); i++) {
		const git_status_entry *e = git_status_byindex(list, i);
		const git_diff_delta *d = e->index_to_workdir ? e->index_to_workdir
							      : e->head_to_index;
		if (d && d->new_file.path)
			rc = spiral_strv_push(out, d->new_file.path);
	}
	git_status_list_free(list);
	return rc;
}

int spiral_repo_tracking(spiral_repo *r, char **upstream, size_t *ahead,
			 size_t *behind)
{
	git_reference *head = NULL, *up = NULL;
	const git_oid *local, *remote;
	int rc;

	*upstream = NULL;
	*ahead = *behind = 0;
	if (git_repository_head(&head, r->git) < 0 ||
	    git_branch_upstream(&up, head) < 0) {
		git_reference_free(head);
		git_error_clear();
		return SPIRAL_ENOTFOUND; /* no branch or no upstream: nothing to say */
	}
	local = git_reference_target(head);
	remote = git_reference_target(up);
	rc = local && remote ? git_graph_ahead_behind(ahead, behind, r->git, local, remote)
			     : -1;
	if (rc == 0 && !(*upstream = strdup(git_reference_shorthand(up))))
		rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
	else if (rc < 0)
		rc = git_fail("cannot compare with the upstream branch");
	git_reference_free(up);
	git_reference_free(head);
	return rc;
}

void spiral_lib_versions_get(spiral_lib_versions *out)
{
	memset(out, 0, sizeof(*out));
	git_libgit2_version(&out->libgit2_major, &out->libgit2_minor,
			    &out->libgit2_rev);
#ifdef SPIRAL_INIH_VERSION
	out->inih = SPIRAL_INIH_VERSION;
#else
	out->inih = "unknown";
#endif
	out->utf8proc = utf8proc_version();
}
