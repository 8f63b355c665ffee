/*-------------------------------------------------------------------------
 *
 * datetime.h
 *	  Dates, times and durations as flows write them: ISO-8601 text in and
 *	  out, Java-style format patterns (yyyy-MM-dd'T'HH:mm), calendar
 *	  arithmetic.  Used by typed inputs (inputs.c), the expression functions
 *	  (date, dateAdd, now) and the executor (pause durations, timeouts).
 *
 * An instant is int64 microseconds since 1970-01-01T00:00:00Z; a date is
 * int32 days since 1970-01-01; a time of day is int64 microseconds since
 * midnight; a duration is int64 microseconds.  A zone is a fixed offset in
 * seconds east of UTC.
 *
 * Parsers return false on malformed or out-of-range text and never raise.
 * datetime.c uses only palloc, psprintf and StringInfo, so that the
 * expression fuzzer can build it outside the server; time zones by name
 * are resolved in datetime_zone.c, which needs the server.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLOWPG_DATETIME_H
#define FLOWPG_DATETIME_H

#define USECS_PER_SEC_DT	INT64CONST(1000000)

/* 2000-01-01T00:00:00Z (where PostgreSQL's timestamps count from) as an instant. */
#define DT_PG_EPOCH			(INT64CONST(946684800) * USECS_PER_SEC_DT)

/* The instant of a PostgreSQL timestamp (TimestampTz), and back: the one epoch conversion. */
static inline int64
dt_from_timestamptz(int64 t)
{
	return t + DT_PG_EPOCH;
}

static inline int64
dt_to_timestamptz(int64 instant)
{
	return instant - DT_PG_EPOCH;
}

/*
 * The years that parsers accept and dt_add produces (proleptic Gregorian
 * calendar, year 0 = 1 BC).  Java allows more; flowpg keeps every instant
 * of this range well inside int64 microseconds.  Years beyond 9999 are
 * written with a sign, as java.time writes them: +10000-01-01.
 */
#define DT_MIN_YEAR			(-99999)
#define DT_MAX_YEAR			99999

/* Days since 1970-01-01 of a calendar date; false when it is no date or out of range. */
extern bool dt_date_from_ymd(int64 year, int month, int day, int32 *days);

/* The calendar date of days since 1970-01-01. */
extern void dt_ymd_from_date(int32 days, int64 *year, int *month, int *day);

/* YYYY-MM-DD */
extern bool dt_parse_date(const char *s, int32 *days);
extern char *dt_format_date(int32 days);

/*
 * ISO-8601 date-time with an offset: 2024-01-02T03:04:05Z,
 * 2024-01-02T03:04:05.123+02:00.  With require_offset false, text without an
 * offset is taken as UTC (and *offset_sec is 0).
 */
extern bool dt_parse_datetime(const char *s, bool require_offset,
							  int64 *usec, int *offset_sec);

/* 2024-01-02T03:04:05.123456Z style: fraction only when non-zero, Z for UTC. */
extern char *dt_format_datetime(int64 usec, int offset_sec);

/* HH:MM or HH:MM:SS[.ffffff] */
extern bool dt_parse_time(const char *s, int64 *usec_of_day);
extern char *dt_format_time(int64 usec_of_day);

/* ISO-8601 duration as Java's Duration reads it: PnDTnHnMn.nS, signs allowed; P1D = 24 h. */
extern bool dt_parse_duration(const char *s, int64 *usec);

/* Java's Duration.toString(): PT5M6S, PT0S, PT26H, PT0.5S */
extern char *dt_format_duration(int64 usec);

/*
 * Format an instant seen at a fixed offset with a Java DateTimeFormatter
 * pattern (yyyy, MM, dd, HH, mm, ss, SSS, EEE, MMM, a, XXX, 'literal', ...).
 * NULL and *error on an invalid pattern.
 */
extern char *dt_format_pattern(int64 usec, int offset_sec, const char *pattern, char **error);

/*
 * Parse text with a Java pattern (the inverse of dt_format_pattern), for the
 * date filter's existingFormat.  false on mismatch.
 */
