/* spiral __complete: the candidates the completion scripts (completions/)
 * offer, one a line, "CANDIDATE<TAB>what it is" where there is something to
 * say.  Commands come from tool_commands, each command's options from the
 * command itself (tool_getopt hands them over), phases from the phase
 * table, the rest from the repository.  Hidden from help; no network, no
 * writes; silent and exit 0 when there is nothing to offer (outside a
 * repository too).
 *
 *   spiral __complete commands|inquiries|phases|tags|schools|authors|
 *                     remotes|measures [PREFIX]
 *   spiral __complete options COMMAND [PREFIX]
 *   spiral __complete words [WORD]... CURRENT
 *
 * words is what the scripts call: the words after "spiral" on the command
 * line, the last being the one under the cursor (maybe empty).  When a
 * file or a folder is wanted, it prints ":files" or ":dirs" alone, for the
 * shell to complete. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tool.h"

typedef struct complete {
	const char *prefix;
	spiral_repo *repo;
	spiral_store st;
	int opened, loaded;
	const char *before; /* printed before each candidate: "--phase=" */
} complete;

static void candidate(complete *c, const char *word, const char *what)
{
	spiral_buf safe = SPIRAL_BUF_INIT;

	if (!word || !*word || strncmp(word, c->prefix, strlen(c->prefix)) != 0 ||
	    strchr(word, '\n') || strchr(word, '\t'))
		return;
	out_printf("%s%s", c->before ? c->before : "", word);
	if (what && *what) {
		tool_oneline(&safe, what, 200);
		if (safe.ptr && safe.len)
			out_printf("\t%s", safe.ptr);
		spiral_buf_free(&safe);
	}
	out_puts("\n");
}

/* The repository's inquiries, loaded once; 0 when there is none. */
static int load(complete *c)
{
	if (!c->opened) {
		c->opened = 1;
		if (spiral_repo_open(&c->repo, NULL) < 0)
			c->repo = NULL;
	}
	if (c->repo && !c->loaded) {
		c->loaded = 1;
		spiral_store_load_repo(&c->st, c->repo, 0);
	}
	spiral_error_clear();
	return c->repo != NULL;
}

/* Sorted, each once, then offered. */
static void offer_all(complete *c, spiral_strv *words)
{
	spiral_strv_sort(words);
	for (size_t i = 0; i < words->n; i++)
		if (i == 0 || strcmp(words->v[i], words->v[i - 1]) != 0)
			candidate(c, words->v[i], NULL);
	spiral_strv_free(words);
}

static void add(spiral_strv *sv, const char *s)
{
	if (s && *s && spiral_strv_push(sv, s) < 0)
		tool_fail("out of memory");
}

static void commands(complete *c)
{
	for (const tool_cmd *cmd = tool_commands; cmd->name; cmd++) {
		spiral_buf summary = SPIRAL_BUF_INIT;
		tool_summary(cmd, &summary);
		candidate(c, cmd->name, summary.ptr);
		spiral_buf_free(&summary);
	}
}

static void inquiries(complete *c)
{
	if (!load(c))
		return;
	for (size_t i = 0; i < c->st.ninquiries; i++) {
		const spiral_inquiry *inq = &c->st.inquiries[i];
		size_t len = spiral_id_short_len(inq->id, (const char *const *)c->st.ids.v,
						 c->st.ids.n);
		char id[SPIRAL_ID_LEN + 1];
		/* As list shows it, longer when more was typed. */
		if (strlen(c->prefix) > len)
			len = SPIRAL_ID_LEN;
		snprintf(id, sizeof(id), "%.*s", (int)len, inq->id);
		candidate(c, id, inq->title);
	}
}

static void phases(complete *c)
{
	for (int p = 0; p < SPIRAL_PHASE_COUNT; p++)
		candidate(c, spiral_phase_get((spiral_phase)p)->name,
			  spiral_phase_get((spiral_phase)p)->question);
}

static void tags(complete *c)
{
	spiral_strv all = {0};

	if (load(c))
		for (size_t i = 0; i < c->st.ninquiries; i++)
			for (size_t j = 0; j < c->st.inquiries[i].tags.n; j++)
				add(&all, c->st.inquiries[i].tags.v[j]);
	offer_all(c, &all);
}

static void schools(complete *c)
{
	spiral_strv all = {0};
	char *mine = NULL;

	if (load(c)) {
		for (size_t i = 0; i < c->st.ninquiries; i++)
			add(&all, c->st.inquiries[i].who.school);
		if (spiral_config_get(c->repo, "school", &mine) == 0)
			add(&all, mine);
		free(mine);
	}
	offer_all(c, &all);
}

