/*-------------------------------------------------------------------------
 *
 * trigger_schedule.c
 *	  core.trigger.Schedule at run time (SPEC section 10).
 *
 * Deploys keep one row of flowpg.trigger_state per Schedule trigger of a
 * flow that can run (not deleted, not disabled, trigger not disabled): the
 * trigger as deployed (schedule) and its next fire time (next_at).  A
 * redeploy that leaves a trigger's cron, withSeconds and timezone alone
 * keeps its next_at, so a schedule missed across a redeploy is still
 * recovered; a changed one starts afresh from the deploy time, as Kestra
 * does when a trigger changes.
 *
 * The worker fires due rows, one occurrence per transaction.  An
 * occurrence that fell due while no worker was processing (the server was
 * down, flowpg.enabled was off, the extension did not exist yet) is a
 * missed one, and recoverMissedSchedules decides: ALL starts one execution
 * for each, LAST (the default) only for the latest, NONE for none.  Every
 * execution gets trigger.date (the occurrence, in the trigger's time
 * zone), trigger.next and trigger.previous (the occurrences around it).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "step.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "audit.h"
#include "cron.h"
#include "datetime.h"
#include "db.h"
#include "executor.h"
#include "flowpg.h"
#include "inputs.h"
#include "security.h"
#include "store.h"
#include "trigger_schedule.h"
#include "value_jsonb.h"
#include "wake.h"

#define SCHEDULE_TRIGGER "io.kestra.plugin.core.trigger.Schedule"
#define SCHEDULE_TRIGGER_OLD "io.kestra.core.models.triggers.types.Schedule"

static DbQuery q_stored = DB_QUERY(
	"SELECT trigger_id, schedule FROM flowpg.trigger_state"
	" WHERE namespace = $1 AND flow_id = $2 AND schedule IS NOT NULL",
	2, TEXTOID, TEXTOID);

static DbQuery q_delete = DB_QUERY(
	"DELETE FROM flowpg.trigger_state WHERE namespace = $1 AND flow_id = $2 AND trigger_id = $3",
	3, TEXTOID, TEXTOID, TEXTOID);

static DbQuery q_upsert = DB_QUERY(
	"INSERT INTO flowpg.trigger_state (namespace, flow_id, trigger_id, schedule, next_at, updated_at)"
	" VALUES ($1, $2, $3, $4, $5, pg_catalog.now())"
	" ON CONFLICT (namespace, flow_id, trigger_id) DO UPDATE"
	" SET schedule = EXCLUDED.schedule, next_at = EXCLUDED.next_at, updated_at = EXCLUDED.updated_at",
	5, TEXTOID, TEXTOID, TEXTOID, JSONBOID, TIMESTAMPTZOID);

static DbQuery q_keep = DB_QUERY(
	"UPDATE flowpg.trigger_state SET schedule = $4, updated_at = pg_catalog.now()"
	" WHERE namespace = $1 AND flow_id = $2 AND trigger_id = $3",
	4, TEXTOID, TEXTOID, TEXTOID, JSONBOID);

static DbQuery q_lock = DB_QUERY(
	"SELECT next_at FROM flowpg.trigger_state"
	" WHERE namespace = $1 AND flow_id = $2 AND trigger_id = $3 AND schedule IS NOT NULL"
	" FOR UPDATE SKIP LOCKED",
	3, TEXTOID, TEXTOID, TEXTOID);

static DbQuery q_stored_one = DB_QUERY(
	"SELECT schedule FROM flowpg.trigger_state"
	" WHERE namespace = $1 AND flow_id = $2 AND trigger_id = $3 AND schedule IS NOT NULL",
	3, TEXTOID, TEXTOID, TEXTOID);

static DbQuery q_move = DB_QUERY(
	"UPDATE flowpg.trigger_state SET next_at = $4, updated_at = pg_catalog.now()"
	" WHERE namespace = $1 AND flow_id = $2 AND trigger_id = $3",
	4, TEXTOID, TEXTOID, TEXTOID, TIMESTAMPTZOID);

/* Whether a trigger definition is a Schedule trigger that is not disabled. */
static bool
is_active_schedule(const FpValue *t)
{
	const char *type = fp_get_str(t, "type");
	FpValue    *disabled = fp_get(t, "disabled");

	if (type == NULL || (strcmp(type, SCHEDULE_TRIGGER) != 0 && strcmp(type, SCHEDULE_TRIGGER_OLD) != 0))
		return false;
	return !(disabled && disabled->type == FP_BOOL && disabled->u.b);
}

