/* Remotes and transports: the repositories a clone shares with, and how it
 * reaches them (libgit2's local, git://, smart HTTP(S) and SSH transports).
 *
 * Credentials come from the URL, then from the user's own git credential
 * helpers, then from the front end's prompt (only on a terminal).  SSH uses
 * the agent, then the user's keys; host keys are checked against
 * ~/.ssh/known_hosts by libgit2, and a key it cannot vouch for is refused.
 * Nothing here prints: messages go to spiral_error(). */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"

/* ---- remotes in the configuration --------------------------------------- */

static int name_valid(const char *name)
{
	int valid = 0;

	return git_remote_name_is_valid(&valid, name) == 0 && valid;
}

int spiral_remote_list(spiral_repo *r, spiral_strv *names, spiral_strv *urls)
{
	git_repository *git = repo_git(r);
	git_strarray list = {0};
	int rc = 0;

	if (git_remote_list(&list, git) < 0)
		return repo_git_fail("cannot list the remotes");
	for (size_t i = 0; rc == 0 && i < list.count; i++) {
		git_remote *remote = NULL;
		const char *url;
		if (git_remote_lookup(&remote, git, list.strings[i]) < 0) {
			rc = repo_git_fail(list.strings[i]);
			break;
		}
		url = git_remote_url(remote);
		rc = spiral_strv_push(names, list.strings[i]);
		if (rc == 0 && urls)
			rc = spiral_strv_push(urls, url ? url : "");
		git_remote_free(remote);
	}
	git_strarray_dispose(&list);
	return rc < 0 ? spiral_error(SPIRAL_ENOMEM, "out of memory") : 0;
}

/* The remote called name, or a clear error. */
static int remote_open(spiral_repo *r, const char *name, git_remote **out)
{
	int rc = git_remote_lookup(out, repo_git(r), name);

	if (rc == GIT_ENOTFOUND || rc == GIT_EINVALIDSPEC) {
		git_error_clear();
		return spiral_error(SPIRAL_ENOTFOUND,
				    "no remote named '%s' (see 'spiral remote -v')", name);
	}
	return rc < 0 ? repo_git_fail(name) : 0;
}

int spiral_remote_url(spiral_repo *r, const char *name, char **url)
{
	git_remote *remote = NULL;
	int rc;

	*url = NULL;
	if ((rc = remote_open(r, name, &remote)) < 0)
		return rc;
	*url = strdup(git_remote_url(remote) ? git_remote_url(remote) : "");
	git_remote_free(remote);
	return *url ? 0 : spiral_error(SPIRAL_ENOMEM, "out of memory");
}

/* A local path is kept absolute, as git clone does, so that the remote
 * works from any folder; URLs are kept as given. */
static char *url_for_config(const char *url)
{
	struct stat sb;
	char *full;

	if (!strstr(url, "://") && stat(url, &sb) == 0 && (full = realpath(url, NULL)))
		return full;
	return strdup(url);
}

int spiral_remote_add(spiral_repo *r, const char *name, const char *given)
{
	git_remote *remote = NULL;
	char *url;
	int rc, token;

	if (!name_valid(name))
		return spiral_error(SPIRAL_EUSAGE, "'%s' is not a valid remote name",
				    name);
	if (!*given || spiral_text_check(given, strlen(given), "the URL") < 0 ||
	    strpbrk(given, "\n\r"))
		return spiral_error(SPIRAL_EUSAGE, "'%s' is not a URL", given);
	if (!(url = url_for_config(given)))
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	if ((rc = repo_config_begin(r, &token)) < 0) {
		free(url);
		return rc;
	}
	rc = git_remote_create(&remote, repo_git(r), name, url);
	repo_config_end(r, token);
	free(url);
	git_remote_free(remote);
	if (rc == GIT_EEXISTS) {
		git_error_clear();
		return spiral_error(SPIRAL_EEXISTS, "a remote named '%s' already exists",
				    name);
	}
	return rc < 0 ? repo_git_fail("cannot add the remote") : 0;
}

int spiral_remote_remove(spiral_repo *r, const char *name)
{
	char *url = NULL;
	int rc = spiral_remote_url(r, name, &url), token;

	free(url);
	if (rc < 0)
		return rc;
	if ((rc = repo_config_begin(r, &token)) < 0)
		return rc;
	if ((rc = git_remote_delete(repo_git(r), name)) < 0)
		rc = repo_git_fail("cannot remove the remote");
	repo_config_end(r, token);
	return rc < 0 ? rc : 0;
}

int spiral_remote_rename(spiral_repo *r, const char *from, const char *to)
{
	git_strarray problems = {0};
	char *url = NULL;
	int rc = spiral_remote_url(r, from, &url), token;

	free(url);
	if (rc < 0)
		return rc;
	if (!name_valid(to))
		return spiral_error(SPIRAL_EUSAGE, "'%s' is not a valid remote name", to);
	if ((rc = repo_config_begin(r, &token)) < 0)
		return rc;
	rc = git_remote_rename(&problems, repo_git(r), from, to);
	if (rc < 0 && rc != GIT_EEXISTS)
		rc = repo_git_fail("cannot rename the remote");
	repo_config_end(r, token);
	git_strarray_dispose(&problems);
	if (rc == GIT_EEXISTS) {
		git_error_clear();
		return spiral_error(SPIRAL_EEXISTS, "a remote named '%s' already exists",
				    to);
	}
	return rc < 0 ? rc : 0;
}

