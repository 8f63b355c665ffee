/*-------------------------------------------------------------------------
 *
 * exec_store.c
 *	  Reading an execution (under its row lock) and writing back what a step
 *	  changed: the execution row, task runs, log lines, work for the worker
 *	  and secret input values.  Storage only: what else ends a step (waking
 *	  the worker, NOTIFYs, Flow triggers, a subflow's parent) is step.c's.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/timestamp.h"

#include "db.h"
#include "exec.h"
#include "ids.h"
#include "inputs.h"
#include "secret_crypt.h"
#include "value_jsonb.h"

static DbQuery q_lock_execution = DB_QUERY(
	"SELECT namespace, flow_id, flow_revision, state, inputs, labels, outputs, history,"
	" parent_id, trigger, created_by::text, created_at, ended_at"
	" FROM flowpg.executions WHERE id = $1 FOR UPDATE",
	1, TEXTOID);

static DbQuery q_lock_execution_nowait = DB_QUERY(
	"SELECT namespace, flow_id, flow_revision, state, inputs, labels, outputs, history,"
	" parent_id, trigger, created_by::text, created_at, ended_at"
	" FROM flowpg.executions WHERE id = $1 FOR UPDATE NOWAIT",
	1, TEXTOID);

static DbQuery q_task_runs = DB_QUERY(
	"SELECT id, task_id, parent_id, state, outputs, attempts, history,"
	" pg_catalog.to_jsonb(assigned_users), pg_catalog.to_jsonb(assigned_groups),"
	" due_at, created_at, ended_at, value, iteration"
	" FROM flowpg.task_runs WHERE execution_id = $1 ORDER BY created_at, id",
	1, TEXTOID);

/* q_task_runs in a 0.1 database not yet updated: no value and iteration columns */
static DbQuery q_task_runs_01 = DB_QUERY(
	"SELECT id, task_id, parent_id, state, outputs, attempts, history,"
	" pg_catalog.to_jsonb(assigned_users), pg_catalog.to_jsonb(assigned_groups),"
	" due_at, created_at, ended_at, NULL::text, NULL::int4"
	" FROM flowpg.task_runs WHERE execution_id = $1 ORDER BY created_at, id",
	1, TEXTOID);

static DbQuery q_secrets = DB_QUERY(
	"SELECT inputs, key_id FROM flowpg.execution_secrets WHERE execution_id = $1",
	1, TEXTOID);

/* q_secrets in a 0.1 database not yet updated (secret_crypt.h) */
static DbQuery q_secrets_01 = DB_QUERY(
	"SELECT inputs, NULL::text FROM flowpg.execution_secrets WHERE execution_id = $1",
	1, TEXTOID);

static DbQuery q_insert_execution = DB_QUERY(
	"INSERT INTO flowpg.executions (id, namespace, flow_id, flow_revision, state, inputs, labels,"
	" outputs, history, parent_id, trigger, created_by, created_at, updated_at, ended_at)"
	" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, pg_catalog.clock_timestamp(), $14)",
	14, TEXTOID, TEXTOID, TEXTOID, INT4OID, TEXTOID, JSONBOID, JSONBOID, JSONBOID, JSONBOID,
	TEXTOID, JSONBOID, NAMEOID, TIMESTAMPTZOID, TIMESTAMPTZOID);

static DbQuery q_update_execution = DB_QUERY(
	"UPDATE flowpg.executions SET state = $2, outputs = $3, history = $4,"
	" updated_at = pg_catalog.clock_timestamp(), ended_at = $5, labels = $6 WHERE id = $1",
	6, TEXTOID, TEXTOID, JSONBOID, JSONBOID, TIMESTAMPTZOID, JSONBOID);

static DbQuery q_insert_run = DB_QUERY(
	"INSERT INTO flowpg.task_runs (id, execution_id, namespace, task_id, parent_id, state, outputs,"
	" attempts, history, assigned_users, assigned_groups, due_at, created_at, ended_at,"
	" value, iteration)"
	" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
	16, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, JSONBOID, JSONBOID, JSONBOID,
	TEXTARRAYOID, TEXTARRAYOID, TIMESTAMPTZOID, TIMESTAMPTZOID, TIMESTAMPTZOID, TEXTOID, INT4OID);

