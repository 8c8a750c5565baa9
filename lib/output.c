/* Output emitters: JSON, CSV, Markdown and text for people, written into
 * buffers (the library never prints).  Text from files is data from
 * strangers: JSON carries it exactly, escaped; everything else shows control
 * characters as visible escapes so that nothing reaches a terminal as a
 * command. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "spiral.h"

/* ---- escaping ----------------------------------------------------------- */

/* C1 controls (U+0080..U+009F) act like ESC sequences on some terminals;
 * invisible characters (bidirectional controls, zero-width ones) can make
 * text read as something it is not. */
static size_t text_width(const char *s, size_t len);

static int hidden_code_point(unsigned cp)
{
	return (cp >= 0x80 && cp <= 0x9F) || spiral_unicode_invisible(cp);
}

/* What an emitter returns: a buffer that failed to grow failed the whole
 * output (spiral_buf failures stick), so no part is ever printed. */
static int buf_done(const spiral_buf *out)
{
	return out->failed ? spiral_error(SPIRAL_ENOMEM, "out of memory") : 0;
}

/* The escapes of newline, tab and carriage return, the same in visible
 * text and in JSON; NULL for any other byte. */
static const char *short_escape(unsigned c)
{
	return c == '\n' ? "\\n" : c == '\t' ? "\\t" : c == '\r' ? "\\r" : NULL;
}

int spiral_visible(spiral_buf *out, const char *s, size_t len, unsigned flags)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t run = 0; /* start of what is shown as it is, not yet put */
	int rc = 0;

	for (size_t i = 0; i < len && rc == 0;) {
		unsigned c = p[i], cp;
		size_t n;

		if (c >= 0x20 && c < 0x7f) {
			i++;
			continue;
		}
		if (c >= 0x80 && (n = spiral_utf8_next(s + i, len - i, &cp)) &&
		    cp > 0x9F && !spiral_unicode_invisible(cp)) {
			i += n;
			continue;
		}
		/* An escape, or a byte or character kept apart: what came
		 * before it goes first. */
		if (i > run)
			rc = spiral_buf_put(out, s + run, i - run);
		if (rc)
			break;
		if (c < 0x80) {
			if ((c == '\n' && (flags & SPIRAL_VISIBLE_KEEP_NL)) ||
			    (c == '\t' && (flags & SPIRAL_VISIBLE_KEEP_TAB)))
				rc = spiral_buf_putc(out, (char)c);
			else if (short_escape(c))
				rc = spiral_buf_puts(out, short_escape(c));
			else
				rc = spiral_buf_printf(out, "\\x%02x", c);
			n = 1;
		} else if (!(n = spiral_utf8_next(s + i, len - i, &cp))) {
			/* Not UTF-8: each byte shown, never sent raw. */
			rc = spiral_buf_printf(out, "\\x%02x", c);
			n = 1;
		} else if (cp <= 0x9F) {
			rc = spiral_buf_printf(out, "\\u%04x", cp);
		} else {
			rc = spiral_buf_printf(out, "<U+%04X>", cp);
		}
		i += n;
		run = i;
	}
	if (rc == 0 && len > run)
		rc = spiral_buf_put(out, s + run, len - run);
	return rc;
}

/* JSON carries the exact text: control, C1 and invisible characters as
 * \uXXXX escapes (the same string to a JSON reader, harmless if the JSON
 * itself reaches a terminal); bytes that are not UTF-8 (a file name, say)
 * become U+FFFD, as JSON must be UTF-8. */
int spiral_json_string(spiral_buf *out, const char *s)
{
	size_t len = strlen(s);
	int rc = spiral_buf_putc(out, '"');

	for (size_t i = 0; i < len && rc == 0;) {
		unsigned c = (unsigned char)s[i], cp;
		size_t n;

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			/* A run of plain ASCII, put at once. */
			size_t end = i + 1;
			while (end < len && (unsigned char)s[end] >= 0x20 &&
			       (unsigned char)s[end] < 0x7f && s[end] != '"' &&
			       s[end] != '\\')
				end++;
			rc = spiral_buf_put(out, s + i, end - i);
			i = end;
			continue;
		}
		if (c < 0x80) {
			if (c == '"')
				rc = spiral_buf_puts(out, "\\\"");
			else if (c == '\\')
				rc = spiral_buf_puts(out, "\\\\");
			else if (short_escape(c))
				rc = spiral_buf_puts(out, short_escape(c));
			else if (c < 0x20 || c == 0x7f)
				rc = spiral_buf_printf(out, "\\u%04x", c);
			else
				rc = spiral_buf_putc(out, (char)c);
			i++;
			continue;
		}
		n = spiral_utf8_next(s + i, len - i, &cp);
		if (n == 0) {
			rc = spiral_buf_puts(out, "\\ufffd");
			i++;
			continue;
		}
		if (hidden_code_point(cp) && cp > 0xFFFF)
			rc = spiral_buf_printf(out, "\\u%04x\\u%04x",
					       0xD800 + ((cp - 0x10000) >> 10),
					       0xDC00 + ((cp - 0x10000) & 0x3FF));
		else if (hidden_code_point(cp))
			rc = spiral_buf_printf(out, "\\u%04x", cp);
		else
			rc = spiral_buf_put(out, s + i, n);
		i += n;
	}
	return rc ? rc : spiral_buf_putc(out, '"');
}

/* HTML: the text as spiral_visible shows it (controls and invisible
 * characters as escapes, so a newline is "\n" here: callers that want
 * lines split at them first), then & < > " ' as entities, so that the
 * result is the same text in an element and in a quoted attribute. */
int spiral_html_escape(spiral_buf *out, const char *s, size_t len)
{
	spiral_buf vis_text = SPIRAL_BUF_INIT;
	int rc = spiral_visible(&vis_text, s, len, 0);

	for (size_t i = 0; i < vis_text.len && rc == 0; i++) {
		char c = vis_text.ptr[i];
		switch (c) {
		case '&': rc = spiral_buf_puts(out, "&amp;"); break;
		case '<': rc = spiral_buf_puts(out, "&lt;"); break;
		case '>': rc = spiral_buf_puts(out, "&gt;"); break;
		case '"': rc = spiral_buf_puts(out, "&quot;"); break;
		case '\'': rc = spiral_buf_puts(out, "&#39;"); break;
		default: rc = spiral_buf_putc(out, c); break;
		}
	}
	if (rc == 0 && !out->ptr)
		rc = spiral_buf_put(out, "", 0);
	spiral_buf_free(&vis_text);
	return rc;
}

void spiral_json_string_or_null(spiral_buf *out, const char *s)
{
	if (s)
		spiral_json_string(out, s);
	else
		spiral_buf_puts(out, "null");
}

static void json_date(spiral_buf *out, spiral_date d)
{
	char s[SPIRAL_DATE_LEN];

	spiral_date_format(d, s);
	spiral_json_string(out, s);
}

/* A number as output shows it: 0 and the shortest decimal when it is a
 * finite number, else -1 (a progress of inf or nan, from a target too far
 * off or equal to the baseline: shown as null, "-" or an empty cell). */
static int number_text(int has, double v, char num[40])
{
	if (!has || !isfinite(v)) {
		num[0] = '\0';
		return -1;
	}
	if (v == 0)
		v = 0; /* never "-0" */
	spiral_number_format(v, num);
	return 0;
}

/* A progress as a percentage ("42%"), or -1 as number_text. */
static int percent_text(int has, double progress, char out[40])
{
	double pct = progress * 100;

	out[0] = '\0';
	if (!has || !isfinite(pct))
		return -1;
	if (fabs(pct) <= 0.5)
		pct = 0; /* rounds to 0: never "-0%" */
	if (fabs(pct) < 1e15) {
		snprintf(out, 40, "%.0f%%", pct);
	} else {
		spiral_number_format(pct, out);
		strcat(out, "%");
	}
	return 0;
}

static void json_number(spiral_buf *out, int has, double v)
{
	char num[40];

	if (number_text(has, v, num) < 0) {
		spiral_buf_puts(out, "null");
		return;
	}
	spiral_buf_puts(out, num);
}

