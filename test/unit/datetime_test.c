/*-------------------------------------------------------------------------
 *
 * datetime_test.c
 *	  Unit test of src/base/datetime.c, built outside the server against
 *	  PostgreSQL's frontend libpgcommon and libpgport (test/run unit), the
 *	  way the expression fuzzer builds it.  Prints TAP.
 *
 * unit-sources: src/base/datetime.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <stdarg.h>

#include "datetime.h"
#include "tap.h"

/* Zones by name need the server (datetime_zone.c): fixed offsets only here. */
bool
dt_zone_offset(const char *zone, int64 usec, int *offset_sec)
{
	(void) usec;
	return dt_fixed_zone_offset(zone, offset_sec);
}

/* Compare two strings, showing both on failure. */
static void
is_str(const char *got, const char *want, const char *name)
{
	bool		same = got != NULL && strcmp(got, want) == 0;

	ok(same, "%s", name);
	if (!same)
		printf("#   got:  %s\n#   want: %s\n", got ? got : "(null)", want);
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

/* ------------------------------------------------------------------ */

static void
test_dates(void)
{
	static const char *const good[] = {
		"2024-02-29", "2000-02-29", "1970-01-01", "1969-12-31", "0001-01-01",
		"0000-01-01", "-0001-12-31", "9999-12-31", "+10000-01-01",
		"+99999-12-31", "-99999-01-01", "1582-10-10",
	};
	static const char *const bad[] = {
		"2023-02-29", "2023-02-30", "1900-02-29", "2024-13-01", "2024-00-10",
		"2024-01-00", "2024-04-31", "2024-1-01", "2024-01-1", "24-01-01",
		"2024-01-01 ", " 2024-01-01", "", "garbage", "2024/01/01",
		"+2024-01-01", "10000-01-01", "+100000-01-01", "-100000-01-01",
		"2024-01-01T00:00:00Z", "2024-01-01x",
	};
	int32		d;
	bool		all = true;

	for (int i = 0; i < (int) lengthof(good); i++)
	{
		bool		parsed = dt_parse_date(good[i], &d);

		ok(parsed, "date %s parses", good[i]);
		if (parsed)
			is_str(dt_format_date(d), good[i], psprintf("date %s formats back", good[i]));
	}
	for (int i = 0; i < (int) lengthof(bad); i++)
		ok(!dt_parse_date(bad[i], &d), "date \"%s\" is refused", bad[i]);

	ok(dt_parse_date("1970-01-01", &d) && d == 0, "1970-01-01 is day 0");
	ok(dt_parse_date("1969-12-31", &d) && d == -1, "1969-12-31 is day -1");
	ok(dt_parse_date("2000-03-01", &d) && d == 11017, "2000-03-01 is day 11017");

	/* ymd <-> day count agree over the whole range */
	for (int64 day = -36500000; day <= 35800000; day += 9973)
	{
		int64		y;
		int			m;
		int			dd;
		int32		back;

		dt_ymd_from_date((int32) day, &y, &m, &dd);
		if (!dt_date_from_ymd(y, m, dd, &back) || back != day)
		{
			printf("# day %lld -> %lld-%d-%d -> %d\n", (long long) day, (long long) y, m, dd, back);
			all = false;
			break;
		}
	}
	ok(all, "day counts and calendar dates round-trip from year -99936 to 99985");
	ok(!dt_date_from_ymd(2023, 2, 29, &d), "dt_date_from_ymd refuses 2023-02-29");
	ok(!dt_date_from_ymd(100000, 1, 1, &d), "dt_date_from_ymd refuses year 100000");
}

static void
test_datetimes(void)
{
	int64		u;
	int			off;

	ok(dt_parse_datetime("2024-01-02T03:04:05Z", true, &u, &off) &&
	   u == INT64CONST(1704164645000000) && off == 0, "Z date-time parses to its instant");
	is_str(dt_format_datetime(u, 0), "2024-01-02T03:04:05Z", "Z date-time formats back");

	ok(dt_parse_datetime("2024-01-02T03:04:05.123+02:00", true, &u, &off) && off == 7200,
	   "offset date-time keeps its offset");
	is_str(dt_format_datetime(u, 0), "2024-01-02T01:04:05.123Z", "offset date-time in UTC");
	is_str(dt_format_datetime(u, off), "2024-01-02T03:04:05.123+02:00", "offset date-time at its offset");

	ok(dt_parse_datetime("2024-01-02T03:04:05.123456789Z", true, &u, &off), "nanoseconds parse");
	is_str(dt_format_datetime(u, 0), "2024-01-02T03:04:05.123456Z", "nanoseconds are truncated to microseconds");
	ok(dt_parse_datetime("2024-01-02T03:04:05.1Z", true, &u, &off), "one fraction digit parses");
	is_str(dt_format_datetime(u, 0), "2024-01-02T03:04:05.100Z", "fraction printed in groups of three");
	ok(dt_parse_datetime("2024-01-02T03:04Z", true, &u, &off), "date-time without seconds parses");
	is_str(dt_format_datetime(u, 0), "2024-01-02T03:04:00Z", "seconds are always printed");
	ok(dt_parse_datetime("2024-01-02t03:04:05z", true, &u, &off), "lower-case t and z parse");
	ok(dt_parse_datetime("2024-01-02T03:04:05+0530", true, &u, &off) && off == 19800, "+0530 parses");
	is_str(dt_format_datetime(u, off), "2024-01-02T03:04:05+05:30", "+05:30 printed with a colon");
	ok(dt_parse_datetime("2024-01-02T03:04:05-08", true, &u, &off) && off == -28800, "-08 parses");
	ok(dt_parse_datetime("2024-01-02T03:04:05+01:30:15", true, &u, &off) && off == 5415, "+01:30:15 parses");
	is_str(dt_format_datetime(u, off), "2024-01-02T03:04:05+01:30:15", "offset seconds printed");

	ok(!dt_parse_datetime("2024-01-02T03:04:05", true, &u, &off), "missing offset refused when required");
	ok(dt_parse_datetime("2024-01-02T03:04:05", false, &u, &off) && off == 0 &&
	   u == INT64CONST(1704164645000000), "missing offset is UTC when allowed");

	{
		static const char *const bad[] = {
			"2024-01-02T24:00:00Z", "2024-01-02T23:60:00Z", "2024-01-02T23:59:60Z",
			"2024-01-02 03:04:05Z", "2024-01-02T03:04:05+19:00", "2024-01-02T03:04:05+02:0",
			"2024-02-30T00:00:00Z", "2024-01-02T03:04:05.Z", "2024-01-02T03:04:05.1234567890Z",
			"2024-01-02T3:04:05Z", "2024-01-02T03:04:05ZZ", "2024-01-02T03:04:05+02:60",
			"2024-01-02", "", "now", "2024-01-02T03:04:05 Z",
		};

		for (int i = 0; i < (int) lengthof(bad); i++)
			ok(!dt_parse_datetime(bad[i], false, &u, &off), "date-time \"%s\" is refused", bad[i]);
	}

	ok(dt_parse_datetime("1969-12-31T23:59:59.5Z", true, &u, &off) && u == -500000,
	   "instant before 1970 parses");
	is_str(dt_format_datetime(u, 0), "1969-12-31T23:59:59.500Z", "instant before 1970 formats");
	is_str(dt_format_datetime(0, 0), "1970-01-01T00:00:00Z", "epoch formats");
	is_str(dt_format_datetime(-1, 0), "1969-12-31T23:59:59.999999Z", "epoch minus 1 us formats");
	ok(dt_parse_datetime("+10000-01-01T00:00:00Z", true, &u, &off), "year 10000 parses");
	is_str(dt_format_datetime(u, 0), "+10000-01-01T00:00:00Z", "year 10000 formats with a sign");
	ok(dt_parse_datetime("-0001-01-01T00:00:00Z", true, &u, &off), "year -1 parses");
	is_str(dt_format_datetime(u, 0), "-0001-01-01T00:00:00Z", "year -1 formats");
	ok(dt_parse_datetime("+99999-12-31T23:59:59.999999-18:00", true, &u, &off),
	   "latest supported instant parses");
	is_str(dt_format_datetime(u, 0), "+100000-01-01T17:59:59.999999Z",
		   "latest supported instant formats in UTC past the parse range");

	/* formatting never fails, even at the ends of int64 */
	ok(dt_format_datetime(PG_INT64_MAX, 0) != NULL && dt_format_datetime(PG_INT64_MIN, 0) != NULL,
	   "int64 extremes format without crashing");

	/* round trips over the range */
	{
		bool		all = true;

		for (int64 x = INT64CONST(-3000000000000000000); x < INT64CONST(3000000000000000000);
			 x += INT64CONST(7777777777777777))
		{
			int64		back;
			char	   *t = dt_format_datetime(x + 123456, 3600);

			if (!dt_parse_datetime(t, true, &back, &off) || back != x + 123456 || off != 3600)
			{
				printf("# %lld -> %s\n", (long long) x, t);
				all = false;
				break;
			}
		}
		ok(all, "format then parse gives back the instant and offset across the range");
	}
}

static void
test_times(void)
{
	int64		t;

	ok(dt_parse_time("00:00", &t) && t == 0, "00:00 is midnight");
	is_str(dt_format_time(0), "00:00:00", "midnight formats with seconds");
	ok(dt_parse_time("18:27:49", &t) && t == INT64CONST(66469000000), "18:27:49 parses");
	is_str(dt_format_time(t), "18:27:49", "18:27:49 formats back");
	ok(dt_parse_time("23:59:59.999999", &t), "23:59:59.999999 parses");
	is_str(dt_format_time(t), "23:59:59.999999", "23:59:59.999999 formats back");
	ok(dt_parse_time("12:30:15.5", &t), "12:30:15.5 parses");
	is_str(dt_format_time(t), "12:30:15.500", "12:30:15.5 formats as .500");
	{
		static const char *const bad[] = {
			"24:00", "24:00:00", "12:60", "12:00:60", "1:00", "12:00:00.", "12:00:00Z",
			"", "12", "12:00:00.1234567890", "noon", "12:00 ", "-01:00",
		};

		for (int i = 0; i < (int) lengthof(bad); i++)
			ok(!dt_parse_time(bad[i], &t), "time \"%s\" is refused", bad[i]);
	}
}

static void
test_durations(void)
{
	static const struct
	{
		const char *in;
		int64		usec;
		const char *out;
	}			good[] = {
		{"PT5M6S", INT64CONST(306000000), "PT5M6S"},
		{"PT0S", 0, "PT0S"},
		{"P0D", 0, "PT0S"},
		{"P1D", INT64CONST(86400000000), "PT24H"},
		{"P1DT2H", INT64CONST(93600000000), "PT26H"},
		{"P2D", INT64CONST(172800000000), "PT48H"},
		{"PT0.5S", 500000, "PT0.5S"},
		{"PT-0.5S", -500000, "PT-0.5S"},
		{"PT1.5S", 1500000, "PT1.5S"},
		{"PT-1.5S", -1500000, "PT-1.5S"},
		{"-PT5M", INT64CONST(-300000000), "PT-5M"},
		{"-PT-5M", INT64CONST(300000000), "PT5M"},
		{"+PT5M", INT64CONST(300000000), "PT5M"},
		{"PT1H-1M", INT64CONST(3540000000), "PT59M"},
		{"PT90S", INT64CONST(90000000), "PT1M30S"},
		{"PT-90S", INT64CONST(-90000000), "PT-1M-30S"},
		{"PT-3600.5S", INT64CONST(-3600500000), "PT-1H-0.5S"},
		{"-PT1H1M1S", INT64CONST(-3661000000), "PT-1H-1M-1S"},
		{"PT0.000001S", 1, "PT0.000001S"},
		{"PT0.0000001S", 0, "PT0S"},
		{"PT1,5S", 1500000, "PT1.5S"},
		{"PT1.S", 1000000, "PT1S"},
		{"pt5m", INT64CONST(300000000), "PT5M"},
		{"PT10H", INT64CONST(36000000000), "PT10H"},
		{"PT1H0.25S", INT64CONST(3600250000), "PT1H0.25S"},
		{"P-1DT1H", INT64CONST(-82800000000), "PT-23H"},
		{"PT2562047788H54.775807S", PG_INT64_MAX, "PT2562047788H54.775807S"},
	};
	static const char *const bad[] = {
		"P1M", "P1Y", "P1W", "P1Y2M3D", "P", "PT", "P1DT", "PT5", "5M", "PT5M6",
		"PT1.1234567890S", "", "garbage", "PT5S5M", "P1D1D", "PT99999999999999999H",
		" PT5M", "PT5M ", "PT.5S", "--PT5M", "P1DT1D", "PT1H1H", "PT2562047789H",
	};
	int64		d;

	for (int i = 0; i < (int) lengthof(good); i++)
	{
		bool		parsed = dt_parse_duration(good[i].in, &d);

		ok(parsed && d == good[i].usec, "duration %s is %lld us", good[i].in,
		   (long long) good[i].usec);
		if (parsed)
			is_str(dt_format_duration(d), good[i].out,
				   psprintf("duration %s formats as %s", good[i].in, good[i].out));
	}
	for (int i = 0; i < (int) lengthof(bad); i++)
		ok(!dt_parse_duration(bad[i], &d), "duration \"%s\" is refused", bad[i]);

	is_str(dt_format_duration(PG_INT64_MIN), "PT-2562047788H-54.775808S",
		   "the most negative duration formats as Java would");
	{
		bool		all = true;

		for (int64 x = INT64CONST(-9000000000000000000); x < INT64CONST(9000000000000000000);
			 x += INT64CONST(123456789012345677))
		{
			int64		back;
			char	   *t = dt_format_duration(x);

			if (!dt_parse_duration(t, &back) || back != x)
			{
				printf("# %lld -> %s\n", (long long) x, t);
				all = false;
				break;
			}
		}
		ok(all, "duration format then parse round-trips");
	}
}

/* Format 2024-03-05T14:07:09.123456 at offset with a pattern and compare. */
static void
pattern_is(int64 u, int offset, const char *pattern, const char *want)
{
	char	   *error = NULL;
	char	   *got = dt_format_pattern(u, offset, pattern, &error);

	is_str(got, want, psprintf("pattern \"%s\" gives \"%s\"%s%s", pattern, want,
							   error ? " / " : "", error ? error : ""));
}

static void
pattern_fails(const char *pattern, const char *want_in_error)
{
	char	   *error = NULL;
	char	   *got = dt_format_pattern(0, 0, pattern, &error);

	ok(got == NULL && error != NULL && strstr(error, want_in_error) != NULL,
	   "pattern \"%s\" is refused (%s)", pattern, error ? error : "no error");
}

static void
test_format_patterns(void)
{
	int64		u = instant("2024-03-05T14:07:09.123456Z");
	int64		p2 = u - INT64CONST(7200000000);	/* so that local time at +02:00 is the same */

	pattern_is(u, 0, "yyyy-MM-dd'T'HH:mm:ss", "2024-03-05T14:07:09");
	pattern_is(u, 0, "yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "2024-03-05T14:07:09.123Z");
	pattern_is(u, 0, "yy", "24");
	pattern_is(u, 0, "y", "2024");
	pattern_is(u, 0, "yyy", "2024");
	pattern_is(u, 0, "yyyyy", "02024");
	pattern_is(u, 0, "u", "2024");
	pattern_is(u, 0, "M", "3");
	pattern_is(u, 0, "MM", "03");
	pattern_is(u, 0, "MMM", "Mar");
	pattern_is(u, 0, "MMMM", "March");
	pattern_is(u, 0, "MMMMM", "M");
	pattern_is(u, 0, "LLL", "Mar");
	pattern_is(u, 0, "d", "5");
	pattern_is(u, 0, "dd", "05");
	pattern_is(u, 0, "D", "65");
	pattern_is(u, 0, "DDD", "065");
	pattern_is(u, 0, "H", "14");
	pattern_is(u, 0, "HH", "14");
	pattern_is(u, 0, "h", "2");
	pattern_is(u, 0, "hh", "02");
	pattern_is(u, 0, "K", "2");
	pattern_is(u, 0, "k", "14");
	pattern_is(u, 0, "a", "PM");
	pattern_is(u, 0, "m", "7");
	pattern_is(u, 0, "mm", "07");
	pattern_is(u, 0, "s", "9");
	pattern_is(u, 0, "ss", "09");
	pattern_is(u, 0, "S", "1");
	pattern_is(u, 0, "SSS", "123");
	pattern_is(u, 0, "SSSSSS", "123456");
	pattern_is(u, 0, "SSSSSSSSS", "123456000");
	pattern_is(u, 0, "n", "123456000");
	pattern_is(u, 0, "A", "50829123");
	pattern_is(u, 0, "E", "Tue");
	pattern_is(u, 0, "EEE", "Tue");
	pattern_is(u, 0, "EEEE", "Tuesday");
	pattern_is(u, 0, "EEEEE", "T");
	pattern_is(u, 0, "G", "AD");
	pattern_is(u, 0, "GGGG", "Anno Domini");
	pattern_is(u, 0, "Q", "1");
	pattern_is(u, 0, "QQQ", "Q1");
	pattern_is(u, 0, "QQQQ", "1st quarter");
	pattern_is(u, 0, "EEEE, MMMM d, yyyy h:mm a", "Tuesday, March 5, 2024 2:07 PM");

	/* offsets */
	pattern_is(p2, 7200, "HH:mm Z", "14:07 +0200");
	pattern_is(p2, 7200, "X", "+02");
	pattern_is(p2, 7200, "XX", "+0200");
	pattern_is(p2, 7200, "XXX", "+02:00");
	pattern_is(p2, 7200, "x", "+02");
	pattern_is(p2, 7200, "xxx", "+02:00");
	pattern_is(p2, 7200, "ZZZZ", "GMT+02:00");
	pattern_is(p2, 7200, "ZZZZZ", "+02:00");
	pattern_is(p2, 7200, "O", "GMT+2");
	pattern_is(p2, 7200, "OOOO", "GMT+02:00");
	pattern_is(p2, 7200, "VV", "+02:00");
	pattern_is(p2, 7200, "HH", "14");
	pattern_is(u, 0, "X", "Z");
	pattern_is(u, 0, "XXX", "Z");
	pattern_is(u, 0, "XXXXX", "Z");
	pattern_is(u, 0, "x", "+00");
	pattern_is(u, 0, "xxx", "+00:00");
	pattern_is(u, 0, "Z", "+0000");
	pattern_is(u, 0, "ZZZZ", "GMT");
	pattern_is(u, 0, "ZZZZZ", "Z");
	pattern_is(u, 0, "O", "GMT");
	pattern_is(u, 19800, "X", "+0530");
	pattern_is(u, 19800, "O", "GMT+5:30");
	pattern_is(u, -10800, "XXX", "-03:00");
	pattern_is(u, -10800, "Z", "-0300");
	pattern_is(u, 5415, "XXXXX", "+01:30:15");
	pattern_is(u, 5415, "XXX", "+01:30");

	/* literals and optional sections */
	pattern_is(u, 0, "'at' HH 'o''clock'", "at 14 o'clock");
	pattern_is(u, 0, "''", "'");
	pattern_is(u, 0, "yyyy[-MM]", "2024-03");
	pattern_is(u, 0, "yyyy[-MM", "2024-03");
	pattern_is(u, 0, "dd/MM/yyyy HH:mm", "05/03/2024 14:07");
	pattern_is(u, 0, "yyyyMMddHHmmss", "20240305140709");
	pattern_is(u, 0, "", "");
	pattern_is(u, 0, "'été' d", "été 5");

	/* clocks at midnight and noon */
	pattern_is(instant("2024-03-05T00:30:00Z"), 0, "h:mm a k K H", "12:30 AM 24 0 0");
	pattern_is(instant("2024-03-05T12:30:00Z"), 0, "h:mm a k K H", "12:30 PM 12 0 12");

	/* far years */
	pattern_is(instant("+10000-01-01T00:00:00Z"), 0, "yyyy-MM-dd", "+10000-01-01");
	pattern_is(instant("+10000-01-01T00:00:00Z"), 0, "yyyyy", "10000");
	pattern_is(instant("-0001-06-01T00:00:00Z"), 0, "uuuu", "-0001");
	pattern_is(instant("-0001-06-01T00:00:00Z"), 0, "yyyy G", "0002 BC");
	pattern_is(instant("0000-06-01T00:00:00Z"), 0, "yyyy G u", "0001 BC 0");
	pattern_is(instant("0999-06-01T00:00:00Z"), 0, "y yy yyyy", "999 99 0999");

	/* errors */
	pattern_fails("yyyy-qq", "'q' is not supported");
	pattern_fails("YYYY-MM-dd", "'Y' is not supported");
	pattern_fails("bb", "unknown pattern letter 'b'");
	pattern_fails("ddd", "wrong number of pattern letters 'd'");
	pattern_fails("HHH", "wrong number of pattern letters 'H'");
	pattern_fails("aa", "wrong number of pattern letters 'a'");
	pattern_fails("OO", "wrong number of pattern letters 'O'");
	pattern_fails("V", "wrong number of pattern letters 'V'");
	pattern_fails("MMMMMM", "wrong number of pattern letters 'M'");
	pattern_fails("SSSSSSSSSS", "wrong number of pattern letters 'S'");
	pattern_fails("'abc", "unterminated quoted literal");
	pattern_fails("yyyy]", "']' without a previous '['");
	pattern_fails("{yyyy}", "reserved character '{'");
	pattern_fails("#", "reserved character '#'");
	pattern_fails("zzz", "'z' is not supported");
}

/* Parse text with a pattern and compare with an ISO instant and offset. */
static void
parse_is(const char *text, const char *pattern, const char *want_iso, int want_offset)
{
	int64		u;
	int			off;
	bool		parsed = dt_parse_pattern(text, pattern, &u, &off);
	char	   *got = parsed ? dt_format_datetime(u, off) : NULL;

	ok(parsed && off == want_offset && strcmp(got, want_iso) == 0,
	   "\"%s\" with \"%s\" is %s", text, pattern, want_iso);
	if (!parsed || strcmp(got, want_iso) != 0)
		printf("#   got: %s\n", got ? got : "(no parse)");
}

static void
parse_fails(const char *text, const char *pattern)
{
	int64		u;
	int			off;

	ok(!dt_parse_pattern(text, pattern, &u, &off), "\"%s\" with \"%s\" is refused", text, pattern);
}

static void
test_parse_patterns(void)
{
	parse_is("2024-03-05 14:07", "yyyy-MM-dd HH:mm", "2024-03-05T14:07:00Z", 0);
	parse_is("05/03/2024", "dd/MM/yyyy", "2024-03-05T00:00:00Z", 0);
	parse_is("20240305", "yyyyMMdd", "2024-03-05T00:00:00Z", 0);
	parse_is("20240305140709", "yyyyMMddHHmmss", "2024-03-05T14:07:09Z", 0);
	parse_is("5 Mar 2024", "d MMM yyyy", "2024-03-05T00:00:00Z", 0);
	parse_is("5 mar 2024", "d MMM yyyy", "2024-03-05T00:00:00Z", 0);
	parse_is("March 5, 2024 2:07 PM", "MMMM d, yyyy h:mm a", "2024-03-05T14:07:00Z", 0);
	parse_is("March 5, 2024 12:07 AM", "MMMM d, yyyy h:mm a", "2024-03-05T00:07:00Z", 0);
	parse_is("2024-03-05T14:07:09.123+02:00", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX",
			 "2024-03-05T14:07:09.123+02:00", 7200);
	parse_is("2024-03-05T14:07:09Z", "yyyy-MM-dd'T'HH:mm:ssXXX", "2024-03-05T14:07:09Z", 0);
	parse_is("2024-03-05 14:07 +0530", "yyyy-MM-dd HH:mm Z", "2024-03-05T14:07:00+05:30", 19800);
	parse_is("2024-03-05 14:07 GMT+2", "yyyy-MM-dd HH:mm O", "2024-03-05T14:07:00+02:00", 7200);
	parse_is("Tue 2024-03-05", "EEE yyyy-MM-dd", "2024-03-05T00:00:00Z", 0);
	parse_is("Tuesday 2024-03-05", "EEEE yyyy-MM-dd", "2024-03-05T00:00:00Z", 0);
	parse_is("2024-03", "yyyy-MM[-dd]", "2024-03-01T00:00:00Z", 0);
	parse_is("2024-03-05", "yyyy-MM[-dd]", "2024-03-05T00:00:00Z", 0);
	parse_is("24-03-05", "yy-MM-dd", "2024-03-05T00:00:00Z", 0);
	parse_is("065/2024", "DDD/yyyy", "2024-03-05T00:00:00Z", 0);
	parse_is("14:07", "HH:mm", "1970-01-01T14:07:00Z", 0);
	parse_is("2024-03-05 at 14h", "yyyy-MM-dd 'at' HH'h'", "2024-03-05T14:00:00Z", 0);
	parse_is("-0001-01-01", "uuuu-MM-dd", "-0001-01-01T00:00:00Z", 0);
	parse_is("0002-01-01 BC", "yyyy-MM-dd G", "-0001-01-01T00:00:00Z", 0);
	parse_is("1.5.2024", "d.M.yyyy", "2024-05-01T00:00:00Z", 0);
	parse_is("12.11.2024", "d.M.yyyy", "2024-11-12T00:00:00Z", 0);

	parse_fails("Wed 2024-03-05", "EEE yyyy-MM-dd");
	parse_fails("2024-02-30", "yyyy-MM-dd");
	parse_fails("2024-03-05 extra", "yyyy-MM-dd");
	parse_fails("2024-03", "yyyy-MM-dd");
	parse_fails("2024-13-05", "yyyy-MM-dd");
	parse_fails("2024-03-05 25:00", "yyyy-MM-dd HH:mm");
	parse_fails("13:00 PM", "hh:mm a");
	parse_fails("2024-03-05", "yyyy-qq");
	parse_fails("", "yyyy");
	parse_fails("2024-03-05", "dd/MM/yyyy");
	parse_fails("Foo 5 2024", "MMM d yyyy");
	parse_fails("366/2023", "DDD/yyyy");
}

static void
test_parse_any(void)
{
	int64		u;
	int			off;

	ok(dt_parse_any("2024-03-05", &u, &off) && off == 0 &&
	   u == instant("2024-03-05T00:00:00Z"), "a date is midnight UTC");
	ok(dt_parse_any("2024-03-05T14:07:09", &u, &off) && off == 0 &&
	   u == instant("2024-03-05T14:07:09Z"), "a local date-time is UTC");
	ok(dt_parse_any("2024-03-05 14:07:09", &u, &off) &&
	   u == instant("2024-03-05T14:07:09Z"), "a space may separate date and time");
	ok(dt_parse_any("2024-03-05T14:07:09+01:00[Europe/Paris]", &u, &off) && off == 3600 &&
	   u == instant("2024-03-05T13:07:09Z"), "a ZonedDateTime string uses its offset");
	ok(dt_parse_any("2024-03-05T14:07:09.5Z", &u, &off) &&
	   u == instant("2024-03-05T14:07:09.5Z"), "an instant string parses");
	ok(dt_parse_any("1700000000", &u, &off) && u == INT64CONST(1700000000000000),
	   "a number is seconds since the epoch");
	ok(dt_parse_any("-1.5", &u, &off) && u == -1500000, "negative fractional epoch seconds");
	ok(dt_parse_any("  2024-03-05  ", &u, &off) && u == instant("2024-03-05T00:00:00Z"),
	   "surrounding blanks are ignored");
	ok(!dt_parse_any("2024-03-05T14:07:09[Europe/Paris]", &u, &off),
	   "a zone name without an offset is refused");
	ok(!dt_parse_any("garbage", &u, &off), "garbage is refused");
	ok(!dt_parse_any("", &u, &off), "empty text is refused");
	ok(!dt_parse_any("99999999999999999999", &u, &off), "huge epoch seconds are refused");
	ok(!dt_parse_any("2024-03-05T", &u, &off), "a dangling T is refused");
}

/* Add and compare the result in UTC. */
static void
add_is(const char *from, int offset, int64 amount, const char *unit, const char *want)
{
	int64		r;
	bool		done = dt_add(instant(from), offset, amount, unit, &r);
	char	   *got = done ? dt_format_datetime(r, 0) : NULL;

	ok(done && strcmp(got, want) == 0, "%s %+lld %s at offset %d is %s", from,
	   (long long) amount, unit, offset, want);
	if (!done || strcmp(got, want) != 0)
		printf("#   got: %s\n", got ? got : "(failed)");
}

static void
add_fails(const char *from, int64 amount, const char *unit)
{
	int64		r;

	ok(!dt_add(instant(from), 0, amount, unit, &r), "%s %+lld %s fails", from,
	   (long long) amount, unit);
}

static void
test_add(void)
{
	add_is("2024-01-31T10:00:00Z", 0, 1, "MONTHS", "2024-02-29T10:00:00Z");
	add_is("2023-01-31T10:00:00Z", 0, 1, "MONTHS", "2023-02-28T10:00:00Z");
	add_is("2024-03-31T10:00:00Z", 0, -1, "MONTHS", "2024-02-29T10:00:00Z");
	add_is("2024-01-31T10:00:00Z", 0, 13, "MONTHS", "2025-02-28T10:00:00Z");
	add_is("2024-01-15T10:00:00Z", 0, -13, "MONTHS", "2022-12-15T10:00:00Z");
	add_is("2024-02-29T10:00:00Z", 0, 1, "YEARS", "2025-02-28T10:00:00Z");
	add_is("2024-02-29T10:00:00Z", 0, 4, "YEARS", "2028-02-29T10:00:00Z");
	add_is("2024-02-29T10:00:00Z", 0, 1, "DECADES", "2034-02-28T10:00:00Z");
	add_is("2000-02-29T10:00:00Z", 0, 1, "CENTURIES", "2100-02-28T10:00:00Z");
	add_is("2000-02-29T10:00:00Z", 0, 2, "MILLENNIA", "4000-02-29T10:00:00Z");
	add_is("2024-03-01T01:00:00+02:00", 7200, 1, "MONTHS", "2024-03-31T23:00:00Z");
	add_is("2024-03-01T01:00:00+02:00", 0, 1, "MONTHS", "2024-03-29T23:00:00Z");
	add_is("2024-03-05T14:07:09Z", 0, 1, "DAYS", "2024-03-06T14:07:09Z");
	add_is("2024-03-05T14:07:09Z", 0, -1, "WEEKS", "2024-02-27T14:07:09Z");
	add_is("2024-03-05T14:07:09Z", 0, 2, "HALF_DAYS", "2024-03-06T14:07:09Z");
	add_is("2024-03-05T14:07:09Z", 0, 10, "HOURS", "2024-03-06T00:07:09Z");
	add_is("2024-03-05T14:07:09Z", 0, -7, "MINUTES", "2024-03-05T14:00:09Z");
	add_is("2024-03-05T14:07:09Z", 0, 51, "SECONDS", "2024-03-05T14:08:00Z");
	add_is("2024-03-05T14:07:09Z", 0, 1500, "MILLIS", "2024-03-05T14:07:10.500Z");
	add_is("2024-03-05T14:07:09Z", 0, 1, "MICROS", "2024-03-05T14:07:09.000001Z");
	add_is("2024-03-05T14:07:09Z", 0, 1500, "NANOS", "2024-03-05T14:07:09.000001Z");
	add_is("2024-03-05T14:07:09Z", 0, 1, "days", "2024-03-06T14:07:09Z");
	add_is("9999-12-31T00:00:00Z", 0, 1, "DAYS", "+10000-01-01T00:00:00Z");
	add_is("1970-01-01T00:00:00Z", 0, -1, "MICROS", "1969-12-31T23:59:59.999999Z");
	add_is("-0001-03-01T00:00:00Z", 0, -1, "MONTHS", "-0001-02-01T00:00:00Z");
	add_is("0000-02-29T00:00:00Z", 0, 1, "YEARS", "0001-02-28T00:00:00Z");
	add_fails("2024-03-05T14:07:09Z", 1, "FORTNIGHTS");
	add_fails("2024-03-05T14:07:09Z", 1, "");
	add_fails("2024-03-05T14:07:09Z", PG_INT64_MAX, "SECONDS");
	add_fails("2024-03-05T14:07:09Z", PG_INT64_MIN, "DAYS");
	add_fails("2024-03-05T14:07:09Z", 200000, "YEARS");
	add_fails("2024-03-05T14:07:09Z", PG_INT64_MAX, "MONTHS");
	add_fails("+99999-12-31T00:00:00Z", 2, "DAYS");
	add_fails("-99999-01-01T00:00:00Z", -1, "MONTHS");
}

static void
test_zones(void)
{
	static const struct
	{
		const char *zone;
		int			offset;
	}			good[] = {
		{"UTC", 0}, {"Z", 0}, {"GMT", 0}, {"UT", 0}, {"utc", 0},
		{"+02:00", 7200}, {"-5", -18000}, {"+0530", 19800}, {"-05:30", -19800},
		{"UTC+01:00", 3600}, {"GMT-03", -10800}, {"UT+2", 7200}, {"+18:00", 64800},
		{"+01:30:15", 5415},
	};
	static const char *const bad[] = {
		"+19:00", "Europe/Paris", "", "+", "UTC+", "CET", "02:00", "+2:00", "UTC 1",
		"z", "+02:00 ",
	};
	int			off;

	for (int i = 0; i < (int) lengthof(good); i++)
		ok(dt_fixed_zone_offset(good[i].zone, &off) && off == good[i].offset,
		   "zone \"%s\" is %+d s", good[i].zone, good[i].offset);
	for (int i = 0; i < (int) lengthof(bad); i++)
		ok(!dt_fixed_zone_offset(bad[i], &off), "zone \"%s\" is no fixed offset", bad[i]);
}

/*
 * Kestra's named formats: every ISO week-date edge of a decade round-trips
 * (formatted, then read back to the same day); years before 1 and after
 * 9999; a local time read in a fixed zone; dt_read_any says what is local.
 */
static void
test_named_formats(void)
{
	int64		u;
	int64		back;
	int			off;
	bool		has;
	bool		known;
	bool		all = true;

	for (int32 day = 18262; day < 18262 + 3653; day++)	/* 2020-01-01 .. 2029-12-31 */
	{
		int64		at = (int64) day * 86400 * USECS_PER_SEC_DT;
		char	   *week = dt_format_named(at, 0, NULL, "iso_week_date");
		char	   *ordinal = dt_format_named(at, 0, NULL, "iso_ordinal_date");

		week[strlen(week) - 1] = '\0';	/* drop the Z */
		ordinal[strlen(ordinal) - 1] = '\0';
		if (!dt_read_named(week, "iso_week_date", &back, &off, &has, &known) || back != at ||
			!dt_read_named(ordinal, "iso_ordinal_date", &back, &off, &has, &known) || back != at)
		{
			all = false;
			printf("#   day %d: %s / %s\n", day, week, ordinal);
			break;
		}
	}
	ok(all, "ISO week and ordinal dates of 2020-2029 read back to their day");
	is_str(dt_format_named(instant("2026-12-31T00:00:00Z"), 0, NULL, "iso_week_date"), "2026-W53-4Z",
		   "2026-12-31 is in week 53 of 2026");
	is_str(dt_format_named(instant("2027-01-03T00:00:00Z"), 0, NULL, "iso_week_date"), "2026-W53-7Z",
		   "2027-01-03 is still in week 53 of 2026");
	is_str(dt_format_named(instant("+10000-01-01T00:00:00Z"), 0, NULL, "iso_local_date_time"),
		   "+10000-01-01T00:00:00", "a year beyond 9999 has a sign");
	is_str(dt_format_named(instant("2024-01-02T03:04:05.000120Z"), 3600, "+01:00", "iso_zoned_date_time"),
		   "2024-01-02T04:04:05.00012+01:00", "a fixed offset has no [zone]");
	is_str(dt_format_named(instant("2024-01-02T03:04:05Z"), -1800, NULL, "rfc_1123_date_time"),
		   "Tue, 2 Jan 2024 02:34:05 -0030", "RFC 1123 with a negative half-hour offset");
	ok(dt_format_named(0, 0, NULL, "iso_nope") == NULL, "an unknown name is no named format");
	ok(!dt_read_named("x", "yyyy", &u, &off, &has, &known) && !known, "a pattern is not a named format");

	ok(dt_read_any("2024-03-31T02:30:00", &u, &off, &has) && !has, "a date-time without offset is local");
	ok(dt_read_any("2024-03-31", &u, &off, &has) && !has, "a date is local");
	ok(dt_read_any("2024-03-31T02:30:00+02:00", &u, &off, &has) && has, "an offset fixes the instant");
	ok(dt_read_any("1711848600", &u, &off, &has) && has, "a number of seconds fixes the instant");
	ok(dt_local_to_instant("+05:30", instant("2024-03-31T12:00:00Z"), &u, &off) &&
	   u == instant("2024-03-31T06:30:00Z") && off == 19800, "12:00 in +05:30 is 06:30 UTC");
	ok(dt_local_to_instant(NULL, 42, &u, &off) && u == 42 && off == 0, "no zone is UTC");
	ok(!dt_local_to_instant("Not/AZone", 0, &u, &off), "an unknown zone is refused");
}

int
main(void)
{
	test_dates();
	test_datetimes();
	test_times();
	test_durations();
	test_format_patterns();
	test_parse_patterns();
	test_parse_any();
	test_add();
	test_zones();
	test_named_formats();
	return tap_done();
}
