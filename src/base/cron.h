/*-------------------------------------------------------------------------
 *
 * cron.h
 *	  Cron expressions of Schedule triggers (SPEC section 10): five fields
 *	  (minute hour day-of-month month day-of-week), six with seconds first
 *	  when withSeconds is set, or a nickname (@hourly, @daily, ...).
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLOWPG_CRON_H
#define FLOWPG_CRON_H

typedef struct CronSpec
{
	uint64		seconds;		/* bit n set: second n matches */
	uint64		minutes;
	uint32		hours;
	uint32		days;			/* bits 1..31 */
	uint16		months;			/* bits 1..12 */
	uint8		weekdays;		/* bits 0..6, Sunday = 0 */
	bool		days_any;		/* day-of-month was * or ? */
	bool		weekdays_any;	/* day-of-week was * or ? */
} CronSpec;

/* Parse text into spec; false and *error (lower case) when it is not a valid expression. */
extern bool cron_parse(const char *text, bool with_seconds, CronSpec *spec, char **error);

/*
 * The first instant strictly after `after` whose wall-clock time in zone
 * matches spec (instants are microseconds since 1970-01-01T00:00:00Z, as in
 * datetime.h; zone as dt_zone_offset takes it).  False when the zone is
 * unknown or nothing matches within a hundred years (0 0 30 2 *).
 *
 * Daylight saving time: a wall-clock time that a clock change skips fires
 * at the same wall time shifted by the change (02:30 becomes 03:30, as
 * java.time resolves it); a wall-clock time that occurs twice fires once,
 * at its first occurrence.
 */
extern bool cron_next(const CronSpec *spec, int64 after, const char *zone, int64 *next);

/* The last matching instant strictly before `before`; false when none in a hundred years. */
extern bool cron_prev(const CronSpec *spec, int64 before, const char *zone, int64 *prev);

/*
 * The shortest time, in microseconds, between two consecutive fires of spec
 * (in UTC) among its first few thousand fires from 2000-01-01; -1 when it
 * fires at most once in a hundred years.  A cron expression repeats within
 * a day for gaps under a day, so that many fires show every short gap.
 */
extern int64 cron_min_gap(const CronSpec *spec);

#endif							/* FLOWPG_CRON_H */
