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

#endif							/* FLOWPG_CRON_H */