/* The active Schedule trigger called id in a flow definition, or NULL. */
static FpValue *
find_schedule(const FpValue *definition, const char *id)
{
	FpValue    *triggers = definition ? fp_get_array(definition, "triggers") : NULL;
	int			i;

	for (i = 0; triggers && i < triggers->u.arr.count; i++)
	{
		FpValue    *t = triggers->u.arr.items[i];
		const char *tid = fp_get_str(t, "id");

		if (tid && strcmp(tid, id) == 0)
			return is_active_schedule(t) ? t : NULL;
	}
	return NULL;
}

/* A trigger's time zone (UTC by default). */
static const char *
schedule_zone(const FpValue *t)
{
	const char *zone = fp_get_str(t, "timezone");

	return zone ? zone : "UTC";
}

/* Parse a trigger's cron expression; false (with a warning) when it no longer parses. */
static bool
schedule_spec(const FpValue *t, CronSpec *spec)
{
	const char *cron = fp_get_str(t, "cron");
	FpValue    *secs = fp_get(t, "withSeconds");
	char	   *error = NULL;

	if (cron && cron_parse(cron, secs && secs->type == FP_BOOL && secs->u.b, spec, &error))
		return true;
	ereport(WARNING,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("schedule \"%s\" has an invalid cron expression: %s",
					fp_get_str(t, "id"), error ? error : "none given")));
	return false;
}

/* The first fire time of t after the instant `after` (Unix microseconds); 0 when none. */
static int64
schedule_next(const FpValue *t, int64 after)
{
	CronSpec	spec;
	int64		next;

	if (!schedule_spec(t, &spec) || !cron_next(&spec, after, schedule_zone(t), &next))
		return 0;
	return next;
}

/* Whether two definitions of a trigger fire at the same times. */
static bool
same_times(const FpValue *a, const FpValue *b)
{
	static const char *const keys[] = {"cron", "withSeconds", "timezone"};
	int			i;

	for (i = 0; i < (int) lengthof(keys); i++)
	{
		FpValue    *va = fp_get(a, keys[i]);
		FpValue    *vb = fp_get(b, keys[i]);

		if ((va == NULL) != (vb == NULL) || (va && !fp_equal(va, vb)))
			return false;
	}
	return true;
}

/* Keep the stored schedules in step with a flow's latest revision (see trigger_schedule.h). */
void
trigger_schedule_store(const char *ns, const char *flow_id, const FpValue *definition)
{
	FpValue    *disabled = definition ? fp_get(definition, "disabled") : NULL;
	FpValue    *triggers = definition ? fp_get_array(definition, "triggers") : NULL;
	bool		runnable = definition != NULL && !(disabled && disabled->type == FP_BOOL && disabled->u.b);
	FpValue    *stored = fp_object(4);
	Datum		values[5];
	char		nulls[5] = {' ', ' ', ' ', ' ', ' '};
	bool		changed = false;
	uint64		n;
	uint64		i;
	int			j;

	values[0] = CStringGetTextDatum(ns);
	values[1] = CStringGetTextDatum(flow_id);
	n = db_exec(&q_stored, values, NULL, false, 0);
	for (i = 0; i < n; i++)
	{
		bool		isnull;

		fp_set(stored, db_text(i, 1), fp_from_jsonb_datum(db_datum(i, 2, &isnull)));
	}

	/* rows of triggers that are gone, disabled, or of a flow that cannot run */
	for (j = 0; j < stored->u.obj.count; j++)
	{
		const char *id = stored->u.obj.pairs[j].key;

		if (runnable && find_schedule(definition, id) != NULL)
			continue;
		values[2] = CStringGetTextDatum(id);
		db_exec(&q_delete, values, NULL, false, 0);
		changed = true;
	}

	for (j = 0; runnable && triggers && j < triggers->u.arr.count; j++)
	{
		FpValue    *t = triggers->u.arr.items[j];
		const char *id = fp_get_str(t, "id");
		FpValue    *old = id ? fp_get(stored, id) : NULL;
		int64		next;

		if (id == NULL || !is_active_schedule(t))
			continue;
		values[2] = CStringGetTextDatum(id);
		values[3] = fp_to_jsonb_datum(t);
		if (old && same_times(old, t))
		{
			/* same fire times: keep next_at, so nothing missed is forgotten */
			if (!fp_equal(old, t))
				db_exec(&q_keep, values, NULL, false, 0);
			continue;
		}
		next = schedule_next(t, dt_from_timestamptz(GetCurrentTimestamp()));
		values[4] = TimestampTzGetDatum(dt_to_timestamptz(next));
		nulls[4] = next ? ' ' : 'n';
		db_exec(&q_upsert, values, nulls, false, 0);
		changed = true;
	}
	if (changed)
		wake_worker_at_commit();
}

