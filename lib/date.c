/* Dates: parsed as the user and git give them, stored as ISO 8601 with the
 * UTC offset at which they were made.  Only the years 0001 to 9999 are
 * dates (both at UTC and at the date's own offset): anything else could be
 * written but never read back (a fifth digit, a minus sign in a file name).
 * Every parser reads a bounded number of digits and checks a range before
 * it does arithmetic, so no input overflows. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "spiral.h"

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t yy = (int64_t)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yy + (*m <= 2));
}

/* What the parsers say: a date, not a date, or a date out of range. */
enum { DATE_OK = 0, DATE_BAD = -1, DATE_RANGE = -2 };

/* 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z as seconds. */
#define DATE_MIN (-62135596800LL)
#define DATE_MAX 253402300799LL

/* Both the instant and its wall-clock time fall within 0001-9999. */
static int date_in_range(int64_t t, int offset)
{
	int64_t local;

	if (t < DATE_MIN || t > DATE_MAX)
		return 0;
	local = t + (int64_t)offset * 60;
	return local >= DATE_MIN && local <= DATE_MAX;
}

static int days_in_month(int y, int m)
{
	static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 ? 28 + leap : dm[m - 1];
}

/* Reads exactly n digits (n at most 4: no overflow). */
static int digits(const char **s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*s)[i]))
			return -1;
		v = v * 10 + ((*s)[i] - '0');
	}
	*s += n;
	*out = v;
	return 0;
}

/* Reads 1 to max digits (max at most 4), as sscanf's %d read them but
 * never more than fit. */
static int digits_upto(const char **s, int max, int *out)
{
	int v = 0, i;

	for (i = 0; i < max && isdigit((unsigned char)(*s)[i]); i++)
		v = v * 10 + ((*s)[i] - '0');
	if (i == 0 || isdigit((unsigned char)(*s)[i]))
		return -1;
	*s += i;
	*out = v;
	return 0;
}

/* The local offset (minutes east) at a UTC instant. */
static int local_offset(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!localtime_r(&tt, &tm))
		return 0;
	return (int)(tm.tm_gmtoff / 60);
}

/* Seconds since the epoch of a wall-clock time at UTC (y 0..9999, so no
 * overflow). */
static int64_t civil_seconds(int y, int mo, int d, int h, int mi, int se)
{
	return days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
	       (int64_t)h * 3600 + (int64_t)mi * 60 + se;
}

/* The instant of a local wall-clock time (ambiguity resolved by mktime). */
static int64_t local_to_utc(int y, int mo, int d, int h, int mi, int se,
			    int *offset)
{
	int64_t guess = civil_seconds(y, mo, d, h, mi, se);
	/* Two passes settle the offset except inside a DST jump. */
	int off = local_offset(guess);
	off = local_offset(guess - off * 60);
	*offset = off;
	return guess - (int64_t)off * 60;
}

static int parse_zone(const char **s, int *offset)
{
	const char *p = *s;
	int sign, hh, mm = 0;

	if (*p == 'Z' || *p == 'z') {
		*offset = 0;
		*s = p + 1;
		return 0;
	}
	if (*p != '+' && *p != '-')
		return -1;
	sign = *p == '-' ? -1 : 1;
	p++;
	if (digits(&p, 2, &hh) < 0)
		return -1;
	if (*p == ':')
		p++;
	if (isdigit((unsigned char)*p) && digits(&p, 2, &mm) < 0)
		return -1;
	if (hh > 23 || mm > 59)
		return -1;
	*offset = sign * (hh * 60 + mm);
	*s = p;
	return 0;
}

/* How an ISO date without an offset is read. */
enum { ZONELESS_LOCAL, ZONELESS_UTC };

/* ISO 8601: YYYY-MM-DD, optionally [T ]HH:MM[:SS[.frac]][zone].  *zoneless
 * (when not NULL) is set when no offset was given. */