void spiral_json_strv(spiral_buf *out, const spiral_strv *sv)
{
	spiral_buf_putc(out, '[');
	for (size_t i = 0; i < sv->n; i++) {
		if (i)
			spiral_buf_putc(out, ',');
		spiral_json_string(out, sv->v[i]);
	}
	spiral_buf_putc(out, ']');
}

static void json_kvs(spiral_buf *out, const spiral_kvs *kvs)
{
	spiral_buf_putc(out, '{');
	for (size_t i = 0; i < kvs->n; i++) {
		if (i)
			spiral_buf_putc(out, ',');
		spiral_json_string(out, kvs->v[i].name);
		spiral_buf_putc(out, ':');
		json_number(out, 1, kvs->v[i].value);
	}
	spiral_buf_putc(out, '}');
}

/* ---- JSON shapes (the contract's "JSON shapes") ------------------------- */

/* with_count: list's "entries" count; show has the array instead. */
static void summary_fields(spiral_buf *out, const spiral_inquiry *inq,
			   int with_count)
{
	const spiral_phase_info *ph = spiral_phase_get(inq->phase);

	spiral_buf_puts(out, "\"id\":");
	spiral_json_string(out, inq->id);
	spiral_buf_puts(out, ",\"title\":");
	spiral_json_string(out, inq->title);
	spiral_buf_puts(out, ",\"school\":");
	spiral_json_string(out, inq->who.school ? inq->who.school : "");
	spiral_buf_puts(out, ",\"status\":");
	spiral_json_string(out, inq->status);
	spiral_buf_puts(out, ",\"phase\":");
	spiral_json_string_or_null(out, ph ? ph->name : NULL);
	spiral_buf_printf(out, ",\"cycle\":%d,\"created\":", inq->cycle);
	json_date(out, inq->created);
	spiral_buf_puts(out, ",\"updated\":");
	json_date(out, inq->updated);
	spiral_buf_puts(out, ",\"tags\":");
	spiral_json_strv(out, &inq->tags);
	spiral_buf_puts(out, ",\"team\":");
	spiral_json_strv(out, &inq->team);
	spiral_buf_puts(out, ",\"learners\":");
	spiral_json_string(out, inq->learners);
	spiral_buf_puts(out, ",\"continues\":");
	spiral_json_string_or_null(out, inq->continues);
	if (with_count)
		spiral_buf_printf(out, ",\"entries\":%zu",
				  spiral_inquiry_entry_count(inq));
}

int spiral_json_summary(spiral_buf *out, const spiral_inquiry *inq)
{
	spiral_buf_putc(out, '{');
	summary_fields(out, inq, 1);
	return spiral_buf_putc(out, '}');
}

int spiral_json_entry(spiral_buf *out, const spiral_inquiry *inq,
		      const spiral_entry *e, int with_inquiry)
{
	spiral_buf_puts(out, "{\"id\":");
	spiral_json_string(out, e->id);
	if (with_inquiry) {
		spiral_buf_puts(out, ",\"inquiry\":");
		spiral_json_string(out, inq->id);
		spiral_buf_puts(out, ",\"title\":");
		spiral_json_string(out, inq->title);
	}
	spiral_buf_puts(out, ",\"phase\":");
	spiral_json_string(out, spiral_phase_get(e->phase)->name);
	spiral_buf_puts(out, ",\"date\":");
	json_date(out, e->date);
	spiral_buf_puts(out, ",\"author\":");
	spiral_json_string(out, e->who.author);
	spiral_buf_puts(out, ",\"email\":");
	spiral_json_string_or_null(out, e->who.email);
	spiral_buf_puts(out, ",\"school\":");
	spiral_json_string_or_null(out, e->who.school);
	spiral_buf_printf(out, ",\"cycle\":%d,\"text\":", e->cycle);
	spiral_json_string(out, e->text);
	spiral_buf_puts(out, ",\"evidence\":");
	spiral_json_strv(out, &e->evidence);
	spiral_buf_puts(out, ",\"measures\":");
	json_kvs(out, &e->measures);
	spiral_buf_puts(out, ",\"targets\":");
	json_kvs(out, &e->targets);
	spiral_buf_puts(out, ",\"verdict\":");
	spiral_json_string_or_null(out, spiral_verdict_name(e->verdict));
	return spiral_buf_putc(out, '}');
}

/* One measure's summary; with_carried adds the target carried over. */
static void json_measure(spiral_buf *out, const spiral_measure_summary *m,
			 int with_carried)
{
	spiral_json_string(out, m->name);
	spiral_buf_puts(out, ":{\"baseline\":");
	json_number(out, m->has_baseline, m->baseline);
	spiral_buf_puts(out, ",\"target\":");
	json_number(out, m->has_target, m->target);
	spiral_buf_puts(out, ",\"latest\":");
	json_number(out, m->has_latest, m->latest);
	spiral_buf_puts(out, ",\"progress\":");
	json_number(out, m->has_progress, m->progress);
	if (with_carried) {
		spiral_buf_puts(out, ",\"carried_target\":");
		json_number(out, m->has_carried, m->carried_target);
		spiral_buf_puts(out, ",\"carried_progress\":");
		json_number(out, m->has_carried_progress, m->carried_progress);
	}
	spiral_buf_putc(out, '}');
}

int spiral_json_measures(spiral_buf *out, const spiral_measure_summary *m,
			 size_t n)
{
	spiral_buf_putc(out, '{');
	for (size_t i = 0; i < n; i++) {
		if (i)
			spiral_buf_putc(out, ',');
		json_measure(out, &m[i], 0);
	}
	return spiral_buf_putc(out, '}');
}

/* "cycles":[...], oldest first. */
static void json_cycles(spiral_buf *out, const spiral_cycle *cycles, size_t n)
{
	spiral_buf_puts(out, ",\"cycles\":[");
	for (size_t i = 0; i < n; i++) {
		const spiral_cycle *c = &cycles[i];
		spiral_buf_printf(out, "%s{\"cycle\":%d,\"started\":", i ? "," : "",
				  c->cycle);
		if (c->has_started)
			json_date(out, c->started);
		else
			spiral_buf_puts(out, "null");
		spiral_buf_puts(out, ",\"ended\":");
		if (c->has_ended)
			json_date(out, c->ended);
		else
			spiral_buf_puts(out, "null");
		spiral_buf_puts(out, ",\"verdict\":");
		spiral_json_string_or_null(out, spiral_verdict_name(c->verdict));
		spiral_buf_puts(out, ",\"measures\":{");
		for (size_t k = 0; k < c->nmeasures; k++) {
			if (k)
				spiral_buf_putc(out, ',');
			json_measure(out, &c->measures[k], 1);
		}
		spiral_buf_puts(out, "}}");
	}
	spiral_buf_putc(out, ']');
}

/* "continued_by" and "lineage" (nearest first, ending with a missing
 * link when there is one, named again in "lineage_missing"). */
static void json_lineage(spiral_buf *out, const spiral_lineage *lin)
{
	spiral_buf_puts(out, ",\"continued_by\":[");
	for (size_t i = 0; i < lin->nforward; i++) {
		if (i)
			spiral_buf_putc(out, ',');
		spiral_json_string(out, lin->forward[i]->id);
	}
	spiral_buf_puts(out, "],\"lineage\":[");
	for (size_t i = 0; i < lin->nback; i++) {
		if (i)
			spiral_buf_putc(out, ',');
		spiral_json_string(out, lin->back[i]->id);
	}
	if (lin->missing) {
		if (lin->nback)
			spiral_buf_putc(out, ',');
		spiral_json_string(out, lin->missing);
	}
	spiral_buf_puts(out, "],\"lineage_missing\":");
	spiral_json_string_or_null(out, lin->missing);
}

