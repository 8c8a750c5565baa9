/*
 * fuzz_date: every date form accepted (spiral_date_parse: YYYY-MM-DD,
 * ISO 8601 and days in words, "3 days ago"; spiral_date_parse_git: also
 * "@SECONDS [ZONE]", "SECONDS ZONE" and RFC 2822).  Whatever is accepted must format (spiral_date_format)
 * to a date that spiral_date_parse reads back as the same instant and
 * offset, with an offset within a day; spiral_date_stamp and
 * spiral_date_day must agree with it.
 *
 * Input: one byte choosing the parser (bit 0) and the local time zone (the
 * rest: POSIX TZ rules, so that no zoneinfo is needed), then the date.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fuzz.h"
#include "spiral.h"

static const char *const zones[] = {
	"UTC0",
	"NZST-12NZDT,M9.5.0,M4.1.0/3",                    /* Auckland */
	"<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45",   /* Chatham */
	"EST5EDT,M3.2.0,M11.1.0",                         /* New York */
	"<-0330>3:30<-0230>,M3.2.0,M11.1.0",              /* St John's */
	"IST-1GMT0,M10.5.0,M3.5.0/1",                     /* Dublin */
	"<+14>-14",                                       /* Kiritimati */
	"<-12>12",
};

static void set_zone(unsigned which)
{
	static int current = -1;
	unsigned n = sizeof(zones) / sizeof(*zones);

	if ((int)(which % n) == current)
		return;
	current = (int)(which % n);
	setenv("TZ", zones[current], 1);
	tzset();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	spiral_date d, back;
	char text[SPIRAL_DATE_LEN], stamp[SPIRAL_DATE_LEN], day[SPIRAL_DATE_LEN];
	char *s;
	int rc;

	if (size < 1)
		return 0;
	set_zone(data[0] >> 1);
	s = fuzz_strndup(data + 1, size - 1);
	if (!s)
		abort();
	memset(&d, 0, sizeof(d));
	rc = (data[0] & 1) ? spiral_date_parse_git(s, &d)
			   : spiral_date_parse(s, &d);
	if (rc != 0) {
		FUZZ_CHECK(rc == SPIRAL_EUSAGE);
		goto done;
	}
	FUZZ_CHECK(d.offset > -24 * 60 && d.offset < 24 * 60);
	spiral_date_format(d, text);
	spiral_date_stamp(d, stamp);
	spiral_date_day(d, day);
	if (spiral_date_parse(text, &back) != 0)
		fuzz_fail("'%s' is accepted as %s, which does not read back (%s)",
			  s, text, spiral_error_message());
	if (back.time != d.time || back.offset != d.offset)
		fuzz_fail("'%s' is accepted as %s (%lld, %d), which reads back "
			  "as (%lld, %d)",
			  s, text, (long long)d.time, d.offset,
			  (long long)back.time, back.offset);
	/* The day is the date part of the formatted date. */
	FUZZ_CHECK(strlen(day) == 10 && strncmp(day, text, 10) == 0);
	/* The stamp is UTC: YYYYMMDDTHHMMSSZ. */
	FUZZ_CHECK(strlen(stamp) == 16 && stamp[8] == 'T' && stamp[15] == 'Z');
	FUZZ_CHECK(spiral_date_cmp(d, back) == 0);
done:
	free(s);
	spiral_error_clear();
	return 0;
}
