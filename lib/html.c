/* The cluster report as one self-contained HTML file: inline CSS and SVG,
 * no script, no URL, a Content-Security-Policy that forbids loading
 * anything, laid out to print on A4.  Every text from the data goes
 * through spiral_html_escape; numbers shown to people through
 * spiral_number_format; drawing coordinates are whole numbers, so the
 * file is the same on every machine and in every locale. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spiral.h"

static const char html_head[] =
	"<!DOCTYPE html>\n"
	"<html lang=\"en\">\n"
	"<head>\n"
	"<meta charset=\"utf-8\">\n"
	"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
	"'none'; style-src 'unsafe-inline'; img-src data:\">\n"
	"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	"<meta name=\"generator\" content=\"spiral " SPIRAL_VERSION "\">\n";

/* No url(), no @import, no web font: nothing the page could fetch. */
static const char html_style[] =
	"<style>\n"
	"@page { size: A4; margin: 14mm 12mm; }\n"
	"* { box-sizing: border-box; }\n"
	"html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }\n"
	"body { font: 10.5pt/1.4 system-ui, -apple-system, \"Segoe UI\", Roboto,"
	" \"Noto Sans\", \"DejaVu Sans\", sans-serif; color: #1d2530;"
	" margin: 0 auto; max-width: 186mm; padding: 8mm 0; }\n"
	"h1 { font-size: 18pt; margin: 0 0 2mm; }\n"
	"h2 { font-size: 13.5pt; margin: 7mm 0 2mm; padding-bottom: 1mm;"
	" border-bottom: 2px solid #2b6cb0; break-after: avoid;"
	" page-break-after: avoid; }\n"
	"h3 { font-size: 11.5pt; margin: 0 0 1mm; }\n"
	"h4 { font-size: 10pt; margin: 2mm 0 1mm; }\n"
	"p { margin: 1mm 0; }\n"
	".meta, .none { color: #55606e; }\n"
	"code { font-family: \"DejaVu Sans Mono\", monospace; font-size: 9pt; }\n"
	"table { border-collapse: collapse; margin: 1mm 0 2mm; font-size: 9.5pt;"
	" break-inside: avoid; page-break-inside: avoid; }\n"
	"th, td { border: 1px solid #c9d1db; padding: 1mm 2mm; text-align: left;"
	" vertical-align: top; }\n"
	"th { background: #edf2f7; }\n"
	"td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }\n"
	"table.wide { font-size: 8pt; } table.wide th, table.wide td {"
	" padding: 0.8mm 1.2mm; }\n"
	".card { border: 1px solid #c9d1db; border-radius: 2mm; padding: 3mm;"
	" margin: 0 0 4mm; break-inside: avoid; page-break-inside: avoid; }\n"
	".card .top { display: flex; gap: 4mm; align-items: flex-start; }\n"
	".card .top > div { flex: 1; min-width: 0; }\n"
	".spiral { width: 42mm; height: 42mm; flex: none; }\n"
	".charts { display: flex; flex-wrap: wrap; gap: 3mm; }\n"
	"figure { margin: 0; break-inside: avoid; page-break-inside: avoid; }\n"
	"figcaption { font-size: 9pt; font-weight: 600; }\n"
	".chart { width: 80mm; height: 32mm; }\n"
	".bar { width: 40mm; height: 3.5mm; vertical-align: middle; }\n"
	"svg text { font: 10px sans-serif; fill: #55606e; }\n"
	".turn { fill: none; stroke: #a0aec0; stroke-width: 2; }\n"
	".dot { stroke: #1d2530; stroke-width: 1; }\n"
	".dot.empty { fill: #fff; stroke: #a0aec0; }\n"
	".ring { fill: none; stroke: #c53030; stroke-width: 4; }\n"
	".p0 { fill: #6b46c1; } .p1 { fill: #2b6cb0; } .p2 { fill: #2c7a7b; }\n"
	".p3 { fill: #2f855a; } .p4 { fill: #b7791f; } .p5 { fill: #c05621; }\n"
	".track { fill: #e2e8f0; }\n"
	".met { fill: #2f855a; } .on_the_way { fill: #d69e2e; }"
	" .no_movement { fill: #c53030; }\n"
	"span.met, span.on_the_way, span.no_movement, span.nonestate {"
	" display: inline-block; padding: 0 1.5mm; border-radius: 1mm;"
	" color: #fff; font-size: 9pt; white-space: nowrap; }\n"
	"span.met { background: #2f855a; } span.on_the_way { background: #b7791f; }\n"
	"span.no_movement { background: #c53030; }"
	" span.nonestate { background: #718096; }\n"
	".line { fill: none; stroke: #2b6cb0; stroke-width: 2; }\n"
	".pt { fill: #2b6cb0; }\n"
	".target { stroke: #c05621; stroke-width: 1.5; stroke-dasharray: 5 4; }\n"
	".axis { stroke: #a0aec0; stroke-width: 1; }\n"
	".h0 { background: #fff; } .h1 { background: #e6f0fa; }"
	" .h2 { background: #bfd7f0; }\n"
	".h3 { background: #8fb8e3; } .h4 { background: #5893d0; color: #fff; }"
	" .h5 { background: #2b6cb0; color: #fff; }\n"
	".legend svg { width: 3mm; height: 3mm; vertical-align: middle; }\n"
	"ul { margin: 1mm 0; padding-left: 5mm; }\n"
	"footer { margin-top: 8mm; font-size: 8.5pt; color: #55606e; }\n"
	"@media print { body { padding: 0; max-width: none; }"
	" section { break-before: auto; } }\n"
	"</style>\n"
	"</head>\n";

