/*-------------------------------------------------------------------------
 *
 * cron.c
 *	  Parsing cron expressions into bit sets.
 *
 * Fields accept "*", "?", numbers, ranges a-b, steps ("*" or a range, then
 * "/n"), lists, and the English names of months (JAN..DEC) and weekdays
 * (SUN..SAT); weekday 7 is Sunday too.  Quartz's L, W and # are refused with a clear message.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>

#include "cron.h"
#include "datetime.h"

typedef struct CronField
{
	const char *name;
	int			min;
	int			max;
	const char *const *names;	/* names for min, min+1, ... or NULL */
} CronField;

static const char *const month_names[] = {
	"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC", NULL
};
static const char *const weekday_names[] = {
	"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", NULL
};

static const CronField f_seconds = {"second", 0, 59, NULL};
static const CronField f_minutes = {"minute", 0, 59, NULL};
static const CronField f_hours = {"hour", 0, 23, NULL};
static const CronField f_days = {"day of month", 1, 31, NULL};
static const CronField f_months = {"month", 1, 12, month_names};
static const CronField f_weekdays = {"day of week", 0, 7, weekday_names};

/* Read a number or a name of field at *p; -1 if there is neither. */
static int
read_value(const char **p, const CronField *f)
{
	int			v = 0;
	int			digits = 0;

	while (isdigit((unsigned char) **p) && digits < 4)
	{
		v = v * 10 + (**p - '0');
		(*p)++;
		digits++;
	}
	if (digits > 0)
		return v;
	if (f->names)
	{
		int			i;

		for (i = 0; f->names[i]; i++)
		{
			if (pg_strncasecmp(*p, f->names[i], 3) == 0)
			{
				*p += 3;
				return f->min + i;
			}
		}
	}
	return -1;
}

/* Parse one field's text into *bits; false and *error if it is malformed. */
static bool
parse_field(const char *text, const CronField *f, uint64 *bits, bool *any, char **error)
{
	const char *p = text;

	*bits = 0;
	*any = false;
	if (strcmp(text, "*") == 0 || strcmp(text, "?") == 0)
		*any = true;
	for (;;)
	{
		int			lo,
					hi,
					step = 1,
					v;
		bool		single = false;

		if (*p == '*' || *p == '?')
		{
			lo = f->min;
			hi = f->max;
			p++;
		}
		else
		{
			if ((lo = read_value(&p, f)) < 0)
				goto bad;
			hi = lo;
			single = true;
			if (*p == '-')
			{
				p++;
				single = false;
				if ((hi = read_value(&p, f)) < 0)
					goto bad;
			}
		}
		if (*p == '/')
		{
			p++;
			if (!isdigit((unsigned char) *p))
				goto bad;
			step = 0;
			while (isdigit((unsigned char) *p) && step < 1000)
				step = step * 10 + (*p++ - '0');
			if (step == 0)
				goto bad;
			if (single)
				hi = f->max;	/* "5/15" means from 5 to the end, every 15 */
		}
		if (lo < f->min || hi > f->max || lo > hi)
		{
			*error = psprintf("the %s field \"%s\" is out of range %d-%d", f->name, text, f->min, f->max);
			return false;
		}
		for (v = lo; v <= hi; v += step)
			*bits |= UINT64CONST(1) << v;
		if (*p == ',')
		{
			p++;
			continue;
		}
		if (*p == '\0')
			return true;
		goto bad;
	}
bad:
	if ((f == &f_days || f == &f_weekdays) && strpbrk(text, "LW#") != NULL)
		*error = psprintf("the %s field \"%s\" uses Quartz's L, W or #, which flowpg does not support",
						  f->name, text);
	else
		*error = psprintf("the %s field \"%s\" is not valid", f->name, text);
	return false;
}