/* q_insert_run in a 0.1 database not yet updated (a ForEach needs ALTER EXTENSION flowpg UPDATE) */
static DbQuery q_insert_run_01 = DB_QUERY(
	"INSERT INTO flowpg.task_runs (id, execution_id, namespace, task_id, parent_id, state, outputs,"
	" attempts, history, assigned_users, assigned_groups, due_at, created_at, ended_at)"
	" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
	14, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, JSONBOID, JSONBOID, JSONBOID,
	TEXTARRAYOID, TEXTARRAYOID, TIMESTAMPTZOID, TIMESTAMPTZOID, TIMESTAMPTZOID);

static DbQuery q_update_run = DB_QUERY(
	"UPDATE flowpg.task_runs SET state = $2, outputs = $3, attempts = $4, history = $5,"
	" due_at = $6, ended_at = $7, assigned_users = $8, assigned_groups = $9 WHERE id = $1",
	9, TEXTOID, TEXTOID, JSONBOID, JSONBOID, JSONBOID, TIMESTAMPTZOID, TIMESTAMPTZOID,
	TEXTARRAYOID, TEXTARRAYOID);

static DbQuery q_delete_run = DB_QUERY(
	"DELETE FROM flowpg.task_runs WHERE id = $1",
	1, TEXTOID);

static DbQuery q_insert_log = DB_QUERY(
	"INSERT INTO flowpg.logs (execution_id, task_run_id, task_id, namespace, level, message, at)"
	" VALUES ($1, $2, $3, $4, $5, $6, $7)",
	7, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TIMESTAMPTZOID);

static DbQuery q_insert_work = DB_QUERY(
	"INSERT INTO flowpg.work (kind, execution_id, task_run_id, due_at, detail, namespace)"
	" VALUES ($1, $2, $3, $4, $5, $6)",
	6, TEXTOID, TEXTOID, TEXTOID, TIMESTAMPTZOID, JSONBOID, TEXTOID);

/* the same, for a database still at version 0.1 (before ALTER EXTENSION flowpg UPDATE) */
static DbQuery q_insert_work_01 = DB_QUERY(
	"INSERT INTO flowpg.work (kind, execution_id, task_run_id, due_at, detail)"
	" VALUES ($1, $2, $3, $4, $5)",
	5, TEXTOID, TEXTOID, TEXTOID, TIMESTAMPTZOID, JSONBOID);

static DbQuery q_cancel_work = DB_QUERY(
	"DELETE FROM flowpg.work WHERE task_run_id = $1",
	1, TEXTOID);

static DbQuery q_upsert_secrets_01 = DB_QUERY(
	"INSERT INTO flowpg.execution_secrets (execution_id, inputs) VALUES ($1, $2)"
	" ON CONFLICT (execution_id) DO UPDATE SET inputs = EXCLUDED.inputs",
	2, TEXTOID, JSONBOID);

static DbQuery q_upsert_secrets = DB_QUERY(
	"INSERT INTO flowpg.execution_secrets (execution_id, inputs, key_id) VALUES ($1, $2, $3)"
	" ON CONFLICT (execution_id) DO UPDATE SET inputs = EXCLUDED.inputs, key_id = EXCLUDED.key_id",
	3, TEXTOID, JSONBOID, TEXTOID);

/* A state column. */
static FlowState
col_state(uint64 row, int col)
{
	char	   *name = db_text(row, col);
	int			s = state_from_name(name);

	if (s < 0)
		elog(ERROR, "unknown state \"%s\" stored", name);
	return (FlowState) s;
}

/*
 * The secret values of execution id from the row just read by q_secrets:
 * the jsonb itself when stored in clear (key_id NULL), else a JSON string
 * holding the sealed JSON text (secret_crypt.h).
 */