static int parse_iso(const char *s, spiral_date *out, int need_end,
		     int zoneless_as, int *zoneless)
{
	int y, mo, d, h = 0, mi = 0, se = 0, offset = 0, has_zone = 0;
	const char *p = s;
	int64_t t;

	if (digits(&p, 4, &y) < 0 || *p++ != '-' || digits(&p, 2, &mo) < 0 ||
	    *p++ != '-' || digits(&p, 2, &d) < 0)
		return DATE_BAD;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
		return DATE_BAD;
	if (*p == 'T' || *p == 't' || (*p == ' ' && isdigit((unsigned char)p[1]))) {
		p++;
		if (digits(&p, 2, &h) < 0 || *p++ != ':' || digits(&p, 2, &mi) < 0)
			return DATE_BAD;
		if (*p == ':') {
			p++;
			if (digits(&p, 2, &se) < 0)
				return DATE_BAD;
			if (*p == '.' || *p == ',') {
				p++;
				while (isdigit((unsigned char)*p))
					p++;
			}
		}
		if (h > 23 || mi > 59 || se > 60)
			return DATE_BAD;
		if (se == 60)
			se = 59;
		while (*p == ' ')
			p++;
		if (*p) {
			if (parse_zone(&p, &offset) < 0)
				return DATE_BAD;
			has_zone = 1;
		}
	}
	if (need_end && *p)
		return DATE_BAD;
	if (y < 1)
		return DATE_RANGE;
	if (has_zone || zoneless_as == ZONELESS_UTC)
		t = civil_seconds(y, mo, d, h, mi, se) - (int64_t)offset * 60;
	else
		t = local_to_utc(y, mo, d, h, mi, se, &offset);
	if (!date_in_range(t, offset))
		return DATE_RANGE;
	out->time = t;
	out->offset = offset;
	if (zoneless)
		*zoneless = !has_zone;
	return DATE_OK;
}

static int date_fail(int rc, const char *s, const char *what)
{
	if (rc == DATE_RANGE)
		return spiral_error(SPIRAL_EUSAGE,
				    "'%s' is outside the years 0001 to 9999", s);
	return spiral_error(SPIRAL_EUSAGE, "'%s' is not a date (%s)", s, what);
}

/* What a date the user typed may be, for messages. */
#define DATE_FORMS                                                         \
	"try 2026-03-02, 2026-03-02T09:00, today, yesterday, 3 days ago, 2 " \
	"weeks ago or last monday"

/* The local day number (days since 1970-01-01) of an instant. */
static int local_day(int64_t t, int64_t *day)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!localtime_r(&tt, &tm))
		return -1;
	*day = days_from_civil((int64_t)tm.tm_year + 1900, (unsigned)tm.tm_mon + 1,
			       (unsigned)tm.tm_mday);
	return 0;
}

/* Consumes the word w (any case) at *p when a blank or the end follows,
 * and the blanks after it. */
static int word(const char **p, const char *w)
{
	size_t n = strlen(w);

	if (strncasecmp(*p, w, n) != 0 || ((*p)[n] && (*p)[n] != ' ' && (*p)[n] != '\t'))
		return 0;
	*p += n;
	while (**p == ' ' || **p == '\t')
		(*p)++;
	return 1;
}

/* A day as people say it, as git and Taskwarrior read them: "today",
 * "yesterday", "N days ago", "N weeks ago", "last monday" (the latest
 * Monday before today), in any case.  Writes that local day, counted from
 * now, as YYYY-MM-DD to ymd, for the ISO parsers to read as they read a
 * day typed out. */