/* ---- text --------------------------------------------------------------- */

static void esc(spiral_buf *out, const char *s)
{
	if (s)
		spiral_html_escape(out, s, strlen(s));
}

/* Text with lines: each line escaped, a <br> between them. */
static void esc_lines(spiral_buf *out, const char *s)
{
	if (!s)
		return;
	for (;;) {
		size_t line = strcspn(s, "\n");
		spiral_html_escape(out, s, line);
		if (!s[line])
			break;
		spiral_buf_puts(out, "<br>\n");
		s += line + 1;
	}
}

static void num(spiral_buf *out, double v)
{
	char s[40];

	spiral_number_format(v == 0 ? 0 : v, s);
	spiral_buf_puts(out, s);
}

static void day(spiral_buf *out, spiral_date d)
{
	char s[SPIRAL_DATE_LEN];

	spiral_date_day(d, s);
	spiral_buf_puts(out, s);
}

/* A heading and a bulleted list of texts; nothing when there are none. */
static void esc_items(spiral_buf *out, const char *heading, const char **items,
		      size_t n)
{
	if (!n)
		return;
	spiral_buf_printf(out, "<h4>%s</h4>\n<ul>\n", heading);
	for (size_t i = 0; i < n; i++) {
		spiral_buf_puts(out, "<li>");
		esc_lines(out, items[i]);
		spiral_buf_puts(out, "</li>\n");
	}
	spiral_buf_puts(out, "</ul>\n");
}

static void esc_list(spiral_buf *out, const spiral_strv *sv)
{
	for (size_t i = 0; i < sv->n; i++) {
		if (i)
			spiral_buf_puts(out, ", ");
		esc(out, sv->v[i]);
	}
}

/* An inquiry's learners and focus areas, a paragraph each. */
static void learners_and_tags(spiral_buf *out, const spiral_inquiry *inq)
{
	spiral_buf_puts(out, "<p><b>Learners:</b> ");
	esc(out, inq->learners);
	spiral_buf_puts(out, "</p>\n");
	if (inq->tags.n) {
		spiral_buf_puts(out, "<p><b>Focus areas:</b> ");
		esc_list(out, &inq->tags);
		spiral_buf_puts(out, "</p>\n");
	}
}

/* A whole number for drawing (SVG coordinates), the same in any locale. */
static long px(double v)
{
	return lround(v);
}

static const char *phase_name(spiral_phase p)
{
	return p >= 0 && p < SPIRAL_PHASE_COUNT ? spiral_phase_get(p)->name : "none";
}

/* How people read a target state (spiral_report_target_state). */
static const char *state_words(const char *state)
{
	if (strcmp(state, "met") == 0)
		return "met";
	if (strcmp(state, "on_the_way") == 0)
		return "on the way";
	if (strcmp(state, "no_movement") == 0)
		return "no movement";
	return "no target";
}

static void state_badge(spiral_buf *out, const char *state)
{
	spiral_buf_printf(out, "<span class=\"%s\">%s</span>",
			  strcmp(state, "none") == 0 ? "nonestate" : state,
			  state_words(state));
}

/* ---- groups and stalled ------------------------------------------------- */

