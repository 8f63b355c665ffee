/*-------------------------------------------------------------------------
 *
 * cron_test.c
 *	  Unit test of the fire times of src/base/cron.c (cron_next, cron_prev),
 *	  built outside the server (test/run unit).  Prints TAP.
 *
 * Zones: this file supplies dt_zone_offset with the fixed offsets of
 * datetime.c plus one made-up zone with daylight saving time, "Test/DST",
 * shaped like Europe/Paris in 2024: +01:00, and +02:00 from
 * 2024-03-31T01:00Z (02:00 local becomes 03:00) until 2024-10-27T01:00Z
 * (03:00 local becomes 02:00 again).  The real zone database is exercised
 * by the TAP tests, inside the server.
 *
 * unit-sources: src/base/cron.c src/base/datetime.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <stdarg.h>

#include "cron.h"
#include "datetime.h"
#include "tap.h"

/* Check the shortest gap (seconds) of an expression. */
static void
check_gap(const char *expr, bool with_seconds, int64 seconds)
{
	CronSpec	spec;
	char	   *error = NULL;
	int64		gap;

	if (!cron_parse(expr, with_seconds, &spec, &error))
	{
		ok(false, "cron_min_gap(%s): does not parse: %s", expr, error);
		return;
	}
	gap = cron_min_gap(&spec);
	ok(gap == seconds * 1000000, "cron_min_gap(%s) = %lld s (got %lld us)", expr,
	   (long long) seconds, (long long) gap);
}

/* An instant from ISO text that the test knows to be valid. */
static int64
instant(const char *s)
{
	int64		u = 0;
	int			off;

	if (!dt_parse_datetime(s, true, &u, &off))
		printf("# test bug: cannot parse %s\n", s);
	return u;
}

/* The offsets of the made-up zone Test/DST, else the fixed zones of datetime.c. */
bool
dt_zone_offset(const char *zone, int64 usec, int *offset_sec)
{
	if (strcmp(zone, "Test/DST") == 0)
	{
		static int64 spring = 0,
					fall = 0;

		if (spring == 0)
		{
			spring = instant("2024-03-31T01:00:00Z");
			fall = instant("2024-10-27T01:00:00Z");
		}
		*offset_sec = (usec >= spring && usec < fall) ? 7200 : 3600;
		return true;
	}
	return dt_fixed_zone_offset(zone, offset_sec);
}

/* Check cron_next(expr, after) in zone against want (NULL: no next time). */
static void
check_next(const char *expr, bool secs, const char *zone, const char *after, const char *want)
{
	CronSpec	spec;
	char	   *error = NULL;
	int64		next = 0;
	bool		found;
	int			off = 0;

	if (!cron_parse(expr, secs, &spec, &error))
	{
		ok(false, "parse %s: %s", expr, error);
		return;
	}
	found = cron_next(&spec, instant(after), zone, &next);
	if (want == NULL)
	{
		ok(!found, "%s in %s after %s: never", expr, zone, after);
		return;
	}
	if (found)
		(void) dt_zone_offset(zone, next, &off);
	ok(found && next == instant(want), "%s in %s after %s is %s", expr, zone, after, want);
	if (!found || next != instant(want))
		printf("#   got: %s\n", found ? dt_format_datetime(next, off) : "(none)");
}

/* Check cron_prev(expr, before) in zone against want. */
static void
check_prev(const char *expr, bool secs, const char *zone, const char *before, const char *want)
{
	CronSpec	spec;
	char	   *error = NULL;
	int64		prev = 0;
	bool		found;

	if (!cron_parse(expr, secs, &spec, &error))
	{
		ok(false, "parse %s: %s", expr, error);
		return;
	}
	found = cron_prev(&spec, instant(before), zone, &prev);
	ok(found && prev == instant(want), "%s in %s before %s is %s", expr, zone, before, want);
	if (!found || prev != instant(want))
		printf("#   got: %s\n", found ? dt_format_datetime(prev, 0) : "(none)");
}