extern bool dt_parse_pattern(const char *s, const char *pattern, int64 *usec, int *offset_sec);

/*
 * Parse any of the forms flows hand to the date filter: a date-time with or
 * without offset (UTC assumed), a date (midnight UTC), or a number of
 * seconds since the epoch.
 */
extern bool dt_parse_any(const char *s, int64 *usec, int *offset_sec);

/*
 * dt_parse_any and dt_parse_pattern, also saying whether the text fixes an
 * instant (an offset, a number of seconds).  When *has_offset is false,
 * *usec is the local date-time (a date: its midnight) taken as UTC, to be
 * placed in a zone with dt_local_to_instant, as Kestra reads such text in
 * the filter's timeZone.
 */
extern bool dt_read_any(const char *s, int64 *usec, int *offset_sec, bool *has_offset);
extern bool dt_read_pattern(const char *s, const char *pattern, int64 *usec,
							int *offset_sec, bool *has_offset);

/*
 * Kestra's named formats of date and existingFormat: iso, iso_milli,
 * iso_sec, sql, sql_milli, sql_sec (and sql_seq), iso_date_time,
 * iso_offset_date_time, iso_zoned_date_time, iso_instant,
 * iso_local_date_time, iso_date, iso_local_date, iso_time,
 * iso_offset_time, iso_local_time, iso_ordinal_date, iso_week_date,
 * rfc_1123_date_time, written as java.time's formatters write them.
 * dt_format_named gives NULL for a name that is none of them; zone is the
 * zone's name as given (for the [Europe/Paris] of iso_zoned_date_time), or
 * NULL.  dt_read_named reads text with one (*known false for other names;
 * a time of day alone is no date), with has_offset as dt_read_any.
 */
extern char *dt_format_named(int64 usec, int offset_sec, const char *zone, const char *name);
extern bool dt_read_named(const char *s, const char *name, int64 *usec, int *offset_sec,
						  bool *has_offset, bool *known);

/*
 * The instant of a local date-time (taken as UTC) in zone (NULL: UTC), as
 * java.time resolves it: the earlier offset in an overlap, the offset
 * before a gap (the time moves forward by the gap).  false for an unknown
 * zone.
 */
extern bool dt_local_to_instant(const char *zone, int64 local, int64 *usec, int *offset_sec);

/*
 * dt_add for an instant seen in zone (a name such as Europe/Paris, or
 * NULL: as dt_add), as java.time's ZonedDateTime adds: DAYS and longer
 * move the local date-time and resolve it in the zone again (keeping the
 * offset when still valid), shorter units add to the instant.
 */
extern bool dt_add_in_zone(const char *zone, int64 usec, int offset_sec, int64 amount,
						   const char *unit, int64 *result);

/*
 * Add amount units (Java ChronoUnit names: NANOS, MICROS, MILLIS, SECONDS,
 * MINUTES, HOURS, HALF_DAYS, DAYS, WEEKS, MONTHS, YEARS, DECADES, CENTURIES)
 * to an instant seen at offset_sec; months and years follow the calendar
 * (Jan 31 + 1 month = Feb 28/29).  false for an unknown unit or overflow.
 */
extern bool dt_add(int64 usec, int offset_sec, int64 amount, const char *unit, int64 *result);

/*
 * The offset of a zone at an instant: "UTC", "Z", "+02:00", or, in the
 * server, an IANA name such as "Europe/Paris" (datetime_zone.c).
 */
extern bool dt_zone_offset(const char *zone, int64 usec, int *offset_sec);

/*
 * The fixed-offset zones that need no time zone database, as java.time's
 * ZoneId.of reads them: "Z", "UTC", "GMT", "UT" (any case), an offset
 * "+2", "+02", "+0230", "+02:30", "+02:30:15" (at most 18 hours), or one of
 * UTC/GMT/UT followed by such an offset ("UTC+01:00").  dt_zone_offset
 * tries this first; builds outside the server (the fuzzer) can define
 * dt_zone_offset as a call of this.
 */
extern bool dt_fixed_zone_offset(const char *zone, int *offset_sec);

#endif							/* FLOWPG_DATETIME_H */