int spiral_json_show(spiral_buf *out, const spiral_inquiry *inq,
		     const spiral_filter *f, const spiral_lineage *lin)
{
	int first = 1;

	spiral_measure_summary *ms = NULL;
	spiral_cycle *cycles = NULL;
	size_t nms = 0, ncycles = 0;

	if (spiral_inquiry_measures(inq, inq->cycle, &ms, &nms) < 0)
		return SPIRAL_ENOMEM;
	if (spiral_inquiry_cycles(inq, &cycles, &ncycles) < 0) {
		spiral_measures_free(ms, nms);
		return SPIRAL_ENOMEM;
	}
	spiral_buf_putc(out, '{');
	summary_fields(out, inq, 0);
	spiral_buf_puts(out, ",\"entries\":[");
	for (size_t i = 0; i < inq->nentries; i++) {
		if (!spiral_entry_selected(f, &inq->entries[i]))
			continue;
		if (!first)
			spiral_buf_putc(out, ',');
		first = 0;
		spiral_json_entry(out, inq, &inq->entries[i], 0);
	}
	first = 1;
	spiral_buf_puts(out, "],\"notes\":[");
	for (size_t i = 0; i < inq->nnotes; i++) {
		const spiral_note *n = &inq->notes[i];
		if (!spiral_note_selected(f, n))
			continue;
		if (!first)
			spiral_buf_putc(out, ',');
		first = 0;
		spiral_buf_puts(out, "{\"id\":");
		spiral_json_string(out, n->id);
		spiral_buf_puts(out, ",\"date\":");
		json_date(out, n->date);
		spiral_buf_puts(out, ",\"author\":");
		spiral_json_string(out, n->who.author);
		spiral_buf_puts(out, ",\"email\":");
		spiral_json_string_or_null(out, n->who.email);
		spiral_buf_puts(out, ",\"school\":");
		spiral_json_string_or_null(out, n->who.school);
		spiral_buf_puts(out, ",\"text\":");
		spiral_json_string(out, n->text);
		spiral_buf_putc(out, '}');
	}
	spiral_buf_puts(out, "],\"measures\":{");
	for (size_t i = 0; i < nms; i++) {
		if (i)
			spiral_buf_putc(out, ',');
		json_measure(out, &ms[i], 0);
	}
	spiral_buf_putc(out, '}');
	json_cycles(out, cycles, ncycles);
	if (lin)
		json_lineage(out, lin);
	spiral_buf_puts(out, ",\"conflicts\":{");
	for (size_t i = 0; i < inq->nconflicts; i++) {
		if (i)
			spiral_buf_putc(out, ',');
		spiral_json_string(out, spiral_field_name(inq->conflicts[i].field));
		spiral_buf_putc(out, ':');
		spiral_json_strv(out, &inq->conflicts[i].values);
	}
	spiral_buf_puts(out, "}}");
	spiral_measures_free(ms, nms);
	spiral_cycles_free(cycles, ncycles);
	return buf_done(out);
}

/* ---- text for people ---------------------------------------------------- */

static void vis(spiral_buf *out, const char *s)
{
	spiral_visible(out, s, strlen(s), 0);
}

/* Multi-line text, every line indented. */
static void vis_block(spiral_buf *out, const char *s, const char *indent)
{
	for (;;) {
		size_t line = strcspn(s, "\n");
		if (line)
			spiral_buf_puts(out, indent);
		spiral_visible(out, s, line, SPIRAL_VISIBLE_KEEP_TAB);
		spiral_buf_putc(out, '\n');
		if (!s[line])
			break;
		s += line + 1;
	}
}

static void text_list(spiral_buf *out, const spiral_strv *sv)
{
	for (size_t i = 0; i < sv->n; i++) {
		if (i)
			spiral_buf_puts(out, ", ");
		vis(out, sv->v[i]);
	}
}

static void text_kvs(spiral_buf *out, const spiral_kvs *kvs)
{
	char num[40];

	for (size_t i = 0; i < kvs->n; i++) {
		number_text(1, kvs->v[i].value, num);
		spiral_buf_printf(out, "%s%s=%s", i ? ", " : "", kvs->v[i].name, num);
	}
}

/* A measure's target for people: its own, else the one carried over from
 * an earlier cycle ("60 (cycle 1's)"); "" when there is none. */
static void target_text(const spiral_measure_summary *m, char out[64])
{
	char num[40];

	out[0] = '\0';
	if (number_text(m->has_target, m->target, num) == 0)
		snprintf(out, 64, "%s", num);
	else if (number_text(m->has_carried, m->carried_target, num) == 0)
		snprintf(out, 64, "%s (cycle %d's)", num, m->carried_cycle);
}

/* Its progress against that target, or -1 as percent_text. */
static int progress_text(const spiral_measure_summary *m, char out[40])
{
	if (m->has_target)
		return percent_text(m->has_progress, m->progress, out);
	return percent_text(m->has_carried_progress, m->carried_progress, out);
}

/* Whether show has cycles to tell: more than one, or results in one. */
static int cycles_worth_showing(const spiral_cycle *cycles, size_t n)
{
	return n > 1 || (n == 1 && (cycles[0].nmeasures ||
				    cycles[0].verdict != SPIRAL_VERDICT_NONE));
}

/* When a cycle ran: "2026-03-02 to 2026-05-01", "since 2026-06-10". */
static void cycle_span(spiral_buf *out, const spiral_cycle *c)
{
	char from[SPIRAL_DATE_LEN], to[SPIRAL_DATE_LEN];

	if (!c->has_started) {
		spiral_buf_puts(out, "no entries yet");
		return;
	}
	spiral_date_day(c->started, from);
	if (!c->has_ended) {
		spiral_buf_printf(out, "since %s", from);
		return;
	}
	spiral_date_day(c->ended, to);
	spiral_buf_printf(out, "%s to %s", from, to);
}

/* Every cycle's results for people: a heading and a table each. */
static void text_cycles(spiral_buf *out, const spiral_cycle *cycles, size_t n)
{
	char num[40], target[64];

	for (size_t i = 0; i < n; i++) {
		const spiral_cycle *c = &cycles[i];
		int tw = 10;

		spiral_buf_printf(out, "\ncycle %d%s: ", c->cycle,
				  i + 1 == n ? " (current)" : "");
		cycle_span(out, c);
		if (c->verdict != SPIRAL_VERDICT_NONE)
			spiral_buf_printf(out, ", verdict %s",
					  spiral_verdict_name(c->verdict));
		spiral_buf_putc(out, '\n');
		if (!c->nmeasures) {
			spiral_buf_puts(out, "  no measures\n");
			continue;
		}
		for (size_t k = 0; k < c->nmeasures; k++) {
			target_text(&c->measures[k], target);
			if ((int)strlen(target) > tw)
				tw = (int)strlen(target);
		}
		spiral_buf_printf(out, "  %-24s %10s %*s %10s %9s\n", "name",
				  "baseline", tw, "target", "latest", "progress");
		for (size_t k = 0; k < c->nmeasures; k++) {
			const spiral_measure_summary *m = &c->measures[k];
			/* Padded by display width: reo_kōrero, βαθμός. */
			size_t w = text_width(m->name, strlen(m->name));
			spiral_buf_printf(out, "  %s%*s", m->name,
					  w < 24 ? (int)(24 - w) : 0, "");
			if (number_text(m->has_baseline, m->baseline, num) < 0)
				strcpy(num, "-");
			spiral_buf_printf(out, " %10s", num);
			target_text(m, target);
			spiral_buf_printf(out, " %*s", tw, target[0] ? target : "-");
			if (number_text(m->has_latest, m->latest, num) < 0)
				strcpy(num, "-");
			spiral_buf_printf(out, " %10s", num);
			if (progress_text(m, num) < 0)
				strcpy(num, "-");
			spiral_buf_printf(out, " %9s\n", num);
		}
	}
}

/* "continues: ID title <- ID title ..." and "continued by: ID title
 * (school)", ids shortened to short_len. */
static void text_lineage(spiral_buf *out, const spiral_inquiry *inq,
			 const spiral_lineage *lin, int short_len)
{
	if (!lin) {
		if (inq->continues)
			spiral_buf_printf(out, "continues: %.*s\n", short_len,
					  inq->continues);
		return;
	}
	if (lin->nback || lin->missing)
		spiral_buf_puts(out, "continues: ");
	for (size_t i = 0; i < lin->nback; i++) {
		spiral_buf_printf(out, "%s%.*s ", i ? " <- " : "", short_len,
				  lin->back[i]->id);
		vis(out, lin->back[i]->title);
	}
	if (lin->missing)
		spiral_buf_printf(out, "%s%.*s (not in this repository)",
				  lin->nback ? " <- " : "", short_len, lin->missing);
	else if (lin->loop)
		spiral_buf_printf(out, " <- %.*s (a loop: stops here)", short_len,
				  lin->loop);
	if (lin->nback || lin->missing)
		spiral_buf_putc(out, '\n');
	for (size_t i = 0; i < lin->nforward; i++) {
		const spiral_inquiry *q = lin->forward[i];
		spiral_buf_printf(out, "continued by: %.*s ", short_len, q->id);
		vis(out, q->title);
		spiral_buf_puts(out, " (");
		vis(out, q->who.school ? q->who.school : "");
		spiral_buf_puts(out, ")\n");
	}
}