/* The current branch's upstream remote, else origin, else the only one. */
int spiral_remote_default(spiral_repo *r, char **name)
{
	git_repository *git = repo_git(r);
	git_reference *head = NULL;
	git_buf buf = {0};
	spiral_strv names = {0};
	int rc;

	*name = NULL;
	if (git_repository_head(&head, git) == 0 &&
	    git_branch_upstream_remote(&buf, git, git_reference_name(head)) == 0) {
		*name = strdup(buf.ptr);
		git_buf_dispose(&buf);
		git_reference_free(head);
		return *name ? 0 : spiral_error(SPIRAL_ENOMEM, "out of memory");
	}
	git_reference_free(head);
	git_error_clear();
	if ((rc = spiral_remote_list(r, &names, NULL)) < 0)
		return rc;
	if (spiral_strv_contains(&names, "origin"))
		*name = strdup("origin");
	else if (names.n == 1)
		*name = strdup(names.v[0]);
	else
		rc = spiral_error(SPIRAL_ENOTFOUND,
				  names.n ? "which remote? name one (see 'spiral remote')"
					  : "no remote to share with: add one with "
					    "'spiral remote add NAME URL'");
	spiral_strv_free(&names);
	if (rc == 0 && !*name)
		rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
	return rc;
}

/* ---- URLs as shown ------------------------------------------------------- */

char *spiral_url_shown(const char *url)
{
	const char *p = strstr(url, "://"), *host, *slash, *at, *colon;
	spiral_buf b = SPIRAL_BUF_INIT;

	if (!p)
		return strdup(url);
	host = p + 3;
	slash = strchr(host, '/');
	if (!slash)
		slash = host + strlen(host);
	at = memchr(host, '@', (size_t)(slash - host));
	colon = at ? memchr(host, ':', (size_t)(at - host)) : NULL;
	if (!colon)
		return strdup(url);
	/* As git does: the user stays, the password never shows. */
	spiral_buf_put(&b, url, (size_t)(colon - url));
	spiral_buf_puts(&b, at);
	return spiral_buf_detach(&b);
}

/* ---- credentials -------------------------------------------------------- */

typedef struct transfer {
	const spiral_remote_cb *cb;
	char *url;          /* as shown: no password */
	int ssh_tries;      /* agent, then each key file */
	int helper_tried;   /* the user's credential helpers were asked */
	int prompt_tried;
	int url_had_login;
	char *message;      /* our own explanation, if we have one */
	spiral_strv rejected; /* push: "ref: why" */
	spiral_buf said;    /* the remote's line being received */
	int said_cr;        /* that line ended in \r, so far */
	int said_meter;     /* that line redrew one ended by \r */
	size_t said_lines;  /* lines passed on */
} transfer;