/* Parse a whole expression (see cron.h). */
bool
cron_parse(const char *text, bool with_seconds, CronSpec *spec, char **error)
{
	static const struct
	{
		const char *nick;
		const char *expr;
	}			nicknames[] = {
		{"@yearly", "0 0 1 1 *"},
		{"@annually", "0 0 1 1 *"},
		{"@monthly", "0 0 1 * *"},
		{"@weekly", "0 0 * * 0"},
		{"@daily", "0 0 * * *"},
		{"@midnight", "0 0 * * *"},
		{"@hourly", "0 * * * *"},
	};
	char	   *copy;
	char	   *fields[7];
	int			n = 0;
	char	   *tok;
	char	   *save;
	uint64		bits;
	bool		any;
	int			i;
	int			first;

	memset(spec, 0, sizeof(CronSpec));
	if (text[0] == '@')
	{
		for (i = 0; i < (int) lengthof(nicknames); i++)
			if (pg_strcasecmp(text, nicknames[i].nick) == 0)
				return cron_parse(nicknames[i].expr, false, spec, error);
		*error = psprintf("unknown cron nickname \"%s\" (use @yearly, @monthly, @weekly, @daily or @hourly)", text);
		return false;
	}

	copy = pstrdup(text);
	for (tok = strtok_r(copy, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save))
	{
		if (n == 7)
			break;
		fields[n++] = tok;
	}
	if (n != (with_seconds ? 6 : 5))
	{
		*error = psprintf("a cron expression has %d fields%s, not %d",
						  with_seconds ? 6 : 5,
						  with_seconds ? " (withSeconds is set)" : "", n);
		return false;
	}

	first = 0;
	if (with_seconds)
	{
		if (!parse_field(fields[0], &f_seconds, &spec->seconds, &any, error))
			return false;
		first = 1;
	}
	else
		spec->seconds = 1;		/* second 0 */
	if (!parse_field(fields[first], &f_minutes, &spec->minutes, &any, error))
		return false;
	if (!parse_field(fields[first + 1], &f_hours, &bits, &any, error))
		return false;
	spec->hours = (uint32) bits;
	if (!parse_field(fields[first + 2], &f_days, &bits, &spec->days_any, error))
		return false;
	spec->days = (uint32) bits;
	if (!parse_field(fields[first + 3], &f_months, &bits, &any, error))
		return false;
	spec->months = (uint16) bits;
	if (!parse_field(fields[first + 4], &f_weekdays, &bits, &spec->weekdays_any, error))
		return false;
	if (bits & (UINT64CONST(1) << 7))
		bits |= 1;				/* 7 is Sunday too */
	spec->weekdays = (uint8) (bits & 0x7F);
	return true;
}

/* ---------------------------------------------------------------------
 * Next and previous fire times
 *
 * The search runs on wall-clock seconds (seconds since 1970-01-01T00:00 of
 * the zone's local time), field by field like a mechanical counter, and
 * each wall-clock match is then resolved to an instant with the offsets in
 * force around it.
 * ---------------------------------------------------------------------
 */

#define WALL_SECS_PER_DAY	INT64CONST(86400)
#define CRON_YEARS			100 /* how far ahead a match is looked for */
#define USECS				INT64CONST(1000000)

/* a / b rounded towards minus infinity (b > 0). */
static int64
cron_floor_div(int64 a, int64 b)
{
	int64		q = a / b;

	if (a % b != 0 && a < 0)
		q--;
	return q;
}

/* Whether the day-of-month and day-of-week fields let a date through. */
static bool
cron_day_matches(const CronSpec *spec, int32 days, int day)
{
	int			weekday = (int) ((days % 7 + 7 + 4) % 7);	/* 1970-01-01: Thursday */
	bool		dom = (spec->days & (((uint32) 1) << day)) != 0;
	bool		dow = (spec->weekdays & (1 << weekday)) != 0;

	if (spec->days_any && spec->weekdays_any)
		return true;
	if (spec->days_any)
		return dow;
	if (spec->weekdays_any)
		return dom;
	/* both restricted: either one matching is enough, as in Vixie cron */
	return dom || dow;
}

/*
 * The first wall-clock second at or after `from` that matches spec; false
 * when there is none within CRON_YEARS years.
 */