int spiral_text_show(spiral_buf *out, const spiral_inquiry *inq, int short_len,
		     const spiral_style *style, const spiral_filter *f,
		     const spiral_lineage *lin)
{
	const spiral_phase_info *ph = spiral_phase_get(inq->phase);
	spiral_cycle *cycles = NULL;
	size_t ncycles = 0;
	char day[SPIRAL_DATE_LEN];

	spiral_buf_printf(out, "%sinquiry %.*s%s  ", style->bold, short_len, inq->id,
			  style->reset);
	vis(out, inq->title);
	spiral_buf_puts(out, "\n");
	spiral_buf_puts(out, "school:    ");
	vis(out, inq->who.school ? inq->who.school : "");
	spiral_buf_printf(out, "\nstatus:    %s, %s, cycle %d\n", inq->status,
			  ph ? ph->name : "no entries yet", inq->cycle);
	if (inq->learners[0]) {
		spiral_buf_puts(out, "learners:  ");
		vis(out, inq->learners);
		spiral_buf_putc(out, '\n');
	}
	if (inq->tags.n) {
		spiral_buf_puts(out, "tags:      ");
		text_list(out, &inq->tags);
		spiral_buf_putc(out, '\n');
	}
	if (inq->team.n) {
		spiral_buf_puts(out, "team:      ");
		text_list(out, &inq->team);
		spiral_buf_putc(out, '\n');
	}
	spiral_date_day(inq->created, day);
	spiral_buf_printf(out, "created:   %s by ", day);
	vis(out, inq->who.author ? inq->who.author : "");
	spiral_buf_putc(out, '\n');
	text_lineage(out, inq, lin, short_len);
	for (size_t i = 0; i < inq->nconflicts; i++) {
		const spiral_conflict *c = &inq->conflicts[i];
		spiral_buf_printf(out, "%sconflict:%s  %s has %zu values: ", style->warn,
				  style->reset, spiral_field_name(c->field),
				  c->values.n);
		for (size_t k = 0; k < c->values.n; k++) {
			spiral_buf_puts(out, k ? " | " : "");
			vis(out, c->values.v[k]);
		}
		spiral_buf_printf(out, " (settle with 'spiral resolve %.*s %s VALUE')\n",
				  short_len, inq->id, spiral_field_name(c->field));
	}
	for (size_t i = 0; i < inq->nentries; i++) {
		const spiral_entry *e = &inq->entries[i];
		if (!spiral_entry_selected(f, e))
			continue;
		spiral_date_day(e->date, day);
		spiral_buf_printf(out, "\n%s%s%s  %s  cycle %d  ", style->phase,
				  spiral_phase_get(e->phase)->name, style->reset, day,
				  e->cycle);
		vis(out, e->who.author);
		if (e->who.school) {
			spiral_buf_puts(out, " (");
			vis(out, e->who.school);
			spiral_buf_putc(out, ')');
		}
		spiral_buf_printf(out, "  %s%.8s%s\n", style->dim, e->id, style->reset);
		vis_block(out, e->text, "    ");
		for (size_t k = 0; k < e->evidence.n; k++) {
			spiral_buf_puts(out, "    evidence: ");
			vis(out, e->evidence.v[k]);
			spiral_buf_putc(out, '\n');
		}
		if (e->measures.n) {
			spiral_buf_puts(out, "    measures: ");
			text_kvs(out, &e->measures);
			spiral_buf_putc(out, '\n');
		}
		if (e->targets.n) {
			spiral_buf_puts(out, "    targets:  ");
			text_kvs(out, &e->targets);
			spiral_buf_putc(out, '\n');
		}
		if (e->verdict != SPIRAL_VERDICT_NONE)
			spiral_buf_printf(out, "    verdict:  %s\n",
					  spiral_verdict_name(e->verdict));
		if (e->new_cycle)
			spiral_buf_printf(out, "    (cycle %d starts after this check)\n",
					  e->cycle + 1);
	}
	for (size_t i = 0; i < inq->nnotes; i++) {
		const spiral_note *n = &inq->notes[i];
		if (!spiral_note_selected(f, n))
			continue;
		spiral_date_day(n->date, day);
		spiral_buf_printf(out, "\n%snote%s  %s  ", style->phase, style->reset, day);
		vis(out, n->who.author);
		spiral_buf_putc(out, '\n');
		vis_block(out, n->text, "    ");
	}
	if (spiral_inquiry_cycles(inq, &cycles, &ncycles) < 0)
		return SPIRAL_ENOMEM;
	if (cycles_worth_showing(cycles, ncycles))
		text_cycles(out, cycles, ncycles);
	spiral_cycles_free(cycles, ncycles);
	return buf_done(out);
}

/* ---- grids: one table of cells, rendered as text, CSV or Markdown -------- */

typedef struct grid {
	size_t ncols, nrows; /* rows include the header */
	spiral_strv cells;   /* row-major */
	unsigned long numeric; /* columns of numbers (bit per column) */
	size_t added;          /* cells added so far */
	/* CSV: each cell is written here as it is added, not kept, so that
	 * 100,000 rows cost no copy of them (grid_csv). */
	spiral_buf *csv;
} grid;

static int csv_cell(spiral_buf *out, const char *s, int is_text);

static int grid_is_number(const grid *g, size_t row, size_t col)
{
	return row > 0 && col < 8 * sizeof(g->numeric) && (g->numeric >> col & 1ul);
}

static void grid_add(grid *g, const char *s)
{
	if (g->csv && g->ncols) {
		size_t col = g->added % g->ncols;
		if (col)
			spiral_buf_putc(g->csv, ',');
		csv_cell(g->csv, s ? s : "", !grid_is_number(g, g->added / g->ncols, col));
		if (col == g->ncols - 1)
			spiral_buf_puts(g->csv, "\r\n");
		g->added++;
	} else if (spiral_strv_push(&g->cells, s ? s : "") == 0) {
		g->added++;
	}
}

/* Streams the grid's cells to out when the format is CSV. */
static void grid_csv(grid *g, spiral_format format, spiral_buf *out)
{
	if (format == SPIRAL_FORMAT_CSV)
		g->csv = out;
}

static const char *grid_cell(const grid *g, size_t row, size_t col)
{
	return g->cells.v[row * g->ncols + col];
}

/* Columns a character takes on a terminal: two for wide (CJK) characters
 * and emoji, none for combining marks.  utf8proc's table needs no locale,
 * so a cron job under `env -i` measures as a terminal does. */
static size_t char_width(unsigned cp)
{
	int w = utf8proc_charwidth((utf8proc_int32_t)cp);

	return w > 0 ? (size_t)w : 0;
}

/* Display width of visible text (a byte that is not UTF-8 counts one). */
static size_t text_width(const char *s, size_t len)
{
	size_t w = 0;

	for (size_t i = 0; i < len;) {
		unsigned cp;
		size_t n = spiral_utf8_next(s + i, len - i, &cp);

		w += n ? char_width(cp) : 1;
		i += n ? n : 1;
	}
	return w;
}

/* A cell for a terminal: one line, controls visible.  Allocated. */
static char *table_cell(const char *s)
{
	spiral_buf b = SPIRAL_BUF_INIT, flat = SPIRAL_BUF_INIT;

	for (const char *p = s; *p; p++)
		spiral_buf_putc(&flat, *p == '\n' || *p == '\t' ? ' ' : *p);
	spiral_buf_put(&flat, "", 0);
	if (!flat.failed)
		spiral_visible(&b, flat.ptr, flat.len, 0);
	spiral_buf_free(&flat);
	spiral_buf_put(&b, "", 0);
	if (b.failed) {
		spiral_buf_free(&b);
		return NULL;
	}
	return spiral_buf_detach(&b);
}