static void transfer_say(transfer *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void transfer_say(transfer *t, const char *fmt, ...)
{
	spiral_buf b = SPIRAL_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	spiral_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	free(t->message);
	t->message = spiral_buf_detach(&b);
}

/* Splits a URL into the protocol, host[:port] and path that git's credential
 * helpers are asked about. */
static void credential_request(const char *url, const char *user, spiral_buf *out)
{
	const char *p = strstr(url, "://"), *host, *slash, *at;

	if (!p)
		return;
	spiral_buf_printf(out, "protocol=%.*s\n", (int)(p - url), url);
	host = p + 3;
	slash = strchr(host, '/');
	if (!slash)
		slash = host + strlen(host);
	at = memchr(host, '@', (size_t)(slash - host));
	if (at)
		host = at + 1;
	/* No path: git asks helpers by protocol and host alone unless
	 * credential.useHttpPath is set, and stored logins match so. */
	spiral_buf_printf(out, "host=%.*s\n", (int)(slash - host), host);
	if (user)
		spiral_buf_printf(out, "username=%s\n", user);
	spiral_buf_putc(out, '\n');
}

/* Runs one credential helper as git would ("!cmd" through the shell, an
 * absolute path as it is, else git credential-NAME), feeding it the request
 * and reading back username= and password=. */
static int run_helper(const char *helper, const char *request, char **user,
		      char **pass)
{
	spiral_buf cmd = SPIRAL_BUF_INIT, reply = SPIRAL_BUF_INIT;
	int in[2], out[2], status = 0;
	pid_t pid;

	if (helper[0] == '!')
		spiral_buf_printf(&cmd, "%s get", helper + 1);
	else if (helper[0] == '/')
		spiral_buf_printf(&cmd, "%s get", helper);
	else
		spiral_buf_printf(&cmd, "git credential-%s get", helper);
	if (!cmd.ptr || pipe(in) < 0) {
		spiral_buf_free(&cmd);
		return -1;
	}
	if (pipe(out) < 0) {
		close(in[0]);
		close(in[1]);
		spiral_buf_free(&cmd);
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		execl("/bin/sh", "sh", "-c", cmd.ptr, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	spiral_buf_free(&cmd);
	if (pid < 0) {
		close(in[1]);
		close(out[0]);
		return -1;
	}
	/* A helper that exits early must not kill us with SIGPIPE: the tool
	 * ignores it, and a short write is simply the end. */
	for (size_t off = 0, len = strlen(request); off < len;) {
		ssize_t n = write(in[1], request + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	close(in[1]);
	for (;;) {
		char chunk[4096];
		ssize_t n = read(out[0], chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || reply.len > 65536)
			break;
		spiral_buf_put(&reply, chunk, (size_t)n);
	}
	close(out[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	for (char *line = reply.ptr; line && *line;) {
		char *end = strchr(line, '\n');
		if (end)
			*end = '\0';
		if (strncmp(line, "username=", 9) == 0 && !*user)
			*user = strdup(line + 9);
		else if (strncmp(line, "password=", 9) == 0 && !*pass)
			*pass = strdup(line + 9);
		line = end ? end + 1 : NULL;
	}
	spiral_buf_free(&reply);
	return *user && *pass ? 0 : -1;
}

typedef struct helper_walk {
	const char *request;
	char *user, *pass;
} helper_walk;

static int helper_each(const git_config_entry *e, void *payload)
{
	helper_walk *w = payload;

	if (!e->value || !*e->value) /* an empty helper resets the list */
		return 0;
	if (w->user && w->pass)
		return 0;
	free(w->user);
	free(w->pass);
	w->user = w->pass = NULL;
	run_helper(e->value, w->request, &w->user, &w->pass);
	return 0;
}

/* The user's credential helpers: credential.helper in the user's and the
 * system's git configuration (the clone's own .git/config is the user's
 * too; nothing pulled from a colleague is ever configuration). */
static int ask_helpers(const char *url, const char *user, char **out_user,
		       char **out_pass)
{
	git_config *cfg = NULL, *snap = NULL;
	spiral_buf req = SPIRAL_BUF_INIT;
	helper_walk w = {NULL, NULL, NULL};

	credential_request(url, user, &req);
	if (!req.ptr || git_config_open_default(&cfg) < 0 ||
	    git_config_snapshot(&snap, cfg) < 0) {
		git_config_free(cfg);
		spiral_buf_free(&req);
		git_error_clear();
		return -1;
	}
	w.request = req.ptr;
	git_config_get_multivar_foreach(snap, "credential.helper", NULL,
					helper_each, &w);
	git_error_clear();
	git_config_free(snap);
	git_config_free(cfg);
	spiral_buf_free(&req);
	if (w.user && w.pass) {
		*out_user = w.user;
		*out_pass = w.pass;
		return 0;
	}
	free(w.user);
	free(w.pass);
	return -1;
}

static char *local_user(void)
{
	const char *u = getenv("USER");
	struct passwd *pw;

	if (u && *u)
		return strdup(u);
	pw = getpwuid(getuid());
	return strdup(pw && pw->pw_name ? pw->pw_name : "git");
}

static int ssh_key(git_credential **out, const char *user, int nth)
{
	static const char *const keys[] = {"id_ed25519", "id_ecdsa", "id_rsa"};
	const char *home = getenv("HOME");
	int seen = 0;

	for (size_t i = 0; home && i < sizeof(keys) / sizeof(*keys); i++) {
		spiral_buf priv = SPIRAL_BUF_INIT, pub = SPIRAL_BUF_INIT;
		struct stat sb;
		int rc = 1;
		spiral_buf_printf(&priv, "%s/.ssh/%s", home, keys[i]);
		spiral_buf_printf(&pub, "%s/.ssh/%s.pub", home, keys[i]);
		if (priv.ptr && stat(priv.ptr, &sb) == 0 && seen++ == nth)
			rc = git_credential_ssh_key_new(
				out, user, stat(pub.ptr, &sb) == 0 ? pub.ptr : NULL,
				priv.ptr, NULL);
		spiral_buf_free(&priv);
		spiral_buf_free(&pub);
		if (rc <= 0)
			return rc;
	}
	return 1; /* no more keys */
}

static int on_credentials(git_credential **out, const char *url,
			  const char *user_from_url, unsigned int allowed,
			  void *payload)
{
	transfer *t = payload;
	char *user = NULL, *pass = NULL;
	int rc;

	if (allowed & GIT_CREDENTIAL_SSH_KEY) {
		char *u = user_from_url ? strdup(user_from_url) : local_user();
		int n = t->ssh_tries++;
		const char *agent = getenv("SSH_AUTH_SOCK");
		if (!u)
			return -1;
		if (agent && *agent) {
			if (n == 0) {
				rc = git_credential_ssh_key_from_agent(out, u);
				free(u);
				return rc;
			}
			n--;
		}
		rc = ssh_key(out, u, n);
		free(u);
		if (rc == 0)
			return 0;
		transfer_say(t, "%s refused every SSH key offered (ssh-agent, "
				"~/.ssh/id_ed25519, id_ecdsa, id_rsa)",
			     t->url);
		return GIT_EAUTH;
	}
	if (allowed & GIT_CREDENTIAL_USERNAME) {
		char *u = user_from_url ? strdup(user_from_url) : local_user();
		rc = u ? git_credential_username_new(out, u) : -1;
		free(u);
		return rc;
	}
	if (!(allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT))
		return GIT_PASSTHROUGH;
	/* The URL's own login was tried first by libgit2. */
	if (t->url_had_login || t->helper_tried > 1 || t->prompt_tried) {
		transfer_say(t, "%s refused the login", t->url);
		return GIT_EAUTH;
	}
	if (!t->helper_tried) {
		t->helper_tried = 1;
		if (ask_helpers(url, user_from_url, &user, &pass) == 0) {
			t->helper_tried = 2;
			goto give;
		}
	} else if (t->helper_tried == 2) {
		t->helper_tried = 3;
	}
	if (t->cb && t->cb->prompt && !t->prompt_tried) {
		t->prompt_tried = 1;
		if (t->cb->prompt(t->cb->user, url, user_from_url, &user, &pass) == 0)
			goto give;
		free(user);
		free(pass);
		user = pass = NULL;
	}
	if (t->helper_tried == 3) {
		transfer_say(t, "%s refused the login", t->url);
		return GIT_EAUTH;
	}
	transfer_say(t, "%s needs a login: store it with a credential helper "
			"('git config --global credential.helper store') or put "
			"it in the URL",
		     t->url);
	return GIT_EAUTH;
give:
	rc = git_credential_userpass_plaintext_new(out, user, pass);
	if (pass)
		memset(pass, 0, strlen(pass));
	free(user);
	free(pass);
	return rc;
}

static int on_certificate(git_cert *cert, int valid, const char *host,
			  void *payload)
{
	transfer *t = payload;

	if (valid)
		return 0;
	if (cert->cert_type == GIT_CERT_HOSTKEY_LIBSSH2)
		transfer_say(t, "the host key of %s is not in ~/.ssh/known_hosts, "
				"or has changed: check it with the server's keeper, "
				"then add it there (ssh-keyscan); nothing was changed",
			     host);
	else
		transfer_say(t, "the certificate of %s cannot be trusted; nothing "
				"was changed",
			     host);
	return GIT_ECERTIFICATE;
}

static int on_progress(const git_indexer_progress *p, void *payload)
{
	transfer *t = payload;

	if (t->cb && t->cb->progress)
		t->cb->progress(t->cb->user, p->received_objects, p->total_objects,
				p->received_bytes);
	return 0;
}

static int on_push_ref(const char *ref, const char *status, void *payload)
{
	transfer *t = payload;
	spiral_buf b = SPIRAL_BUF_INIT;

	if (!status)
		return 0;
	spiral_buf_printf(&b, "%s: %s", ref, status);
	if (b.ptr)
		spiral_strv_push(&t->rejected, b.ptr);
	spiral_buf_free(&b);
	return 0;
}

/* What the remote says on its side band (a hub's hook's reasons, its
 * progress), passed on a line at a time.  A chunk may end mid-line; a line
 * ends in \n, \r\n or \r, and a line ended by \r alone is a progress meter
 * that the next line redraws: only its last state is passed on.  A line
 * longer than SAID_MAX is passed on in pieces.  The remote's progress
 * (a meter, or a line as git's progress writes one, "Resolving deltas:
 * 100% (15/15), done.") is passed on only to a front end that shows
 * progress, as git asks a server for none when not at a terminal. */
#define SAID_MAX 4096

/* "TITLE: N% (A/B)...": git's progress.c. */
static int said_progress(const char *line)
{
	const char *p = strstr(line, ": ");
	size_t digits;

	if (!p)
		return 0;
	for (p += 2; *p == ' '; p++)
		;
	digits = strspn(p, "0123456789");
	if (digits == 0 || digits > 3 || p[digits] != '%' || p[digits + 1] != ' ' ||
	    p[digits + 2] != '(')
		return 0;
	p += digits + 3;
	digits = strspn(p, "0123456789");
	if (digits == 0 || p[digits] != '/')
		return 0;
	p += digits + 1;
	digits = strspn(p, "0123456789");
	return digits > 0 && p[digits] == ')';
}

static void said_pass(transfer *t)
{
	int progress = t->said_meter || (t->said.len && said_progress(t->said.ptr));

	if (t->said.len && t->cb && t->cb->remote_says &&
	    (!progress || t->cb->progress)) {
		t->cb->remote_says(t->cb->user, t->said.ptr);
		t->said_lines++;
	}
	t->said.len = 0;
	t->said_meter = 0;
	if (t->said.ptr)
		t->said.ptr[0] = '\0';
}

static int on_sideband(const char *str, int len, void *payload)
{
	transfer *t = payload;

	for (int i = 0; i < len; i++) {
		char c = str[i];
		if (t->said_cr) {
			t->said_cr = 0;
			if (c == '\n') {
				said_pass(t);
				continue;
			}
			t->said.len = 0; /* redrawn */
			t->said_meter = 1;
		}
		if (c == '\n')
			said_pass(t);
		else if (c == '\r')
			t->said_cr = 1;
		else if (t->said.len >= SAID_MAX)
			said_pass(t);
		if (c != '\n' && c != '\r')
			spiral_buf_putc(&t->said, c);
	}
	return 0;
}

/* The last line, if the remote did not end it. */
static void said_flush(transfer *t)
{
	said_pass(t);
	t->said_cr = 0;
}

static void transfer_init(transfer *t, const char *url, const spiral_remote_cb *cb,
			  git_remote_callbacks *cbs)
{
	const char *p = strstr(url, "://"), *slash, *at;

	repo_tls_ready();
	memset(t, 0, sizeof(*t));
	t->cb = cb;
	t->url = spiral_url_shown(url);
	if (p) {
		slash = strchr(p + 3, '/');
		at = strchr(p + 3, '@');
		t->url_had_login = at && (!slash || at < slash) &&
				   memchr(p + 3, ':', (size_t)(at - p - 3)) != NULL;
	}
	git_remote_init_callbacks(cbs, GIT_REMOTE_CALLBACKS_VERSION);
	cbs->credentials = on_credentials;
	cbs->certificate_check = on_certificate;
	cbs->transfer_progress = on_progress;
	cbs->push_update_reference = on_push_ref;
	cbs->payload = t;
}

static void transfer_free(transfer *t)
{
	free(t->url);
	free(t->message);
	spiral_strv_free(&t->rejected);
	spiral_buf_free(&t->said);
}

/* libgit2's last error as one clause: a lock file in the way named, with
 * what to do about it ("failed to lock file 'X' for writing" says
 * neither), and no dangling ": " (libgit2 adds one for an errno of 0). */
static void git_why(spiral_buf *out)
{
	const git_error *e = git_error_last();
	const char *why = e && e->message ? e->message : "unknown error";
	const char *lock = strstr(why, "failed to lock file '"), *end = NULL;
	size_t len = strlen(why);

	if (lock) {
		lock += strlen("failed to lock file '");
		end = strchr(lock, '\'');
	}
	if (end) {
		spiral_buf_printf(out,
				  "%.*s is in the way (the lock of a git command "
				  "that is still running, or was killed): if none "
				  "is running, remove it and try again",
				  (int)(end - lock), lock);
		return;
	}
	while (len && (why[len - 1] == ' ' || why[len - 1] == ':'))
		len--;
	spiral_buf_put(out, len ? why : "unknown error", len ? len : 13);
}

static int git_lock_failed(void)
{
	const git_error *e = git_error_last();

	return e && e->message && strstr(e->message, "failed to lock file '");
}

/* One clear line for a failed transfer: our own explanation when we have
 * one, else libgit2's, said as "cannot reach URL" (or, for a lock in the
 * way here, as that). */
static int transfer_fail(transfer *t)
{
	const char *url = t->url ? t->url : "the remote";
	const git_error *e = git_error_last();
	const char *why = e && e->message ? e->message : "unknown error";
	spiral_buf b = SPIRAL_BUF_INIT;
	int rc;

	if (t->message)
		return spiral_error(SPIRAL_ERROR, "%s", t->message);
	if (git_lock_failed()) {
		git_why(&b);
		rc = spiral_error(SPIRAL_ERROR, "cannot update the branches of %s: %s",
				  url, b.ptr ? b.ptr : "unknown error");
		spiral_buf_free(&b);
		return rc;
	}
	if (!strstr(url, "://") && !strchr(url, ':') && access(url, F_OK) < 0)
		return spiral_error(SPIRAL_ERROR,
				    "cannot reach %s: no such folder (a local "
				    "repository is given by its path)",
				    url);
	if (e && e->klass == GIT_ERROR_HTTP && strstr(why, "401"))
		return spiral_error(SPIRAL_ERROR, "%s refused the login", url);
	git_why(&b);
	rc = spiral_error(SPIRAL_ERROR, "cannot reach %s: %s", url,
			  b.ptr ? b.ptr : "unknown error");
	spiral_buf_free(&b);
	return rc;
}

/* ---- a fetch killed half way --------------------------------------------- */

/* A fetch killed while libgit2 writes the remote-tracking branches leaves
 * their lock files (refs/remotes/NAME/BRANCH.lock, NAME/HEAD.lock, and
 * FETCH_HEAD.lock), and every later fetch of that remote fails on them.
 * While a fetch runs, .git/spiral-fetch names each lock it may leave; the
 * next pull, holding the repository's lock (a spiral command
 * holds it to write refs, so no live one holds these), removes them. */
static char *fetch_marker_path(spiral_repo *r)
{
	spiral_buf b = SPIRAL_BUF_INIT;

	spiral_buf_printf(&b, "%sspiral-fetch", git_repository_path(repo_git(r)));
	return b.ptr;
}

/* A ref the marker may name: FETCH_HEAD or a remote-tracking branch, so
 * that a marker written by hand removes no other file. */
static int fetch_lock_named(const char *ref)
{
	return strcmp(ref, "FETCH_HEAD") == 0 ||
	       (strncmp(ref, "refs/remotes/", 13) == 0 && !strstr(ref, "..") &&
		!strstr(ref, "//") && ref[strlen(ref) - 1] != '/');
}

static void fetch_leftovers(spiral_repo *r)
{
	char *marker = fetch_marker_path(r), *data = NULL;
	size_t len;

	if (!marker)
		return;
	if (read_file_bounded(marker, SPIRAL_MAX_FILE, &data, &len) < 0) {
		spiral_error_clear();
		free(marker);
		return;
	}
	for (char *line = strtok(data, "\n"); line; line = strtok(NULL, "\n")) {
		spiral_buf p = SPIRAL_BUF_INIT;
		if (strncmp(line, "lock ", 5) != 0 || !fetch_lock_named(line + 5))
			continue;
		spiral_buf_printf(&p, "%s%s.lock", git_repository_path(repo_git(r)),
				  line + 5);
		if (p.ptr)
			unlink(p.ptr);
		spiral_buf_free(&p);
	}
	unlink(marker);
	free(data);
	free(marker);
}

/* Names the locks a fetch of remote may take: the tracking branch of each
 * branch the remote advertises that its fetch refspecs map, NAME/HEAD and
 * FETCH_HEAD.  Needs a connected remote. */
static int fetch_marker_write(const char *marker, git_remote *remote,
			      const char *name)
{
	const git_remote_head **heads;
	spiral_buf m = SPIRAL_BUF_INIT;
	size_t n = 0;
	int rc;

	spiral_buf_printf(&m, "remote %s\nlock FETCH_HEAD\n", name);
	spiral_buf_printf(&m, "lock refs/remotes/%s/HEAD\n", name);
	if (git_remote_ls(&heads, &n, remote) < 0) {
		git_error_clear();
		n = 0;
	}
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < git_remote_refspec_count(remote); k++) {
			const git_refspec *spec = git_remote_get_refspec(remote, k);
			git_buf dst = {0};
			if (git_refspec_direction(spec) != GIT_DIRECTION_FETCH ||
			    !git_refspec_src_matches(spec, heads[i]->name))
				continue;
			if (git_refspec_transform(&dst, spec, heads[i]->name) == 0)
				spiral_buf_printf(&m, "lock %s\n", dst.ptr);
			git_buf_dispose(&dst);
			git_error_clear();
		}
	}
	if (!m.ptr)
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	rc = repo_marker_write(marker, m.ptr, m.len);
	spiral_buf_free(&m);
	return rc;
}

/* ---- fetch and push ----------------------------------------------------- */

/* Fetches the remote's default branch into refs/remotes/NAME/BRANCH.  *oid
 * is its commit; *empty is set when the remote has no commits at all.
 * *branch (allocated) is the branch's short name. */
/* A remote whose HEAD names no branch (a bare hub made with another
 * default branch than the one pushed to it): the branch named as ours (our
 * HEAD's, born or not), else main, else master, else its only branch.
 * Allocated ("refs/heads/NAME"), or NULL when none of these is there. */
static char *branch_without_head(spiral_repo *r, const git_remote_head **heads,
				 size_t n)
{
	git_reference *head = NULL;
	const char *ours = NULL, *only = NULL;
	const char *const wanted[] = {NULL, "refs/heads/main", "refs/heads/master"};
	size_t branches = 0;
	char *found = NULL;

	if (git_reference_lookup(&head, repo_git(r), "HEAD") == 0 &&
	    git_reference_type(head) == GIT_REFERENCE_SYMBOLIC)
		ours = git_reference_symbolic_target(head);
	for (size_t w = 0; w < 3 && !found; w++) {
		const char *want = w ? wanted[w] : ours;
		for (size_t i = 0; want && i < n && !found; i++)
			if (strcmp(heads[i]->name, want) == 0)
				found = strdup(want);
	}
	for (size_t i = 0; !found && i < n; i++)
		if (strncmp(heads[i]->name, "refs/heads/", 11) == 0) {
			branches++;
			only = heads[i]->name;
		}
	if (!found && branches == 1)
		found = strdup(only);
	git_reference_free(head);
	git_error_clear();
	return found;
}

int remote_fetch(spiral_repo *r, const char *name, const spiral_remote_cb *cb,
		 char **url_out, char **branch, git_oid *oid, int *empty)
{
	git_repository *git = repo_git(r);
	git_remote *remote = NULL;
	git_remote_callbacks cbs;
	git_fetch_options fo;
	git_buf def = {0};
	transfer t;
	spiral_buf tracking = SPIRAL_BUF_INIT;
	const char *url, *shortname;
	char *marker = NULL, *chosen = NULL;
	int rc;

	*branch = NULL;
	*empty = 0;
	*url_out = NULL;
	if ((rc = remote_open(r, name, &remote)) < 0)
		return rc;
	url = git_remote_url(remote);
	if (!url || !(*url_out = spiral_url_shown(url))) {
		git_remote_free(remote);
		return spiral_error(SPIRAL_ERROR, "the remote '%s' has no URL", name);
	}
	/* The caller holds the repository's lock. */
	fetch_leftovers(r);
	transfer_init(&t, url, cb, &cbs);
	if (git_remote_connect(remote, GIT_DIRECTION_FETCH, &cbs, NULL, NULL) < 0) {
		rc = transfer_fail(&t);
		goto out;
	}
	rc = git_remote_default_branch(&def, remote);
	if (rc == GIT_ENOTFOUND) {
		/* No HEAD: an empty repository (a new hub), or one whose HEAD
		 * names no branch; try ours, then main and master. */
		const git_remote_head **heads;
		size_t n = 0;
		git_error_clear();
		if (git_remote_ls(&heads, &n, remote) < 0 || n == 0) {
			*empty = 1;
			rc = 0;
			goto out;
		}
		if (!(chosen = branch_without_head(r, heads, n))) {
			rc = spiral_error(SPIRAL_ERROR,
					  "%s has no default branch (HEAD) and no "
					  "branch named as ours, main or master: "
					  "set its HEAD there",
					  t.url);
			goto out;
		}
		rc = 0;
	}
	if (rc < 0) {
		rc = transfer_fail(&t);
		goto out;
	}
	git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
	fo.callbacks = cbs;
	fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
	if (!(marker = fetch_marker_path(r))) {
		rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = fetch_marker_write(marker, remote, name)) < 0) {
		free(marker);
		marker = NULL;
		goto out;
	}
	if (git_remote_fetch(remote, NULL, &fo, "fetch") < 0) {
		rc = transfer_fail(&t);
		goto out;
	}
	shortname = chosen ? chosen : def.ptr;
	if (strncmp(shortname, "refs/heads/", 11) == 0)
		shortname += 11;
	spiral_buf_printf(&tracking, "refs/remotes/%s/%s", name, shortname);
	if (!tracking.ptr || !(*branch = strdup(shortname))) {
		rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
		goto out;
	}
	if (git_reference_name_to_id(oid, git, tracking.ptr) == 0) {
		/* As git clone does: NAME/HEAD names the branch pull merges,
		 * which status counts against. */
		git_reference *head = NULL;
		spiral_buf name_head = SPIRAL_BUF_INIT;
		spiral_buf_printf(&name_head, "refs/remotes/%s/HEAD", name);
		if (name_head.ptr)
			git_reference_symbolic_create(&head, git, name_head.ptr,
						      tracking.ptr, 1,
						      "fetch: the remote's default branch");
		git_reference_free(head);
		spiral_buf_free(&name_head);
		git_error_clear();
	} else {
		rc = spiral_error(SPIRAL_ERROR,
				  "fetched %s but found no %s: does the remote's "
				  "fetch refspec cover its branches?",
				  t.url, tracking.ptr);
		goto out;
	}
	rc = 0;
out:
	/* Not killed: libgit2 released its locks itself. */
	if (marker)
		unlink(marker);
	free(marker);
	spiral_buf_free(&tracking);
	git_buf_dispose(&def);
	free(chosen);
	git_remote_disconnect(remote);
	git_remote_free(remote);
	transfer_free(&t);
	if (rc < 0) {
		free(*branch);
		*branch = NULL;
	}
	return rc;
}

/* ---- a push killed half way ---------------------------------------------- */

/* A push killed half way leaves lock files that stop every later push: the
 * hub's branch lock (libgit2 writes a hub given by its path itself, where
 * git would run receive-pack as a process of its own that cleans up) and
 * our tracking branch's.  While a push runs, .git/spiral-push names them
 * (by the remote's name and the refs, so a copied repository finds its
 * own) and the commit being pushed; the next push, holding the
 * repository's lock, removes what a killed push left: our tracking
 * branch's lock (a spiral command holds the repository's lock to write
 * refs, so no live one holds it), and
 * the hub's lock if it is empty or holds our commit (another clone's push
 * in progress holds its own commit, and is left alone). */
static char *push_marker_path(spiral_repo *r)
{
	spiral_buf b = SPIRAL_BUF_INIT;

	spiral_buf_printf(&b, "%sspiral-push", git_repository_path(repo_git(r)));
	return b.ptr;
}

/* The lock file a push to a local hub takes on its branch REF, or NULL for
 * a hub reached over the network (its own server cleans up). */
static char *hub_lock_path(const char *url, const char *ref)
{
	git_repository *hub = NULL;
	spiral_buf b = SPIRAL_BUF_INIT;
	const char *path = url;

	if (strncmp(url, "file://", 7) == 0)
		path = url + 7;
	else if (strstr(url, "://"))
		return NULL;
	if (git_repository_open_ext(&hub, path, GIT_REPOSITORY_OPEN_NO_SEARCH,
				    NULL) < 0) {
		git_error_clear();
		return NULL;
	}
	spiral_buf_printf(&b, "%s%s.lock", git_repository_path(hub), ref);
	git_repository_free(hub);
	return b.ptr;
}

static void push_leftovers(spiral_repo *r)
{
	char *marker = push_marker_path(r), *data = NULL;
	const char *commit = NULL, *remote = NULL, *ref = NULL, *track = NULL;
	size_t len;

	if (!marker)
		return;
	if (read_file_bounded(marker, 64 * 1024, &data, &len) < 0) {
		free(marker);
		return;
	}
	for (char *line = strtok(data, "\n"); line; line = strtok(NULL, "\n")) {
		if (strncmp(line, "commit ", 7) == 0)
			commit = line + 7;
		else if (strncmp(line, "remote ", 7) == 0)
			remote = line + 7;
		else if (strncmp(line, "ref ", 4) == 0)
			ref = line + 4;
		else if (strncmp(line, "track ", 6) == 0)
			track = line + 6;
	}
	if (track && strncmp(track, "refs/remotes/", 13) == 0 && !strstr(track, "..")) {
		spiral_buf p = SPIRAL_BUF_INIT;
		spiral_buf_printf(&p, "%s%s.lock", git_repository_path(repo_git(r)),
				  track);
		if (p.ptr)
			unlink(p.ptr);
		spiral_buf_free(&p);
	}
	if (commit && remote && ref && strncmp(ref, "refs/heads/", 11) == 0 &&
	    !strstr(ref, "..")) {
		git_remote *rem = NULL;
		char *lock = NULL, *held = NULL;
		size_t n = 0;
		if (remote_open(r, remote, &rem) == 0 && git_remote_url(rem))
			lock = hub_lock_path(git_remote_url(rem), ref);
		if (lock && read_file_bounded(lock, 1024, &held, &n) == 0 &&
		    (n == 0 || strncmp(held, commit, strlen(commit)) == 0))
			unlink(lock);
		free(held);
		free(lock);
		git_remote_free(rem);
		git_error_clear();
	}
	unlink(marker);
	free(data);
	free(marker);
}

static int push_marker_write(const char *marker, const git_oid *commit,
			     const char *remote, const char *ref, const char *track)
{
	spiral_buf m = SPIRAL_BUF_INIT;
	char hex[GIT_OID_HEXSZ + 1];
	int rc;

	git_oid_tostr(hex, sizeof(hex), commit);
	spiral_buf_printf(&m, "commit %s\nremote %s\nref %s\ntrack %s\n", hex,
			  remote, ref, track);
	if (!m.ptr)
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	rc = write_atomic(marker, "the push marker (.git/spiral-push)", m.ptr,
			  m.len, 0644);
	spiral_buf_free(&m);
	return rc;
}

/* Whether a refusal is the remote having commits we lack (pull first):
 * libgit2's own check, or the server's status for the ref ("non-fast-
 * forward"; "fetch first"; a lock "is at X but expected Y" when another
 * push landed in the meantime). */
static int behind(const char *why)
{
	return strstr(why, "non-fast") || strstr(why, "fastforward") ||
	       strstr(why, "fast-forward") || strstr(why, "not present locally") ||
	       strstr(why, "fetch first") ||
	       (strstr(why, " is at ") && strstr(why, "but expected"));
}

/* A ref the remote refused: behind it, or refused for a reason of its own
 * (a hub's hook declined, a name it will not take), said as such, with
 * what the remote said shown above by the front end. */
static int push_refused(transfer *t, const char *name)
{
	const char *url = t->url ? t->url : name;

	if (behind(t->rejected.v[0]))
		return spiral_error(SPIRAL_ERROR,
				    "%s has changes you do not have (%s): pull "
				    "first, then push (spiral pull %s)",
				    url, t->rejected.v[0], name);
	return spiral_error(SPIRAL_ERROR,
			    "the hub refused the push: %s (%s%s)", t->rejected.v[0],
			    url,
			    t->said_lines ? "; its reasons are in the 'remote:' lines "
					    "above"
					  : "");
}

int spiral_push(spiral_repo *r, const char *name, const spiral_remote_cb *cb,
		spiral_push_result *res)
{
	git_repository *git = repo_git(r);
	git_remote *remote = NULL;
	git_reference *head = NULL, *up = NULL, *tracking = NULL;
	git_remote_callbacks cbs;
	git_push_options po;
	spiral_buf spec = SPIRAL_BUF_INIT, track = SPIRAL_BUF_INIT;
	spiral_txn *lock = NULL;
	char *marker = NULL;
	git_oid before;
	int had_before = 0, rc;
	transfer t;
	const char *branch, *url;
	char *specs[1];
	git_strarray refspecs = {specs, 1};

	memset(res, 0, sizeof(*res));
	memset(&t, 0, sizeof(t));
	if (git_repository_head(&head, git) < 0 || !git_reference_is_branch(head)) {
		git_reference_free(head);
		return spiral_error(SPIRAL_ERROR,
				    "HEAD is not on a branch: nothing to push");
	}
	if ((rc = remote_open(r, name, &remote)) < 0) {
		git_reference_free(head);
		return rc;
	}
	/* The repository's lock, held to the end: a repository that cannot
	 * be written fails here, before the hub is touched, and no other
	 * spiral command writes our refs while we do. */
	if ((rc = spiral_txn_begin(r, &lock)) < 0)
		goto out;
	push_leftovers(r);
	url = git_remote_url(remote) ? git_remote_url(remote) : "";
	res->url = spiral_url_shown(url);
	branch = git_reference_shorthand(head);
	spiral_buf_printf(&spec, "%s:%s", git_reference_name(head),
			  git_reference_name(head));
	spiral_buf_printf(&track, "refs/remotes/%s/%s", name, branch);
	if (!spec.ptr || !track.ptr || !(marker = push_marker_path(r))) {
		rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
		goto out;
	}
	if (git_reference_name_to_id(&before, git, track.ptr) == 0)
		had_before = 1;
	git_error_clear();
	if ((rc = push_marker_write(marker, git_reference_target(head), name,
				    git_reference_name(head), track.ptr)) < 0) {
		free(marker);
		marker = NULL;
		goto out;
	}
	specs[0] = spec.ptr;
	transfer_init(&t, url, cb, &cbs);
	cbs.sideband_progress = on_sideband;
	git_push_options_init(&po, GIT_PUSH_OPTIONS_VERSION);
	po.callbacks = cbs;
	rc = git_remote_upload(remote, &refspecs, &po);
	said_flush(&t);
	if (rc < 0) {
		const git_error *e = git_error_last();
		if (e && e->message && behind(e->message))
			rc = spiral_error(SPIRAL_ERROR,
					  "%s has changes you do not have: pull first, "
					  "then push (spiral pull %s)",
					  t.url ? t.url : name, name);
		else
			rc = transfer_fail(&t);
		goto out;
	}
	if (t.rejected.n) {
		rc = push_refused(&t, name);
		goto out;
	}
	/* The hub has it now: a failure to note that here is said as such. */
	if (git_remote_update_tips(remote, &cbs, 0,
				   GIT_REMOTE_DOWNLOAD_TAGS_UNSPECIFIED, NULL) < 0) {
		spiral_buf why = SPIRAL_BUF_INIT;
		git_why(&why);
		rc = spiral_error(SPIRAL_ERROR,
				  "pushed to %s, but cannot note it in this "
				  "repository: %s (pushing again is safe)",
				  t.url ? t.url : name,
				  why.ptr ? why.ptr : "unknown error");
		spiral_buf_free(&why);
		goto out;
	}
	/* What moved: the tracking branch is what the remote now has. */
	if (git_reference_lookup(&tracking, git, track.ptr) == 0) {
		const git_oid *now = git_reference_target(tracking);
		res->up_to_date = had_before && now && git_oid_equal(now, &before);
	}
	git_error_clear();
	if (git_branch_upstream(&up, head) < 0) {
		spiral_buf upname = SPIRAL_BUF_INIT;
		git_error_clear();
		spiral_buf_printf(&upname, "%s/%s", name, branch);
		int token;
		if (upname.ptr && repo_config_begin(r, &token) == 0) {
			if (git_branch_set_upstream(head, upname.ptr) == 0)
				res->upstream_set = 1;
			repo_config_end(r, token);
		}
		spiral_error_clear();
		git_error_clear();
		spiral_buf_free(&upname);
	}
	rc = 0;
out:
	/* Not killed: libgit2 released its locks itself. */
	if (marker)
		unlink(marker);
	free(marker);
	git_remote_disconnect(remote);
	git_reference_free(up);
	git_reference_free(tracking);
	git_reference_free(head);
	git_remote_free(remote);
	spiral_buf_free(&spec);
	spiral_buf_free(&track);
	transfer_free(&t);
	spiral_txn_free(lock);
	return rc;
}

void spiral_push_result_free(spiral_push_result *res)
{
	free(res->url);
	memset(res, 0, sizeof(*res));
}

/* ---- ahead and behind per remote --------------------------------------- */

int spiral_remote_tracking(spiral_repo *r, spiral_tracking **out, size_t *n)
{
	git_repository *git = repo_git(r);
	spiral_strv names = {0}, urls = {0};
	git_reference *head = NULL;
	spiral_tracking *list = NULL;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = spiral_remote_list(r, &names, &urls)) < 0)
		return rc;
	if (names.n && !(list = calloc(names.n, sizeof(*list)))) {
		rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
		goto out;
	}
	if (git_repository_head(&head, git) < 0)
		git_error_clear();
	for (size_t i = 0; i < names.n; i++) {
		spiral_tracking *tr = &list[i];
		spiral_buf ref = SPIRAL_BUF_INIT;
		git_oid theirs;
		tr->name = strdup(names.v[i]);
		tr->url = strdup(urls.v[i]);
		if (!tr->name || !tr->url) {
			*n = i + 1;
			rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
			goto out;
		}
		/* The branch pull merges (NAME/HEAD, set by every fetch), else
		 * the one push updates (NAME/BRANCH). */
		spiral_buf_printf(&ref, "refs/remotes/%s/HEAD", names.v[i]);
		if (ref.ptr && git_reference_name_to_id(&theirs, git, ref.ptr) < 0 &&
		    head && git_reference_is_branch(head)) {
			ref.len = 0;
			spiral_buf_printf(&ref, "refs/remotes/%s/%s", names.v[i],
					  git_reference_shorthand(head));
		}
		if (ref.ptr && git_reference_name_to_id(&theirs, git, ref.ptr) == 0 &&
		    git_reference_target(head) &&
		    git_graph_ahead_behind(&tr->ahead, &tr->behind, git,
					   git_reference_target(head), &theirs) == 0)
			tr->known = 1;
		git_error_clear();
		spiral_buf_free(&ref);
	}
	*n = names.n;
	*out = list;
	list = NULL;
out:
	if (list)
		spiral_tracking_free(list, *n);
	if (rc < 0)
		*n = 0;
	git_reference_free(head);
	spiral_strv_free(&names);
	spiral_strv_free(&urls);
	return rc;
}

void spiral_tracking_free(spiral_tracking *t, size_t n)
{
	for (size_t i = 0; t && i < n; i++) {
		free(t[i].name);
		free(t[i].url);
	}
	free(t);
}
