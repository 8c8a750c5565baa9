/* Dates as people say them ("yesterday", "3 days ago", "last monday"),
 * counted from a fixed instant in two time zones: each is that local day,
 * as the same day typed out as YYYY-MM-DD is, and anything else is a usage
 * error that shows what to type.  And dates and numbers written out, as
 * printf would write them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "spiral.h"

/* Wednesday 2026-03-04 12:00 UTC: 01:00 on Thursday in Auckland. */
#define NOW 1772625600

static void set_zone(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

/* s, counted from NOW, is the local day `day` (YYYY-MM-DD) for --date and
 * for both bounds. */
static void same_day(const char *s, const char *day)
{
	spiral_date got, want;

	if (spiral_date_parse_at(s, NOW, &got) != 0)
		fail_msg("'%s' refused: %s", s, spiral_error_message());
	assert_int_equal(spiral_date_parse(day, &want), 0);
	if (got.time != want.time || got.offset != want.offset)
		fail_msg("'%s' is not %s", s, day);
	for (int end = 0; end <= 1; end++) {
		assert_int_equal(spiral_date_parse_bound_at(s, end, NOW, &got), 0);
		assert_int_equal(spiral_date_parse_bound(day, end, &want), 0);
		if (got.time != want.time)
			fail_msg("'%s' as a bound (%d) is not %s", s, end, day);
	}
}

static void refused(const char *s, const char *why)
{
	spiral_date d;

	assert_int_equal(spiral_date_parse_at(s, NOW, &d), SPIRAL_EUSAGE);
	if (!strstr(spiral_error_message(), why))
		fail_msg("'%s': '%s' does not say '%s'", s, spiral_error_message(), why);
	assert_int_equal(spiral_date_parse_bound_at(s, 1, NOW, &d), SPIRAL_EUSAGE);
	if (!strstr(spiral_error_message(), why))
		fail_msg("'%s' as a bound: '%s' does not say '%s'", s,
			 spiral_error_message(), why);
}

static void words_utc(void **state)
{
	(void)state;
	set_zone("UTC0");
	same_day("today", "2026-03-04");
	same_day("TODAY", "2026-03-04");
	same_day("yesterday", "2026-03-03");
	same_day(" Yesterday ", "2026-03-03");
	same_day("0 days ago", "2026-03-04");
	same_day("1 day ago", "2026-03-03");
	same_day("3 days ago", "2026-03-01");
	same_day("3  DAYS  AGO", "2026-03-01");
	same_day("1 week ago", "2026-02-25");
	same_day("2 weeks ago", "2026-02-18");
	same_day("last monday", "2026-03-02");
	same_day("Last Tuesday", "2026-03-03");
	/* Never today: last Wednesday is a week ago. */
	same_day("last wednesday", "2026-02-25");
	same_day("last thursday", "2026-02-26");
	same_day("last sunday", "2026-03-01");
	same_day("400 days ago", "2025-01-28");
}

static void words_follow_the_local_day(void **state)
{
	(void)state;
	/* In Auckland it is already Thursday 5 March (NZDT, +13:00). */
	set_zone("NZST-12NZDT,M9.5.0,M4.1.0/3");
	same_day("today", "2026-03-05");
	same_day("yesterday", "2026-03-04");
	same_day("last wednesday", "2026-03-04");
	same_day("last thursday", "2026-02-26");
	same_day("5 weeks ago", "2026-01-29");
	set_zone("UTC0");
}

static void everything_else_refused(void **state)
{
	(void)state;
	set_zone("UTC0");
	const char *example = "try 2026-03-02, 2026-03-02T09:00, today, yesterday, "
			      "3 days ago, 2 weeks ago or last monday";
	refused("fortnight", example);
	refused("", example);
	refused("last", example);
	refused("last week", example);
	refused("last mon", example);
	refused("3 days", example);
	refused("days ago", example);
	refused("-3 days ago", example);
	refused("3days ago", example);
	refused("3 fortnights ago", example);
	refused("yesterday morning", example);
	refused("todayx", example);
	refused("2026-02-30", example);
	refused("99999999 days ago", "outside the years 0001 to 9999");
	refused("1000000 weeks ago", "outside the years 0001 to 9999");
}

/* ---- written out: as printf writes them --------------------------------- */

/* spiral_date_format writes its digits itself: the same as printf's
 * "%04d-%02d-%02dT%02d:%02d:%02d+hh:mm" over 10,000 years and every kind
 * of offset, and past them (printf's own widths) too. */
static void dates_as_printf(void **state)
{
	static const int offsets[] = {0, 1, -1, 59, -59, 60, 330, -570, 765, 840,
				      -720, 5999, -5999, 6000, -6000, 99999};
	char got[SPIRAL_DATE_LEN], want[80];
	uint64_t x = 88172645463325252ull;

	(void)state;
	for (int i = 0; i < 200000; i++) {
		spiral_date d;
		struct tm tm;
		time_t t;
		int off;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		/* Years 0001 to 9999 mostly, and a few beyond. */
		d.time = (int64_t)(x % 315537897600ull) - 62135596800ll;
		if (i % 1000 == 0)
			d.time = (int64_t)(x % 4000000000000ull) - 2000000000000ll;
		d.offset = offsets[(x >> 40) % (sizeof(offsets) / sizeof(offsets[0]))];
		off = d.offset < 0 ? -d.offset : d.offset;
		t = (time_t)(d.time + (int64_t)d.offset * 60);
		if (!gmtime_r(&t, &tm))
			continue;
		snprintf(want, sizeof(want), "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
			 tm.tm_min, tm.tm_sec, d.offset < 0 ? '-' : '+', off / 60, off % 60);
		spiral_date_format(d, got);
		assert_string_equal(got, want);
	}
}

/* What spiral_number_format wrote before it wrote whole numbers itself. */
static void number_by_printf(double v, char out[40])
{
	int prec = 1;

	for (double a = fabs(v); a >= 10 && prec < 17; a /= 10)
		prec++;
	for (; prec <= 17; prec++) {
		snprintf(out, 40, "%.*g", prec, v);
		if (strtod(out, NULL) == v)
			return;
	}
}

static void numbers_as_printf(void **state)
{
	static const double some[] = {0.0, -0.0, 1, -1, 9, 10, 60, 99, 100, 42.5,
				      -0.25, 1e14, 999999999999999.0, 1e15, -1e15,
				      1e16, 123456789012345678.0, 1e300, -1e-300,
				      0.1, 2.0 / 3, 4503599627370496.0, 1e308,
				      HUGE_VAL, -HUGE_VAL, NAN};
	char got[40], want[40], lg[32], lw[32];
	static const long longs[] = {0, 1, -1, 9, 10, -10, 1234567890L, LONG_MAX,
				     LONG_MIN, LONG_MIN + 1};
	uint64_t x = 2463534242ull;

	(void)state;
	for (size_t i = 0; i < sizeof(some) / sizeof(some[0]); i++) {
		number_by_printf(some[i], want);
		spiral_number_format(some[i], got);
		assert_string_equal(got, want);
	}
	for (int i = 0; i < 200000; i++) {
		double v;
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		v = (double)(int64_t)(x >> (x % 50)) * ((x & 1) ? -1 : 1);
		if (i % 3 == 0)
			v /= (double)(x % 1000 + 1);
		number_by_printf(v, want);
		spiral_number_format(v, got);
		assert_string_equal(got, want);
	}
	for (size_t i = 0; i < sizeof(longs) / sizeof(longs[0]); i++) {
		snprintf(lw, sizeof(lw), "%ld", longs[i]);
		spiral_long_format(longs[i], lg);
		assert_string_equal(lg, lw);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dates_as_printf),
		cmocka_unit_test(numbers_as_printf),
		cmocka_unit_test(words_utc),
		cmocka_unit_test(words_follow_the_local_day),
		cmocka_unit_test(everything_else_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