/* The cell cut to at most max columns, the cut marked with an ellipsis;
 * a wide character that would straddle the edge goes too.  Allocated. */
static char *cut_cell(const char *cell, size_t max)
{
	spiral_buf b = SPIRAL_BUF_INIT;
	size_t len = strlen(cell), w = 0, i = 0;

	while (i < len) {
		unsigned cp;
		size_t n = spiral_utf8_next(cell + i, len - i, &cp);
		size_t cw = n ? char_width(cp) : 1;

		if (w + cw + 1 > max) /* room for the ellipsis */
			break;
		w += cw;
		i += n ? n : 1;
	}
	spiral_buf_put(&b, cell, i);
	spiral_buf_puts(&b, "\xe2\x80\xa6");
	if (b.failed) {
		spiral_buf_free(&b);
		return NULL;
	}
	return spiral_buf_detach(&b);
}

/* How narrow column c may be cut at each stage of fitting a row: its
 * minimum, then two fifths of it, then one column (just the ellipsis). */
static size_t cut_limit(size_t minw, int stage)
{
	size_t lim = stage == 0 ? minw : stage == 1 ? minw * 2 / 5 : 1;

	return lim ? lim : 1;
}

/* Takes up to excess columns off the columns that may be cut (minw[c]
 * > 0), one at a time from the one with the most room above its limit, so
 * that the widest give way first and every cut column keeps a fair share.
 * Returns what is left to take. */
static size_t shrink(size_t *width, const size_t *minw, size_t ncols,
		     size_t excess, int stage)
{
	while (excess > 0) {
		size_t best = ncols, room = 0;

		for (size_t c = 0; c < ncols; c++) {
			size_t lim = cut_limit(minw[c], stage);
			if (minw[c] && width[c] > lim && width[c] - lim >= room) {
				best = c;
				room = width[c] - lim;
			}
		}
		if (best == ncols)
			break;
		width[best]--;
		excess--;
	}
	return excess;
}

/* Aligned columns, two spaces apart.  With style->width, a row that would
 * be wider is fitted by cutting the columns that minw[] lets be cut, in
 * stages (cut_limit); a row of columns that may not be cut can stay wider.
 * Without a width (a pipe, a file) every cell is whole. */
static void render_table(spiral_buf *out, const grid *g, const size_t *minw,
			 const spiral_style *style)
{
	size_t *width = calloc(g->ncols, sizeof(*width));
	char **cells = calloc(g->nrows * g->ncols, sizeof(*cells));
	size_t total = 0;

	if (!width || !cells) {
		free(width);
		free(cells);
		out->failed = 1;
		return;
	}
	for (size_t r = 0; r < g->nrows; r++) {
		for (size_t c = 0; c < g->ncols; c++) {
			char *cell = table_cell(grid_cell(g, r, c));
			size_t w;

			if (!cell) {
				out->failed = 1;
				goto done;
			}
			w = text_width(cell, strlen(cell));
			cells[r * g->ncols + c] = cell;
			if (w > width[c])
				width[c] = w;
		}
	}
	for (size_t c = 0; c < g->ncols; c++)
		total += width[c] + (c ? 2 : 0);
	if (style->width > 0 && total > (size_t)style->width) {
		size_t excess = total - (size_t)style->width;
		for (int stage = 0; stage < 3; stage++)
			excess = shrink(width, minw, g->ncols, excess, stage);
		for (size_t i = 0; i < g->nrows * g->ncols; i++) {
			size_t c = i % g->ncols;
			char *cut;

			if (text_width(cells[i], strlen(cells[i])) <= width[c])
				continue;
			if (!(cut = cut_cell(cells[i], width[c]))) {
				out->failed = 1;
				goto done;
			}
			free(cells[i]);
			cells[i] = cut;
		}
	}
	for (size_t r = 0; r < g->nrows; r++) {
		if (r == 0)
			spiral_buf_puts(out, style->bold);
		for (size_t c = 0; c < g->ncols; c++) {
			const char *cell = cells[r * g->ncols + c];
			spiral_buf_puts(out, cell);
			if (c + 1 < g->ncols)
				spiral_buf_printf(out, "%*s", (int)(width[c] -
					text_width(cell, strlen(cell)) + 2), "");
		}
		if (r == 0)
			spiral_buf_puts(out, style->reset);
		spiral_buf_putc(out, '\n');
	}
done:
	for (size_t i = 0; i < g->nrows * g->ncols; i++)
		free(cells[i]);
	free(cells);
	free(width);
}

/* One CSV field.  A text that starts with = + - @ or a tab (a carriage
 * return is already shown as \r) would be taken by a spreadsheet as a
 * formula (=HYPERLINK(...)): it gets a single quote first, inside the
 * quotes, as OWASP recommends.  Numbers are never changed. */
/* What a CSV cell's bytes ask for: 0 nothing (plain ASCII), 1 quotes
 * (comma, quote, newline), 2 a look (any other control or non-ASCII). */
#define CSV_LOOK16 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2
static const unsigned char csv_byte[256] = {
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 2, /* \n: quotes */
	CSV_LOOK16,
	0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, /* " and , */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, /* DEL */
	CSV_LOOK16, CSV_LOOK16, CSV_LOOK16, CSV_LOOK16,
	CSV_LOOK16, CSV_LOOK16, CSV_LOOK16, CSV_LOOK16,
};
#undef CSV_LOOK16

static int csv_cell(spiral_buf *out, const char *s, int is_text)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t plain = 0, len;
	int quote, guard, rc = 0;

	/* The usual cell, plain ASCII that needs neither quotes nor a guard,
	 * is put as it is. */
	while (u[plain] && !csv_byte[u[plain]])
		plain++;
	if (!s[plain] && (!plain || (s[0] != ' ' && s[plain - 1] != ' ' &&
				     !(is_text && strchr("=+-@", s[0])))))
		return spiral_buf_put(out, s, plain);
	/* Otherwise the text as spiral_visible shows it, in one pass.  What
	 * decides the quotes and the guard is the same in the text as in
	 * what is shown: an escape (\r, \x01, <U+200B>) has no comma, quote,
	 * newline or space, and the first and last characters that matter
	 * here (= + - @ tab, space) are shown as they are. */
	len = plain;
	quote = 0;
	for (; u[len]; len++)
		quote |= csv_byte[u[len]] & 1;
	guard = is_text && s[0] && strchr("=+-@\t", s[0]);
	quote |= guard || s[0] == ' ' || (len && s[len - 1] == ' ');
	if (quote)
		rc = spiral_buf_putc(out, '"');
	if (guard && rc == 0)
		rc = spiral_buf_putc(out, '\'');
	for (const char *p = s, *q; p < s + len && rc == 0; p = q) {
		/* Up to and with the next quote, which is doubled (a quote
		 * never falls inside a UTF-8 sequence). */
		q = memchr(p, '"', (size_t)(s + len - p));
		q = q ? q + 1 : s + len;
		rc = spiral_visible(out, p, (size_t)(q - p),
				    SPIRAL_VISIBLE_KEEP_NL | SPIRAL_VISIBLE_KEEP_TAB);
		if (rc == 0 && q[-1] == '"')
			rc = spiral_buf_putc(out, '"');
	}
	if (quote && rc == 0)
		rc = spiral_buf_putc(out, '"');
	return rc;
}

int spiral_csv_field(spiral_buf *out, const char *s)
{
	return csv_cell(out, s, 1);
}

static void render_csv(spiral_buf *out, const grid *g)
{
	for (size_t r = 0; r < g->nrows; r++) {
		for (size_t c = 0; c < g->ncols; c++) {
			if (c)
				spiral_buf_putc(out, ',');
			csv_cell(out, grid_cell(g, r, c), !grid_is_number(g, r, c));
		}
		spiral_buf_puts(out, "\r\n");
	}
}

/* Markdown: punctuation that means something is backslash-escaped, a
 * newline becomes <br>, controls are visible. */