static void html_groups(spiral_buf *out, const spiral_report *r)
{
	spiral_buf_puts(out, "<section id=\"groups\">\n<h2>Groups</h2>\n"
			     "<table class=\"wide\">\n<tr><th>Group</th><th class=\"n\">Inquiries</th>"
			     "<th class=\"n\">Active</th><th class=\"n\">Closed</th>"
			     "<th class=\"n\">Stalled</th>");
	for (int p = 0; p < SPIRAL_PHASE_COUNT; p++)
		spiral_buf_printf(out, "<th class=\"n\">%s</th>", phase_name((spiral_phase)p));
	spiral_buf_puts(out, "<th class=\"n\">Met</th><th class=\"n\">On the way</th>"
			     "<th class=\"n\">No movement</th>"
			     "<th class=\"n\">No target</th></tr>\n");
	for (size_t i = 0; i < r->ngroups; i++) {
		const spiral_report_group *g = &r->groups[i];
		spiral_buf_puts(out, "<tr><td>");
		if (g->key)
			esc(out, g->key);
		else
			spiral_buf_puts(out, r->by == SPIRAL_BY_NONE ? "all" : "(none)");
		spiral_buf_printf(out, "</td><td class=\"n\">%zu</td><td class=\"n\">%zu"
				  "</td><td class=\"n\">%zu</td><td class=\"n\">%zu</td>",
				  g->inquiries, g->active, g->closed, g->stalled);
		for (int p = 0; p < SPIRAL_PHASE_COUNT; p++)
			spiral_buf_printf(out, "<td class=\"n\">%zu</td>", g->phases[p]);
		spiral_buf_printf(out, "<td class=\"n\">%zu</td><td class=\"n\">%zu</td>"
				  "<td class=\"n\">%zu</td><td class=\"n\">%zu</td></tr>\n",
				  g->targets.met, g->targets.on_the_way,
				  g->targets.no_movement, g->targets.none);
	}
	spiral_buf_puts(out, "</table>\n</section>\n");
}

static void html_stalled(spiral_buf *out, const spiral_report *r, int short_len)
{
	spiral_buf_printf(out, "<section id=\"stalled\">\n<h2>Stalled: no entry for "
			  "%d days</h2>\n", r->idle_days);
	if (!r->nstalled) {
		spiral_buf_puts(out, "<p class=\"none\">No inquiry is stalled.</p>\n"
				     "</section>\n");
		return;
	}
	spiral_buf_puts(out, "<table>\n<tr><th>ID</th><th>Title</th><th>School</th>"
			     "<th>Phase</th><th>Last entry</th>"
			     "<th class=\"n\">Days idle</th></tr>\n");
	for (size_t i = 0; i < r->nstalled; i++) {
		const spiral_inquiry *q = r->stalled[i];
		spiral_buf_printf(out, "<tr><td><code>%.*s</code></td><td>", short_len,
				  q->id);
		esc(out, q->title);
		spiral_buf_puts(out, "</td><td>");
		esc(out, q->who.school);
		spiral_buf_printf(out, "</td><td>%s</td><td>", phase_name(q->phase));
		day(out, q->last_entry);
		spiral_buf_printf(out, "</td><td class=\"n\">%d</td></tr>\n",
				  spiral_inquiry_days_idle(q, r->now));
	}
	spiral_buf_puts(out, "</table>\n</section>\n");
}

/* ---- an inquiry: its spiral --------------------------------------------- */

#define SPIRAL_BOX 400 /* the drawing's viewBox, a square */

/* Where phase step t (0 for the first cycle's scan, 6 for the second
 * cycle's) lies: one turn per cycle, clockwise from the top, the radius
 * growing steadily from the centre outwards. */
static void spiral_point(double t, double step, double *x, double *y)
{
	double angle = (t * 60.0 - 90.0) * M_PI / 180.0;
	double radius = 24.0 + t * step;

	*x = SPIRAL_BOX / 2.0 + radius * cos(angle);
	*y = SPIRAL_BOX / 2.0 + radius * sin(angle);
}

