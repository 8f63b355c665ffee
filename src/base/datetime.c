/*-------------------------------------------------------------------------
 *
 * datetime.c
 *	  ISO-8601 dates, times, date-times and durations as java.time reads
 *	  and writes them; Java DateTimeFormatter patterns; calendar arithmetic.
 *
 * The calendar is the proleptic Gregorian one of java.time: year 0 is
 * 1 BC, and every date from DT_MIN_YEAR to DT_MAX_YEAR is accepted.  All
 * arithmetic is done on whole seconds plus microseconds with floor
 * division, so that instants before 1970 format correctly.  Fractions of a
 * second finer than a microsecond are accepted and truncated.
 *
 * Only palloc, psprintf, StringInfo and libc (plus libpgport's
 * pg_strcasecmp) are used here, never ereport: the expression fuzzer and
 * test/unit/datetime_test.c build this file outside the server.  Zones by
 * name live in datetime_zone.c.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/int.h"
#include "lib/stringinfo.h"

#include "datetime.h"

#define DT_SECS_PER_DAY		INT64CONST(86400)
#define DT_USECS_PER_DAY	INT64CONST(86400000000)
#define DT_MAX_OFFSET		(18 * 3600)	/* java.time's ZoneOffset limit */

static const char *const month_names[12] = {
	"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December"
};

/* Monday first, as ISO-8601 and java.time's DayOfWeek number them */
static const char *const day_names[7] = {
	"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"
};

/* An instant broken down into its local calendar fields at an offset. */
typedef struct Broken
{
	int64		year;			/* proleptic: 0 = 1 BC */
	int			month;			/* 1..12 */
	int			day;			/* 1..31 */
	int			doy;			/* day of year, 1..366 */
	int			dow;			/* 1 = Monday .. 7 = Sunday */
	int			hour;
	int			minute;
	int			second;
	int			micro;			/* microseconds within the second */
	int			offset;			/* seconds east of UTC */
} Broken;

/* ---------------------------------------------------------------------
 * Calendar arithmetic
 * ---------------------------------------------------------------------
 */

/* a / b rounded towards minus infinity (b > 0). */
static inline int64
floor_div(int64 a, int64 b)
{
	int64		q = a / b;

	if (a % b != 0 && a < 0)
		q--;
	return q;
}

/* a mod b in [0, b) (b > 0); computed without a product, which could overflow. */
static inline int64
floor_mod(int64 a, int64 b)
{
	int64		r = a % b;

	return r < 0 ? r + b : r;
}

