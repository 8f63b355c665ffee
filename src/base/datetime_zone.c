/*-------------------------------------------------------------------------
 *
 * datetime_zone.c
 *	  The offset of a time zone at an instant, for zones given by name
 *	  (Europe/Paris): the server-only part of datetime.h.
 *
 * Fixed offsets ("UTC", "Z", "+02:00") are read by dt_fixed_zone_offset in
 * datetime.c; names are looked up in PostgreSQL's time zone library, the
 * same IANA database that the timestamptz type uses.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "pgtime.h"

#include "datetime.h"

/*
 * True for text shaped like an IANA zone name rather than a POSIX TZ rule.
 * pg_tzset falls back to reading a POSIX rule ("ABC3", "<+03>-3") when no
 * zone file has the name, and a POSIX rule counts its offset westwards,
 * the opposite of every other notation in flows; java.time refuses those
 * strings, so flowpg does too.  Names with digits are accepted when they
 * have a '/' (Etc/GMT+5) or are one of the four US rules that the IANA
 * database ships as zone files.
 */
static bool
looks_like_zone_name(const char *zone)
{
	static const char *const digit_names[] = {"EST5EDT", "CST6CDT", "MST7MDT", "PST8PDT"};
	bool		digits = false;
	const char *p;

	if (zone[0] == '\0' || strlen(zone) > TZ_STRLEN_MAX)
		return false;
	for (p = zone; *p; p++)
	{
		char		c = *p;

		if (c >= '0' && c <= '9')
			digits = true;
		else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				   c == '/' || c == '_' || c == '-' || c == '+'))
			return false;
	}
	if (!digits || strchr(zone, '/') != NULL)
		return true;
	for (int i = 0; i < (int) lengthof(digit_names); i++)
		if (pg_strcasecmp(zone, digit_names[i]) == 0)
			return true;
	return false;
}

/*
 * The offset of zone at the instant usec (see datetime.h): a fixed offset,
 * or the offset in force then in a named zone (daylight saving included).
 */
bool
dt_zone_offset(const char *zone, int64 usec, int *offset_sec)
{
	pg_tz	   *tz;
	pg_time_t	t;
	struct pg_tm *tm;

	if (dt_fixed_zone_offset(zone, offset_sec))
		return true;
	if (!looks_like_zone_name(zone))
		return false;
	tz = pg_tzset(zone);
	if (tz == NULL)
		return false;
	/* whole seconds, rounded down, so that instants before 1970 work too */
	t = usec / USECS_PER_SEC_DT - (usec % USECS_PER_SEC_DT < 0 ? 1 : 0);
	tm = pg_localtime(&t, tz);
	if (tm == NULL)
		return false;
	*offset_sec = (int) tm->tm_gmtoff;
	return true;
}