static void md_cell(spiral_buf *out, const char *s)
{
	spiral_buf vis_text = SPIRAL_BUF_INIT;

	spiral_visible(&vis_text, s, strlen(s), SPIRAL_VISIBLE_KEEP_NL);
	spiral_buf_put(&vis_text, "", 0);
	for (const char *p = vis_text.ptr; *p; p++) {
		if (*p == '\n')
			spiral_buf_puts(out, "<br>");
		else if (*p == '\t')
			spiral_buf_putc(out, ' ');
		else if (strchr("\\`*_[]<>|~&", *p))
			spiral_buf_printf(out, "\\%c", *p);
		else
			spiral_buf_putc(out, *p);
	}
	spiral_buf_free(&vis_text);
}

int spiral_md_text(spiral_buf *out, const char *s)
{
	md_cell(out, s);
	return out->failed ? SPIRAL_ENOMEM : 0;
}

static void render_md(spiral_buf *out, const grid *g)
{
	for (size_t r = 0; r < g->nrows; r++) {
		spiral_buf_putc(out, '|');
		for (size_t c = 0; c < g->ncols; c++) {
			spiral_buf_putc(out, ' ');
			md_cell(out, grid_cell(g, r, c));
			spiral_buf_puts(out, " |");
		}
		spiral_buf_putc(out, '\n');
		if (r == 0) {
			spiral_buf_putc(out, '|');
			for (size_t c = 0; c < g->ncols; c++)
				spiral_buf_puts(out, " --- |");
			spiral_buf_putc(out, '\n');
		}
	}
}

static void grid_header_n(grid *g, const char *const *names, size_t n)
{
	g->ncols = n;
	for (size_t i = 0; i < n; i++)
		grid_add(g, names[i]);
	g->nrows = 1;
}

static size_t count_names(const char *const *names)
{
	size_t n = 0;

	while (names[n])
		n++;
	return n;
}

static void grid_header(grid *g, const char *const *names)
{
	grid_header_n(g, names, count_names(names));
}

/* The header of names but the last, which is an optional column. */
static void grid_header_but_last(grid *g, const char *const *names)
{
	size_t n = count_names(names);

	grid_header_n(g, names, n ? n - 1 : 0);
}

/* Tags, team members and evidence items in one CSV cell, one a line: a
 * tag or a name cannot hold a line break (spiral_tag_valid), whereas any
 * printable separator could be part of one; spreadsheets show a quoted
 * line break as a new line within the cell. */
static char *join_strv(const spiral_strv *sv)
{
	spiral_buf b = SPIRAL_BUF_INIT;

	for (size_t i = 0; i < sv->n; i++) {
		if (i)
			spiral_buf_putc(&b, '\n');
		spiral_buf_puts(&b, sv->v[i]);
	}
	return spiral_buf_detach(&b);
}

static char *join_kvs(const spiral_kvs *kvs)
{
	spiral_buf b = SPIRAL_BUF_INIT;
	char num[40];

	for (size_t i = 0; i < kvs->n; i++) {
		number_text(1, kvs->v[i].value, num);
		if (i)
			spiral_buf_puts(&b, "; ");
		spiral_buf_puts(&b, kvs->v[i].name);
		spiral_buf_putc(&b, '=');
		spiral_buf_puts(&b, num);
	}
	return spiral_buf_detach(&b);
}

static void grid_add_owned(grid *g, char *s)
{
	grid_add(g, s);
	free(s);
}

static void grid_add_date(grid *g, spiral_date d, int day_only)
{
	char s[SPIRAL_DATE_LEN];

	if (day_only)
		spiral_date_day(d, s);
	else
		spiral_date_format(d, s);
	grid_add(g, s);
}

static void grid_add_int(grid *g, long v)
{
	char s[32];

	if (g->ncols && g->ncols <= 8 * sizeof(g->numeric))
		g->numeric |= 1ul << (g->added % g->ncols);
	spiral_long_format(v, s);
	grid_add(g, s);
}

static void grid_add_short(grid *g, const char *id, int len)
{
	char s[SPIRAL_ID_LEN + 1];

	snprintf(s, sizeof(s), "%.*s", len, id);
	grid_add(g, s);
}

/* minw: for a table, how narrow each column may be cut (0: never). */
static void render(spiral_buf *out, spiral_format format, grid *g,
		   const size_t *minw, const spiral_style *style)
{
	if (g->added != g->nrows * g->ncols)
		out->failed = 1; /* a cell could not be added */
	else if (format == SPIRAL_FORMAT_CSV && !g->csv)
		render_csv(out, g);
	else if (format == SPIRAL_FORMAT_CSV)
		; /* written as added */
	else if (format == SPIRAL_FORMAT_MD)
		render_md(out, g);
	else
		render_table(out, g, minw, style);
	spiral_strv_free(&g->cells);
}

/* A phase as people read it: a check with its verdict, "check (partly)". */
static void grid_add_phase(grid *g, const spiral_entry *e)
{
	char s[64];

	if (e->verdict == SPIRAL_VERDICT_NONE) {
		grid_add(g, spiral_phase_get(e->phase)->name);
		return;
	}
	snprintf(s, sizeof(s), "%s (%s)", spiral_phase_get(e->phase)->name,
		 spiral_verdict_name(e->verdict));
	grid_add(g, s);
}

int spiral_emit_list(spiral_buf *out, spiral_format format,
		     const spiral_inquiry *const *rows, size_t n, int short_len,
		     const spiral_style *style, const spiral_filter *f)
{
	static const char *const csv_cols[] = {
		"id", "title", "school", "status", "phase", "cycle", "created",
		"updated", "tags", "team", "learners", "continues", "entries",
		"days_idle", NULL};
	static const char *const people_cols[] = {
		"ID", "TITLE", "SCHOOL", "PHASE", "CYCLE", "STATUS", "LAST ACTIVITY",
		"DAYS IDLE", NULL};
	/* Title and school give way when a row is wider than the terminal. */
	static const size_t minw[] = {0, 20, 12, 0, 0, 0, 0, 0};
	const char *const *cols = format == SPIRAL_FORMAT_CSV ? csv_cols : people_cols;
	int idle = f && f->stalled_days >= 0; /* --stalled: days idle too */
	grid g = {0};

	if (format == SPIRAL_FORMAT_JSON) {
		spiral_buf_putc(out, '[');
		for (size_t i = 0; i < n; i++) {
			spiral_buf_puts(out, i ? ",\n{" : "\n{");
			summary_fields(out, rows[i], 1);
			if (idle)
				spiral_buf_printf(out, ",\"days_idle\":%d",
						  spiral_inquiry_days_idle(rows[i], f->now));
			spiral_buf_putc(out, '}');
		}
		spiral_buf_puts(out, n ? "\n]\n" : "]\n");
		return buf_done(out);
	}
	grid_csv(&g, format, out);
	if (idle)
		grid_header(&g, cols);
	else
		grid_header_but_last(&g, cols);
	for (size_t i = 0; i < n; i++) {
		const spiral_inquiry *q = rows[i];
		const spiral_phase_info *ph = spiral_phase_get(q->phase);

		if (format == SPIRAL_FORMAT_CSV) {
			grid_add(&g, q->id);
			grid_add(&g, q->title);
			grid_add(&g, q->who.school);
			grid_add(&g, q->status);
			grid_add(&g, ph ? ph->name : "");
			grid_add_int(&g, q->cycle);
			grid_add_date(&g, q->created, 0);
			grid_add_date(&g, q->updated, 0);
			grid_add_owned(&g, join_strv(&q->tags));
			grid_add_owned(&g, join_strv(&q->team));
			grid_add(&g, q->learners);
			grid_add(&g, q->continues);
			grid_add_int(&g, (long)spiral_inquiry_entry_count(q));
		} else {
			grid_add_short(&g, q->id, short_len);
			grid_add(&g, q->title);
			grid_add(&g, q->who.school);
			grid_add(&g, ph ? ph->name : "-");
			grid_add_int(&g, q->cycle);
			grid_add(&g, q->status);
			grid_add_date(&g, q->updated, 1);
		}
		if (idle)
			grid_add_int(&g, spiral_inquiry_days_idle(q, f->now));
		g.nrows++;
	}
	render(out, format, &g, minw, style);
	return buf_done(out);
}