static int parse_relative(const char *s, int64_t now, char ymd[SPIRAL_DATE_LEN])
{
	static const char *const weekdays[] = {"sunday",   "monday", "tuesday",
					       "wednesday", "thursday", "friday",
					       "saturday"};
	const char *p = s;
	int64_t today, day, n = 0;
	int ndigits = 0;

	while (*p == ' ' || *p == '\t')
		p++;
	if (local_day(now, &today) < 0)
		return DATE_BAD;
	if (word(&p, "today")) {
		day = today;
	} else if (word(&p, "yesterday")) {
		day = today - 1;
	} else if (word(&p, "last")) {
		size_t w;
		for (w = 0; w < 7 && !word(&p, weekdays[w]); w++)
			;
		if (w == 7)
			return DATE_BAD;
		/* 1970-01-01 was a Thursday; "last" is never today. */
		int64_t back = ((today + 4) % 7 + 7 - (int64_t)w) % 7;
		day = today - (back ? back : 7);
	} else if (isdigit((unsigned char)*p)) {
		/* Seven digits reach past the year 0001; more are never
		 * multiplied. */
		for (; isdigit((unsigned char)*p); p++)
			if (++ndigits <= 7)
				n = n * 10 + (*p - '0');
		if (*p != ' ' && *p != '\t')
			return DATE_BAD;
		while (*p == ' ' || *p == '\t')
			p++;
		if (word(&p, "days") || word(&p, "day"))
			day = today - n;
		else if (word(&p, "weeks") || word(&p, "week"))
			day = today - 7 * n;
		else
			return DATE_BAD;
		if (!word(&p, "ago"))
			return DATE_BAD;
		if (ndigits > 7)
			return DATE_RANGE;
	} else {
		return DATE_BAD;
	}
	if (*p)
		return DATE_BAD;
	if (day < days_from_civil(1, 1, 1) || day > days_from_civil(9999, 12, 31))
		return DATE_RANGE;
	spiral_date_day((spiral_date){day * 86400, 0}, ymd);
	return DATE_OK;
}

int spiral_date_parse_at(const char *s, int64_t now, spiral_date *out)
{
	char ymd[SPIRAL_DATE_LEN];
	int rc = parse_relative(s, now, ymd);

	if (rc == DATE_OK)
		rc = parse_iso(ymd, out, 1, ZONELESS_LOCAL, NULL);
	else if (rc == DATE_BAD)
		rc = parse_iso(s, out, 1, ZONELESS_LOCAL, NULL);
	return rc ? date_fail(rc, s, DATE_FORMS) : 0;
}

int spiral_date_parse(const char *s, spiral_date *out)
{
	return spiral_date_parse_at(s, (int64_t)time(NULL), out);
}

int spiral_date_parse_stored(const char *s, spiral_date *out, int *no_offset)
{
	int zoneless = 0;
	int rc = parse_iso(s, out, 1, ZONELESS_UTC, &zoneless);

	if (rc)
		return date_fail(rc, s, "ISO 8601 with an offset expected");
	if (no_offset)
		*no_offset = zoneless;
	return 0;
}

/* The first instant whose local day is `day` or later.  Around it the local
 * day only moves forward (a DST change shifts it by hours, never days), so
 * a binary search over two days either side finds it, however long the
 * day is (23, 24 or 25 hours) and even where midnight never happens. */
static int local_day_start(int64_t day, int64_t *out)
{
	int64_t lo = day * 86400 - 2 * 86400, hi = day * 86400 + 2 * 86400, d;

	while (lo < hi) {
		int64_t mid = lo + (hi - lo) / 2;
		if (local_day(mid, &d) < 0)
			return -1;
		if (d >= day)
			hi = mid;
		else
			lo = mid + 1;
	}
	*out = lo;
	return 0;
}

int spiral_date_parse_bound(const char *s, int end_of_day, spiral_date *out)
{
	return spiral_date_parse_bound_at(s, end_of_day, (int64_t)time(NULL), out);
}