/* secret('NAME') while rendering a schedule's inputs: the flow's namespace, then its parents. */
static char *
schedule_secret(void *arg, const char *name, char **error)
{
	CompiledFlow *flow = arg;

	return store_expr_secret(flow->namespace, name, error);
}

/* secret('NAME', 'NS') while rendering a schedule's inputs, with the deployer's rights (store.h). */
static char *
schedule_secret_in(void *arg, const char *name, const char *namespace, char **error)
{
	CompiledFlow *flow = arg;
	bool		denied;

	return store_expr_secret_in(flow->namespace, flow->deployer, namespace, name, &denied, error);
}

/* kv('KEY') while rendering a schedule's inputs. */
static FpValue *
schedule_kv(void *arg, const char *key, char **error)
{
	CompiledFlow *flow = arg;

	return store_expr_kv(flow->namespace, key, error);
}

/* An instant as ISO-8601 text at the zone's offset then. */
static FpValue *
zoned_text(int64 instant, const char *zone)
{
	int			offset = 0;

	if (instant == 0)
		return fp_null();
	(void) dt_zone_offset(zone, instant, &offset);
	return fp_cstring(dt_format_datetime(instant, offset));
}

/* The trigger variables of an occurrence: type, id, date, next, previous. */
static FpValue *
trigger_vars(const FpValue *t, const char *trigger_id, int64 at)
{
	FpValue    *v = fp_object(5);
	const char *zone = schedule_zone(t);
	CronSpec	spec;
	int64		next = 0;
	int64		prev = 0;

	if (schedule_spec(t, &spec))
	{
		if (!cron_next(&spec, at, zone, &next))
			next = 0;
		if (!cron_prev(&spec, at, zone, &prev))
			prev = 0;
	}
	fp_set(v, "type", fp_cstring(SCHEDULE_TRIGGER));
	fp_set(v, "id", fp_cstring(trigger_id));
	fp_set(v, "date", zoned_text(at, zone));
	fp_set(v, "next", zoned_text(next, zone));
	fp_set(v, "previous", zoned_text(prev, zone));
	return v;
}

/*
 * Start the flow for the occurrence `at`: render the trigger's inputs with
 * flow.* and trigger.*, validate them, start and save the execution.  The
 * schedule acts for the role that deployed the flow's latest revision, which
 * must still hold EXECUTE on its namespace.  A trigger that may not start
 * the flow, or whose inputs do not render or validate, starts nothing and
 * leaves a trigger_failed audit row, as Flow triggers do.
 */
static void
start_occurrence(CompiledFlow *flow, const FpValue *t, const char *trigger_id, int64 at)
{
	FpValue    *trigger = trigger_vars(t, trigger_id, at);
	FpValue    *raw = fp_get(t, "inputs");
	FpValue    *given = NULL;
	FpValue    *values = NULL;
	List	   *errors = NIL;
	char	   *error = NULL;
	Execution  *e;
	FpValue    *detail;
	Oid			deployer = get_role_oid(flow->deployer, true);

	if (!OidIsValid(deployer) ||
		!sec_role_has_permission(deployer, flow->namespace, PERM_EXECUTE))
		error = psprintf("role \"%s\", which deployed revision %d of flow \"%s\", may not start executions in namespace \"%s\": it needs the EXECUTE permission there",
						 flow->deployer, flow->revision, flow->id, flow->namespace);
	else if (raw == NULL)
		given = fp_object(0);
	else
	{
		ExprEnv		env;
		FpValue    *vars = fp_object(4);
		FpValue    *flow_vars = fp_object(3);

		fp_set(flow_vars, "id", fp_cstring(flow->id));
		fp_set(flow_vars, "namespace", fp_cstring(flow->namespace));
		fp_set(flow_vars, "revision", fp_int(flow->revision));
		fp_set(vars, "flow", flow_vars);
		fp_set(vars, "vars", flow->variables);
		fp_set(vars, "trigger", trigger);
		memset(&env, 0, sizeof(env));
		env.vars = vars;
		env.secret = schedule_secret;
		env.secret_in = schedule_secret_in;
		env.kv = schedule_kv;
		env.arg = flow;
		env.app_url = flowpg_app_url;
		env.now = dt_from_timestamptz(GetCurrentTimestamp());
		given = expr_render_value(raw, &env, &error);
	}
	if (given)
		values = inputs_validate(flow->inputs, given, &errors);
	if (values == NULL)
	{
		detail = fp_object(3);
		fp_set(detail, "trigger_id", fp_cstring(trigger_id));
		fp_set(detail, "date", fp_get(trigger, "date"));
		fp_set(detail, "error", fp_cstring(error ? error : (char *) linitial(errors)));
		audit_write_as(NULL, "trigger_failed", flow->namespace, flow->id, NULL, NULL, detail);
		return;
	}
	e = executor_start(flow, values, NULL, NULL, NULL, trigger);
	exec_end_step(e);
	detail = fp_object(1);
	fp_set(detail, "trigger", trigger);
	audit_write_as(NULL, "start", e->namespace, e->flow_id, e->id, NULL, detail);
}

