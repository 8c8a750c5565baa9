/* Output emitters: JSON, CSV, Markdown and text for people, written into
 * buffers (the library never prints).  Text from files is data from
 * strangers: JSON carries it exactly, escaped; everything else shows control
 * characters as visible escapes so that nothing reaches a terminal as a
 * command. */
#include <stdio.h>
#include <string.h>

#include "spiral.h"

/* ---- escaping ----------------------------------------------------------- */

int spiral_visible(spiral_buf *out, const char *s, size_t len, unsigned flags)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < len; i++) {
		unsigned c = p[i];
		if ((c == '\n' && (flags & SPIRAL_VISIBLE_KEEP_NL)) ||
		    (c == '\t' && (flags & SPIRAL_VISIBLE_KEEP_TAB))) {
			spiral_buf_putc(out, (char)c);
		} else if (c == '\n') {
			spiral_buf_puts(out, "\\n");
		} else if (c == '\t') {
			spiral_buf_puts(out, "\\t");
		} else if (c == '\r') {
			spiral_buf_puts(out, "\\r");
		} else if (c < 0x20 || c == 0x7f) {
			spiral_buf_printf(out, "\\x%02x", c);
		} else if (c == 0xC2 && i + 1 < len && p[i + 1] >= 0x80 &&
			   p[i + 1] <= 0x9F) {
			/* C1 controls (U+0080..U+009F) act like ESC sequences on
			 * some terminals. */
			spiral_buf_printf(out, "\\u%04x", p[i + 1]);
			i++;
		} else {
			spiral_buf_putc(out, (char)c);
		}
	}
	return 0;
}

int spiral_json_string(spiral_buf *out, const char *s)
{
	spiral_buf_putc(out, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			spiral_buf_puts(out, "\\\"");
			break;
		case '\\':
			spiral_buf_puts(out, "\\\\");
			break;
		case '\n':
			spiral_buf_puts(out, "\\n");
			break;
		case '\r':
			spiral_buf_puts(out, "\\r");
			break;
		case '\t':
			spiral_buf_puts(out, "\\t");
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				spiral_buf_printf(out, "\\u%04x", *p);
			else
				spiral_buf_putc(out, (char)*p);
		}
	}
	return spiral_buf_putc(out, '"');
}

static void json_str_or_null(spiral_buf *out, const char *s)
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

static void json_number(spiral_buf *out, int has, double v)
{
	char num[40];

	if (!has) {
		spiral_buf_puts(out, "null");
		return;
	}
	spiral_number_format(v, num);
	spiral_buf_puts(out, num);
}

static void json_strv(spiral_buf *out, const spiral_strv *sv)
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

static void summary_fields(spiral_buf *out, const spiral_inquiry *inq)
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
	json_str_or_null(out, ph ? ph->name : NULL);
	spiral_buf_printf(out, ",\"cycle\":%d,\"created\":", inq->cycle);
	json_date(out, inq->created);
	spiral_buf_puts(out, ",\"updated\":");
	json_date(out, inq->updated);
	spiral_buf_puts(out, ",\"tags\":");
	json_strv(out, &inq->tags);
	spiral_buf_puts(out, ",\"team\":");
	json_strv(out, &inq->team);
	spiral_buf_puts(out, ",\"learners\":");
	spiral_json_string(out, inq->learners);
	spiral_buf_puts(out, ",\"continues\":");
	json_str_or_null(out, inq->continues);
	spiral_buf_printf(out, ",\"entries\":%zu", inq->nentries);
}

int spiral_json_summary(spiral_buf *out, const spiral_inquiry *inq)
{
	spiral_buf_putc(out, '{');
	summary_fields(out, inq);
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
	json_str_or_null(out, e->who.email);
	spiral_buf_puts(out, ",\"school\":");
	json_str_or_null(out, e->who.school);
	spiral_buf_printf(out, ",\"cycle\":%d,\"text\":", e->cycle);
	spiral_json_string(out, e->text);
	spiral_buf_puts(out, ",\"evidence\":");
	json_strv(out, &e->evidence);
	spiral_buf_puts(out, ",\"measures\":");
	json_kvs(out, &e->measures);
	spiral_buf_puts(out, ",\"targets\":");
	json_kvs(out, &e->targets);
	spiral_buf_puts(out, ",\"verdict\":");
	json_str_or_null(out, spiral_verdict_name(e->verdict));
	return spiral_buf_putc(out, '}');
}