static int html_spiral(spiral_buf *out, const spiral_inquiry *inq)
{
	int ncycles = inq->cycle > 0 ? inq->cycle : 1;
	size_t *entries, steps;
	double step, x, y, dot;
	long now = -1;

	for (size_t i = 0; i < inq->nentries; i++)
		if (inq->entries[i].cycle > ncycles)
			ncycles = inq->entries[i].cycle;
	steps = (size_t)ncycles * SPIRAL_PHASE_COUNT;
	if (!(entries = calloc(steps, sizeof(*entries))))
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	for (size_t i = 0; i < inq->nentries; i++) {
		const spiral_entry *e = &inq->entries[i];
		if (e->cycle >= 1 && e->phase >= 0 && e->phase < SPIRAL_PHASE_COUNT)
			entries[(size_t)(e->cycle - 1) * SPIRAL_PHASE_COUNT + e->phase]++;
	}
	if (inq->phase >= 0 && inq->phase < SPIRAL_PHASE_COUNT && inq->cycle >= 1)
		now = (long)(inq->cycle - 1) * SPIRAL_PHASE_COUNT + inq->phase;
	step = (SPIRAL_BOX / 2.0 - 24.0 - 18.0) / (double)steps;
	dot = step * 2.2;
	dot = dot > 11 ? 11 : dot < 3 ? 3 : dot;
	spiral_buf_printf(out, "<svg class=\"spiral\" viewBox=\"0 0 %d %d\" role=\"img\" "
			  "aria-label=\"cycle %d, %s\">\n<title>The spiral: %d cycle%s, "
			  "now in cycle %d, %s</title>\n<path class=\"turn\" d=\"",
			  SPIRAL_BOX, SPIRAL_BOX, inq->cycle, phase_name(inq->phase),
			  ncycles, ncycles == 1 ? "" : "s", inq->cycle,
			  phase_name(inq->phase));
	/* The line: ten points a phase step, up to the last phase. */
	for (size_t k = 0; k <= (steps - 1) * 10; k++) {
		spiral_point((double)k / 10.0, step, &x, &y);
		spiral_buf_printf(out, "%s%ld %ld", k ? " L" : "M", px(x), px(y));
	}
	spiral_buf_puts(out, "\"/>\n");
	for (size_t k = 0; k < steps; k++) {
		int cycle = (int)(k / SPIRAL_PHASE_COUNT) + 1;
		spiral_phase p = (spiral_phase)(k % SPIRAL_PHASE_COUNT);

		spiral_point((double)k, step, &x, &y);
		if (entries[k])
			spiral_buf_printf(out, "<circle class=\"dot p%d\"", (int)p);
		else
			spiral_buf_puts(out, "<circle class=\"dot empty\"");
		spiral_buf_printf(out, " cx=\"%ld\" cy=\"%ld\" r=\"%ld\"><title>cycle %d, "
				  "%s: %zu entr%s%s</title></circle>\n",
				  px(x), px(y), px(dot), cycle, phase_name(p), entries[k],
				  entries[k] == 1 ? "y" : "ies",
				  (long)k == now ? " (now)" : "");
		if ((long)k == now)
			spiral_buf_printf(out, "<circle class=\"ring\" cx=\"%ld\" cy=\"%ld\" "
					  "r=\"%ld\"><title>now: cycle %d, %s</title>"
					  "</circle>\n",
					  px(x), px(y), px(dot + 6), cycle, phase_name(p));
	}
	spiral_buf_puts(out, "</svg>\n");
	free(entries);
	return 0;
}

/* ---- an inquiry: progress toward its targets ---------------------------- */

static void progress_bar(spiral_buf *out, const spiral_measure_summary *m,
			 const char *state)
{
	double p = m->has_progress ? m->progress : 0;
	long width = px((p < 0 ? 0 : p > 1 ? 1 : p) * 200);

	spiral_buf_printf(out, "<svg class=\"bar\" viewBox=\"0 0 200 14\" role=\"img\" "
			  "aria-label=\"%s\"><rect class=\"track\" width=\"200\" "
			  "height=\"14\" rx=\"3\"/>", state_words(state));
	if (width > 0)
		spiral_buf_printf(out, "<rect class=\"%s\" width=\"%ld\" height=\"14\" "
				  "rx=\"3\"/>", state, width);
	spiral_buf_puts(out, "</svg>");
}

static int html_targets(spiral_buf *out, const spiral_inquiry *inq)
{
	spiral_measure_summary *m;
	size_t n;
	int rc;

	if ((rc = spiral_inquiry_measures(inq, inq->cycle, &m, &n)) < 0)
		return rc;
	spiral_buf_printf(out, "<h4>Targets of cycle %d</h4>\n", inq->cycle);
	if (!n) {
		spiral_buf_puts(out, "<p class=\"none\">No measure in this cycle yet.</p>\n");
		spiral_measures_free(m, n);
		return 0;
	}
	spiral_buf_puts(out, "<table>\n<tr><th>Measure</th><th class=\"n\">Baseline</th>"
			     "<th class=\"n\">Latest</th><th class=\"n\">Target</th>"
			     "<th>Progress</th><th>Where</th></tr>\n");
	for (size_t i = 0; i < n; i++) {
		const char *state = spiral_report_target_state(&m[i]);
		spiral_buf_puts(out, "<tr><td>");
		esc(out, m[i].name);
		spiral_buf_puts(out, "</td><td class=\"n\">");
		if (m[i].has_baseline)
			num(out, m[i].baseline);
		spiral_buf_puts(out, "</td><td class=\"n\">");
		if (m[i].has_latest)
			num(out, m[i].latest);
		spiral_buf_puts(out, "</td><td class=\"n\">");
		if (m[i].has_target)
			num(out, m[i].target);
		spiral_buf_puts(out, "</td><td>");
		if (m[i].has_target)
			progress_bar(out, &m[i], state);
		spiral_buf_puts(out, "</td><td>");
		state_badge(out, state);
		spiral_buf_puts(out, "</td></tr>\n");
	}
	spiral_buf_puts(out, "</table>\n");
	spiral_measures_free(m, n);
	return 0;
}

/* ---- an inquiry: each measure over time --------------------------------- */

typedef struct point {
	int64_t time;
	double value;
	size_t order; /* the entry's place: ties keep the records' order */
} point;