/* True in leap years of the proleptic Gregorian calendar. */
static bool
is_leap(int64 y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days in month m (1..12) of year y. */
static int
days_in_month(int64 y, int m)
{
	static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return (m == 2 && is_leap(y)) ? 29 : dim[m - 1];
}

/*
 * Days from 1970-01-01 to y-m-d.  The year is shifted to start in March, so
 * that the leap day falls at the end of a year; 400-year cycles of 146097
 * days then make the count a closed formula valid for any year.
 */
static int64
days_from_civil(int64 y, int m, int d)
{
	int64		cycle;
	int64		year_of_cycle;
	int64		day_of_year;
	int64		day_of_cycle;

	if (m <= 2)
		y--;
	cycle = floor_div(y, 400);
	year_of_cycle = y - cycle * 400;	/* 0..399 */
	day_of_year = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;	/* from March 1 */
	day_of_cycle = year_of_cycle * 365 + year_of_cycle / 4 - year_of_cycle / 100 + day_of_year;
	return cycle * 146097 + day_of_cycle - 719468;	/* 719468: 0000-03-01 .. 1970-01-01 */
}

/* The calendar date of a day count from 1970-01-01 (the inverse of days_from_civil). */
static void
civil_from_days(int64 days, int64 *y, int *m, int *d)
{
	int64		z = days + 719468;
	int64		cycle = floor_div(z, 146097);
	int64		day_of_cycle = z - cycle * 146097;	/* 0..146096 */
	int64		year_of_cycle;
	int64		day_of_year;
	int64		mp;

	year_of_cycle = (day_of_cycle - day_of_cycle / 1460 + day_of_cycle / 36524 -
					 day_of_cycle / 146096) / 365;
	day_of_year = day_of_cycle - (365 * year_of_cycle + year_of_cycle / 4 - year_of_cycle / 100);
	mp = (5 * day_of_year + 2) / 153;	/* month counted from March, 0..11 */
	*d = (int) (day_of_year - (153 * mp + 2) / 5 + 1);
	*m = (int) (mp < 10 ? mp + 3 : mp - 9);
	*y = year_of_cycle + cycle * 400 + (*m <= 2 ? 1 : 0);
}

/* The day count of the first day of the supported range. */
static int64
min_days(void)
{
	return days_from_civil(DT_MIN_YEAR, 1, 1);
}

/* The day count of the last day of the supported range. */
static int64
max_days(void)
{
	return days_from_civil(DT_MAX_YEAR, 12, 31);
}

/* Days since 1970-01-01 of a valid date in range (see datetime.h). */
bool
dt_date_from_ymd(int64 year, int month, int day, int32 *days)
{
	if (year < DT_MIN_YEAR || year > DT_MAX_YEAR || month < 1 || month > 12 ||
		day < 1 || day > days_in_month(year, month))
		return false;
	*days = (int32) days_from_civil(year, month, day);
	return true;
}

/* The calendar date of a day count (see datetime.h). */
void
dt_ymd_from_date(int32 days, int64 *year, int *month, int *day)
{
	civil_from_days(days, year, month, day);
}

/* Break an instant down into local fields at offset seconds east of UTC. */
static void
break_down(int64 usec, int offset, Broken *b)
{
	int64		secs = floor_div(usec, USECS_PER_SEC_DT);
	int64		local = secs + offset;
	int64		days = floor_div(local, DT_SECS_PER_DAY);
	int64		sod = floor_mod(local, DT_SECS_PER_DAY);

	b->micro = (int) floor_mod(usec, USECS_PER_SEC_DT);
	b->offset = offset;
	civil_from_days(days, &b->year, &b->month, &b->day);
	b->doy = (int) (days - days_from_civil(b->year, 1, 1) + 1);
	b->dow = (int) floor_mod(days + 3, 7) + 1;	/* 1970-01-01 was a Thursday */
	b->hour = (int) (sod / 3600);
	b->minute = (int) (sod / 60 % 60);
	b->second = (int) (sod % 60);
}

/*
 * The instant of local date (days), local time (seconds and microseconds of
 * the day) at an offset; false when it falls outside the supported years.
 */
static bool
make_instant(int64 days, int64 sod, int micro, int offset, int64 *usec)
{
	if (days < min_days() || days > max_days())
		return false;
	*usec = ((days * DT_SECS_PER_DAY + sod - offset) * USECS_PER_SEC_DT) + micro;
	return true;
}

/* ---------------------------------------------------------------------
 * Small scanners and printers shared by the ISO forms and the patterns
 * ---------------------------------------------------------------------
 */

/* An ASCII digit (isdigit would depend on the locale). */
static inline bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Exactly n digits at *p into *val, advancing *p. */
static bool
scan_fixed(const char **p, int n, int *val)
{
	int			v = 0;
	int			i;

	for (i = 0; i < n; i++)
	{
		if (!is_digit((*p)[i]))
			return false;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*val = v;
	return true;
}

/*
 * A fraction of a second after the decimal point: 1 to 9 digits, kept to
 * the microsecond (further digits are truncated).
 */
static bool
scan_fraction(const char **p, int *micro)
{
	int			n = 0;
	int			v = 0;

	while (is_digit((*p)[n]))
	{
		if (n < 6)
			v = v * 10 + ((*p)[n] - '0');
		n++;
	}
	if (n == 0 || n > 9)
		return false;
	for (int i = n; i < 6; i++)
		v *= 10;
	*p += n;
	*micro = v;
	return true;
}

/* Append v zero-padded to width digits (a minus sign comes first). */
static void
append_padded(StringInfo buf, int64 v, int width)
{
	if (v < 0)
	{
		appendStringInfoChar(buf, '-');
		/* INT64_MIN cannot occur: callers pass calendar fields */
		v = -v;
	}
	appendStringInfo(buf, "%0*lld", width, (long long) v);
}

/*
 * Append a year as ISO-8601 / java.time write it: four digits, a sign
 * before years beyond 9999 or before 1 BC (+10000, -0001).
 */
static void
append_iso_year(StringInfo buf, int64 y)
{
	if (y > 9999)
		appendStringInfo(buf, "+%lld", (long long) y);
	else
		append_padded(buf, y, 4);
}

/*
 * Append a fraction of a second as java.time does: nothing when zero,
 * else three or six digits.
 */
static void
append_fraction(StringInfo buf, int micro)
{
	if (micro == 0)
		return;
	if (micro % 1000 == 0)
		appendStringInfo(buf, ".%03d", micro / 1000);
	else
		appendStringInfo(buf, ".%06d", micro);
}

/*
 * A year: four digits, or a sign and 4 to 9 digits ('+' only for more
 * than four, as java.time writes them).  The range is checked later.
 */
static bool
scan_iso_year(const char **p, int64 *year)
{
	const char *s = *p;
	char		sign = 0;
	int			n = 0;
	int64		v = 0;

	if (*s == '+' || *s == '-')
		sign = *s++;
	while (is_digit(s[n]) && n < 10)
	{
		v = v * 10 + (s[n] - '0');
		n++;
	}
	if (n < 4 || n > 9 || (sign == 0 && n != 4) || (sign == '+' && n == 4))
		return false;
	*year = sign == '-' ? -v : v;
	*p = s + n;
	return true;
}

/* YYYY-MM-DD at *p into a day count, advancing *p. */
static bool
scan_date(const char **p, int64 *days)
{
	const char *s = *p;
	int64		y;
	int			m;
	int			d;
	int32		dd;

	if (!scan_iso_year(&s, &y) || *s++ != '-' || !scan_fixed(&s, 2, &m) ||
		*s++ != '-' || !scan_fixed(&s, 2, &d))
		return false;
	if (!dt_date_from_ymd(y, m, d, &dd))
		return false;
	*days = dd;
	*p = s;
	return true;
}

/*
 * HH:MM, HH:MM:SS or HH:MM:SS.fraction at *p, advancing *p.  Hours 0-23,
 * no leap second: 24:00 and 23:59:60 are refused, as LocalTime does.
 */
static bool
scan_time(const char **p, int64 *sod, int *micro)
{
	const char *s = *p;
	int			h;
	int			mi;
	int			sec = 0;
	int			frac = 0;

	if (!scan_fixed(&s, 2, &h) || *s++ != ':' || !scan_fixed(&s, 2, &mi))
		return false;
	if (*s == ':')
	{
		s++;
		if (!scan_fixed(&s, 2, &sec))
			return false;
		if (*s == '.')
		{
			s++;
			if (!scan_fraction(&s, &frac))
				return false;
		}
	}
	if (h > 23 || mi > 59 || sec > 59)
		return false;
	*sod = h * 3600 + mi * 60 + sec;
	*micro = frac;
	*p = s;
	return true;
}

/*
 * An offset at *p: Z (either case), or a sign and HH, HHMM, HH:MM, HHMMSS or
 * HH:MM:SS; single-digit hours when allow_short.  At most 18 hours.
 */
static bool
scan_offset(const char **p, bool allow_short, int *offset)
{
	const char *s = *p;
	int			sign;
	int			h = 0;
	int			m = 0;
	int			sec = 0;
	bool		colon = false;

	if (*s == 'Z' || *s == 'z')
	{
		*offset = 0;
		*p = s + 1;
		return true;
	}
	if (*s != '+' && *s != '-')
		return false;
	sign = *s++ == '-' ? -1 : 1;
	if (allow_short && is_digit(s[0]) && !is_digit(s[1]))
	{
		h = s[0] - '0';
		s++;
	}
	else
	{
		if (!scan_fixed(&s, 2, &h))
			return false;
		if (*s == ':' && is_digit(s[1]))
		{
			colon = true;
			s++;
		}
		if (is_digit(*s))
		{
			if (!scan_fixed(&s, 2, &m))
				return false;
			if ((colon && *s == ':' && is_digit(s[1])) || (!colon && is_digit(*s)))
			{
				if (colon)
					s++;
				if (!scan_fixed(&s, 2, &sec))
					return false;
			}
		}
	}
	if (m > 59 || sec > 59 || h * 3600 + m * 60 + sec > DT_MAX_OFFSET)
		return false;
	*offset = sign * (h * 3600 + m * 60 + sec);
	*p = s;
	return true;
}

/*
 * Append an offset: "+HH", then ":"-separated (or not) minutes and
 * seconds.  minutes: 0 never, 1 when not zero, 2 always; seconds are added
 * when not zero if with_seconds.  zero_text replaces a zero offset when
 * given (Java's "Z").
 */
static void
append_offset(StringInfo buf, int offset, bool colon, int minutes,
			  bool with_seconds, const char *zero_text)
{
	int			a = offset < 0 ? -offset : offset;
	int			h = a / 3600;
	int			m = a / 60 % 60;
	int			s = a % 60;

	if (offset == 0 && zero_text != NULL)
	{
		appendStringInfoString(buf, zero_text);
		return;
	}
	appendStringInfo(buf, "%c%02d", offset < 0 ? '-' : '+', h);
	if (minutes == 2 || (minutes == 1 && (m != 0 || (with_seconds && s != 0))))
	{
		appendStringInfo(buf, "%s%02d", colon ? ":" : "", m);
		if (with_seconds && s != 0)
			appendStringInfo(buf, "%s%02d", colon ? ":" : "", s);
	}
}

/* ---------------------------------------------------------------------
 * ISO-8601 forms
 * ---------------------------------------------------------------------
 */

/* YYYY-MM-DD (see datetime.h). */
bool
dt_parse_date(const char *s, int32 *days)
{
	int64		d;

	if (!scan_date(&s, &d) || *s != '\0')
		return false;
	*days = (int32) d;
	return true;
}

/* A day count as YYYY-MM-DD. */
char *
dt_format_date(int32 days)
{
	StringInfoData buf;
	int64		y;
	int			m;
	int			d;

	civil_from_days(days, &y, &m, &d);
	initStringInfo(&buf);
	append_iso_year(&buf, y);
	appendStringInfo(&buf, "-%02d-%02d", m, d);
	return buf.data;
}

/*
 * A date, 'T' (either case), a time, and an offset (see datetime.h).
 * Seconds may be left out (2024-01-02T03:04Z), as OffsetDateTime allows.
 */
bool
dt_parse_datetime(const char *s, bool require_offset, int64 *usec, int *offset_sec)
{
	int64		days;
	int64		sod;
	int			micro;
	int			offset = 0;

	if (!scan_date(&s, &days) || (*s != 'T' && *s != 't'))
		return false;
	s++;
	if (!scan_time(&s, &sod, &micro))
		return false;
	if (*s != '\0')
	{
		if (!scan_offset(&s, false, &offset) || *s != '\0')
			return false;
	}
	else if (require_offset)
		return false;
	if (!make_instant(days, sod, micro, offset, usec))
		return false;
	*offset_sec = offset;
	return true;
}

/* An instant at an offset as 2024-01-02T03:04:05.123+02:00 (see datetime.h). */
char *
dt_format_datetime(int64 usec, int offset_sec)
{
	StringInfoData buf;
	Broken		b;

	break_down(usec, offset_sec, &b);
	initStringInfo(&buf);
	append_iso_year(&buf, b.year);
	appendStringInfo(&buf, "-%02d-%02dT%02d:%02d:%02d", b.month, b.day, b.hour,
					 b.minute, b.second);
	append_fraction(&buf, b.micro);
	append_offset(&buf, offset_sec, true, 2, true, "Z");
	return buf.data;
}

/* HH:MM[:SS[.fraction]] (see datetime.h). */
bool
dt_parse_time(const char *s, int64 *usec_of_day)
{
	int64		sod;
	int			micro;

	if (!scan_time(&s, &sod, &micro) || *s != '\0')
		return false;
	*usec_of_day = sod * USECS_PER_SEC_DT + micro;
	return true;
}

/*
 * A time of day as HH:MM:SS, with three or six fraction digits when not
 * zero.  Unlike LocalTime.toString, zero seconds are written, so that
 * every time has the same shape.
 */
char *
dt_format_time(int64 usec_of_day)
{
	int64		u = floor_mod(usec_of_day, DT_USECS_PER_DAY);
	int64		sod = u / USECS_PER_SEC_DT;
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfo(&buf, "%02d:%02d:%02d", (int) (sod / 3600), (int) (sod / 60 % 60),
					 (int) (sod % 60));
	append_fraction(&buf, (int) (u % USECS_PER_SEC_DT));
	return buf.data;
}

/* ---------------------------------------------------------------------
 * Durations
 * ---------------------------------------------------------------------
 */

/*
 * A signed integer ([-+]?[0-9]+) at *p, advancing *p; *negative tells a
 * minus sign (needed for "-0.5").  false on no digits or overflow.
 */
static bool
scan_signed(const char **p, int64 *v, bool *negative)
{
	const char *s = *p;
	bool		neg = false;
	int64		r = 0;

	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	if (!is_digit(*s))
		return false;
	while (is_digit(*s))
	{
		if (pg_mul_s64_overflow(r, 10, &r) || pg_add_s64_overflow(r, *s - '0', &r))
			return false;
		s++;
	}
	*v = neg ? -r : r;
	*negative = neg;
	*p = s;
	return true;
}

/* *total += v * unit_usec, false on overflow. */
static bool
add_scaled(int64 *total, int64 v, int64 unit_usec)
{
	int64		x;

	return !pg_mul_s64_overflow(v, unit_usec, &x) && !pg_add_s64_overflow(*total, x, total);
}

/*
 * An ISO-8601 duration as java.time's Duration.parse reads it:
 * [-+]P[nD][T[nH][nM][n[.f]S]], each number signed, letters in either case,
 * a day being exactly 24 hours.  Years, months and weeks are refused (a
 * Duration has none), as are "P", "PT" and a "T" with nothing after it.
 */
bool
dt_parse_duration(const char *s, int64 *usec)
{
	bool		negate = false;
	bool		any = false;
	int64		total = 0;
	int64		v;
	bool		neg;
	const char *q;

	if (*s == '+' || *s == '-')
		negate = *s++ == '-';
	if (*s != 'P' && *s != 'p')
		return false;
	s++;

	q = s;
	if (scan_signed(&q, &v, &neg) && (*q == 'D' || *q == 'd'))
	{
		if (!add_scaled(&total, v, DT_USECS_PER_DAY))
			return false;
		s = q + 1;
		any = true;
	}
	if (*s == 'T' || *s == 't')
	{
		bool		any_time = false;

		s++;
		q = s;
		if (scan_signed(&q, &v, &neg) && (*q == 'H' || *q == 'h'))
		{
			if (!add_scaled(&total, v, 3600 * USECS_PER_SEC_DT))
				return false;
			s = q + 1;
			any_time = true;
		}
		q = s;
		if (scan_signed(&q, &v, &neg) && (*q == 'M' || *q == 'm'))
		{
			if (!add_scaled(&total, v, 60 * USECS_PER_SEC_DT))
				return false;
			s = q + 1;
			any_time = true;
		}
		q = s;
		if (scan_signed(&q, &v, &neg))
		{
			int			micro = 0;

			if (*q == '.' || *q == ',')
			{
				q++;
				/* Java allows the point with no digits after it: PT1.S */
				if (is_digit(*q) && !scan_fraction(&q, &micro))
					return false;
			}
			if (*q == 'S' || *q == 's')
			{
				if (!add_scaled(&total, v, USECS_PER_SEC_DT) ||
					!add_scaled(&total, neg ? -micro : micro, 1))
					return false;
				s = q + 1;
				any_time = true;
			}
		}
		if (!any_time)
			return false;
		any = true;
	}
	if (!any || *s != '\0')
		return false;
	if (negate)
	{
		if (total == PG_INT64_MIN)
			return false;
		total = -total;
	}
	*usec = total;
	return true;
}

/*
 * A duration as java.time's Duration.toString writes it: PT8H6M12.345S,
 * PT0S, hours never folded into days (PT26H), and each part of a negative
 * duration signed (PT-1M-30S, PT-0.5S).
 */
char *
dt_format_duration(int64 usec)
{
	StringInfoData buf;
	int64		secs = floor_div(usec, USECS_PER_SEC_DT);	/* Java's seconds */
	int			micro = (int) floor_mod(usec, USECS_PER_SEC_DT);	/* Java's nanos */
	int64		eff = secs;
	int64		hours;
	int			minutes;
	int			s;

	if (usec == 0)
		return pstrdup("PT0S");
	initStringInfo(&buf);
	appendStringInfoString(&buf, "PT");
	/* a negative fraction is printed with the whole seconds rounded towards zero */
	if (secs < 0 && micro > 0)
		eff++;
	hours = eff / 3600;
	minutes = (int) ((eff % 3600) / 60);
	s = (int) (eff % 60);
	if (hours != 0)
		appendStringInfo(&buf, "%lldH", (long long) hours);
	if (minutes != 0)
		appendStringInfo(&buf, "%dM", minutes);
	if (s == 0 && micro == 0 && buf.len > 2)
		return buf.data;
	if (secs < 0 && micro > 0 && s == 0)
		appendStringInfoString(&buf, "-0");
	else
		appendStringInfo(&buf, "%d", s);
	if (micro > 0)
	{
		char		digits[8];
		int			n;

		snprintf(digits, sizeof(digits), "%06d",
				 secs < 0 ? (int) (USECS_PER_SEC_DT - micro) : micro);
		for (n = 6; n > 0 && digits[n - 1] == '0'; n--)
			;
		digits[n] = '\0';
		appendStringInfo(&buf, ".%s", digits);
	}
	appendStringInfoChar(&buf, 'S');
	return buf.data;
}

/* ---------------------------------------------------------------------
 * Java DateTimeFormatter patterns
 * ---------------------------------------------------------------------
 */

typedef enum PatKind
{
	PK_LITERAL,
	PK_FIELD,
	PK_OPTIONAL_START,
	PK_OPTIONAL_END
} PatKind;

typedef struct PatItem
{
	PatKind		kind;
	char		letter;			/* PK_FIELD */
	int			count;			/* PK_FIELD: how many times the letter repeats */
	char	   *text;			/* PK_LITERAL */
} PatItem;

typedef struct Pattern
{
	PatItem    *items;
	int			n;
} Pattern;

/*
 * The most repetitions java.time allows for a supported pattern letter, 0
 * for a letter it knows but flowpg does not support, -1 for a letter that
 * means nothing.
 */
static int
letter_max_count(char c)
{
	switch (c)
	{
		case 'G':
		case 'M':
		case 'L':
		case 'Q':
		case 'E':
		case 'X':
		case 'x':
		case 'Z':
			return 5;
		case 'y':
		case 'u':
		case 'A':
		case 'N':
			return 19;
		case 'd':
		case 'h':
		case 'K':
		case 'k':
		case 'H':
		case 'm':
		case 's':
		case 'V':
			return 2;
		case 'D':
			return 3;
		case 'S':
		case 'n':
			return 9;
		case 'a':
			return 1;
		case 'O':
			return 4;
		case 'Y':				/* week-based year */
		case 'w':				/* week of week-based year */
		case 'W':				/* week of month */
		case 'e':				/* localized day of week */
		case 'c':
		case 'F':				/* aligned week of month */
		case 'q':				/* stand-alone quarter */
		case 'z':				/* zone name */
		case 'v':
		case 'B':				/* day period */
		case 'g':				/* modified Julian day */
		case 'p':				/* pad modifier */
			return 0;
		default:
			return -1;
	}
}

/*
 * Split a pattern into literals, fields and optional-section markers,
 * checking letters and their counts as DateTimeFormatter.ofPattern does.
 * false and *error on an invalid pattern.
 */
static bool
compile_pattern(const char *pattern, Pattern *pat, char **error)
{
	const char *p = pattern;
	int			depth = 0;
	int			cap = 16;

	pat->n = 0;
	pat->items = palloc(sizeof(PatItem) * cap);
	while (*p)
	{
		PatItem		it = {PK_LITERAL, 0, 0, NULL};
		char		c = *p;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		{
			int			count = 0;
			int			max = letter_max_count(c);

			while (p[count] == c)
				count++;
			if (max < 0)
			{
				*error = psprintf("invalid date pattern \"%s\": unknown pattern letter '%c'", pattern, c);
				return false;
			}
			if (max == 0)
			{
				*error = psprintf("invalid date pattern \"%s\": pattern letter '%c' is not supported", pattern, c);
				return false;
			}
			if (count > max || (c == 'O' && count != 1 && count != 4) || (c == 'V' && count != 2))
			{
				*error = psprintf("invalid date pattern \"%s\": wrong number of pattern letters '%c'", pattern, c);
				return false;
			}
			it.kind = PK_FIELD;
			it.letter = c;
			it.count = count;
			p += count;
		}
		else if (c == '\'')
		{
			StringInfoData lit;

			initStringInfo(&lit);
			p++;
			if (*p == '\'')
			{
				/* '' outside a quoted literal is one quote */
				appendStringInfoChar(&lit, '\'');
				p++;
			}
			else
			{
				for (;;)
				{
					if (*p == '\0')
					{
						*error = psprintf("invalid date pattern \"%s\": unterminated quoted literal", pattern);
						return false;
					}
					if (*p == '\'')
					{
						if (p[1] == '\'')
						{
							appendStringInfoChar(&lit, '\'');
							p += 2;
							continue;
						}
						p++;
						break;
					}
					appendStringInfoChar(&lit, *p++);
				}
			}
			it.text = lit.data;
		}
		else if (c == '[')
		{
			it.kind = PK_OPTIONAL_START;
			depth++;
			p++;
		}
		else if (c == ']')
		{
			if (depth == 0)
			{
				*error = psprintf("invalid date pattern \"%s\": ']' without a previous '['", pattern);
				return false;
			}
			it.kind = PK_OPTIONAL_END;
			depth--;
			p++;
		}
		else if (c == '{' || c == '}' || c == '#')
		{
			*error = psprintf("invalid date pattern \"%s\": reserved character '%c'", pattern, c);
			return false;
		}
		else
		{
			it.text = pnstrdup(p, 1);
			p++;
		}
		if (pat->n == cap)
		{
			cap *= 2;
			pat->items = repalloc(pat->items, sizeof(PatItem) * cap);
		}
		pat->items[pat->n++] = it;
	}
	/* like DateTimeFormatterBuilder, close sections left open */
	while (depth-- > 0)
	{
		PatItem		it = {PK_OPTIONAL_END, 0, 0, NULL};

		if (pat->n == cap)
		{
			cap *= 2;
			pat->items = repalloc(pat->items, sizeof(PatItem) * cap);
		}
		pat->items[pat->n++] = it;
	}
	return true;
}

/*
 * Append a year field of count letters: yy is the last two digits; y and
 * yyy are at least one and three digits; four or more letters pad to that
 * width and, as java.time's EXCEEDS_PAD does, put '+' before a year wider
 * than the pad.
 */
static void
append_year_field(StringInfo buf, int64 v, int count)
{
	int64		limit = 1;

	for (int i = 0; i < count && i < 18; i++)
		limit *= 10;
	if (count == 2)
		append_padded(buf, (v < 0 ? -v : v) % 100, 2);
	else if (count >= 4 && v >= limit)
		appendStringInfo(buf, "+%lld", (long long) v);
	else
		append_padded(buf, v, count);
}

/* Append a date field (era, year, quarter, month, day, day of week) of b. */
static void
append_date_field(StringInfo buf, char letter, int count, const Broken *b)
{
	int64		yoe = b->year >= 1 ? b->year : 1 - b->year;

	switch (letter)
	{
		case 'G':
			if (count == 4)
				appendStringInfoString(buf, b->year >= 1 ? "Anno Domini" : "Before Christ");
			else if (count == 5)
				appendStringInfoString(buf, b->year >= 1 ? "A" : "B");
			else
				appendStringInfoString(buf, b->year >= 1 ? "AD" : "BC");
			break;
		case 'y':
			append_year_field(buf, yoe, count);
			break;
		case 'u':
			append_year_field(buf, b->year, count);
			break;
		case 'Q':
			if (count <= 2)
				append_padded(buf, (b->month - 1) / 3 + 1, count);
			else if (count == 3)
				appendStringInfo(buf, "Q%d", (b->month - 1) / 3 + 1);
			else if (count == 4)
			{
				static const char *const q[4] = {"1st", "2nd", "3rd", "4th"};

				appendStringInfo(buf, "%s quarter", q[(b->month - 1) / 3]);
			}
			else
				appendStringInfo(buf, "%d", (b->month - 1) / 3 + 1);
			break;
		case 'M':
		case 'L':
			if (count <= 2)
				append_padded(buf, b->month, count);
			else if (count == 3)
				appendBinaryStringInfo(buf, month_names[b->month - 1], 3);
			else if (count == 4)
				appendStringInfoString(buf, month_names[b->month - 1]);
			else
				appendStringInfoChar(buf, month_names[b->month - 1][0]);
			break;
		case 'd':
			append_padded(buf, b->day, count);
			break;
		case 'D':
			append_padded(buf, b->doy, count);
			break;
		case 'E':
			if (count <= 3)
				appendBinaryStringInfo(buf, day_names[b->dow - 1], 3);
			else if (count == 4)
				appendStringInfoString(buf, day_names[b->dow - 1]);
			else
				appendStringInfoChar(buf, day_names[b->dow - 1][0]);
			break;
	}
}

/* Append a time-of-day field (AM/PM, hours, minutes, seconds, fractions) of b. */
static void
append_time_field(StringInfo buf, char letter, int count, const Broken *b)
{
	int			h12;

	switch (letter)
	{
		case 'a':
			appendStringInfoString(buf, b->hour < 12 ? "AM" : "PM");
			break;
		case 'H':
			append_padded(buf, b->hour, count);
			break;
		case 'k':
			append_padded(buf, b->hour == 0 ? 24 : b->hour, count);
			break;
		case 'K':
			append_padded(buf, b->hour % 12, count);
			break;
		case 'h':
			h12 = b->hour % 12;
			append_padded(buf, h12 == 0 ? 12 : h12, count);
			break;
		case 'm':
			append_padded(buf, b->minute, count);
			break;
		case 's':
			append_padded(buf, b->second, count);
			break;
		case 'S':
			{
				char		digits[10];

				snprintf(digits, sizeof(digits), "%06d000", b->micro);
				appendBinaryStringInfo(buf, digits, count);
				break;
			}
		case 'n':
			append_padded(buf, (int64) b->micro * 1000, count);
			break;
		case 'A':
			append_padded(buf, ((int64) b->hour * 3600 + b->minute * 60 + b->second) * 1000 +
						  b->micro / 1000, count);
			break;
		case 'N':
			append_padded(buf, (((int64) b->hour * 3600 + b->minute * 60 + b->second) *
								USECS_PER_SEC_DT + b->micro) * 1000, count);
			break;
	}
}

/* Append a zone offset field (V, O, X, x, Z) of b. */
static void
append_zone_field(StringInfo buf, char letter, int count, const Broken *b)
{
	switch (letter)
	{
		case 'V':
			append_offset(buf, b->offset, true, 2, true, "Z");
			break;
		case 'O':
			if (b->offset == 0)
				appendStringInfoString(buf, "GMT");
			else if (count == 4)
			{
				appendStringInfoString(buf, "GMT");
				append_offset(buf, b->offset, true, 2, true, NULL);
			}
			else
			{
				int			a = b->offset < 0 ? -b->offset : b->offset;

				appendStringInfo(buf, "GMT%c%d", b->offset < 0 ? '-' : '+', a / 3600);
				if (a % 3600 != 0)
				{
					appendStringInfo(buf, ":%02d", a / 60 % 60);
					if (a % 60 != 0)
						appendStringInfo(buf, ":%02d", a % 60);
				}
			}
			break;
		case 'X':
		case 'x':
			{
				const char *zero = letter == 'X' ? "Z" : NULL;

				switch (count)
				{
					case 1:
						append_offset(buf, b->offset, false, 1, false, zero);
						break;
					case 2:
						append_offset(buf, b->offset, false, 2, false, zero);
						break;
					case 3:
						append_offset(buf, b->offset, true, 2, false, zero);
						break;
					case 4:
						append_offset(buf, b->offset, false, 2, true, zero);
						break;
					default:
						append_offset(buf, b->offset, true, 2, true, zero);
						break;
				}
				break;
			}
		case 'Z':
			if (count <= 3)
				append_offset(buf, b->offset, false, 2, false, NULL);
			else if (count == 4)
			{
				appendStringInfoString(buf, "GMT");
				if (b->offset != 0)
					append_offset(buf, b->offset, true, 2, true, NULL);
			}
			else
				append_offset(buf, b->offset, true, 2, true, "Z");
			break;
	}
}

/* Append one pattern field of the broken-down instant b. */
static void
append_field(StringInfo buf, char letter, int count, const Broken *b)
{
	if (letter != '\0' && strchr("GyuQMLdDE", letter))
		append_date_field(buf, letter, count, b);
	else if (letter != '\0' && strchr("VOXxZ", letter))
		append_zone_field(buf, letter, count, b);
	else
		append_time_field(buf, letter, count, b);
}

/* Format an instant at an offset with a Java pattern (see datetime.h). */
char *
dt_format_pattern(int64 usec, int offset_sec, const char *pattern, char **error)
{
	Pattern		pat;
	Broken		b;
	StringInfoData buf;

	if (!compile_pattern(pattern, &pat, error))
		return NULL;
	break_down(usec, offset_sec, &b);
	initStringInfo(&buf);
	for (int i = 0; i < pat.n; i++)
	{
		PatItem    *it = &pat.items[i];

		if (it->kind == PK_LITERAL)
			appendStringInfoString(&buf, it->text);
		else if (it->kind == PK_FIELD)
			append_field(&buf, it->letter, it->count, &b);
		/* optional sections: every field is available, so all are printed */
	}
	return buf.data;
}

/* What parsing a pattern has read so far. */
typedef struct Parsed
{
	bool		has_year;		/* u */
	int64		year;
	bool		has_yoe;		/* y */
	int64		yoe;
	bool		yoe_reduced;	/* yy: two digits, 2000-2099 */
	int			era;			/* -1 unknown, 0 BC, 1 AD */
	int			month;			/* 0 = unknown */
	int			day;
	int			doy;
	int			dow;
	int			hour;			/* H, -1 unknown */
	int			hour12;			/* h or K value as 0..11, -1 unknown */
	int			ampm;			/* -1 unknown, 0 AM, 1 PM */
	int			minute;
	int			second;
	int			micro;
	int64		milli_of_day;	/* A, -1 unknown */
	int64		nano_of_day;	/* N, -1 unknown */
	bool		has_offset;
	int			offset;
} Parsed;

/* True for letters whose value is written as digits at this count. */
static bool
is_numeric_field(const PatItem *it)
{
	if (it->kind != PK_FIELD)
		return false;
	switch (it->letter)
	{
		case 'M':
		case 'L':
		case 'Q':
			return it->count <= 2;
		case 'y':
		case 'u':
		case 'd':
		case 'D':
		case 'H':
		case 'h':
		case 'K':
		case 'k':
		case 'm':
		case 's':
		case 'S':
		case 'n':
		case 'A':
		case 'N':
			return true;
		default:
			return false;
	}
}

/* The fewest and most digits a numeric field reads. */
static void
numeric_widths(const PatItem *it, int *minw, int *maxw)
{
	switch (it->letter)
	{
		case 'y':
		case 'u':
			*minw = it->count;
			*maxw = it->count == 2 ? 2 : Max(it->count, 9);
			break;
		case 'D':
			*minw = it->count;
			*maxw = 3;
			break;
		case 'S':
			*minw = *maxw = it->count;
			break;
		case 'n':
			*minw = it->count;
			*maxw = 9;
			break;
		case 'A':
		case 'N':
			*minw = it->count;
			*maxw = 18;
			break;
		default:
			*minw = it->count;
			*maxw = 2;
			break;
	}
}

/*
 * Match one of names (n of them) at s, case-insensitively, whole or cut to
 * len characters (0 = whole); returns the index or -1, and the length
 * matched in *matched.
 */
static int
match_name(const char *s, const char *const *names, int n, int len, int *matched)
{
	for (int i = 0; i < n; i++)
	{
		int			l = len > 0 ? len : (int) strlen(names[i]);

		if (pg_strncasecmp(s, names[i], l) == 0)
		{
			*matched = l;
			return i;
		}
	}
	return -1;
}

/* Check and store the value v of the numeric field it; false when out of range. */
static bool
store_numeric_field(const PatItem *it, int64 v, Parsed *st)
{
	switch (it->letter)
	{
		case 'y':
			st->has_yoe = true;
			st->yoe = v;
			st->yoe_reduced = it->count == 2;
			break;
		case 'u':
			st->has_year = true;
			st->year = it->count == 2 ? 2000 + v : v;
			break;
		case 'M':
		case 'L':
			if (v < 1 || v > 12)
				return false;
			st->month = (int) v;
			break;
		case 'Q':
			if (v < 1 || v > 4)
				return false;
			break;
		case 'd':
			if (v < 1 || v > 31)
				return false;
			st->day = (int) v;
			break;
		case 'D':
			if (v < 1 || v > 366)
				return false;
			st->doy = (int) v;
			break;
		case 'H':
			if (v > 23)
				return false;
			st->hour = (int) v;
			break;
		case 'k':
			if (v < 1 || v > 24)
				return false;
			st->hour = (int) v % 24;
			break;
		case 'h':
			if (v < 1 || v > 12)
				return false;
			st->hour12 = (int) v % 12;
			break;
		case 'K':
			if (v > 11)
				return false;
			st->hour12 = (int) v;
			break;
		case 'm':
			if (v > 59)
				return false;
			st->minute = (int) v;
			break;
		case 's':
			if (v > 59)
				return false;
			st->second = (int) v;
			break;
		case 'S':
			/* count digits of a fraction: scale to microseconds */
			for (int i = it->count; i < 6; i++)
				v *= 10;
			for (int i = 6; i < it->count; i++)
				v /= 10;
			st->micro = (int) v;
			break;
		case 'n':
			if (v > 999999999)
				return false;
			st->micro = (int) (v / 1000);
			break;
		case 'A':
			if (v >= DT_SECS_PER_DAY * 1000)
				return false;
			st->milli_of_day = v;
			break;
		case 'N':
			if (v >= DT_USECS_PER_DAY * 1000)
				return false;
			st->nano_of_day = v;
			break;
	}
	return true;
}

/*
 * Parse a numeric field at s + *pos: a sign where the year takes one, then
 * as many digits as it reads, leaving reserved digits for the fields after.
 */
static bool
parse_numeric_field(const PatItem *it, int reserved, const char *s, int *pos, Parsed *st)
{
	const char *p = s + *pos;
	int			minw;
	int			maxw;
	int			run = 0;
	int			take;
	int64		v = 0;
	bool		neg = false;

	numeric_widths(it, &minw, &maxw);
	if ((it->letter == 'u' || (it->letter == 'y' && it->count >= 4)) &&
		(*p == '+' || *p == '-'))
	{
		if (*p == '-' && it->letter == 'y')
			return false;
		neg = *p == '-';
		p++;
	}
	while (is_digit(p[run]))
		run++;
	take = Min(maxw, run - reserved);
	if (take < minw)
		return false;
	for (int i = 0; i < take; i++)
		v = v * 10 + (p[i] - '0');
	if (neg)
		v = -v;
	p += take;
	if (!store_numeric_field(it, v, st))
		return false;
	*pos = p - s;
	return true;
}

/* Parse a text field (names of eras, quarters, months, days; AM/PM; zone offsets) at s + *pos. */
static bool
parse_text_field(const PatItem *it, const char *s, int *pos, Parsed *st)
{
	const char *p = s + *pos;
	int			matched;
	int			idx;

	switch (it->letter)
	{
		case 'G':
			{
				static const char *const longer[2] = {"Before Christ", "Anno Domini"};
				static const char *const shorter[2] = {"BC", "AD"};
				static const char *const narrow[2] = {"B", "A"};

				idx = match_name(p, it->count == 4 ? longer : it->count == 5 ? narrow : shorter,
								 2, 0, &matched);
				if (idx < 0)
					return false;
				st->era = idx;
				break;
			}
		case 'Q':
			if (it->count == 3 && (p[0] == 'Q' || p[0] == 'q') && p[1] >= '1' && p[1] <= '4')
				matched = 2;
			else if (it->count == 4)
			{
				static const char *const q[4] = {"1st quarter", "2nd quarter",
				"3rd quarter", "4th quarter"};

				if (match_name(p, q, 4, 0, &matched) < 0)
					return false;
			}
			else if (it->count == 5 && p[0] >= '1' && p[0] <= '4')
				matched = 1;
			else
				return false;
			break;
		case 'M':
		case 'L':
			idx = match_name(p, month_names, 12, it->count == 3 ? 3 : it->count == 5 ? 1 : 0,
							 &matched);
			if (idx < 0 || it->count == 5)
				return false;	/* one letter is ambiguous (J, M, A) */
			st->month = idx + 1;
			break;
		case 'E':
			idx = match_name(p, day_names, 7, it->count <= 3 ? 3 : it->count == 5 ? 1 : 0,
							 &matched);
			if (idx < 0 || it->count == 5)
				return false;
			st->dow = idx + 1;
			break;
		case 'a':
			if (pg_strncasecmp(p, "AM", 2) == 0)
				st->ampm = 0;
			else if (pg_strncasecmp(p, "PM", 2) == 0)
				st->ampm = 1;
			else
				return false;
			matched = 2;
			break;
		case 'V':
		case 'X':
		case 'x':
		case 'Z':
		case 'O':
			{
				const char *q = p;
				int			off = 0;

				if ((it->letter == 'O' || (it->letter == 'Z' && it->count == 4)) &&
					pg_strncasecmp(q, "GMT", 3) == 0)
				{
					q += 3;
					if ((*q == '+' || *q == '-') && !scan_offset(&q, true, &off))
						return false;
				}
				else if (!scan_offset(&q, true, &off))
					return false;
				st->has_offset = true;
				st->offset = off;
				matched = q - p;
				break;
			}
		default:
			return false;
	}
	*pos += matched;
	return true;
}

/*
 * Parse one field at s + *pos.  reserved is the number of digits that the
 * numeric fields right after this one need, so that yyyyMMdd splits.
 */
static bool
parse_field(const PatItem *it, int reserved, const char *s, int *pos, Parsed *st)
{
	if (is_numeric_field(it))
		return parse_numeric_field(it, reserved, s, pos, st);
	return parse_text_field(it, s, pos, st);
}

/* Digits that the numeric fields right after item i need (adjacent value parsing). */
static int
reserved_after(const Pattern *pat, int i, int to)
{
	int			r = 0;

	for (int j = i + 1; j < to && is_numeric_field(&pat->items[j]); j++)
	{
		int			minw;
		int			maxw;

		numeric_widths(&pat->items[j], &minw, &maxw);
		r += minw;
	}
	return r;
}

/*
 * Parse items [from, to) of a pattern at s + *pos.  An optional section
 * that does not match is skipped, leaving position and fields as they were.
 */
static bool
parse_items(const Pattern *pat, int from, int to, const char *s, int *pos, Parsed *st)
{
	for (int i = from; i < to; i++)
	{
		const PatItem *it = &pat->items[i];

		switch (it->kind)
		{
			case PK_LITERAL:
				{
					int			l = strlen(it->text);

					if (strncmp(s + *pos, it->text, l) != 0)
						return false;
					*pos += l;
					break;
				}
			case PK_FIELD:
				if (!parse_field(it, reserved_after(pat, i, to), s, pos, st))
					return false;
				break;
			case PK_OPTIONAL_START:
				{
					int			depth = 1;
					int			end = i + 1;
					int			saved_pos = *pos;
					Parsed		saved = *st;

					while (end < to && depth > 0)
					{
						if (pat->items[end].kind == PK_OPTIONAL_START)
							depth++;
						else if (pat->items[end].kind == PK_OPTIONAL_END)
							depth--;
						if (depth > 0)
							end++;
					}
					if (!parse_items(pat, i + 1, end, s, pos, st))
					{
						*pos = saved_pos;
						*st = saved;
					}
					i = end;
					break;
				}
			case PK_OPTIONAL_END:
				break;
		}
	}
	return true;
}

/*
 * Parse text with a Java pattern (see datetime.h).  Fields the pattern
 * lacks take 1970-01-01, midnight and UTC; fields it has twice in
 * different forms must agree (a day-of-week must be the date's).
 */
bool
dt_parse_pattern(const char *s, const char *pattern, int64 *usec, int *offset_sec)
{
	bool		has_offset;

	return dt_read_pattern(s, pattern, usec, offset_sec, &has_offset);
}

/*
 * dt_parse_pattern, also saying whether the text had an offset (see
 * datetime.h): without one, *usec is the local date-time taken as UTC.
 */
bool
dt_read_pattern(const char *s, const char *pattern, int64 *usec, int *offset_sec,
				bool *has_offset)
{
	Pattern		pat;
	char	   *error;
	Parsed		st;
	int			pos = 0;
	int64		year;
	int64		days;
	int64		sod;
	int			month;
	int			day;

	if (!compile_pattern(pattern, &pat, &error))
		return false;
	memset(&st, 0, sizeof(st));
	st.era = -1;
	st.hour = -1;
	st.hour12 = -1;
	st.ampm = -1;
	st.milli_of_day = -1;
	st.nano_of_day = -1;
	if (!parse_items(&pat, 0, pat.n, s, &pos, &st) || s[pos] != '\0')
		return false;

	/* the year: u, else y with its era, else 1970 */
	if (st.has_year)
		year = st.year;
	else if (st.has_yoe)
	{
		int64		yoe = st.yoe_reduced ? 2000 + st.yoe : st.yoe;

		if (yoe < 1 && !st.yoe_reduced)
			return false;
		year = st.era == 0 ? 1 - yoe : yoe;
	}
	else
		year = 1970;
	if (year < DT_MIN_YEAR || year > DT_MAX_YEAR)
		return false;

	/* the date: month and day, or day of year */
	month = st.month ? st.month : 1;
	day = st.day ? st.day : 1;
	if (st.doy && !st.month && !st.day)
	{
		if (st.doy > (is_leap(year) ? 366 : 365))
			return false;
		days = days_from_civil(year, 1, 1) + st.doy - 1;
	}
	else
	{
		if (day > days_in_month(year, month))
			return false;
		days = days_from_civil(year, month, day);
		if (st.doy && days - days_from_civil(year, 1, 1) + 1 != st.doy)
			return false;
	}
	if (st.dow && floor_mod(days + 3, 7) + 1 != st.dow)
		return false;

	/* the time of day */
	if (st.hour12 >= 0)
	{
		int			h = st.hour12 + (st.ampm == 1 ? 12 : 0);

		if (st.hour >= 0 && st.hour != h)
			return false;
		st.hour = h;
	}
	else if (st.hour >= 0 && st.ampm >= 0 && (st.hour >= 12) != (st.ampm == 1))
		return false;
	if (st.nano_of_day >= 0)
	{
		sod = st.nano_of_day / 1000000000;
		st.micro = (int) (st.nano_of_day / 1000 % 1000000);
	}
	else if (st.milli_of_day >= 0)
	{
		sod = st.milli_of_day / 1000;
		st.micro = (int) (st.milli_of_day % 1000) * 1000;
	}
	else
		sod = (st.hour >= 0 ? st.hour : 0) * 3600 + st.minute * 60 + st.second;

	if (!make_instant(days, sod, st.micro, st.has_offset ? st.offset : 0, usec))
		return false;
	*offset_sec = st.has_offset ? st.offset : 0;
	*has_offset = st.has_offset;
	return true;
}

/* ---------------------------------------------------------------------
 * Lenient reading, arithmetic, fixed zones
 * ---------------------------------------------------------------------
 */

/*
 * Seconds since the epoch, possibly negative and with a fraction:
 * -?digits(.digits)?.  false when s is something else or out of range.
 */
static bool
parse_epoch_seconds(const char *s, int64 *usec)
{
	const char *p = s;
	bool		neg = false;
	bool		sign;
	int64		secs;
	int			micro = 0;
	int64		total = 0;

	if (*p == '-')
	{
		neg = true;
		p++;
	}
	if (!is_digit(*p) || !scan_signed(&p, &secs, &sign))
		return false;
	if (*p == '.')
	{
		p++;
		if (!scan_fraction(&p, &micro))
			return false;
	}
	if (*p != '\0' || !add_scaled(&total, secs, USECS_PER_SEC_DT) ||
		!add_scaled(&total, micro, 1))
		return false;
	if (neg)
		total = -total;
	if (total < min_days() * DT_USECS_PER_DAY || total >= (max_days() + 1) * DT_USECS_PER_DAY)
		return false;
	*usec = total;
	return true;
}

/*
 * The forms the date filter reads (see datetime.h): surrounding blanks
 * are ignored; a date-time may use 'T' or a space, may lack seconds, and
 * may carry a zone name in brackets after its offset (as ZonedDateTime
 * prints it), which is ignored since the offset says it all.
 */
bool
dt_parse_any(const char *s, int64 *usec, int *offset_sec)
{
	bool		has_offset;

	return dt_read_any(s, usec, offset_sec, &has_offset);
}

/*
 * dt_parse_any, also saying whether the text fixes an instant (an offset,
 * or a number of seconds): without, *usec is the local date-time (a date:
 * its midnight) taken as UTC (see datetime.h).
 */
bool
dt_read_any(const char *s, int64 *usec, int *offset_sec, bool *has_offset_out)
{
	char	   *copy;
	char	   *end;
	const char *p;
	int64		days;
	int64		sod = 0;
	int			micro = 0;
	int			offset = 0;
	bool		has_offset = false;

	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	copy = pstrdup(s);
	end = copy + strlen(copy);
	while (end > copy && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'))
		*--end = '\0';

	if (parse_epoch_seconds(copy, usec))
	{
		*offset_sec = 0;
		*has_offset_out = true;
		return true;
	}
	p = copy;
	if (!scan_date(&p, &days))
		return false;
	if (*p == 'T' || *p == 't' || *p == ' ')
	{
		p++;
		if (!scan_time(&p, &sod, &micro))
			return false;
		if (*p != '\0' && *p != '[')
		{
			if (!scan_offset(&p, false, &offset))
				return false;
			has_offset = true;
		}
		if (*p == '[')
		{
			const char *close = strchr(p, ']');

			if (!has_offset || close == NULL || close == p + 1 || close[1] != '\0')
				return false;
			p = close + 1;
		}
	}
	if (*p != '\0' || !make_instant(days, sod, micro, offset, usec))
		return false;
	*offset_sec = offset;
	*has_offset_out = has_offset;
	return true;
}

/* The length of a calendar or fixed unit; months are counted, not measured. */
typedef struct DtUnit
{
	const char *name;
	int64		usec;			/* fixed length, 0 for calendar units */
	int64		months;			/* calendar units */
	int64		nanos_divisor;	/* NANOS: amounts are divided by this */
} DtUnit;

static const DtUnit dt_units[] = {
	{"NANOS", 1, 0, 1000},
	{"MICROS", 1, 0, 0},
	{"MILLIS", 1000, 0, 0},
	{"SECONDS", USECS_PER_SEC_DT, 0, 0},
	{"MINUTES", 60 * USECS_PER_SEC_DT, 0, 0},
	{"HOURS", 3600 * USECS_PER_SEC_DT, 0, 0},
	{"HALF_DAYS", 12 * 3600 * USECS_PER_SEC_DT, 0, 0},
	{"DAYS", DT_USECS_PER_DAY, 0, 0},
	{"WEEKS", 7 * DT_USECS_PER_DAY, 0, 0},
	{"MONTHS", 0, 1, 0},
	{"YEARS", 0, 12, 0},
	{"DECADES", 0, 120, 0},
	{"CENTURIES", 0, 1200, 0},
	{"MILLENNIA", 0, 12000, 0},
};

/*
 * Add amount units to an instant (see datetime.h).  Unit names are
 * matched in any case.  Fixed units add their length (a day is 24 hours:
 * the zone is a fixed offset); NANOS are truncated to microseconds.
 * Calendar units move the local date by whole months and clamp the day to
 * the new month's length, keeping the local time of day.
 */
bool
dt_add(int64 usec, int offset_sec, int64 amount, const char *unit, int64 *result)
{
	const DtUnit *u = NULL;
	int64		r;

	for (int i = 0; i < (int) lengthof(dt_units); i++)
	{
		if (pg_strcasecmp(unit, dt_units[i].name) == 0)
		{
			u = &dt_units[i];
			break;
		}
	}
	if (u == NULL)
		return false;

	if (u->usec > 0)
	{
		int64		delta;

		if (u->nanos_divisor)
			delta = amount / u->nanos_divisor;
		else if (pg_mul_s64_overflow(amount, u->usec, &delta))
			return false;
		if (pg_add_s64_overflow(usec, delta, &r))
			return false;
	}
	else
	{
		Broken		b;
		int64		months;
		int64		y;
		int			m;
		int			d;

		/* any amount beyond the whole range of years fails, so no overflow below */
		if (amount > (int64) (DT_MAX_YEAR - DT_MIN_YEAR + 1) * 12 ||
			amount < -(int64) (DT_MAX_YEAR - DT_MIN_YEAR + 1) * 12)
			return false;
		break_down(usec, offset_sec, &b);
		months = b.year * 12 + (b.month - 1) + amount * u->months;
		y = floor_div(months, 12);
		m = (int) (months - y * 12) + 1;
		if (y < DT_MIN_YEAR || y > DT_MAX_YEAR)
			return false;
		d = Min(b.day, days_in_month(y, m));
		if (!make_instant(days_from_civil(y, m, d),
						  (int64) b.hour * 3600 + b.minute * 60 + b.second,
						  b.micro, offset_sec, &r))
			return false;
	}
	if (r < min_days() * DT_USECS_PER_DAY - DT_MAX_OFFSET * USECS_PER_SEC_DT ||
		r >= (max_days() + 1) * DT_USECS_PER_DAY + DT_MAX_OFFSET * USECS_PER_SEC_DT)
		return false;
	*result = r;
	return true;
}

/* A fixed-offset zone (see datetime.h). */
bool
dt_fixed_zone_offset(const char *zone, int *offset_sec)
{
	const char *p = zone;
	int			off;

	if (strcmp(zone, "Z") == 0)
	{
		*offset_sec = 0;
		return true;
	}
	if (pg_strncasecmp(p, "UTC", 3) == 0 || pg_strncasecmp(p, "GMT", 3) == 0)
		p += 3;
	else if (pg_strncasecmp(p, "UT", 2) == 0)
		p += 2;
	if (*p == '\0' && p != zone)
	{
		*offset_sec = 0;
		return true;
	}
	if ((*p != '+' && *p != '-') || !scan_offset(&p, true, &off) || *p != '\0')
		return false;
	*offset_sec = off;
	return true;
}

/* ---------------------------------------------------------------------
 * Local date-times in a zone, Kestra's named formats
 * ---------------------------------------------------------------------
 */

/*
 * The instant of a local date-time (local taken as UTC) in zone, as
 * java.time's ZonedDateTime.of resolves it: in an overlap (clocks turned
 * back) the earlier offset, in a gap (clocks turned forward) the offset
 * before the gap, which moves the time forward by the gap's length.  The
 * offsets come from dt_zone_offset (PostgreSQL's zone database in the
 * server); the two probes a day apart see any transition near the time.
 */
bool
dt_local_to_instant(const char *zone, int64 local, int64 *usec, int *offset_sec)
{
	int			before;
	int			after;
	int			check;

	if (zone == NULL)
	{
		*usec = local;
		*offset_sec = 0;
		return true;
	}
	if (!dt_zone_offset(zone, local - DT_USECS_PER_DAY, &before) ||
		!dt_zone_offset(zone, local + DT_USECS_PER_DAY, &after))
		return false;
	/* the offset in force before, if the time is valid with it */
	if (dt_zone_offset(zone, local - before * USECS_PER_SEC_DT, &check) && check == before)
		*offset_sec = before;
	else if (dt_zone_offset(zone, local - after * USECS_PER_SEC_DT, &check) && check == after)
		*offset_sec = after;
	else
		*offset_sec = before;	/* in a gap */
	*usec = local - (int64) *offset_sec * USECS_PER_SEC_DT;
	return true;
}

/* Append a fraction as java.time's ISO formatters do: only the digits needed, none for zero. */
static void
append_iso_fraction(StringInfo buf, int micro)
{
	char		digits[8];
	int			n = 6;

	if (micro == 0)
		return;
	snprintf(digits, sizeof(digits), "%06d", micro);
	while (n > 0 && digits[n - 1] == '0')
		n--;
	appendStringInfo(buf, ".%.*s", n, digits);
}

/* The ISO week-based year and week of a broken-down date (week 1 holds the year's first Thursday). */
static void
iso_week(const Broken *b, int64 *week_year, int *week)
{
	int64		days = days_from_civil(b->year, b->month, b->day);
	int64		thursday = days - (b->dow - 1) + 3;
	int64		y;
	int			m;
	int			d;

	civil_from_days(thursday, &y, &m, &d);
	*week_year = y;
	*week = (int) ((thursday - days_from_civil(y, 1, 1)) / 7) + 1;
}

/* The kinds of Kestra's named formats that are not plain patterns. */
typedef enum NamedKind
{
	NK_PATTERN,					/* a Java pattern */
	NK_DATE_TIME,				/* ISO_DATE_TIME: offset, [zone] for a region */
	NK_OFFSET_DATE_TIME,		/* ISO_OFFSET_DATE_TIME */
	NK_ZONED_DATE_TIME,			/* ISO_ZONED_DATE_TIME */
	NK_INSTANT,					/* ISO_INSTANT: UTC */
	NK_LOCAL_DATE_TIME,			/* ISO_LOCAL_DATE_TIME */
	NK_DATE,					/* ISO_DATE: date and offset */
	NK_TIME,					/* ISO_TIME, ISO_OFFSET_TIME */
	NK_LOCAL_TIME,				/* ISO_LOCAL_TIME */
	NK_ORDINAL,					/* ISO_ORDINAL_DATE: 2013-251+02:00 */
	NK_WEEK,					/* ISO_WEEK_DATE: 2013-W36-7+02:00 */
	NK_RFC_1123					/* RFC_1123_DATE_TIME */
} NamedKind;

typedef struct NamedFormat
{
	const char *name;
	NamedKind	kind;
	const char *pattern;		/* NK_PATTERN */
} NamedFormat;

/* Kestra's named formats (its AbstractDate), and sql_seq, their earlier name for sql_sec. */
static const NamedFormat named_formats[] = {
	{"iso", NK_PATTERN, "yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX"},
	{"iso_milli", NK_PATTERN, "yyyy-MM-dd'T'HH:mm:ss.SSSXXX"},
	{"iso_sec", NK_PATTERN, "yyyy-MM-dd'T'HH:mm:ssXXX"},
	{"sql", NK_PATTERN, "yyyy-MM-dd HH:mm:ss.SSSSSS"},
	{"sql_milli", NK_PATTERN, "yyyy-MM-dd HH:mm:ss.SSS"},
	{"sql_sec", NK_PATTERN, "yyyy-MM-dd HH:mm:ss"},
	{"sql_seq", NK_PATTERN, "yyyy-MM-dd HH:mm:ss"},
	{"iso_date_time", NK_DATE_TIME, NULL},
	{"iso_offset_date_time", NK_OFFSET_DATE_TIME, NULL},
	{"iso_zoned_date_time", NK_ZONED_DATE_TIME, NULL},
	{"iso_instant", NK_INSTANT, NULL},
	{"iso_local_date_time", NK_LOCAL_DATE_TIME, NULL},
	{"iso_date", NK_DATE, NULL},
	{"iso_local_date", NK_PATTERN, "yyyy-MM-dd"},
	{"iso_time", NK_TIME, NULL},
	{"iso_offset_time", NK_TIME, NULL},
	{"iso_local_time", NK_LOCAL_TIME, NULL},
	{"iso_ordinal_date", NK_ORDINAL, NULL},
	{"iso_week_date", NK_WEEK, NULL},
	{"rfc_1123_date_time", NK_RFC_1123, NULL},
};

/* The named format called name, or NULL. */
static const NamedFormat *
find_named(const char *name)
{
	for (int i = 0; i < (int) lengthof(named_formats); i++)
		if (strcmp(name, named_formats[i].name) == 0)
			return &named_formats[i];
	return NULL;
}

/* True for a zone that java.time prints in brackets: a region, not a bare offset. */
static bool
zone_is_region(const char *zone)
{
	return zone != NULL && zone[0] != '+' && zone[0] != '-' && strcmp(zone, "Z") != 0 &&
		strcmp(zone, "z") != 0;
}

/* Format an instant with a named format (see datetime.h); NULL for no such name. */
char *
dt_format_named(int64 usec, int offset_sec, const char *zone, const char *name)
{
	const NamedFormat *nf = find_named(name);
	StringInfoData buf;
	Broken		b;
	char	   *error;

	if (nf == NULL)
		return NULL;
	if (nf->kind == NK_PATTERN)
		return dt_format_pattern(usec, offset_sec, nf->pattern, &error);
	if (nf->kind == NK_INSTANT)
		return dt_format_datetime(usec, 0);
	break_down(usec, offset_sec, &b);
	initStringInfo(&buf);
	switch (nf->kind)
	{
		case NK_ORDINAL:
			append_iso_year(&buf, b.year);
			appendStringInfo(&buf, "-%03d", b.doy);
			append_offset(&buf, offset_sec, true, 2, true, "Z");
			return buf.data;
		case NK_WEEK:
			{
				int64		wy;
				int			w;

				iso_week(&b, &wy, &w);
				append_iso_year(&buf, wy);
				appendStringInfo(&buf, "-W%02d-%d", w, b.dow);
				append_offset(&buf, offset_sec, true, 2, true, "Z");
				return buf.data;
			}
		case NK_RFC_1123:
			appendStringInfo(&buf, "%.3s, %d %.3s ", day_names[b.dow - 1], b.day,
							 month_names[b.month - 1]);
			append_padded(&buf, b.year, 4);
			appendStringInfo(&buf, " %02d:%02d:%02d ", b.hour, b.minute, b.second);
			append_offset(&buf, offset_sec, false, 2, false, "GMT");
			return buf.data;
		default:
			break;
	}
	if (nf->kind != NK_TIME && nf->kind != NK_LOCAL_TIME)
	{
		append_iso_year(&buf, b.year);
		appendStringInfo(&buf, "-%02d-%02d", b.month, b.day);
		if (nf->kind == NK_DATE)
		{
			append_offset(&buf, offset_sec, true, 2, true, "Z");
			return buf.data;
		}
		appendStringInfoChar(&buf, 'T');
	}
	appendStringInfo(&buf, "%02d:%02d:%02d", b.hour, b.minute, b.second);
	append_iso_fraction(&buf, b.micro);
	if (nf->kind == NK_LOCAL_DATE_TIME || nf->kind == NK_LOCAL_TIME)
		return buf.data;
	append_offset(&buf, offset_sec, true, 2, true, "Z");
	if ((nf->kind == NK_DATE_TIME || nf->kind == NK_ZONED_DATE_TIME) && zone_is_region(zone))
		appendStringInfo(&buf, "[%s]", zone);
	return buf.data;
}

/* An ISO week date YYYY-Www-D at *p into a day count, advancing *p. */
static bool
scan_week_date(const char **p, int64 *days)
{
	const char *s = *p;
	int64		y;
	int			w;
	int			d;
	int64		jan4;
	int64		monday;

	if (!scan_iso_year(&s, &y) || *s++ != '-' || *s++ != 'W' || !scan_fixed(&s, 2, &w) ||
		*s++ != '-' || !scan_fixed(&s, 1, &d) || d < 1 || d > 7 || w < 1)
		return false;
	if (y < DT_MIN_YEAR || y > DT_MAX_YEAR)
		return false;
	jan4 = days_from_civil(y, 1, 4);
	monday = jan4 - floor_mod(jan4 + 3, 7);
	/* a year has 53 weeks when it starts on a Thursday, or is a leap year starting on a Wednesday */
	if (w == 53)
	{
		int			dow1 = (int) floor_mod(days_from_civil(y, 1, 1) + 3, 7) + 1;

		if (!(dow1 == 4 || (dow1 == 3 && is_leap(y))))
			return false;
	}
	else if (w > 53)
		return false;
	*days = monday + (w - 1) * 7 + (d - 1);
	*p = s;
	return true;
}

/*
 * Read text with a named format as Kestra's date filter does (see
 * datetime.h): a date-time with an offset fixes the instant; one without,
 * and a date (its midnight), are local (*has_offset false).  A time of day
 * alone is no date.  *known is false when name is no named format.
 */
bool
dt_read_named(const char *s, const char *name, int64 *usec, int *offset_sec,
			  bool *has_offset, bool *known)
{
	const NamedFormat *nf = find_named(name);
	const char *p = s;
	int64		days;
	int			offset = 0;

	*known = nf != NULL;
	if (nf == NULL)
		return false;
	*has_offset = false;
	*offset_sec = 0;
	switch (nf->kind)
	{
		case NK_PATTERN:
			return dt_read_pattern(s, nf->pattern, usec, offset_sec, has_offset);
		case NK_TIME:
		case NK_LOCAL_TIME:
			return false;
		case NK_DATE:
		case NK_ORDINAL:
		case NK_WEEK:
			/* LocalDate.parse: the offset, if any, is read and dropped */
			if (nf->kind == NK_DATE && !scan_date(&p, &days))
				return false;
			if (nf->kind == NK_ORDINAL)
			{
				int64		y;
				int			doy;

				if (!scan_iso_year(&p, &y) || *p++ != '-' || !scan_fixed(&p, 3, &doy) ||
					y < DT_MIN_YEAR || y > DT_MAX_YEAR || doy < 1 || doy > (is_leap(y) ? 366 : 365))
					return false;
				days = days_from_civil(y, 1, 1) + doy - 1;
			}
			if (nf->kind == NK_WEEK && !scan_week_date(&p, &days))
				return false;
			if (*p != '\0' && !scan_offset(&p, false, &offset))
				return false;
			return *p == '\0' && make_instant(days, 0, 0, 0, usec);
		case NK_RFC_1123:
			{
				/* [EEE, ]d MMM yyyy HH:mm[:ss] (GMT|+HHMM) */
				int			day;
				int			month = 0;
				int			year;
				int64		sod;
				int			micro;
				const char *end;

				if (strlen(p) > 5 && p[3] == ',' && p[4] == ' ')
					p += 5;
				if (!is_digit(*p))
					return false;
				day = *p++ - '0';
				if (is_digit(*p))
					day = day * 10 + (*p++ - '0');
				if (*p++ != ' ')
					return false;
				for (int m = 0; m < 12; m++)
					if (strncmp(p, month_names[m], 3) == 0)
						month = m + 1;
				if (month == 0 || p[3] != ' ')
					return false;
				p += 4;
				if (!scan_fixed(&p, 4, &year) || *p++ != ' ')
					return false;
				end = strchr(p, ' ');
				if (end == NULL)
					return false;
				{
					char	   *t = pnstrdup(p, end - p);
					const char *tp = t;

					if (!scan_time(&tp, &sod, &micro) || *tp != '\0' || micro != 0)
						return false;
				}
				p = end + 1;
				if (strcmp(p, "GMT") == 0)
					p += 3;
				else if ((*p != '+' && *p != '-') || strlen(p) != 5 || !scan_offset(&p, false, &offset))
					return false;
				if (*p != '\0' || day < 1 || day > days_in_month(year, month))
					return false;
				if (!make_instant(days_from_civil(year, month, day), sod, 0, offset, usec))
					return false;
				*offset_sec = offset;
				*has_offset = true;
				return true;
			}
		default:
			break;
	}
	/* the ISO date-times, with the offset each needs or refuses */
	if (!dt_read_any(s, usec, offset_sec, has_offset) || strchr(s, 'T') == NULL)
		return false;
	if (nf->kind == NK_LOCAL_DATE_TIME)
		return !*has_offset;
	if (nf->kind == NK_DATE_TIME)
		return true;
	if (!*has_offset)
		return false;
	return nf->kind != NK_OFFSET_DATE_TIME && nf->kind != NK_INSTANT ? true : strchr(s, '[') == NULL;
}

/*
 * dt_add for a date seen in a zone by name, as java.time's ZonedDateTime
 * adds (see datetime.h): date-based units (DAYS and longer) move the local
 * date-time and resolve it in the zone again, keeping the offset it had
 * when that is still valid (so a day across a change of clocks keeps the
 * time of day); time-based units (HALF_DAYS and shorter) add to the instant.
 */
bool
dt_add_in_zone(const char *zone, int64 usec, int offset_sec, int64 amount, const char *unit,
			   int64 *result)
{
	static const char *const date_based[] = {
		"DAYS", "WEEKS", "MONTHS", "YEARS", "DECADES", "CENTURIES", "MILLENNIA"
	};
	bool		by_date = false;
	int64		local;
	int			check;
	int			offset;

	for (int i = 0; i < (int) lengthof(date_based); i++)
		if (pg_strcasecmp(unit, date_based[i]) == 0)
			by_date = true;
	if (zone == NULL || !by_date)
		return dt_add(usec, offset_sec, amount, unit, result);
	if (!dt_add(usec + (int64) offset_sec * USECS_PER_SEC_DT, 0, amount, unit, &local))
		return false;
	if (dt_zone_offset(zone, local - (int64) offset_sec * USECS_PER_SEC_DT, &check) &&
		check == offset_sec)
	{
		*result = local - (int64) offset_sec * USECS_PER_SEC_DT;
		return true;
	}
	return dt_local_to_instant(zone, local, result, &offset);
}