int
main(void)
{
	/* plain fields, strictly after */
	check_next("*/15 * * * *", false, "UTC", "2024-05-01T10:07:00Z", "2024-05-01T10:15:00Z");
	check_next("*/15 * * * *", false, "UTC", "2024-05-01T10:15:00Z", "2024-05-01T10:30:00Z");
	check_next("*/15 * * * *", false, "UTC", "2024-05-01T10:14:59.999Z", "2024-05-01T10:15:00Z");
	check_next("0 9 * * MON-FRI", false, "UTC", "2024-05-03T09:00:00Z", "2024-05-06T09:00:00Z");
	check_next("@daily", false, "UTC", "2024-12-31T23:59:59Z", "2025-01-01T00:00:00Z");
	check_next("@hourly", false, "+05:30", "2024-05-01T10:07:00Z", "2024-05-01T10:30:00Z");
	check_next("0 0 29 2 *", false, "UTC", "2024-03-01T00:00:00Z", "2028-02-29T00:00:00Z");
	check_next("0 0 31 4 *", false, "UTC", "2024-03-01T00:00:00Z", NULL);
	check_next("30 0 0 1 JAN,JUL ?", true, "UTC", "2024-02-01T00:00:00Z", "2024-07-01T00:00:30Z");
	check_next("*/2 * * * * *", true, "UTC", "2024-05-01T10:07:01Z", "2024-05-01T10:07:02Z");
	/* day of month and day of week both given: either one matches (Vixie cron) */
	check_next("0 0 13 * FRI", false, "UTC", "2024-05-01T00:00:00Z", "2024-05-03T00:00:00Z");
	check_next("0 0 13 * FRI", false, "UTC", "2024-05-10T00:00:00Z", "2024-05-13T00:00:00Z");
	check_next("0 0 * * 7", false, "UTC", "2024-05-01T00:00:00Z", "2024-05-05T00:00:00Z");

	/* a time zone with daylight saving time */
	check_next("0 9 * * *", false, "Test/DST", "2024-03-30T12:00:00Z", "2024-03-31T07:00:00Z");
	check_next("0 9 * * *", false, "Test/DST", "2024-01-10T12:00:00Z", "2024-01-11T08:00:00Z");
	/* spring forward: 02:30 does not exist that day and fires at 03:30 (01:30Z) */
	check_next("30 2 * * *", false, "Test/DST", "2024-03-30T12:00:00Z", "2024-03-31T01:30:00Z");
	check_next("30 2 * * *", false, "Test/DST", "2024-03-31T01:30:00Z", "2024-04-01T00:30:00Z");
	/* every 15 minutes across the gap: 01:45, then 03:00 local */
	check_next("*/15 * * * *", false, "Test/DST", "2024-03-31T00:45:00Z", "2024-03-31T01:00:00Z");
	check_next("*/15 * * * *", false, "Test/DST", "2024-03-31T01:00:00Z", "2024-03-31T01:15:00Z");
	/* fall back: 02:30 happens twice and fires once, the first time (00:30Z) */
	check_next("30 2 * * *", false, "Test/DST", "2024-10-26T12:00:00Z", "2024-10-27T00:30:00Z");
	check_next("30 2 * * *", false, "Test/DST", "2024-10-27T00:30:00Z", "2024-10-28T01:30:00Z");
	/* hourly across the repeated hour: 02:00 (+02) then 03:00 (+01) two hours later */
	check_next("0 * * * *", false, "Test/DST", "2024-10-27T00:00:00Z", "2024-10-27T02:00:00Z");

	/* previous fire times */
	check_prev("*/15 * * * *", false, "UTC", "2024-05-01T10:15:00Z", "2024-05-01T10:00:00Z");
	check_prev("*/15 * * * *", false, "UTC", "2024-05-01T10:15:00.5Z", "2024-05-01T10:15:00Z");
	check_prev("@daily", false, "UTC", "2024-05-01T10:15:00Z", "2024-05-01T00:00:00Z");
	check_prev("0 0 1 1 *", false, "UTC", "2024-05-01T10:15:00Z", "2024-01-01T00:00:00Z");
	check_prev("* * 1 1 *", false, "UTC", "2024-05-01T10:15:00Z", "2024-01-01T23:59:00Z");
	check_prev("*/2 * * * * *", true, "UTC", "2024-05-01T10:07:01Z", "2024-05-01T10:07:00Z");
	check_prev("0 9 * * *", false, "Test/DST", "2024-04-01T12:00:00Z", "2024-04-01T07:00:00Z");

	/* the shortest gap between fires, for flowpg.min_schedule_interval */
	check_gap("* * * * * *", true, 1);
	check_gap("*/2 * * * * *", true, 2);
	check_gap("0,30 * * * * *", true, 30);
	check_gap("* * * * *", false, 60);
	check_gap("*/15 9-17 * * 1-5", false, 15 * 60);
	check_gap("59 23 * * *", false, 24 * 3600);
	check_gap("0,59 0,1 * * *", false, 60);			/* 00:59 then 01:00 */
	check_gap("0 0 1 1 *", false, 365 * 24 * 3600);	/* 2000 is a leap year: the shortest is 365 days */
	check_gap("*/5 * 29 2 *", false, 5 * 60);		/* only on 29 February */
	check_gap("@daily", false, 24 * 3600);

	return tap_done();
}