static int cmp_point(const void *a, const void *b)
{
	const point *x = a, *y = b;

	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

#define CHART_W 320
#define CHART_H 128
#define CHART_LEFT 44
#define CHART_RIGHT 312
#define CHART_TOP 10
#define CHART_BOTTOM 104

static void chart(spiral_buf *out, const char *name, const point *pts, size_t n,
		  int has_target, double target)
{
	double lo = pts[0].value, hi = pts[0].value;
	int64_t t0 = pts[0].time, t1 = pts[n - 1].time;
	spiral_date d0 = {t0, 0}, d1 = {t1, 0};

	for (size_t i = 1; i < n; i++) {
		lo = pts[i].value < lo ? pts[i].value : lo;
		hi = pts[i].value > hi ? pts[i].value : hi;
	}
	if (has_target) {
		lo = target < lo ? target : lo;
		hi = target > hi ? target : hi;
	}
	if (hi == lo) {
		lo -= 1;
		hi += 1;
	}
#define CX(t) (t1 == t0 ? (CHART_LEFT + CHART_RIGHT) / 2.0                      \
			: CHART_LEFT + (double)((t) - t0) / (double)(t1 - t0) *        \
					       (CHART_RIGHT - CHART_LEFT))
#define CY(v) (CHART_BOTTOM - ((v) - lo) / (hi - lo) * (CHART_BOTTOM - CHART_TOP))
	spiral_buf_puts(out, "<figure>\n<figcaption>");
	esc(out, name);
	spiral_buf_printf(out, "</figcaption>\n<svg class=\"chart\" viewBox=\"0 0 %d %d\" "
			  "role=\"img\" aria-label=\"values over time\">\n",
			  CHART_W, CHART_H);
	spiral_buf_printf(out, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" "
			  "y2=\"%d\"/><line class=\"axis\" x1=\"%d\" y1=\"%d\" "
			  "x2=\"%d\" y2=\"%d\"/>\n",
			  CHART_LEFT, CHART_TOP, CHART_LEFT, CHART_BOTTOM, CHART_LEFT,
			  CHART_BOTTOM, CHART_RIGHT, CHART_BOTTOM);
	spiral_buf_printf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">",
			  CHART_LEFT - 4, CHART_TOP + 4);
	num(out, hi);
	spiral_buf_printf(out, "</text><text x=\"%d\" y=\"%d\" text-anchor=\"end\">",
			  CHART_LEFT - 4, CHART_BOTTOM);
	num(out, lo);
	spiral_buf_printf(out, "</text>\n<text x=\"%d\" y=\"%d\">", CHART_LEFT,
			  CHART_H - 6);
	day(out, d0);
	spiral_buf_printf(out, "</text><text x=\"%d\" y=\"%d\" text-anchor=\"end\">",
			  CHART_RIGHT, CHART_H - 6);
	day(out, d1);
	spiral_buf_puts(out, "</text>\n");
	if (has_target) {
		spiral_buf_printf(out, "<line class=\"target\" x1=\"%d\" y1=\"%ld\" "
				  "x2=\"%d\" y2=\"%ld\"><title>target ",
				  CHART_LEFT, px(CY(target)), CHART_RIGHT, px(CY(target)));
		num(out, target);
		spiral_buf_printf(out, "</title></line>\n<text x=\"%d\" y=\"%ld\" "
				  "text-anchor=\"end\">target ",
				  CHART_RIGHT, px(CY(target)) - 3);
		num(out, target);
		spiral_buf_puts(out, "</text>\n");
	}
	spiral_buf_puts(out, "<polyline class=\"line\" points=\"");
	for (size_t i = 0; i < n; i++)
		spiral_buf_printf(out, "%s%ld,%ld", i ? " " : "", px(CX(pts[i].time)),
				  px(CY(pts[i].value)));
	spiral_buf_puts(out, "\"/>\n");
	for (size_t i = 0; i < n; i++) {
		spiral_date d = {pts[i].time, 0};
		spiral_buf_printf(out, "<circle class=\"pt\" cx=\"%ld\" cy=\"%ld\" r=\"3.5\">"
				  "<title>", px(CX(pts[i].time)), px(CY(pts[i].value)));
		day(out, d);
		spiral_buf_puts(out, ": ");
		num(out, pts[i].value);
		spiral_buf_puts(out, "</title></circle>\n");
	}
#undef CX
#undef CY
	spiral_buf_puts(out, "</svg>\n</figure>\n");
}

/* A chart per measure the inquiry's entries recorded, every cycle, by
 * date; the dashed line is the last target set for it. */