int spiral_emit_log(spiral_buf *out, spiral_format format,
		    const spiral_log_row *rows, size_t n, int short_len,
		    const spiral_style *style)
{
	static const char *const csv_cols[] = {
		"inquiry", "title", "id", "phase", "date", "author", "email",
		"school", "cycle", "verdict", "text", "evidence", "measures",
		"targets", NULL};
	static const char *const people_cols[] = {
		"DATE", "INQUIRY", "TITLE", "PHASE", "AUTHOR", "SCHOOL", "TEXT", NULL};
	/* Title, author and school give way before the text. */
	static const size_t minw[] = {0, 0, 16, 0, 10, 10, 40};
	grid g = {0};

	if (format == SPIRAL_FORMAT_JSON) {
		spiral_buf_putc(out, '[');
		for (size_t i = 0; i < n; i++) {
			spiral_buf_puts(out, i ? ",\n" : "\n");
			spiral_json_entry(out, rows[i].inquiry, rows[i].entry, 1);
		}
		spiral_buf_puts(out, n ? "\n]\n" : "]\n");
		return buf_done(out);
	}
	grid_csv(&g, format, out);
	if (format == SPIRAL_FORMAT_CSV) {
		grid_header(&g, csv_cols);
		for (size_t i = 0; i < n; i++) {
			const spiral_entry *e = rows[i].entry;
			/* Rows in date order are scattered over the entries and
			 * their texts: ask for those a few rows on early. */
			if (i + 32 < n) {
				__builtin_prefetch(rows[i + 32].entry);
				__builtin_prefetch(rows[i + 32].inquiry);
			}
			if (i + 16 < n) {
				const spiral_entry *f = rows[i + 16].entry;
				__builtin_prefetch(f->text);
				__builtin_prefetch(f->who.author);
				__builtin_prefetch(f->who.email);
				__builtin_prefetch(f->who.school);
				__builtin_prefetch(rows[i + 16].inquiry->title);
			}
			grid_add(&g, rows[i].inquiry->id);
			grid_add(&g, rows[i].inquiry->title);
			grid_add(&g, e->id);
			grid_add(&g, spiral_phase_get(e->phase)->name);
			grid_add_date(&g, e->date, 0);
			grid_add(&g, e->who.author);
			grid_add(&g, e->who.email);
			grid_add(&g, e->who.school);
			grid_add_int(&g, e->cycle);
			grid_add(&g, spiral_verdict_name(e->verdict));
			grid_add(&g, e->text);
			grid_add_owned(&g, join_strv(&e->evidence));
			grid_add_owned(&g, join_kvs(&e->measures));
			grid_add_owned(&g, join_kvs(&e->targets));
			g.nrows++;
		}
	} else {
		grid_header(&g, people_cols);
		for (size_t i = 0; i < n; i++) {
			const spiral_entry *e = rows[i].entry;
			grid_add_date(&g, e->date, 1);
			grid_add_short(&g, rows[i].inquiry->id, short_len);
			grid_add(&g, rows[i].inquiry->title);
			grid_add_phase(&g, e);
			grid_add(&g, e->who.author);
			grid_add(&g, e->who.school);
			grid_add(&g, e->text);
			g.nrows++;
		}
	}
	render(out, format, &g, minw, style);
	return buf_done(out);
}

/* ---- search and match --------------------------------------------------- */

static void grid_add_score(grid *g, double score)
{
	char s[40];

	if (g->ncols && g->ncols <= 8 * sizeof(g->numeric))
		g->numeric |= 1ul << (g->added % g->ncols);
	spiral_number_format(score, s);
	grid_add(g, s);
}

static const char *hit_phase(const spiral_hit *h)
{
	return h->entry ? spiral_phase_get(h->entry->phase)->name : NULL;
}

int spiral_emit_search(spiral_buf *out, spiral_format format,
		       const spiral_hit *hits, size_t n, int short_len,
		       const spiral_style *style)
{
	static const char *const csv_cols[] = {
		"inquiry", "title", "school", "entry", "phase", "score", "snippet",
		"kind", NULL};
	static const char *const people_cols[] = {
		"SCORE", "INQUIRY", "TITLE", "SCHOOL", "PHASE", "SNIPPET", NULL};
	/* Title and school give way before the snippet. */
	static const size_t minw[] = {0, 0, 16, 10, 0, 40};
	grid g = {0};

	if (format == SPIRAL_FORMAT_JSON) {
		char num[40];

		spiral_buf_putc(out, '[');
		for (size_t i = 0; i < n; i++) {
			const spiral_hit *h = &hits[i];
			spiral_buf_puts(out, i ? ",\n{\"inquiry\":" : "\n{\"inquiry\":");
			spiral_json_string(out, h->inquiry->id);
			spiral_buf_puts(out, ",\"title\":");
			spiral_json_string_or_null(out, h->inquiry->title);
			spiral_buf_puts(out, ",\"school\":");
			spiral_json_string_or_null(out, h->inquiry->who.school);
			spiral_buf_puts(out, ",\"entry\":");
			spiral_json_string_or_null(out, h->entry ? h->entry->id : NULL);
			spiral_buf_puts(out, ",\"phase\":");
			spiral_json_string_or_null(out, hit_phase(h));
			spiral_number_format(h->score, num);
			spiral_buf_printf(out, ",\"score\":%s,\"snippet\":", num);
			spiral_json_string(out, h->snippet);
			spiral_buf_printf(out, ",\"kind\":\"%s\"}",
					  h->entry ? "entry" : h->note ? "note" : "inquiry");
		}
		spiral_buf_puts(out, n ? "\n]\n" : "]\n");
		return buf_done(out);
	}
	grid_csv(&g, format, out);
	grid_header(&g, format == SPIRAL_FORMAT_CSV ? csv_cols : people_cols);
	for (size_t i = 0; i < n; i++) {
		const spiral_hit *h = &hits[i];
		const char *phase = hit_phase(h);

		if (format == SPIRAL_FORMAT_CSV) {
			grid_add(&g, h->inquiry->id);
			grid_add(&g, h->inquiry->title);
			grid_add(&g, h->inquiry->who.school);
			grid_add(&g, h->entry ? h->entry->id : "");
			grid_add(&g, phase);
			grid_add_score(&g, h->score);
			grid_add(&g, h->snippet);
			grid_add(&g, h->entry ? "entry" : h->note ? "note" : "inquiry");
		} else {
			grid_add_score(&g, h->score);
			grid_add_short(&g, h->inquiry->id, short_len);
			grid_add(&g, h->inquiry->title);
			grid_add(&g, h->inquiry->who.school);
			grid_add(&g, phase ? phase : h->note ? "note" : "-");
			grid_add(&g, h->snippet);
		}
		g.nrows++;
	}
	render(out, format, &g, minw, style);
	return buf_done(out);
}

int spiral_emit_match(spiral_buf *out, spiral_format format,
		      const spiral_match *m, size_t n, int schools, int short_len,
		      const spiral_style *style)
{
	static const char *const csv_cols[] = {"id", "title", "school", "score",
					       "reasons", NULL};
	static const char *const people_cols[] = {"SCORE", "ID", "TITLE", "SCHOOL",
						  "REASONS", NULL};
	static const size_t minw[] = {0, 0, 16, 10, 30};
	static const char *const school_csv_cols[] = {"school", "score", "reasons",
						      NULL};
	static const char *const school_people_cols[] = {"SCORE", "SCHOOL",
							 "REASONS", NULL};
	static const size_t school_minw[] = {0, 12, 30};
	grid g = {0};

	if (format == SPIRAL_FORMAT_JSON) {
		char num[40];

		spiral_buf_putc(out, '[');
		for (size_t i = 0; i < n; i++) {
			spiral_buf_puts(out, i ? ",\n{" : "\n{");
			if (!schools) {
				spiral_buf_puts(out, "\"id\":");
				spiral_json_string(out, m[i].inquiry->id);
				spiral_buf_puts(out, ",\"title\":");
				spiral_json_string_or_null(out, m[i].inquiry->title);
				spiral_buf_putc(out, ',');
			}
			spiral_buf_puts(out, "\"school\":");
			spiral_json_string(out, m[i].school);
			spiral_number_format(m[i].score, num);
			spiral_buf_printf(out, ",\"score\":%s,\"reasons\":", num);
			spiral_json_strv(out, &m[i].reasons);
			spiral_buf_putc(out, '}');
		}
		spiral_buf_puts(out, n ? "\n]\n" : "]\n");
		return buf_done(out);
	}
	grid_csv(&g, format, out);
	if (schools)
		grid_header(&g, format == SPIRAL_FORMAT_CSV ? school_csv_cols
							    : school_people_cols);
	else
		grid_header(&g, format == SPIRAL_FORMAT_CSV ? csv_cols : people_cols);
	for (size_t i = 0; i < n; i++) {
		spiral_buf r = SPIRAL_BUF_INIT;

		/* One reason a line in CSV, as tags are; "; " for people. */
		for (size_t k = 0; k < m[i].reasons.n; k++)
			spiral_buf_printf(&r, "%s%s",
					  k ? (format == SPIRAL_FORMAT_CSV ? "\n" : "; ") : "",
					  m[i].reasons.v[k]);
		spiral_buf_put(&r, "", 0);
		if (format == SPIRAL_FORMAT_CSV) {
			if (!schools) {
				grid_add(&g, m[i].inquiry->id);
				grid_add(&g, m[i].inquiry->title);
			}
			grid_add(&g, m[i].school);
			grid_add_score(&g, m[i].score);
		} else {
			grid_add_score(&g, m[i].score);
			if (!schools) {
				grid_add_short(&g, m[i].inquiry->id, short_len);
				grid_add(&g, m[i].inquiry->title);
			}
			grid_add(&g, m[i].school);
		}
		grid_add(&g, r.ptr);
		if (r.failed)
			out->failed = 1;
		spiral_buf_free(&r);
		g.nrows++;
	}
	render(out, format, &g, schools ? school_minw : minw, style);
	return buf_done(out);
}

