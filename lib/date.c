/* Dates: parsed as the user and git give them, stored as ISO 8601 with the
 * UTC offset at which they were made. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static int days_in_month(int y, int m)
{
	static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 ? 28 + leap : dm[m - 1];
}

/* Reads exactly n digits. */
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

/* The local offset (minutes east) at a UTC instant. */
static int local_offset(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!localtime_r(&tt, &tm))
		return 0;
	return (int)(tm.tm_gmtoff / 60);
}

/* The instant of a local wall-clock time (ambiguity resolved by mktime). */
static int64_t local_to_utc(int y, int mo, int d, int h, int mi, int se,
			    int *offset)
{
	int64_t guess = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
			h * 3600 + mi * 60 + se;
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

/* ISO 8601: YYYY-MM-DD, optionally [T ]HH:MM[:SS[.frac]][zone]. */
static int parse_iso(const char *s, spiral_date *out, int need_end)
{
	int y, mo, d, h = 0, mi = 0, se = 0, offset = 0, has_zone = 0;
	const char *p = s;

	if (digits(&p, 4, &y) < 0 || *p++ != '-' || digits(&p, 2, &mo) < 0 ||
	    *p++ != '-' || digits(&p, 2, &d) < 0)
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
		return -1;
	if (*p == 'T' || *p == 't' || (*p == ' ' && isdigit((unsigned char)p[1]))) {
		p++;
		if (digits(&p, 2, &h) < 0 || *p++ != ':' || digits(&p, 2, &mi) < 0)
			return -1;
		if (*p == ':') {
			p++;
			if (digits(&p, 2, &se) < 0)
				return -1;
			if (*p == '.' || *p == ',') {
				p++;
				while (isdigit((unsigned char)*p))
					p++;
			}
		}
		if (h > 23 || mi > 59 || se > 60)
			return -1;
		if (se == 60)
			se = 59;
		while (*p == ' ')
			p++;
		if (*p) {
			if (parse_zone(&p, &offset) < 0)
				return -1;
			has_zone = 1;
		}
	}
	if (need_end && *p)
		return -1;
	if (has_zone) {
		out->time = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
			    h * 3600 + mi * 60 + se - (int64_t)offset * 60;
		out->offset = offset;
	} else {
		out->time = local_to_utc(y, mo, d, h, mi, se, &out->offset);
	}
	return 0;
}

int spiral_date_parse(const char *s, spiral_date *out)
{
	if (parse_iso(s, out, 1) < 0)
		return spiral_error(SPIRAL_EUSAGE,
				    "'%s' is not a date (use YYYY-MM-DD or ISO 8601)",
				    s);
	return 0;
}

/* "[@]SECONDS [+-HHMM]" as git writes raw dates. */
static int parse_raw(const char *s, spiral_date *out)
{
	const char *p = s;
	char *end;
	long long secs;

	if (*p == '@')
		p++;
	if (!isdigit((unsigned char)*p))
		return -1;
	secs = strtoll(p, &end, 10);
	p = end;
	while (*p == ' ')
		p++;
	out->time = secs;
	out->offset = 0;
	if (*p) {
		if (parse_zone(&p, &out->offset) < 0 || *p)
			return -1;
	} else if (*s != '@') {
		return -1; /* git wants a zone with a bare number */
	}
	return 0;
}

/* RFC 2822: "[Thu, ]07 Apr 2005 22:13:13 +0200". */
static int parse_rfc2822(const char *s, spiral_date *out)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	char mon[4];
	int d, y, h, mi, se = 0, n = 0, offset;
	const char *comma = strchr(s, ',');
	const char *p;

	if (comma)
		s = comma + 1;
	if (sscanf(s, " %d %3s %d %d:%d:%d%n", &d, mon, &y, &h, &mi, &se, &n) < 6 &&
	    (n = 0, sscanf(s, " %d %3s %d %d:%d%n", &d, mon, &y, &h, &mi, &n) < 5))
		return -1;
	p = strstr(months, mon);
	if (!p || strlen(mon) != 3 || (p - months) % 3)
		return -1;
	int mo = (int)(p - months) / 3 + 1;
	if (d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || se > 60)
		return -1;
	p = s + n;
	while (*p == ' ')
		p++;
	if (parse_zone(&p, &offset) < 0)
		return -1;
	out->time = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
		    h * 3600 + mi * 60 + se - (int64_t)offset * 60;
	out->offset = offset;
	return 0;
}

int spiral_date_parse_git(const char *s, spiral_date *out)
{
	while (*s == ' ')
		s++;
	if (parse_raw(s, out) == 0 || parse_iso(s, out, 1) == 0 ||
	    parse_rfc2822(s, out) == 0)
		return 0;
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

void spiral_date_format(spiral_date d, char out[SPIRAL_DATE_LEN])
{
	int y, mo, dd, h, mi, se;
	int off = d.offset < 0 ? -d.offset : d.offset;

	split(d, &y, &mo, &dd, &h, &mi, &se);
	snprintf(out, SPIRAL_DATE_LEN, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d",
		 y, mo, dd, h, mi, se, d.offset < 0 ? '-' : '+', off / 60,
		 off % 60);
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