static int html_charts(spiral_buf *out, const spiral_inquiry *inq)
{
	spiral_strv names = {0};
	point *pts = NULL;
	int rc = 0;

	for (size_t i = 0; i < inq->nentries && rc == 0; i++) {
		const spiral_kvs *m = &inq->entries[i].measures;
		for (size_t k = 0; k < m->n && rc == 0; k++)
			if (!spiral_strv_contains(&names, m->v[k].name))
				rc = spiral_strv_push(&names, m->v[k].name);
	}
	if (rc == 0 && names.n && !(pts = calloc(inq->nentries, sizeof(*pts))))
		rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
	if (rc < 0 || !names.n) {
		spiral_strv_free(&names);
		return rc < 0 ? SPIRAL_ENOMEM : 0;
	}
	spiral_strv_sort(&names);
	spiral_buf_puts(out, "<h4>Measures over time</h4>\n<div class=\"charts\">\n");
	for (size_t k = 0; k < names.n; k++) {
		int has_target = 0;
		double target = 0;
		size_t n = 0;

		for (size_t i = 0; i < inq->nentries; i++) {
			const spiral_entry *e = &inq->entries[i];
			const spiral_kv *v = spiral_kvs_get(&e->measures, names.v[k]);
			const spiral_kv *t = spiral_kvs_get(&e->targets, names.v[k]);
			if (v)
				pts[n++] = (point){e->date.time, v->value, i};
			if (t) {
				has_target = 1;
				target = t->value;
			}
		}
		qsort(pts, n, sizeof(*pts), cmp_point);
		chart(out, names.v[k], pts, n, has_target, target);
	}
	spiral_buf_puts(out, "</div>\n");
	free(pts);
	spiral_strv_free(&names);
	return 0;
}

/* The words of the inquiry's last entry, as its team last put them. */
static void latest_entry(spiral_buf *out, const spiral_entry *e)
{
	spiral_buf_printf(out, "<h4>Latest entry: %s, cycle %d, ", phase_name(e->phase),
			  e->cycle);
	day(out, e->date);
	spiral_buf_puts(out, "</h4>\n");
	if (e->text && e->text[0]) {
		spiral_buf_puts(out, "<p>");
		esc_lines(out, e->text);
		spiral_buf_puts(out, "</p>\n");
	}
	if (e->evidence.n) {
		spiral_buf_puts(out, "<p><b>Evidence:</b></p>\n<ul>\n");
		for (size_t i = 0; i < e->evidence.n; i++) {
			spiral_buf_puts(out, "<li>");
			esc_lines(out, e->evidence.v[i]);
			spiral_buf_puts(out, "</li>\n");
		}
		spiral_buf_puts(out, "</ul>\n");
	}
}

static int html_card(spiral_buf *out, const spiral_inquiry *inq, int short_len)
{
	int rc;

	spiral_buf_printf(out, "<article class=\"card\" id=\"i%s\">\n<div class=\"top\">\n",
			  inq->id);
	if ((rc = html_spiral(out, inq)) < 0)
		return rc;
	spiral_buf_puts(out, "<div>\n<h3>");
	esc(out, inq->title);
	spiral_buf_printf(out, "</h3>\n<p class=\"meta\"><code>%.*s</code> · ", short_len,
			  inq->id);
	esc(out, inq->who.school);
	spiral_buf_printf(out, " · %s · cycle %d, %s</p>\n",
			  inq->closed ? "closed" : "active", inq->cycle,
			  phase_name(inq->phase));
	learners_and_tags(out, inq);
	spiral_buf_printf(out, "<p class=\"meta\">%zu entr%s", inq->nentries,
			  inq->nentries == 1 ? "y" : "ies");
	if (inq->nentries) {
		spiral_buf_puts(out, ", the last on ");
		day(out, inq->last_entry);
	}
	spiral_buf_puts(out, "</p>\n");
	spiral_buf_puts(out, "</div>\n</div>\n");
	if (inq->nentries)
		latest_entry(out, &inq->entries[inq->nentries - 1]);
	if ((rc = html_targets(out, inq)) < 0 || (rc = html_charts(out, inq)) < 0)
		return rc;
	spiral_buf_puts(out, "</article>\n");
	return 0;
}

static void phase_legend(spiral_buf *out)
{
	spiral_buf_puts(out, "<p class=\"legend meta\">One turn of the spiral per cycle, "
			     "from the centre out; a filled dot is a phase with an entry, "
			     "the red ring the phase it is in now:");
	for (int p = 0; p < SPIRAL_PHASE_COUNT; p++)
		spiral_buf_printf(out, " <svg viewBox=\"0 0 10 10\"><circle class=\"p%d\" "
				  "cx=\"5\" cy=\"5\" r=\"5\"/></svg> %s", p,
				  phase_name((spiral_phase)p));
	spiral_buf_puts(out, ".</p>\n");
}

static int html_inquiries(spiral_buf *out, const spiral_report *r, int short_len)
{
	int rc = 0;

	spiral_buf_puts(out, "<section id=\"inquiries\">\n<h2>Inquiries</h2>\n");
	if (!r->nrows)
		spiral_buf_puts(out, "<p class=\"none\">No inquiry.</p>\n");
	else
		phase_legend(out);
	for (size_t i = 0; i < r->nrows && rc == 0; i++)
		rc = html_card(out, r->rows[i], short_len);
	spiral_buf_puts(out, "</section>\n");
	return rc;
}