/* ---- show as Markdown --------------------------------------------------- */

/* Every cycle's results as Markdown: a section and a table each. */
static void md_cycles(spiral_buf *out, const spiral_cycle *cycles, size_t n)
{
	static const char *const cols[] = {"Measure", "Baseline", "Target", "Latest",
					   "Progress", NULL};
	static const size_t maxw[] = {40, 12, 24, 12, 12};
	char num[40], target[64];

	for (size_t i = 0; i < n; i++) {
		const spiral_cycle *c = &cycles[i];
		grid g = {0};

		spiral_buf_printf(out, "\n## Cycle %d%s: ", c->cycle,
				  i + 1 == n ? " (current)" : "");
		cycle_span(out, c);
		spiral_buf_puts(out, "\n\n");
		if (c->verdict != SPIRAL_VERDICT_NONE)
			spiral_buf_printf(out, "Verdict: **%s**\n\n",
					  spiral_verdict_name(c->verdict));
		if (!c->nmeasures) {
			spiral_buf_puts(out, "No measures.\n");
			continue;
		}
		grid_header(&g, cols);
		for (size_t k = 0; k < c->nmeasures; k++) {
			const spiral_measure_summary *m = &c->measures[k];
			grid_add(&g, m->name);
			number_text(m->has_baseline, m->baseline, num);
			grid_add(&g, num);
			target_text(m, target);
			grid_add(&g, target);
			number_text(m->has_latest, m->latest, num);
			grid_add(&g, num);
			progress_text(m, num);
			grid_add(&g, num);
			g.nrows++;
		}
		render(out, SPIRAL_FORMAT_MD, &g, maxw, NULL);
	}
}

/* "Continues" and "Continued by" items, full ids (as the document's). */
static void md_lineage(spiral_buf *out, const spiral_inquiry *inq,
		       const spiral_lineage *lin)
{
	if (!lin) {
		if (inq->continues)
			spiral_buf_printf(out, "- **Continues:** %s\n", inq->continues);
		return;
	}
	if (lin->nback || lin->missing)
		spiral_buf_puts(out, "- **Continues:** ");
	for (size_t i = 0; i < lin->nback; i++) {
		spiral_buf_printf(out, "%s%s ", i ? " \xe2\x86\x90 " : "",
				  lin->back[i]->id);
		md_cell(out, lin->back[i]->title);
	}
	if (lin->missing)
		spiral_buf_printf(out, "%s%s (not in this repository)",
				  lin->nback ? " \xe2\x86\x90 " : "", lin->missing);
	else if (lin->loop)
		spiral_buf_printf(out, " \xe2\x86\x90 %s (a loop: stops here)",
				  lin->loop);
	if (lin->nback || lin->missing)
		spiral_buf_putc(out, '\n');
	for (size_t i = 0; i < lin->nforward; i++) {
		const spiral_inquiry *q = lin->forward[i];
		spiral_buf_printf(out, "- **Continued by:** %s ", q->id);
		md_cell(out, q->title);
		spiral_buf_puts(out, " (");
		md_cell(out, q->who.school ? q->who.school : "");
		spiral_buf_puts(out, ")\n");
	}
}

int spiral_md_show(spiral_buf *out, const spiral_inquiry *inq,
		   const spiral_filter *f, const spiral_lineage *lin)
{
	const spiral_phase_info *ph = spiral_phase_get(inq->phase);
	spiral_cycle *cycles = NULL;
	size_t ncycles = 0;
	char day[SPIRAL_DATE_LEN];

	spiral_buf_puts(out, "# ");
	md_cell(out, inq->title);
	spiral_buf_printf(out, "\n\n- **Inquiry:** %s\n- **School:** ", inq->id);
	md_cell(out, inq->who.school ? inq->who.school : "");
	spiral_buf_printf(out, "\n- **Status:** %s, %s, cycle %d\n- **Learners:** ",
			  inq->status, ph ? ph->name : "no entries yet", inq->cycle);
	md_cell(out, inq->learners);
	spiral_buf_puts(out, "\n- **Tags:** ");
	for (size_t i = 0; i < inq->tags.n; i++) {
		spiral_buf_puts(out, i ? ", " : "");
		md_cell(out, inq->tags.v[i]);
	}
	spiral_buf_puts(out, "\n- **Team:** ");
	for (size_t i = 0; i < inq->team.n; i++) {
		spiral_buf_puts(out, i ? ", " : "");
		md_cell(out, inq->team.v[i]);
	}
	spiral_buf_putc(out, '\n');
	md_lineage(out, inq, lin);
	for (size_t i = 0; i < inq->nentries; i++) {
		const spiral_entry *e = &inq->entries[i];
		if (!spiral_entry_selected(f, e))
			continue;
		spiral_date_day(e->date, day);
		spiral_buf_printf(out, "\n## %s, %s, cycle %d\n\n*",
				  spiral_phase_get(e->phase)->name, day, e->cycle);
		md_cell(out, e->who.author);
		spiral_buf_puts(out, "*\n\n");
		md_cell(out, e->text);
		spiral_buf_puts(out, "\n");
		for (size_t k = 0; k < e->evidence.n; k++) {
			spiral_buf_puts(out, k ? "\n- " : "\nEvidence:\n\n- ");
			md_cell(out, e->evidence.v[k]);
		}
		if (e->evidence.n)
			spiral_buf_putc(out, '\n');
		if (e->verdict != SPIRAL_VERDICT_NONE)
			spiral_buf_printf(out, "\nVerdict: **%s**\n",
					  spiral_verdict_name(e->verdict));
	}
	if (spiral_inquiry_cycles(inq, &cycles, &ncycles) < 0)
		return SPIRAL_ENOMEM;
	if (cycles_worth_showing(cycles, ncycles))
		md_cycles(out, cycles, ncycles);
	spiral_cycles_free(cycles, ncycles);
	return buf_done(out);
}

int spiral_emit_grid(spiral_buf *out, spiral_format format,
		     const spiral_strv *cells, size_t ncols,
		     unsigned long numeric, const spiral_style *style)
{
	grid g = {0};
	size_t *minw; /* all 0: no column is cut */

	if (!ncols || !cells->n || cells->n % ncols)
		return spiral_error(SPIRAL_ERROR, "a table of %zu cells in %zu columns",
				    cells->n, ncols);
	if (!(minw = calloc(ncols, sizeof(*minw))))
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	g.ncols = ncols;
	g.nrows = cells->n / ncols;
	g.numeric = numeric;
	grid_csv(&g, format, out);
	for (size_t i = 0; i < cells->n; i++)
		grid_add(&g, cells->v[i]);
	render(out, format, &g, minw, style);
	free(minw);
	return buf_done(out);
}