static FpValue *
col_secret_values(const char *id)
{
	FpValue    *stored = db_json(0, 1);
	CryptStored sealed;
	char	   *json;
	FpValue    *v;

	sealed.key_id = db_text(0, 2);
	if (sealed.key_id == NULL)
		return stored;
	if (stored == NULL || stored->type != FP_STRING)
		elog(ERROR, "the encrypted SECRET inputs of execution %s are not a string", id);
	sealed.text = stored->u.str.ptr;
	json = crypt_open(&sealed, crypt_execution_aad(id),
					  psprintf("the SECRET inputs of execution %s", id));
	/* through jsonb, as the values in clear are read */
	v = fp_from_jsonb_datum(DirectFunctionCall1(jsonb_in, CStringGetDatum(json)));
	explicit_bzero(json, strlen(json));
	return v;
}

/*
 * Executions held in memory by the running call (see exec_hold), by id: a
 * hash table, since flow_resume_bulk holds every execution it loads and
 * looks each new one up first.  Ids too long for its keys (none that flowpg
 * makes) are held in a list.
 */
#define HELD_KEY_SIZE 64

typedef struct HeldExecution
{
	char		id[HELD_KEY_SIZE];	/* the hash key */
	Execution  *e;
} HeldExecution;

static HTAB *held = NULL;
static List *held_long = NIL;

/* whether exec_load fails at once on a locked row (the worker) rather than wait */
static bool load_nowait = false;

/* Make exec_load fail at once on a row someone else holds (see exec.h). */
void
exec_load_without_waiting(void)
{
	load_nowait = true;
}

/* Whether exec_load fails at once on a locked row (see exec.h). */
bool
exec_loads_without_waiting(void)
{
	return load_nowait;
}