/* ---- coherence: a heat map ---------------------------------------------- */

static size_t tag_schools(const spiral_report *r, size_t t)
{
	size_t k = 0;

	for (size_t s = 0; s < r->schools.n; s++)
		k += r->counts[s * r->tags.n + t] > 0;
	return k;
}

/* The tags of one school alone (only_one), or of every school (when there
 * are two or more), as the other formats list them. */
static void tags_line(spiral_buf *out, const spiral_report *r, int only_one)
{
	size_t shown = 0;

	for (size_t t = 0; t < r->tags.n; t++) {
		size_t k = tag_schools(r, t);
		if (!(only_one ? k == 1 : r->schools.n > 1 && k == r->schools.n))
			continue;
		spiral_buf_puts(out, shown++ ? ", " : only_one ? "<p><b>Only one school "
								 "works on:</b> "
							       : "<p><b>Shared by every "
								 "school:</b> ");
		esc(out, r->tags.v[t]);
	}
	if (shown)
		spiral_buf_puts(out, "</p>\n");
}

static void html_coherence(spiral_buf *out, const spiral_report *r)
{
	size_t max = 0;

	spiral_buf_puts(out, "<section id=\"coherence\">\n<h2>Coherence: inquiries per "
			     "school and focus area</h2>\n");
	if (!r->tags.n) {
		spiral_buf_puts(out, "<p class=\"none\">No inquiry has a tag.</p>\n"
				     "</section>\n");
		return;
	}
	for (size_t i = 0; i < r->schools.n * r->tags.n; i++)
		max = r->counts[i] > max ? r->counts[i] : max;
	spiral_buf_puts(out, "<table class=\"heat\">\n<tr><th>Focus area</th>");
	for (size_t s = 0; s < r->schools.n; s++) {
		spiral_buf_puts(out, "<th class=\"n\">");
		if (r->schools.v[s][0])
			esc(out, r->schools.v[s]);
		else
			spiral_buf_puts(out, "(no school)");
		spiral_buf_puts(out, "</th>");
	}
	spiral_buf_puts(out, "</tr>\n");
	for (size_t t = 0; t < r->tags.n; t++) {
		spiral_buf_puts(out, "<tr><td>");
		esc(out, r->tags.v[t]);
		spiral_buf_puts(out, "</td>");
		for (size_t s = 0; s < r->schools.n; s++) {
			size_t c = r->counts[s * r->tags.n + t];
			size_t level = c && max ? (c * 5 + max - 1) / max : 0;
			spiral_buf_printf(out, "<td class=\"n h%zu\">%zu</td>", level, c);
		}
		spiral_buf_puts(out, "</tr>\n");
	}
	spiral_buf_puts(out, "</table>\n");
	tags_line(out, r, 1);
	tags_line(out, r, 0);
	spiral_buf_puts(out, "</section>\n");
}

/* ---- the digest --------------------------------------------------------- */

static void digest_item(spiral_buf *out, const spiral_report_digest *d,
			int short_len)
{
	const spiral_inquiry *inq = d->inquiry;
	const char *verdict = spiral_verdict_name(d->verdict);

	spiral_buf_puts(out, "<article class=\"card\">\n<h3>");
	esc(out, inq->title);
	spiral_buf_printf(out, "</h3>\n<p class=\"meta\"><code>%.*s</code> · ", short_len,
			  inq->id);
	esc(out, inq->who.school);
	spiral_buf_printf(out, " · cycle %d%s%s</p>\n", d->cycle,
			  verdict ? ", check said " : "", verdict ? verdict : "");
	learners_and_tags(out, inq);
	if (d->hunch) {
		spiral_buf_puts(out, "<p><b>Hunch:</b> ");
		esc_lines(out, d->hunch);
		spiral_buf_puts(out, "</p>\n");
	}
	esc_items(out, "What was tried", d->actions, d->nactions);
	esc_items(out, "Evidence", d->evidence, d->nevidence);
	if (d->nmeasures) {
		spiral_buf_puts(out, "<table>\n<tr><th>Measure</th><th class=\"n\">Baseline"
				     "</th><th class=\"n\">Latest</th><th class=\"n\">"
				     "Change</th><th class=\"n\">Target</th></tr>\n");
		for (size_t i = 0; i < d->nmeasures; i++) {
			const spiral_measure_summary *m = &d->measures[i];
			spiral_buf_puts(out, "<tr><td>");
			esc(out, m->name);
			spiral_buf_puts(out, "</td><td class=\"n\">");
			if (m->has_baseline)
				num(out, m->baseline);
			spiral_buf_puts(out, "</td><td class=\"n\">");
			if (m->has_latest)
				num(out, m->latest);
			spiral_buf_puts(out, "</td><td class=\"n\">");
			if (m->has_baseline && m->has_latest) {
				if (m->latest > m->baseline)
					spiral_buf_putc(out, '+');
				num(out, m->latest - m->baseline);
			}
			spiral_buf_puts(out, "</td><td class=\"n\">");
			if (m->has_target)
				num(out, m->target);
			spiral_buf_puts(out, "</td></tr>\n");
		}
		spiral_buf_puts(out, "</table>\n");
	}
	spiral_buf_puts(out, "</article>\n");
}