static void authors(complete *c)
{
	spiral_strv all = {0};

	if (load(c)) {
		for (size_t i = 0; i < c->st.ninquiries; i++) {
			const spiral_inquiry *inq = &c->st.inquiries[i];
			add(&all, inq->who.author);
			for (size_t j = 0; j < inq->team.n; j++)
				add(&all, inq->team.v[j]);
			for (size_t j = 0; j < inq->nentries; j++)
				add(&all, inq->entries[j].who.author);
			for (size_t j = 0; j < inq->nnotes; j++)
				add(&all, inq->notes[j].who.author);
		}
	}
	offer_all(c, &all);
}

static void measures(complete *c)
{
	spiral_strv all = {0};

	if (load(c)) {
		for (size_t i = 0; i < c->st.ninquiries; i++) {
			const spiral_inquiry *inq = &c->st.inquiries[i];
			for (size_t j = 0; j < inq->nentries; j++) {
				const spiral_entry *e = &inq->entries[j];
				for (size_t k = 0; k < e->measures.n; k++)
					add(&all, e->measures.v[k].name);
				for (size_t k = 0; k < e->targets.n; k++)
					add(&all, e->targets.v[k].name);
			}
		}
	}
	offer_all(c, &all);
}

static void remotes(complete *c)
{
	spiral_strv names = {0};

	if (load(c) && spiral_remote_list(c->repo, &names, NULL) == 0)
		offer_all(c, &names);
	spiral_strv_free(&names);
	spiral_error_clear();
}

static void config_keys(complete *c)
{
	for (const spiral_config_key *k = spiral_config_keys; k->name; k++)
		candidate(c, k->name, k->help);
}

/* resolve's FIELD: the single-valued fields. */
static void fields(complete *c)
{
	for (int f = 0; f < SPIRAL_FIELD_COUNT; f++)
		if (!spiral_field_is_set((spiral_field)f))
			candidate(c, spiral_field_name((spiral_field)f), NULL);
}

/* The command's own options, as its tool_getopt call gives them. */
static int options_of(const tool_cmd *cmd, tool_optlist *list)
{
	tool_ctx ctx = {0};
	char *argv[] = {(char *)cmd->name, NULL};

	memset(list, 0, sizeof(*list));
	ctx.cmd = cmd;
	ctx.optlist = list;
	optind = 0;
	cmd->fn(1, argv, &ctx);
	return list->n > 0;
}

static void options(complete *c, const tool_cmd *cmd, int shorts)
{
	tool_optlist list;
	char name[72];

	if (!options_of(cmd, &list))
		return;
	for (const char *s = list.shorts; shorts && *s; s++) {
		if (*s == ':')
			continue;
		snprintf(name, sizeof(name), "-%c", *s);
		candidate(c, name, NULL);
	}
	for (size_t i = 0; i < list.n; i++) {
		snprintf(name, sizeof(name), "--%s", list.longs[i].name);
		candidate(c, name, NULL);
	}
}

/* ---- words: the whole command line ------------------------------------- */

typedef void (*source_fn)(complete *c);
static const struct {
	const char *name;
	source_fn fn;
} sources[] = {
	{"commands", commands}, {"inquiries", inquiries}, {"phases", phases},
	{"tags", tags},         {"schools", schools},     {"authors", authors},
	{"remotes", remotes},   {"measures", measures},
};

static void names(complete *c, const char *const *list)
{
	for (; *list; list++)
		candidate(c, *list, NULL);
}

/* The values of an option, by its long name. */
static void option_value(complete *c, const tool_cmd *cmd, const char *opt)
{
	static const char *const statuses[] = {"active", "closed", "all", NULL};
	static const char *const colors[] = {"auto", "always", "never", NULL};
	static const char *const layouts[] = {"entries", "phases", NULL};

	if (strcmp(opt, "phase") == 0)
		phases(c);
	else if (strcmp(opt, "tag") == 0 || strcmp(opt, "untag") == 0)
		tags(c);
	else if (strcmp(opt, "school") == 0)
		schools(c);
	else if (strcmp(opt, "author") == 0 || strcmp(opt, "team") == 0 ||
		 strcmp(opt, "unteam") == 0)
		authors(c);
	else if (strcmp(opt, "measure") == 0 || strcmp(opt, "target") == 0)
		measures(c);
	else if (strcmp(opt, "continues") == 0)
		inquiries(c);
	else if (strcmp(opt, "status") == 0)
		names(c, statuses);
	else if (strcmp(opt, "color") == 0)
		names(c, colors);
	else if (strcmp(opt, "layout") == 0)
		names(c, layouts);
	else if (strcmp(opt, "format") == 0 && strcmp(cmd->name, "export") == 0)
		candidate(c, "json", NULL);
	else if (strcmp(opt, "format") == 0) {
		for (int i = 0; tool_format_names[i]; i++)
			if (i != SPIRAL_FORMAT_HTML || strcmp(cmd->name, "report") == 0)
				candidate(c, tool_format_names[i], NULL);
	} else if (strcmp(opt, "by") == 0) {
		for (int b = SPIRAL_BY_NONE + 1; spiral_report_by_name(b); b++)
			candidate(c, spiral_report_by_name(b), NULL);
	} else if (strcmp(opt, "verdict") == 0) {
		for (int v = 0; spiral_verdict_name(v); v++)
			candidate(c, spiral_verdict_name(v), NULL);
	} else if (strcmp(opt, "file") == 0 || strcmp(opt, "output") == 0 ||
		   strcmp(opt, "json") == 0 || strcmp(opt, "csv") == 0) {
		out_puts(":files\n");
	} else if (strcmp(opt, "install") == 0) {
		out_puts(":dirs\n");
	}
}

