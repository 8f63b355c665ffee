/*-------------------------------------------------------------------------
 *
 * db.h
 *	  How flowpg runs its own SQL: prepared once per backend, with every
 *	  name schema-qualified, executed as the extension's owner under a fixed
 *	  search_path, after the calling function has checked permissions.
 *	  Outside db_exec the current user stays the caller.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLOWPG_DB_H
#define FLOWPG_DB_H

#include "datatype/timestamp.h"
#include "executor/spi.h"

#include "value.h"

/* A statement whose plan is prepared on first use and kept for the backend's life. */
typedef struct DbQuery
{
	const char *sql;
	int			nargs;
	Oid			argtypes[16];
	SPIPlanPtr	plan;
} DbQuery;

/* A DbQuery initializer: DB_QUERY("SELECT ... $1", 1, TEXTOID) */
#define DB_QUERY(sql_, nargs_, ...) { .sql = (sql_), .nargs = (nargs_), .argtypes = {__VA_ARGS__} }

/* What db_enter saved, for db_leave. */
typedef struct DbScope
{
	int			guc_nestlevel;
	bool		connected;
} DbScope;

/*
 * Connect SPI and set search_path = pg_catalog, pg_temp for flowpg's own
 * statements, which db_exec runs as the extension's owner.  Errors raised
 * in between are cleaned up by the transaction abort; db_leave undoes
 * everything on the success path.
 */
extern void db_enter(DbScope *scope);
extern void db_leave(DbScope *scope);

/* The oid of the role that owns the flowpg extension (42704 if it is not installed). */
extern Oid	db_extension_owner(void);

/* The flowpg extension's oid, owner and version; false when it is not installed. */
extern bool db_extension_lookup(Oid *oid, Oid *owner, char **version);

/*
 * Whether the installed extension's objects are those of version 0.1: a
 * newer library serves them until ALTER EXTENSION flowpg UPDATE, with the
 * queries of 0.1 (no key_id columns, no work.namespace).
 */
extern bool db_schema_is_0_1(void);

/*
 * Execute a DbQuery (connected with db_enter).  nulls is NULL or an SPI
 * nulls string (' ' / 'n').  Returns SPI_processed; the rows are in
 * SPI_tuptable.
 */
extern uint64 db_exec(DbQuery *q, Datum *values, const char *nulls, bool read_only, long count);

/*
 * Execute a utility statement built at run time (a GRANT naming a role) as
 * the extension's owner, like db_exec (connected with db_enter).
 */
extern void db_exec_utility(const char *sql);

/* Column accessors for the current SPI_tuptable (col is 1-based). */
extern char *db_text(uint64 row, int col);	/* NULL when SQL NULL */
extern Datum db_datum(uint64 row, int col, bool *isnull);
extern int32 db_int4(uint64 row, int col);
extern TimestampTz db_time(uint64 row, int col);	/* 0 when NULL */
extern FpValue *db_json(uint64 row, int col);	/* a jsonb column; NULL when NULL */

/* A timestamptz Datum from t, with *null set: 0 stands for SQL NULL. */
extern Datum db_time_arg(TimestampTz t, char *null);

/* A text[] Datum of the C strings of a List (an argument for "= ANY ($n)"). */
extern Datum db_text_array(List *strings);

/* A text Datum, or a null marker, from a C string that may be NULL. */
#define DB_TEXT(s) ((s) ? CStringGetTextDatum(s) : (Datum) 0)
#define DB_NULL(s) ((s) ? ' ' : 'n')

#endif							/* FLOWPG_DB_H */