static bool
cron_next_wall(const CronSpec *spec, int64 from, int64 *out)
{
	int32		days = (int32) cron_floor_div(from, WALL_SECS_PER_DAY);
	int64		sod = from - (int64) days * WALL_SECS_PER_DAY;
	int64		year;
	int64		last_year;
	int			month,
				day,
				hour,
				minute,
				second;

	dt_ymd_from_date(days, &year, &month, &day);
	hour = (int) (sod / 3600);
	minute = (int) (sod / 60 % 60);
	second = (int) (sod % 60);
	last_year = year + CRON_YEARS;

	for (;;)
	{
		int32		d;

		/* carry overflowing fields into the next one, like an odometer */
		if (second > 59)
			second = 0, minute++;
		if (minute > 59)
			minute = 0, hour++;
		if (hour > 23)
			hour = 0, day++;
		if (month > 12)
			month = 1, year++;
		if (year > last_year || year > DT_MAX_YEAR)
			return false;

		if (!(spec->months & (1 << month)))
		{
			month++, day = 1, hour = minute = second = 0;
			continue;
		}
		if (!dt_date_from_ymd(year, month, day, &d))
		{
			/* past the end of the month */
			month++, day = 1, hour = minute = second = 0;
			continue;
		}
		if (!cron_day_matches(spec, d, day))
		{
			day++, hour = minute = second = 0;
			continue;
		}
		if (!(spec->hours & (((uint32) 1) << hour)))
		{
			hour++, minute = second = 0;
			continue;
		}
		if (!(spec->minutes & (UINT64CONST(1) << minute)))
		{
			minute++, second = 0;
			continue;
		}
		if (!(spec->seconds & (UINT64CONST(1) << second)))
		{
			second++;
			continue;
		}
		*out = (int64) d * WALL_SECS_PER_DAY + hour * 3600 + minute * 60 + second;
		return true;
	}
}

/*
 * The instant of a wall-clock second in zone.  In an overlap (clocks set
 * back) the earlier instant; in a gap (clocks set forward) the wall time
 * shifted forward by the gap, with the offset in force before it.
 */
static bool
cron_wall_instant(int64 wall, const char *zone, int64 *instant)
{
	int64		w = wall * USECS;
	int			before,
				after,
				check;
	int64		t1,
				t2;
	bool		ok1,
				ok2;

	/* the offsets in force well before and well after: a change lies in between, if any */
	if (!dt_zone_offset(zone, w - 36 * 3600 * USECS, &before) ||
		!dt_zone_offset(zone, w + 36 * 3600 * USECS, &after))
		return false;
	t1 = w - (int64) before * USECS;
	t2 = w - (int64) after * USECS;
	ok1 = dt_zone_offset(zone, t1, &check) && check == before;
	ok2 = dt_zone_offset(zone, t2, &check) && check == after;
	if (ok1 && ok2)
		*instant = Min(t1, t2);
	else if (ok2)
		*instant = t2;
	else
		*instant = t1;			/* valid before the change, or in a gap */
	return true;
}

/* The next fire time (see cron.h). */
bool
cron_next(const CronSpec *spec, int64 after, const char *zone, int64 *next)
{
	int			offset;
	int64		from;
	int			i;

	if (!dt_zone_offset(zone, after, &offset))
		return false;
	/* the wall-clock second of `after`, then the one after it */
	from = cron_floor_div(after, USECS) + offset + 1;

	/*
	 * A wall-clock match can resolve to an instant not after `after` (the
	 * second pass of an overlap); look further then.  An hour of
	 * every-second matches is the most that can be skipped that way.
	 */
	for (i = 0; i < 4000; i++)
	{
		int64		wall;
		int64		t;

		if (!cron_next_wall(spec, from, &wall) || !cron_wall_instant(wall, zone, &t))
			return false;
		if (t > after)
		{
			*next = t;
			return true;
		}
		from = wall + 1;
	}
	return false;
}

/* The previous fire time (see cron.h). */
bool
cron_prev(const CronSpec *spec, int64 before, const char *zone, int64 *prev)
{
	/* windows that grow until one holds a match; then walk forward inside it */
	static const int64 windows[] = {
		60, 3600, 86400, 32 * 86400, 367 * 86400, INT64CONST(3670) * 86400,
		INT64CONST(36525) * 86400
	};
	int			w;

	for (w = 0; w < (int) lengthof(windows); w++)
	{
		int64		t;
		int64		found;
		int64		next;

		if (!cron_next(spec, before - windows[w] * USECS, zone, &t))
			return false;
		if (t >= before)
			continue;
		found = t;
		while (cron_next(spec, found, zone, &next) && next < before)
			found = next;
		*prev = found;
		return true;
	}
	return false;
}

/* The shortest gap between consecutive fires (see cron.h). */
int64
cron_min_gap(const CronSpec *spec)
{
	int64		t = DT_PG_EPOCH;	/* 2000-01-01T00:00:00Z */
	int64		next;
	int64		gap = -1;
	int			i;

	if (!cron_next(spec, t, "UTC", &t))
		return -1;
	for (i = 0; i < 4000; i++)
	{
		if (!cron_next(spec, t, "UTC", &next))
			break;
		if (gap < 0 || next - t < gap)
			gap = next - t;
		t = next;
	}
	return gap;
}