/* What the usage line names as the n-th argument ("INQUIRY", "REMOTE"...),
 * the next one too when this one is optional ("[INQUIRY] FIELD VALUE").
 * Words after an option are its value, not an argument. */
static void usage_args(const char *usage, spiral_strv *args, spiral_strv *optional)
{
	const char *p = usage;
	int after_option = 0;

	while (*p) {
		size_t len = strcspn(p, " ");
		const char *w = p;
		int opened = 0, value = after_option;
		int closed = memchr(p, ']', len) != NULL;
		p += len + (p[len] == ' ');
		while (len && *w == '[')
			w++, len--, opened = 1;
		while (len && strchr("].|", w[len - 1]))
			len--;
		/* "[-m TEXT]": TEXT is -m's; "[-v]" takes none. */
		after_option = len && *w == '-' && !closed;
		if (value || !len || !isupper((unsigned char)*w))
			continue;
		if (spiral_strv_push_len(args, w, len) < 0 ||
		    spiral_strv_push(optional, opened ? "1" : "") < 0)
			return;
	}
}

static void argument(complete *c, const char *metavar)
{
	if (strcmp(metavar, "INQUIRY") == 0)
		inquiries(c);
	else if (strcmp(metavar, "REMOTE") == 0 || strcmp(metavar, "OLD") == 0 ||
		 strcmp(metavar, "NAME") == 0)
		remotes(c);
	else if (strcmp(metavar, "COMMAND") == 0)
		commands(c);
	else if (strcmp(metavar, "KEY") == 0)
		config_keys(c);
	else if (strcmp(metavar, "FIELD") == 0)
		fields(c);
	else if (strcmp(metavar, "DIR") == 0)
		out_puts(":dirs\n");
	else if (strcmp(metavar, "BASE") == 0 || strcmp(metavar, "OURS") == 0 ||
		 strcmp(metavar, "THEIRS") == 0 || strcmp(metavar, "PATH") == 0)
		out_puts(":files\n");
}

/* The n-th argument.  A usage of alternatives that start with a word
 * ("add NAME URL | remove NAME"): that word first, then its own. */
static void positional(complete *c, const tool_cmd *cmd, char **args, size_t n)
{
	spiral_strv alts = {0}, meta = {0}, optional = {0};
	const char *usage = cmd->usage, *p;
	spiral_buf alt = SPIRAL_BUF_INIT;

	for (p = usage; p; p = strstr(p, " | ")) {
		p += *p == ' ' ? 3 : 0;
		if (islower((unsigned char)*p))
			spiral_strv_push_len(&alts, p, strcspn(p, " "));
	}
	if (alts.n) {
		/* The alternative named by the first argument. */
		for (size_t i = 0; n == 0 && i < alts.n; i++)
			candidate(c, alts.v[i], NULL);
		if (n > 0 && (p = strstr(usage, args[0])) && p[strlen(args[0])] == ' ' &&
		    strcmp(args[0], "add") != 0) { /* add names a new one */
			spiral_buf_put(&alt, p, strcspn(p, "|"));
			if (alt.ptr)
				usage_args(alt.ptr, &meta, &optional);
			n--;
		}
	} else {
		usage_args(usage, &meta, &optional);
	}
	if (n < meta.n)
		argument(c, meta.v[n]);
	if (n + 1 < meta.n && optional.v[n][0])
		argument(c, meta.v[n + 1]);
	spiral_buf_free(&alt);
	spiral_strv_free(&alts);
	spiral_strv_free(&meta);
	spiral_strv_free(&optional);
}