/* Hold e for the rest of the call (see exec.h). */
void
exec_hold(Execution *e)
{
	HeldExecution *h;

	if (strlen(e->id) >= HELD_KEY_SIZE)
	{
		held_long = lappend(held_long, e);
		return;
	}
	if (held == NULL)
	{
		HASHCTL		ctl;

		/* in the caller's memory, which outlives the call's exec_release_all */
		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = HELD_KEY_SIZE;
		ctl.entrysize = sizeof(HeldExecution);
		ctl.hcxt = CurrentMemoryContext;
		held = hash_create("flowpg held executions", 64, &ctl,
						   HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	}
	h = hash_search(held, e->id, HASH_ENTER, NULL);
	h->e = e;
}

/* Forget the held executions (see exec.h). */
void
exec_release_all(void)
{
	if (held != NULL)
		hash_destroy(held);
	held = NULL;
	held_long = NIL;
}

/* The held execution of an id, or NULL. */
static Execution *
held_execution(const char *execution_id)
{
	ListCell   *lc;

	if (strlen(execution_id) >= HELD_KEY_SIZE)
	{
		foreach(lc, held_long)
		{
			Execution  *e = lfirst(lc);

			if (strcmp(e->id, execution_id) == 0)
				return e;
		}
		return NULL;
	}
	if (held != NULL)
	{
		HeldExecution *h = hash_search(held, execution_id, HASH_FIND, NULL);

		if (h != NULL)
			return h->e;
	}
	return NULL;
}

/* Read e's state, history and end time back from its row (see exec.h). */
void
exec_reread_state(Execution *e)
{
	Datum		arg = CStringGetTextDatum(e->id);

	if (held_execution(e->id) == e ||
		db_exec(&q_lock_execution, &arg, NULL, false, 1) == 0)
		return;
	e->state = col_state(0, 4);
	e->history = db_json(0, 8);
	e->ended_at = db_time(0, 13);
}

/* Lock and read an execution with its task runs (see exec.h). */
Execution *
exec_load(const char *execution_id)
{
	Execution  *e;
	Datum		arg;
	uint64		n;
	uint64		i;

	e = held_execution(execution_id);
	if (e != NULL)
		return e;
	arg = CStringGetTextDatum(execution_id);
	if (db_exec(load_nowait ? &q_lock_execution_nowait : &q_lock_execution,
				&arg, NULL, false, 1) == 0)
		return NULL;
	e = palloc0(sizeof(Execution));
	e->id = pstrdup(execution_id);
	e->namespace = db_text(0, 1);
	e->flow_id = db_text(0, 2);
	e->revision = db_int4(0, 3);
	e->state = col_state(0, 4);
	e->inputs_shown = db_json(0, 5);
	e->labels = db_json(0, 6);
	e->outputs = db_json(0, 7);
	e->history = db_json(0, 8);
	e->parent_id = db_text(0, 9);
	e->trigger = db_json(0, 10);
	e->created_by = db_text(0, 11);
	e->created_at = db_time(0, 12);
	e->ended_at = db_time(0, 13);
	e->inputs = e->inputs_shown;

	e->flow = flow_model_get(e->namespace, e->flow_id, e->revision);
	if (e->flow == NULL)
		elog(ERROR, "execution %s refers to a missing flow revision", e->id);

	/* a subflow may hold its parent's secrets, masked where stored (see executor_start) */
	if ((e->flow->has_secrets || e->parent_id != NULL) &&
		db_exec(crypt_schema_has_key_ids() ? &q_secrets : &q_secrets_01, &arg, NULL, false, 1) == 1)
	{
		FpValue    *real;
		FpValue    *inherited;

		e->secret_values = col_secret_values(e->id);
		real = fp_get_object(e->secret_values, "inputs");
		if (real)
		{
			ListCell   *lc;

			e->inputs = real;
			foreach(lc, inputs_secret_values(e->flow->inputs, real))
				e->secrets = lappend(e->secrets, lfirst(lc));
		}
		inherited = fp_get_array(e->secret_values, "inherited");
		for (i = 0; inherited && i < (uint64) inherited->u.arr.count; i++)
			e->secrets = lappend(e->secrets, pstrdup(fp_to_text(inherited->u.arr.items[i])));
	}

	n = db_exec(db_schema_is_0_1() ? &q_task_runs_01 : &q_task_runs, &arg, NULL, false, 0);
	for (i = 0; i < n; i++)
	{
		TaskRun    *r = palloc0(sizeof(TaskRun));
		bool		isnull;

		r->id = db_text(i, 1);
		r->task_id = db_text(i, 2);
		r->parent_id = db_text(i, 3);
		r->state = col_state(i, 4);
		r->outputs = db_json(i, 5);
		r->attempts = db_json(i, 6);
		r->history = db_json(i, 7);
		r->assigned_users = db_json(i, 8);
		r->assigned_groups = db_json(i, 9);
		r->due_at = db_time(i, 10);
		r->created_at = db_time(i, 11);
		r->ended_at = db_time(i, 12);
		r->value = db_text(i, 13);
		(void) db_datum(i, 14, &isnull);
		r->iteration = isnull ? -1 : db_int4(i, 14);
		r->node = flow_model_node(e->flow, r->task_id);
		if (r->node == NULL)
			elog(ERROR, "task run %s refers to task \"%s\", which its flow revision lacks",
				 r->id, r->task_id);
		/* jsonb sorted the onResume keys: put them back in the order they were declared */
		if (r->node->type->kind == TASK_PAUSE && fp_get_object(r->outputs, "onResume"))
			fp_set(r->outputs, "onResume",
				   inputs_in_declared_order(fp_get(r->node->def, "onResume"),
											fp_get(r->outputs, "onResume")));
		e->runs = lappend(e->runs, r);
	}

	/* the real values of SECRET onResume inputs, which the stored outputs show masked */
	if (e->secret_values && fp_get_object(e->secret_values, "onResume"))
	{
		FpValue    *on_resume = fp_get_object(e->secret_values, "onResume");
		int			j;

		for (j = 0; j < on_resume->u.obj.count; j++)
		{
			/* keyed by task run id; executions stored before loops keyed them by task id */
			TaskRun    *r = exec_find_run_id(e, on_resume->u.obj.pairs[j].key);
			FpValue    *values = on_resume->u.obj.pairs[j].value;

			if (r == NULL)
				r = exec_find_run(e, on_resume->u.obj.pairs[j].key);
			if (r && r->outputs)
			{
				fp_set(r->outputs, "onResume", values);
				e->secrets = list_concat(e->secrets,
										 inputs_secret_values(fp_get(r->node->def, "onResume"), values));
			}
		}
	}
	return e;
}

/* A new task run of node (CREATED; written by exec_save). */
TaskRun *
exec_new_run(Execution *e, FlowNode *node, TaskRun *parent)
{
	TaskRun    *r = palloc0(sizeof(TaskRun));

	r->id = id_new();
	r->task_id = (char *) node->id;
	r->parent_id = parent ? parent->id : NULL;
	r->parent = parent;
	r->iteration = -1;
	r->attempts = fp_array(1);
	r->history = fp_array(4);
	r->created_at = GetCurrentTimestamp();
	r->node = node;
	r->is_new = true;
	state_begin(&r->state, r->history, ST_CREATED, r->created_at);
	e->runs = lappend(e->runs, r);
	return r;
}

/* The first task run of a task id, or NULL (see exec.h). */
TaskRun *
exec_find_run(const Execution *e, const char *task_id)
{
	ListCell   *lc;

	foreach(lc, e->runs)
	{
		TaskRun    *r = lfirst(lc);

		if (!r->deleted && strcmp(r->task_id, task_id) == 0)
			return r;
	}
	return NULL;
}

/* The task run with a given id, or NULL. */
TaskRun *
exec_find_run_id(const Execution *e, const char *run_id)
{
	ListCell   *lc;

	foreach(lc, e->runs)
	{
		TaskRun    *r = lfirst(lc);

		if (!r->deleted && strcmp(r->id, run_id) == 0)
			return r;
	}
	return NULL;
}

/* Queue a log line. */
void
exec_log(Execution *e, TaskRun *run, const char *level, const char *message)
{
	PendingLog *l = palloc(sizeof(PendingLog));

	l->task_run_id = run ? run->id : NULL;
	l->task_id = run ? run->task_id : NULL;
	l->level = pstrdup(level);
	l->message = pstrdup(message);
	l->at = GetCurrentTimestamp();
	e->logs = lappend(e->logs, l);
}

/* Queue a work row. */
void
exec_queue_work(Execution *e, TaskRun *run, const char *kind, TimestampTz due_at, FpValue *detail)
{
	PendingWork *w = palloc(sizeof(PendingWork));

	w->kind = kind;
	w->task_run_id = run->id;
	w->due_at = due_at;
	w->detail = detail;
	e->work = lappend(e->work, w);
}

/* A nullable jsonb Datum. */
static Datum
json_or_null(const FpValue *v, char *null)
{
	*null = v ? ' ' : 'n';
	return v ? fp_to_jsonb_datum(v) : (Datum) 0;
}

/* A text[] Datum from an FpValue list of strings, or NULL. */
static Datum
text_array_or_null(const FpValue *list, char *null)
{
	Datum	   *elems;
	int			i;

	if (list == NULL || list->type != FP_ARRAY)
	{
		*null = 'n';
		return (Datum) 0;
	}
	elems = palloc(sizeof(Datum) * Max(list->u.arr.count, 1));
	for (i = 0; i < list->u.arr.count; i++)
		elems[i] = CStringGetTextDatum(fp_to_text(list->u.arr.items[i]));
	*null = ' ';
	return PointerGetDatum(construct_array(elems, list->u.arr.count, TEXTOID, -1, false, TYPALIGN_INT));
}

/* Write one task run (insert, update or delete). */
static void
save_run(Execution *e, TaskRun *r)
{
	Datum		v[16];
	char		n[16];

	memset(n, ' ', sizeof(n));
	if (r->deleted)
	{
		if (!r->is_new)
		{
			v[0] = CStringGetTextDatum(r->id);
			db_exec(&q_delete_run, v, NULL, false, 0);
		}
		return;
	}
	if (r->is_new)
	{
		v[0] = CStringGetTextDatum(r->id);
		v[1] = CStringGetTextDatum(e->id);
		v[2] = CStringGetTextDatum(e->namespace);
		v[3] = CStringGetTextDatum(r->task_id);
		v[4] = DB_TEXT(r->parent_id);
		n[4] = DB_NULL(r->parent_id);
		v[5] = CStringGetTextDatum(state_name(r->state));
		v[6] = json_or_null(exec_mask_value(e, r->outputs), &n[6]);
		v[7] = fp_to_jsonb_datum(r->attempts);
		v[8] = fp_to_jsonb_datum(r->history);
		v[9] = text_array_or_null(r->assigned_users, &n[9]);
		v[10] = text_array_or_null(r->assigned_groups, &n[10]);
		v[11] = db_time_arg(r->due_at, &n[11]);
		v[12] = TimestampTzGetDatum(r->created_at);
		v[13] = db_time_arg(r->ended_at, &n[13]);
		v[14] = DB_TEXT(r->value);
		n[14] = DB_NULL(r->value);
		v[15] = Int32GetDatum(r->iteration);
		n[15] = r->iteration >= 0 ? ' ' : 'n';
		if (r->value == NULL && r->iteration < 0 && db_schema_is_0_1())
			db_exec(&q_insert_run_01, v, n, false, 0);
		else
			db_exec(&q_insert_run, v, n, false, 0);
	}
	else if (r->dirty)
	{
		v[0] = CStringGetTextDatum(r->id);
		v[1] = CStringGetTextDatum(state_name(r->state));
		v[2] = json_or_null(exec_mask_value(e, r->outputs), &n[2]);
		v[3] = fp_to_jsonb_datum(r->attempts);
		v[4] = fp_to_jsonb_datum(r->history);
		v[5] = db_time_arg(r->due_at, &n[5]);
		v[6] = db_time_arg(r->ended_at, &n[6]);
		/* a HumanTask paused again (after a restart) has its assignment rendered again */
		v[7] = text_array_or_null(r->assigned_users, &n[7]);
		v[8] = text_array_or_null(r->assigned_groups, &n[8]);
		db_exec(&q_update_run, v, n, false, 0);
	}
	r->is_new = false;
	r->dirty = false;
}

/* Insert or update the execution row itself. */
static void
save_execution_row(Execution *e)
{
	Datum		v[14];
	char		n[14];

	memset(n, ' ', sizeof(n));
	if (e->is_new)
	{
		v[0] = CStringGetTextDatum(e->id);
		v[1] = CStringGetTextDatum(e->namespace);
		v[2] = CStringGetTextDatum(e->flow_id);
		v[3] = Int32GetDatum(e->revision);
		v[4] = CStringGetTextDatum(state_name(e->state));
		v[5] = fp_to_jsonb_datum(e->inputs_shown);
		v[6] = fp_to_jsonb_datum(e->labels);
		v[7] = json_or_null(exec_mask_value(e, e->outputs), &n[7]);
		v[8] = fp_to_jsonb_datum(e->history);
		v[9] = DB_TEXT(e->parent_id);
		n[9] = DB_NULL(e->parent_id);
		v[10] = json_or_null(e->trigger, &n[10]);
		v[11] = DirectFunctionCall1(namein, CStringGetDatum(e->created_by));
		v[12] = TimestampTzGetDatum(e->created_at);
		v[13] = db_time_arg(e->ended_at, &n[13]);
		db_exec(&q_insert_execution, v, n, false, 0);
	}
	else if (e->dirty)
	{
		v[0] = CStringGetTextDatum(e->id);
		v[1] = CStringGetTextDatum(state_name(e->state));
		v[2] = json_or_null(exec_mask_value(e, e->outputs), &n[2]);
		v[3] = fp_to_jsonb_datum(e->history);
		v[4] = db_time_arg(e->ended_at, &n[4]);
		v[5] = fp_to_jsonb_datum(e->labels);	/* the Labels task changes them */
		db_exec(&q_update_execution, v, n, false, 0);
	}
}

/* Insert one log line (masked). */
static void
save_log(Execution *e, PendingLog *l)
{
	Datum		v[7];
	char		n[7];

	memset(n, ' ', sizeof(n));
	v[0] = CStringGetTextDatum(e->id);
	v[1] = DB_TEXT(l->task_run_id);
	n[1] = DB_NULL(l->task_run_id);
	v[2] = DB_TEXT(l->task_id);
	n[2] = DB_NULL(l->task_id);
	v[3] = CStringGetTextDatum(e->namespace);
	v[4] = CStringGetTextDatum(l->level);
	v[5] = CStringGetTextDatum(exec_mask(e, l->message));
	v[6] = TimestampTzGetDatum(l->at);
	db_exec(&q_insert_log, v, n, false, 0);
}

/* The associated data of a work row's sealed request: its task run. */
static char *
work_aad(const char *task_run_id)
{
	return psprintf("flowpg.work/%s", task_run_id);
}

/*
 * A work row's detail as stored: sealed when it carries secrets (a request
 * rendered with them) and a key file is configured, else as it is.
 */
static FpValue *
seal_work_detail(const char *task_run_id, FpValue *detail)
{
	char	   *json;
	CryptStored stored;
	FpValue    *sealed;

	if (fp_get_array(detail, "secrets") == NULL || !crypt_configured())
		return detail;
	json = fp_to_json(detail);
	stored = crypt_seal(json, work_aad(task_run_id));
	explicit_bzero(json, strlen(json));
	if (stored.key_id == NULL)
		return detail;
	/* "request" stays a key: the worker's queries tell sends by it */
	sealed = fp_object(2);
	fp_set(sealed, "request", fp_cstring(stored.text));
	fp_set(sealed, "key_id", fp_cstring(stored.key_id));
	return sealed;
}

/* The work rows whose request is in clear with secrets, or sealed under another key. */
static DbQuery q_stale_work = DB_QUERY(
	"SELECT id, task_run_id, detail FROM flowpg.work"
	" WHERE detail ? 'request' AND task_run_id IS NOT NULL"
	" AND (CASE WHEN detail ? 'key_id' THEN detail ->> 'key_id' IS DISTINCT FROM $1"
	"      ELSE pg_catalog.jsonb_typeof(detail -> 'secrets') = 'array' END)"
	" ORDER BY id FOR UPDATE",
	1, TEXTOID);

static DbQuery q_update_work_detail = DB_QUERY(
	"UPDATE flowpg.work SET detail = $2 WHERE id = $1",
	2, INT8OID, JSONBOID);

/*
 * Seal again, under the current key, the queued requests that are in clear
 * with secrets or sealed under another key (flow_secret_key_rotate); what
 * the worker added beside the sealed request (workerFailures, workerError)
 * stays.  Returns how many rows.  Needs a DbScope.
 */
int64
exec_work_reseal(const char *key_id)
{
	uint64		n;
	uint64		i;
	int64	   *ids;
	char	  **runs;
	FpValue   **details;
	Datum		arg = CStringGetTextDatum(key_id);

	n = db_exec(&q_stale_work, &arg, NULL, false, 0);
	ids = palloc(sizeof(int64) * Max(n, 1));
	runs = palloc(sizeof(char *) * Max(n, 1));
	details = palloc(sizeof(FpValue *) * Max(n, 1));
	for (i = 0; i < n; i++)
	{
		bool		isnull;

		ids[i] = DatumGetInt64(db_datum(i, 1, &isnull));
		runs[i] = db_text(i, 2);
		details[i] = db_json(i, 3);
	}
	for (i = 0; i < n; i++)
	{
		FpValue    *opened = exec_work_detail_open(runs[i], details[i]);
		FpValue    *sealed;
		Datum		v[2];
		int			k;

		/* a request in clear holds the worker's notes itself; a sealed one beside it */
		if (opened != details[i])
			for (k = 0; k < details[i]->u.obj.count; k++)
			{
				const char *name = details[i]->u.obj.pairs[k].key;

				if (strcmp(name, "request") != 0 && strcmp(name, "key_id") != 0)
					fp_set(opened, name, details[i]->u.obj.pairs[k].value);
			}
		sealed = seal_work_detail(runs[i], opened);
		if (sealed != opened)
			for (k = 0; k < opened->u.obj.count; k++)
			{
				const char *name = opened->u.obj.pairs[k].key;

				if (strncmp(name, "worker", 6) == 0)
					fp_set(sealed, name, opened->u.obj.pairs[k].value);
			}
		v[0] = Int64GetDatum(ids[i]);
		v[1] = fp_to_jsonb_datum(sealed);
		db_exec(&q_update_work_detail, v, NULL, false, 0);
	}
	return (int64) n;
}

/* Open a work row's detail that seal_work_detail sealed (see exec.h). */
FpValue *
exec_work_detail_open(const char *task_run_id, FpValue *stored)
{
	FpValue    *request = stored ? fp_get(stored, "request") : NULL;
	const char *key_id = stored ? fp_get_str(stored, "key_id") : NULL;
	CryptStored sealed;
	char	   *json;
	FpValue    *v;

	if (key_id == NULL || request == NULL || request->type != FP_STRING || task_run_id == NULL)
		return stored;
	sealed.text = request->u.str.ptr;
	sealed.key_id = (char *) key_id;
	json = crypt_open(&sealed, work_aad(task_run_id),
					  psprintf("the request of task run %s", task_run_id));
	v = fp_from_jsonb_datum(DirectFunctionCall1(jsonb_in, CStringGetDatum(json)));
	explicit_bzero(json, strlen(json));
	return v;
}

/* Insert one work row for the worker, with its execution's namespace. */
static void
save_work(Execution *e, PendingWork *w)
{
	Datum		v[6];

	v[0] = CStringGetTextDatum(w->kind);
	v[1] = CStringGetTextDatum(e->id);
	v[2] = CStringGetTextDatum(w->task_run_id);
	v[3] = TimestampTzGetDatum(w->due_at);
	v[4] = fp_to_jsonb_datum(seal_work_detail(w->task_run_id, w->detail ? w->detail : fp_object(0)));
	v[5] = CStringGetTextDatum(e->namespace);
	db_exec(db_schema_is_0_1() ? &q_insert_work_01 : &q_insert_work, v, NULL, false, 0);
}

/* Write e's secret values, sealed when a key is configured (see col_secret_values). */
static void
save_secret_values(Execution *e)
{
	char	   *json;
	CryptStored stored;
	Datum		v[3];
	char		nulls[3] = "   ";

	v[0] = CStringGetTextDatum(e->id);
	if (!crypt_schema_has_key_ids())
	{
		v[1] = fp_to_jsonb_datum(e->secret_values);
		db_exec(&q_upsert_secrets_01, v, NULL, false, 0);
		return;
	}
	json = fp_to_json(e->secret_values);
	stored = crypt_seal(json, crypt_execution_aad(e->id));
	if (stored.key_id == NULL)
	{
		v[1] = fp_to_jsonb_datum(e->secret_values);
		nulls[2] = 'n';
	}
	else
	{
		v[1] = fp_to_jsonb_datum(fp_cstring(stored.text));
		v[2] = CStringGetTextDatum(stored.key_id);
	}
	explicit_bzero(json, strlen(json));
	db_exec(&q_upsert_secrets, v, nulls, false, 0);
}

/* Write the rows of e (storage only; exec_end_step does the rest of a step's end). */
void
exec_save(Execution *e)
{
	Datum		v[2];
	ListCell   *lc;

	save_execution_row(e);
	if (e->secrets_dirty)
		save_secret_values(e);

	foreach(lc, e->runs)
		save_run(e, lfirst(lc));

	foreach(lc, e->work_cancel)
	{
		v[0] = CStringGetTextDatum((char *) lfirst(lc));
		db_exec(&q_cancel_work, v, NULL, false, 0);
	}
	foreach(lc, e->work)
		save_work(e, lfirst(lc));
	foreach(lc, e->logs)
		save_log(e, lfirst(lc));

	e->is_new = false;
	e->dirty = false;
	e->secrets_dirty = false;
	e->logs = NIL;
	e->work = NIL;
	e->work_cancel = NIL;
}