static void html_digest(spiral_buf *out, const spiral_report *r, int short_len)
{
	static const char *const heads[] = {"Not enough", "What worked"};
	static const char *const nothing[] = {
		"Nothing yet: no inquiry has reached not enough.",
		"Nothing yet: no check said enough and no measure met its target."};

	spiral_buf_puts(out, "<section id=\"digest\">\n");
	for (int worked = 1; worked >= 0; worked--) {
		size_t shown = 0;
		const char *focus = NULL;
		spiral_buf_printf(out, "<h2>%s</h2>\n", heads[worked]);
		for (size_t i = 0; i < r->ndigest; i++) {
			const spiral_strv *tags = &r->digest[i].inquiry->tags;
			/* Under its focus area (spiral-report(1), DIGEST). */
			const char *f = tags->n ? tags->v[0] : NULL;
			if (!r->digest[i].worked != !worked)
				continue;
			if (!shown++ || !f != !focus || (f && strcmp(f, focus) != 0)) {
				spiral_buf_puts(out, "<h3 class=\"focus\">");
				if (f) {
					spiral_buf_puts(out, "Focus area: ");
					esc(out, f);
				} else {
					spiral_buf_puts(out, "No focus area (no tag)");
				}
				spiral_buf_puts(out, "</h3>\n");
			}
			focus = f;
			digest_item(out, &r->digest[i], short_len);
		}
		if (!shown)
			spiral_buf_printf(out, "<p class=\"none\">%s</p>\n", nothing[worked]);
	}
	spiral_buf_puts(out, "</section>\n");
}

/* ---- flags -------------------------------------------------------------- */

static void html_flags(spiral_buf *out, const spiral_report *r, int short_len)
{
	spiral_buf_puts(out, "<section id=\"flags\">\n<h2>Flags</h2>\n");
	if (!r->nflags) {
		spiral_buf_puts(out, "<p class=\"none\">No flag.</p>\n</section>\n");
		return;
	}
	spiral_buf_puts(out, "<table>\n<tr><th>ID</th><th>Title</th><th>Kind</th>"
			     "<th>Message</th></tr>\n");
	for (size_t i = 0; i < r->nflags; i++) {
		const spiral_report_flag *f = &r->flags[i];
		spiral_buf_printf(out, "<tr><td><code>%.*s</code></td><td>", short_len,
				  f->inquiry->id);
		esc(out, f->inquiry->title);
		spiral_buf_puts(out, "</td><td>");
		esc(out, f->kind);
		spiral_buf_puts(out, "</td><td>");
		esc(out, f->message);
		spiral_buf_puts(out, "</td></tr>\n");
	}
	spiral_buf_puts(out, "</table>\n</section>\n");
}

/* ---- the page ----------------------------------------------------------- */

int spiral_emit_report_html(spiral_buf *out, const spiral_report *r,
			    const spiral_store *st, int short_len)
{
	spiral_date now = {r->now, 0};
	const char *by = spiral_report_by_name(r->by);
	int rc;

	spiral_buf_puts(out, html_head);
	spiral_buf_puts(out, "<title>Cluster report, ");
	day(out, now);
	spiral_buf_puts(out, "</title>\n");
	spiral_buf_puts(out, html_style);
	spiral_buf_puts(out, "<body>\n<header>\n<h1>Cluster report</h1>\n"
			     "<p class=\"meta\">Made ");
	day(out, now);
	spiral_buf_printf(out, " (UTC) · %zu inquir%s of %zu in the repository", r->nrows,
			  r->nrows == 1 ? "y" : "ies", st ? st->ninquiries : r->nrows);
	if (by)
		spiral_buf_printf(out, " · grouped by %s", by);
	spiral_buf_puts(out, "</p>\n</header>\n<main>\n");
	/* report --digest: the digest alone. */
	if (!r->digest_only) {
		html_groups(out, r);
		html_stalled(out, r, short_len);
		if ((rc = html_inquiries(out, r, short_len)) < 0)
			return rc;
		html_coherence(out, r);
	}
	html_digest(out, r, short_len);
	if (!r->digest_only)
		html_flags(out, r, short_len);
	spiral_buf_puts(out, "</main>\n<footer>Made by spiral " SPIRAL_VERSION
			     " from the inquiries' records; one file, nothing "
			     "loaded from elsewhere.</footer>\n</body>\n</html>\n");
	return out->failed ? spiral_error(SPIRAL_ENOMEM, "out of memory") : 0;
}