static const struct option *find_long(const tool_optlist *list, const char *name,
				       size_t len)
{
	for (size_t i = 0; i < list->n; i++)
		if (strlen(list->longs[i].name) == len &&
		    strncmp(list->longs[i].name, name, len) == 0)
			return &list->longs[i];
	return NULL;
}

/* The long option a short one stands for ("m": "message"). */
static const char *short_name(const tool_optlist *list, int ch)
{
	for (size_t i = 0; i < list->n; i++)
		if (list->longs[i].val == ch)
			return list->longs[i].name;
	return "";
}

static int takes_value(const tool_optlist *list, int ch)
{
	const char *s = strchr(list->shorts, ch);

	return ch != ':' && s && s[1] == ':';
}

static void words(complete *c, int argc, char **argv)
{
	const char *cur = argc ? argv[argc - 1] : "";
	const tool_cmd *cmd;
	tool_optlist list;
	const char *value_of = NULL;
	char **args;
	size_t nargs = 0;
	int i = 0, dashdash = 0;

	if (argc == 0)
		return;
	/* spiral's own options: -C DIR (followed, as the command will be),
	 * --no-pager, -P. */
	for (; i < argc - 1 && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-C") == 0 && i + 1 < argc - 1) {
			if (chdir(argv[++i]) < 0)
				return;
		} else if (strcmp(argv[i], "-C") == 0) {
			out_puts(":dirs\n");
			return;
		} else if (strncmp(argv[i], "-C", 2) == 0 && chdir(argv[i] + 2) < 0) {
			return;
		}
	}
	c->prefix = cur;
	if (i == argc - 1) {
		static const char *const global[] = {"-C", "--no-pager", "--version",
						     "--help", NULL};
		if (cur[0] == '-')
			names(c, global);
		else
			commands(c);
		return;
	}
	if (!(cmd = tool_find(argv[i])) || !options_of(cmd, &list))
		return;
	if (!(args = calloc((size_t)argc, sizeof(*args))))
		return;
	for (i++; i < argc - 1; i++) {
		const char *w = argv[i];
		const struct option *o;
		value_of = NULL;
		if (dashdash || w[0] != '-' || !w[1]) {
			args[nargs++] = argv[i];
		} else if (strcmp(w, "--") == 0) {
			dashdash = 1;
		} else if (w[1] == '-') {
			o = find_long(&list, w + 2, strcspn(w + 2, "="));
			if (o && o->has_arg == required_argument && !strchr(w, '=')) {
				if (i + 1 == argc - 1)
					value_of = o->name;
				i++;
			}
		} else {
			/* -qm TEXT: the first that takes a value ends the cluster. */
			for (const char *s = w + 1; *s; s++) {
				if (!takes_value(&list, *s))
					continue;
				if (!s[1] && i + 1 == argc - 1)
					value_of = short_name(&list, *s);
				i += !s[1];
				break;
			}
		}
	}
	if (value_of) {
		option_value(c, cmd, value_of);
	} else if (!dashdash && strncmp(cur, "--", 2) == 0 && strchr(cur, '=')) {
		/* --phase=ac: the values, each after "--phase=". */
		size_t eq = (size_t)(strchr(cur, '=') - cur);
		char *before = strndup(cur, eq + 1), *name = strndup(cur + 2, eq - 2);
		if (before && name) {
			c->before = before;
			c->prefix = cur + eq + 1;
			option_value(c, cmd, name);
			c->before = NULL;
		}
		free(before);
		free(name);
	} else if (!dashdash && cur[0] == '-') {
		options(c, cmd, cur[1] != '-');
	} else {
		positional(c, cmd, args, nargs);
	}
	free(args);
}

int tool_complete(int argc, char **argv)
{
	complete c = {.prefix = ""};
	const char *what = argc > 1 ? argv[1] : "";
	const tool_cmd *cmd;

	if (strcmp(what, "words") == 0) {
		words(&c, argc - 2, argv + 2);
	} else if (strcmp(what, "options") == 0) {
		c.prefix = argc > 3 ? argv[3] : "";
		if (argc > 2 && (cmd = tool_find(argv[2])))
			options(&c, cmd, 1);
	} else {
		c.prefix = argc > 2 ? argv[2] : "";
		for (size_t i = 0; i < sizeof(sources) / sizeof(*sources); i++)
			if (strcmp(what, sources[i].name) == 0)
				sources[i].fn(&c);
	}
	out_flush();
	spiral_store_free(&c.st);
	spiral_repo_free(c.repo);
	spiral_error_clear();
	return EXIT_OK;
}