int spiral_date_parse_bound_at(const char *s, int end_of_day, int64_t now,
			       spiral_date *out)
{
	char ymd[SPIRAL_DATE_LEN];
	const char *p;
	int y, mo, d, rc;
	int64_t day, t;

	/* A day said in words is the whole of that day, as one typed out. */
	if ((rc = parse_relative(s, now, ymd)) == DATE_RANGE)
		return date_fail(rc, s, "");
	if (rc == DATE_OK)
		s = ymd;
	p = s;
	if (strlen(s) != 10 || digits(&p, 4, &y) < 0 || *p++ != '-' ||
	    digits(&p, 2, &mo) < 0 || *p++ != '-' || digits(&p, 2, &d) < 0 ||
	    mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
		return spiral_date_parse_at(s, now, out);
	/* A bare day is the whole local day, from its first second to its
	 * last, however many hours it has. */
	if (y < 1)
		return date_fail(DATE_RANGE, s, "");
	day = days_from_civil(y, (unsigned)mo, (unsigned)d);
	rc = local_day_start(day + (end_of_day ? 1 : 0), &t);
	if (rc < 0)
		return date_fail(DATE_RANGE, s, "");
	if (end_of_day)
		t--;
	/* The first and last days may begin or end beyond the range at UTC:
	 * as bounds they mean "from the start" and "to the end". */
	t = t < DATE_MIN ? DATE_MIN : t > DATE_MAX ? DATE_MAX : t;
	out->time = t;
	out->offset = local_offset(t);
	return 0;
}

/* "[@]SECONDS [+-HHMM]" as git writes raw dates. */
static int parse_raw(const char *s, spiral_date *out)
{
	const char *p = s;
	int64_t secs = 0;
	int offset = 0, ndigits = 0;

	if (*p == '@')
		p++;
	if (!isdigit((unsigned char)*p))
		return DATE_BAD;
	/* Twelve digits cover year 9999; more is out of range, whatever
	 * their value, and never multiplied. */
	for (; isdigit((unsigned char)*p); p++) {
		if (ndigits == 0 && *p == '0')
			continue; /* leading zeros are not digits that count */
		if (++ndigits <= 12)
			secs = secs * 10 + (*p - '0');
	}
	while (*p == ' ')
		p++;
	if (*p) {
		if (parse_zone(&p, &offset) < 0 || *p)
			return DATE_BAD;
	} else if (*s != '@') {
		return DATE_BAD; /* git wants a zone with a bare number */
	}
	if (ndigits > 12 || !date_in_range(secs, offset))
		return DATE_RANGE;
	out->time = secs;
	out->offset = offset;
	return DATE_OK;
}

static void skip_blanks(const char **p)
{
	while (**p == ' ' || **p == '\t')
		(*p)++;
}

/* RFC 2822: "[Thu, ]07 Apr 2005 22:13:13 +0200" (seconds optional, fields
 * of one or two digits as sscanf read them; a year of one to four). */
static int parse_rfc2822(const char *s, spiral_date *out)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	int d, y, h, mi, se = 0, offset, mo;
	const char *comma = strchr(s, ',');
	const char *p = comma ? comma + 1 : s, *m;
	int64_t t;

	skip_blanks(&p);
	if (digits_upto(&p, 2, &d) < 0)
		return DATE_BAD;
	skip_blanks(&p);
	for (m = months; *m; m += 3)
		if (strncmp(p, m, 3) == 0)
			break;
	if (!*m || (p[3] != ' ' && p[3] != '\t'))
		return DATE_BAD;
	mo = (int)(m - months) / 3 + 1;
	p += 3;
	skip_blanks(&p);
	if (digits_upto(&p, 4, &y) < 0)
		return DATE_BAD;
	skip_blanks(&p);
	if (digits_upto(&p, 2, &h) < 0 || *p++ != ':' || digits_upto(&p, 2, &mi) < 0)
		return DATE_BAD;
	if (*p == ':') {
		p++;
		if (digits_upto(&p, 2, &se) < 0)
			return DATE_BAD;
	}
	if (d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || se > 60)
		return DATE_BAD;
	if (se == 60)
		se = 59;
	skip_blanks(&p);
	if (parse_zone(&p, &offset) < 0)
		return DATE_BAD;
	if (y < 1)
		return DATE_RANGE;
	t = civil_seconds(y, mo, d, h, mi, se) - (int64_t)offset * 60;
	if (!date_in_range(t, offset))
		return DATE_RANGE;
	out->time = t;
	out->offset = offset;
	return DATE_OK;
}

