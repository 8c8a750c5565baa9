/* Dates as people say them ("yesterday", "3 days ago", "last monday"),
 * counted from a fixed instant in two time zones: each is that local day,
 * as the same day typed out as YYYY-MM-DD is, and anything else is a usage
 * error that shows what to type. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(words_utc),
		cmocka_unit_test(words_follow_the_local_day),
		cmocka_unit_test(everything_else_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