int spiral_json_show(spiral_buf *out, const spiral_inquiry *inq)
{
	spiral_measure_summary *ms = NULL;
	size_t nms = 0;

	if (spiral_inquiry_measures(inq, inq->cycle, &ms, &nms) < 0)
		return SPIRAL_ENOMEM;
	spiral_buf_putc(out, '{');
	summary_fields(out, inq);
	spiral_buf_puts(out, ",\"entries\":[");
	for (size_t i = 0; i < inq->nentries; i++) {
		if (i)
			spiral_buf_putc(out, ',');
		spiral_json_entry(out, inq, &inq->entries[i], 0);
	}
	spiral_buf_puts(out, "],\"notes\":[");
	for (size_t i = 0; i < inq->nnotes; i++) {
		const spiral_note *n = &inq->notes[i];
		if (i)
			spiral_buf_putc(out, ',');
		spiral_buf_puts(out, "{\"id\":");
		spiral_json_string(out, n->id);
		spiral_buf_puts(out, ",\"date\":");
		json_date(out, n->date);
		spiral_buf_puts(out, ",\"author\":");
		spiral_json_string(out, n->who.author);
		spiral_buf_puts(out, ",\"email\":");
		json_str_or_null(out, n->who.email);
		spiral_buf_puts(out, ",\"school\":");
		json_str_or_null(out, n->who.school);
		spiral_buf_puts(out, ",\"text\":");
		spiral_json_string(out, n->text);
		spiral_buf_putc(out, '}');
	}
	spiral_buf_puts(out, "],\"measures\":{");
	for (size_t i = 0; i < nms; i++) {
		if (i)
			spiral_buf_putc(out, ',');
		spiral_json_string(out, ms[i].name);
		spiral_buf_puts(out, ":{\"baseline\":");
		json_number(out, ms[i].has_baseline, ms[i].baseline);
		spiral_buf_puts(out, ",\"target\":");
		json_number(out, ms[i].has_target, ms[i].target);
		spiral_buf_puts(out, ",\"latest\":");
		json_number(out, ms[i].has_latest, ms[i].latest);
		spiral_buf_puts(out, ",\"progress\":");
		json_number(out, ms[i].has_progress, ms[i].progress);
		spiral_buf_putc(out, '}');
	}
	spiral_buf_puts(out, "},\"conflicts\":{");
	for (size_t i = 0; i < inq->nconflicts; i++) {
		if (i)
			spiral_buf_putc(out, ',');
		spiral_json_string(out, spiral_field_name(inq->conflicts[i].field));
		spiral_buf_putc(out, ':');
		json_strv(out, &inq->conflicts[i].values);
	}
	spiral_buf_puts(out, "}}");
	spiral_measures_free(ms, nms);
	return 0;
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
		spiral_number_format(kvs->v[i].value, num);
		spiral_buf_printf(out, "%s%s=%s", i ? ", " : "", kvs->v[i].name, num);
	}
}

int spiral_text_show(spiral_buf *out, const spiral_inquiry *inq, int short_len,
		     const spiral_style *style)
{
	const spiral_phase_info *ph = spiral_phase_get(inq->phase);
	spiral_measure_summary *ms = NULL;
	size_t nms = 0;
	char day[SPIRAL_DATE_LEN], num[40];

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
	if (inq->continues)
		spiral_buf_printf(out, "continues: %.*s\n", short_len, inq->continues);
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
		spiral_date_day(n->date, day);
		spiral_buf_printf(out, "\n%snote%s  %s  ", style->phase, style->reset, day);
		vis(out, n->who.author);
		spiral_buf_putc(out, '\n');
		vis_block(out, n->text, "    ");
	}
	if (spiral_inquiry_measures(inq, inq->cycle, &ms, &nms) < 0)
		return SPIRAL_ENOMEM;
	if (nms) {
		spiral_buf_printf(out, "\nmeasures, cycle %d:\n", inq->cycle);
		spiral_buf_printf(out, "  %-24s %10s %10s %10s %9s\n", "name",
				  "baseline", "target", "latest", "progress");
		for (size_t i = 0; i < nms; i++) {
			spiral_buf_printf(out, "  %-24s", ms[i].name);
			double vals[3] = {ms[i].baseline, ms[i].target, ms[i].latest};
			int has[3] = {ms[i].has_baseline, ms[i].has_target,
				      ms[i].has_latest};
			for (int k = 0; k < 3; k++) {
				if (has[k])
					spiral_number_format(vals[k], num);
				spiral_buf_printf(out, " %10s", has[k] ? num : "-");
			}
			if (ms[i].has_progress)
				spiral_buf_printf(out, " %8.0f%%\n", ms[i].progress * 100);
			else
				spiral_buf_printf(out, " %9s\n", "-");
		}
	}
	spiral_measures_free(ms, nms);
	return 0;
}