int spiral_date_parse_git(const char *s, spiral_date *out)
{
	int rc[3] = {DATE_BAD, DATE_BAD, DATE_BAD};

	while (*s == ' ')
		s++;
	if ((rc[0] = parse_raw(s, out)) == DATE_OK ||
	    (rc[1] = parse_iso(s, out, 1, ZONELESS_LOCAL, NULL)) == DATE_OK ||
	    (rc[2] = parse_rfc2822(s, out)) == DATE_OK)
		return 0;
	if (rc[0] == DATE_RANGE || rc[1] == DATE_RANGE || rc[2] == DATE_RANGE)
		return date_fail(DATE_RANGE, s, "");
	return spiral_error(SPIRAL_EUSAGE, "'%s' is not a date git understands", s);
}

static void split(spiral_date d, int *y, int *mo, int *dd, int *h, int *mi,
		  int *se)
{
	int64_t local = d.time + (int64_t)d.offset * 60;
	int64_t days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
	int64_t rem = local - days * 86400;

	civil_from_days(days, y, mo, dd);
	*h = (int)(rem / 3600);
	*mi = (int)(rem / 60 % 60);
	*se = (int)(rem % 60);
}

/* Two decimal digits of v (0..99). */
static void put2(char *p, int v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
}

void spiral_date_format(spiral_date d, char out[SPIRAL_DATE_LEN])
{
	int y, mo, dd, h, mi, se;
	int off = d.offset < 0 ? -d.offset : d.offset;

	split(d, &y, &mo, &dd, &h, &mi, &se);
	if (y < 0 || y > 9999 || off >= 100 * 60) {
		snprintf(out, SPIRAL_DATE_LEN, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d",
			 y, mo, dd, h, mi, se, d.offset < 0 ? '-' : '+', off / 60,
			 off % 60);
		return;
	}
	/* The same, digit by digit: a log prints 100,000 of them. */
	put2(out, y / 100);
	put2(out + 2, y % 100);
	out[4] = '-';
	put2(out + 5, mo);
	out[7] = '-';
	put2(out + 8, dd);
	out[10] = 'T';
	put2(out + 11, h);
	out[13] = ':';
	put2(out + 14, mi);
	out[16] = ':';
	put2(out + 17, se);
	out[19] = d.offset < 0 ? '-' : '+';
	put2(out + 20, off / 60);
	out[22] = ':';
	put2(out + 23, off % 60);
	out[25] = '\0';
}

void spiral_date_stamp(spiral_date d, char out[SPIRAL_DATE_LEN])
{
	int y, mo, dd, h, mi, se;
	spiral_date utc = {d.time, 0};

	split(utc, &y, &mo, &dd, &h, &mi, &se);
	snprintf(out, SPIRAL_DATE_LEN, "%04d%02d%02dT%02d%02d%02dZ", y, mo, dd, h,
		 mi, se);
}

void spiral_date_day(spiral_date d, char out[SPIRAL_DATE_LEN])
{
	int y, mo, dd, h, mi, se;

	split(d, &y, &mo, &dd, &h, &mi, &se);
	snprintf(out, SPIRAL_DATE_LEN, "%04d-%02d-%02d", y, mo, dd);
}

spiral_date spiral_date_now(void)
{
	spiral_date d;

	d.time = (int64_t)time(NULL);
	d.offset = local_offset(d.time);
	return d;
}

int spiral_date_cmp(spiral_date a, spiral_date b)
{
	return (a.time > b.time) - (a.time < b.time);
}