/* Fire a due schedule once (see trigger_schedule.h). */
void
trigger_schedule_fire(const char *ns, const char *flow_id, const char *trigger_id,
					  TimestampTz since)
{
	Datum		values[4];
	char		nulls[4] = {' ', ' ', ' ', ' '};
	bool		isnull;
	TimestampTz next_at;
	CompiledFlow *flow;
	FpValue    *t;
	const char *recover;
	CronSpec	spec;
	const char *zone;
	int64		due;
	int64		since_u = dt_from_timestamptz(since);
	int64		fire_at = 0;
	int64		next = 0;

	values[0] = CStringGetTextDatum(ns);
	values[1] = CStringGetTextDatum(flow_id);
	values[2] = CStringGetTextDatum(trigger_id);
	if (db_exec(&q_lock, values, NULL, false, 1) == 0)
		return;					/* gone, or a deploy holds it: the next survey sees */
	next_at = DatumGetTimestampTz(db_datum(0, 1, &isnull));
	if (isnull || next_at > GetCurrentTimestamp())
		return;

	flow = flow_model_latest(ns, flow_id);
	t = flow && !flow->disabled ? find_schedule(flow->definition, trigger_id) : NULL;
	if (t == NULL || !schedule_spec(t, &spec))
	{
		/* the flow or the trigger is gone or disabled: nothing fires any more */
		db_exec(&q_delete, values, NULL, false, 0);
		return;
	}
	zone = schedule_zone(t);
	recover = fp_get_str(t, "recoverMissedSchedules");
	if (recover == NULL)
		recover = "LAST";
	due = dt_from_timestamptz(next_at);

	if (due >= since_u || strcmp(recover, "ALL") == 0)
		fire_at = due;
	else if (strcmp(recover, "LAST") == 0)
	{
		/* the latest occurrence missed: the one just before processing began */
		if (!cron_prev(&spec, since_u, zone, &fire_at) || fire_at < due)
			fire_at = due;
	}
	if (fire_at != 0)
	{
		start_occurrence(flow, t, trigger_id, fire_at);
		if (!cron_next(&spec, fire_at, zone, &next))
			next = 0;
	}
	else if (!cron_next(&spec, since_u - 1, zone, &next))
		next = 0;				/* NONE: go on from the first occurrence on time */

	values[3] = TimestampTzGetDatum(dt_to_timestamptz(next));
	nulls[3] = next ? ' ' : 'n';
	db_exec(&q_move, values, nulls, false, 0);
}

/*
 * Move a schedule that failed to fire past the current time (see
 * trigger_schedule.h).  Reads only the stored trigger, not the flow, which
 * may be what failed.
 */
void
trigger_schedule_skip(const char *ns, const char *flow_id, const char *trigger_id)
{
	Datum		values[4];
	char		nulls[4] = {' ', ' ', ' ', ' '};
	bool		isnull;
	int64		next = 0;

	values[0] = CStringGetTextDatum(ns);
	values[1] = CStringGetTextDatum(flow_id);
	values[2] = CStringGetTextDatum(trigger_id);
	if (db_exec(&q_stored_one, values, NULL, false, 1) == 0)
		return;
	next = schedule_next(fp_from_jsonb_datum(db_datum(0, 1, &isnull)),
						 dt_from_timestamptz(GetCurrentTimestamp()));
	values[3] = TimestampTzGetDatum(dt_to_timestamptz(next));
	nulls[3] = next ? ' ' : 'n';
	db_exec(&q_move, values, nulls, false, 0);
}
