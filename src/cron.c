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
