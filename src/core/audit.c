/*-------------------------------------------------------------------------
 *
 * audit.c
 *	  Appending to flowpg.audit_log.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/builtins.h"

#include "audit.h"
#include "db.h"
#include "security.h"
#include "value_jsonb.h"

static DbQuery audit_insert = DB_QUERY(
	"INSERT INTO flowpg.audit_log (actor, action, namespace, flow_id, execution_id, task_run_id, detail)"
	" VALUES ($1, $2, $3, $4, $5, $6, $7)",
	7, NAMEOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, JSONBOID);

/* Append an audit row by an explicit actor ("flowpg" stands for the system). */
void
audit_write_as(const char *actor, const char *action, const char *namespace,
			   const char *flow_id, const char *execution_id,
			   const char *task_run_id, const FpValue *detail)
{
	Datum		values[7];
	char		nulls[7];

	values[0] = DirectFunctionCall1(namein, CStringGetDatum(actor ? actor : "flowpg"));
	nulls[0] = ' ';
	values[1] = CStringGetTextDatum(action);
	nulls[1] = ' ';
	values[2] = DB_TEXT(namespace);
	nulls[2] = DB_NULL(namespace);
	values[3] = DB_TEXT(flow_id);
	nulls[3] = DB_NULL(flow_id);
	values[4] = DB_TEXT(execution_id);
	nulls[4] = DB_NULL(execution_id);
	values[5] = DB_TEXT(task_run_id);
	nulls[5] = DB_NULL(task_run_id);
	values[6] = fp_to_jsonb_datum(detail ? detail : fp_object(0));
	nulls[6] = ' ';
	db_exec(&audit_insert, values, nulls, false, 0);
}

/* Append an audit row by the current user. */
void
audit_write(const char *action, const char *namespace, const char *flow_id,
			const char *execution_id, const char *task_run_id, const FpValue *detail)
{
	audit_write_as(sec_actor(), action, namespace, flow_id, execution_id, task_run_id, detail);
}
