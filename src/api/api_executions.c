/*-------------------------------------------------------------------------
 *
 * api_executions.c
 *	  SQL functions that drive executions (SPEC sections 6 and 7):
 *	  flow_start, flow_resume, flow_resume_bulk, flow_kill, flow_restart and
 *	  flow_wait.
 *
 * Each is one statement of the caller's transaction: it checks its
 * arguments and the caller's permission, locks the execution row, lets the
 * executor take the step, writes the step and an audit row, and returns.
 * Anything it raises leaves nothing behind.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "api.h"
#include "access/xlog.h"
#include "catalog/pg_type.h"
#include "common/int.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "step.h"
#include "storage/latch.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"

#include "api_executions.h"
#include "audit.h"
#include "db.h"
#include "executor.h"
#include "ids.h"
#include "inputs.h"
#include "security.h"
#include "value_jsonb.h"

PG_FUNCTION_INFO_V1(flow_start);
PG_FUNCTION_INFO_V1(flow_resume);
PG_FUNCTION_INFO_V1(flow_resume_bulk);
PG_FUNCTION_INFO_V1(flow_kill);
PG_FUNCTION_INFO_V1(flow_restart);
PG_FUNCTION_INFO_V1(flow_wait);

#define ACCESS_DENIED "Access denied to resume this execution"

static DbQuery q_state = DB_QUERY(
	"SELECT state, namespace FROM flowpg.executions WHERE id = $1",
	1, TEXTOID);

/* flow_resume_bulk given a task run id: its execution */
static DbQuery q_run_execution = DB_QUERY(
	"SELECT execution_id FROM flowpg.task_runs WHERE id = $1",
	1, TEXTOID);

/* Raise 22023 for input problems: the first as the message, every one in the detail. */
static void
raise_input_errors(List *errors, const char *context)
{
	StringInfoData detail;
	ListCell   *lc;

	initStringInfo(&detail);
	foreach(lc, errors)
		appendStringInfo(&detail, "%s%s", detail.len ? "; " : "", (char *) lfirst(lc));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s", (char *) linitial(errors)),
			 list_length(errors) > 1 ?
			 errdetail("Every problem with the %s: %s.", context, detail.data) : 0));
}

/* Raise 42704 for an execution id that names nothing. */
static void
execution_not_found(const char *id)
{
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_OBJECT),
			 errmsg("execution \"%s\" does not exist", id)));
}

/*
 * Before an execution is locked: its namespace, read without the lock (it
 * never changes), or NULL when it does not exist.  Needs a DbScope.
 */
static char *
execution_namespace(const char *id)
{
	Datum		arg = CStringGetTextDatum(id);

	if (db_exec(&q_state, &arg, NULL, true, 1) == 0)
		return NULL;
	return db_text(0, 2);
}

/*
 * Before an execution is locked for a resume: whether the caller could be
 * one to resume it, as holder of RESUME on its namespace or as an assignee
 * of one of its HumanTasks (paused or already decided: a late assignee is
 * told the execution is no longer paused).  Anyone else is refused without
 * taking the row lock, which it could otherwise hold, by leaving its failed
 * transaction open, against the people and timers that may act.
 * Everything is checked again under the lock.
 */
static bool
may_try_resume(const char *id, const char *ns)
{
	return sec_has_permission(ns, PERM_RESUME) || sec_role_assigned_to(GetUserId(), id);
}

/* Labels given to flow_start: a map of scalars; system.* labels are flowpg's own. */
static FpValue *
checked_labels(FpValue *labels)
{
	FpValue    *result = fp_object(labels->u.obj.count);
	int			i;

	for (i = 0; i < labels->u.obj.count; i++)
	{
		const char *key = labels->u.obj.pairs[i].key;
		FpValue    *v = labels->u.obj.pairs[i].value;

		if (strncmp(key, "system.", 7) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("label \"%s\" is reserved", key),
					 errdetail("Labels under system. are set by flowpg.")));
		if (v->type == FP_ARRAY || v->type == FP_OBJECT || v->type == FP_NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("label \"%s\" must be a string, not a %s", key, fp_type_name(v->type))));
		fp_set(result, key, fp_cstring(fp_to_text(v)));
	}
	return result;
}

/* An audit detail: {task_id?, inputs (SECRET masked)}. */
static FpValue *
inputs_detail(const char *task_id, const FpValue *decls, FpValue *values)
{
	FpValue    *d = fp_object(2);

	if (task_id)
		fp_set(d, "task_id", fp_cstring(task_id));
	fp_set(d, "inputs", inputs_mask_secrets(decls, values));
	return d;
}

/* flow_start(namespace, id, inputs, labels): validate inputs, create, run; returns the id. */
Datum
flow_start(PG_FUNCTION_ARGS)
{
	char	   *ns = api_text_arg(fcinfo, 0, "namespace");
	char	   *id = api_text_arg(fcinfo, 1, "flow id");
	FpValue    *given = api_object_arg(fcinfo, 2, "inputs");
	FpValue    *labels = checked_labels(api_object_arg(fcinfo, 3, "labels"));
	CompiledFlow *flow;
	FpValue    *values;
	List	   *errors = NIL;
	Execution  *e;
	DbScope		scope;
	char	   *actor = sec_actor();
	char	   *result;

	id_check_namespace_arg(ns, false);
	sec_require(ns, PERM_EXECUTE, "start executions");

	db_enter(&scope);
	flow = flow_model_latest(ns, id);
	if (flow == NULL && flow_model_deleted(ns, id))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("flow \"%s\" in namespace \"%s\" was deleted", id, ns),
				 errhint("Deploy it again (flow_deploy, or flow_rollback to a revision) to start it.")));
	if (flow == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("flow \"%s\" does not exist in namespace \"%s\"", id, ns)));
	if (flow->disabled)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("flow \"%s\" in namespace \"%s\" is disabled", id, ns),
				 errhint("Deploy a revision without disabled: true to run it.")));
	values = inputs_validate(flow->inputs, given, &errors);
	if (values == NULL)
		raise_input_errors(errors, "inputs");

	e = executor_start(flow, values, labels, actor, NULL, NULL);
	exec_end_step(e);
	audit_write("start", ns, id, e->id, NULL, inputs_detail(NULL, flow->inputs, values));
	result = pstrdup(e->id);
	db_leave(&scope);
	PG_RETURN_TEXT_P(cstring_to_text(result));
}

/*
 * Whether the caller may resume run: the one rule of security.c, which the
 * inbox view applies too.  A task run is a HumanTask by its type; its
 * stored assignment (never NULL for a HumanTask) says the same to the view.
 */
static bool
may_resume(Execution *e, TaskRun *run)
{
	bool		human = run->node->type->has_assignees || run->assigned_users || run->assigned_groups;

	return sec_role_may_resume(GetUserId(), e->namespace, human,
							   run->assigned_users, run->assigned_groups);
}

/*
 * Whether the caller may see e: VIEW on its namespace, or an assignee of
 * one of its HumanTask task runs (as the row-level security policies say).
 */
static bool
may_see(Execution *e)
{
	ListCell   *lc;

	if (sec_has_permission(e->namespace, PERM_VIEW))
		return true;
	foreach(lc, e->runs)
	{
		TaskRun    *run = lfirst(lc);

		if ((run->assigned_users || run->assigned_groups) &&
			sec_is_assignee(run->assigned_users, run->assigned_groups))
			return true;
	}
	return false;
}

/* Why a resume of e cannot happen, or NULL when it can; *run gets the task run to resume. */
typedef struct ResumeCheck
{
	int			sqlstate;
	char	   *reason;
	char	   *detail;			/* or NULL */
	List	   *input_errors;
} ResumeCheck;

/*
 * How a pause ended, from its resumed output: "was resumed by alice at T",
 * "expired at T", "was killed by bob at T"; NULL for a task run no one
 * resumed (not a pause, or still paused).
 */
static char *
pause_outcome(const TaskRun *run)
{
	FpValue    *resumed = run->outputs ? fp_get(run->outputs, "resumed") : NULL;
	const char *by;
	const char *on;
	const char *to;

	if (resumed == NULL || resumed->type != FP_OBJECT || run->state == ST_PAUSED)
		return NULL;
	by = fp_get_str(resumed, "by");
	on = fp_get_str(resumed, "on");
	to = fp_get_str(resumed, "to");
	if (to && strcmp(to, "KILLING") == 0)
		return psprintf("was killed by %s at %s", by ? by : "flowpg", on ? on : "?");
	if (by == NULL)
		return psprintf("expired at %s (it ended %s)", on ? on : "?", to ? to : "?");
	return psprintf("was already resumed by %s at %s", by, on ? on : "?");
}

/* The task run of e whose pause ended last, or NULL. */
static TaskRun *
last_ended_pause(Execution *e)
{
	TaskRun    *last = NULL;
	ListCell   *lc;

	foreach(lc, e->runs)
	{
		TaskRun    *r = lfirst(lc);

		if (!r->deleted && pause_outcome(r) && (last == NULL || r->ended_at > last->ended_at))
			last = r;
	}
	return last;
}

/*
 * The task run a resume naming task_id means: a task run id of e, or else
 * the task's run, and for a task with several (one per loop iteration) its
 * oldest PAUSED one the caller may resume, or its oldest PAUSED one, or its
 * last one (which tells how it ended).  NULL when none has started.
 */
static TaskRun *
named_run(Execution *e, const char *task_id)
{
	TaskRun    *paused = NULL;
	TaskRun    *last = NULL;
	ListCell   *lc;

	if (flow_model_node(e->flow, task_id) == NULL)
		return exec_find_run_id(e, task_id);
	foreach(lc, e->runs)
	{
		TaskRun    *r = lfirst(lc);

		if (r->deleted || strcmp(r->task_id, task_id) != 0)
			continue;
		last = r;
		if (r->state != ST_PAUSED)
			continue;
		if (may_resume(e, r))
			return r;
		if (paused == NULL)
			paused = r;
	}
	return paused ? paused : last;
}

/*
 * Choose and check the task run a resume acts on: the PAUSED one named by
 * task_id (a task id or a task run id, see named_run), else the oldest
 * PAUSED one the caller may resume.  On success returns it with *values
 * validated; else fills check.
 */
static TaskRun *
check_resume(Execution *e, const char *task_id, FpValue *given, FpValue **values,
			 ResumeCheck *check)
{
	TaskRun    *run = NULL;
	ListCell   *lc;

	memset(check, 0, sizeof(ResumeCheck));
	/* a role that cannot see the execution learns nothing about its state */
	if (!may_see(e))
	{
		check->sqlstate = ERRCODE_INSUFFICIENT_PRIVILEGE;
		check->reason = pstrdup(ACCESS_DENIED);
		return NULL;
	}
	run = task_id ? named_run(e, task_id) : NULL;
	if (task_id && run == NULL && flow_model_node(e->flow, task_id) == NULL)
	{
		check->sqlstate = ERRCODE_UNDEFINED_OBJECT;
		check->reason = psprintf("flow \"%s\" of execution \"%s\" has no task \"%s\"",
								 e->flow_id, e->id, task_id);
		return NULL;
	}
	if (run)
		task_id = run->task_id; /* a task run id: its task names it in messages */
	if (run && pause_outcome(run))
	{
		/* that pause was decided (or expired, or killed): say by whom and when */
		check->sqlstate = ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE;
		check->reason = psprintf("task \"%s\" of execution \"%s\" %s",
								 task_id, e->id, pause_outcome(run));
		return NULL;
	}
	if (e->state != ST_PAUSED)
	{
		TaskRun    *last = last_ended_pause(e);

		check->sqlstate = ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE;
		check->reason = psprintf("execution \"%s\" is not paused (its state is %s)",
								 e->id, state_name(e->state));
		if (last)
			check->detail = psprintf("Its task \"%s\" %s.", last->task_id, pause_outcome(last));
		return NULL;
	}
	if (task_id)
	{
		if (run == NULL || run->state != ST_PAUSED)
		{
			check->sqlstate = ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE;
			check->reason = run == NULL ?
				psprintf("task \"%s\" of execution \"%s\" is not paused: it has not started", task_id, e->id) :
				psprintf("task \"%s\" of execution \"%s\" is not paused (its state is %s)",
						 task_id, e->id, state_name(run->state));
			return NULL;
		}
		if (!may_resume(e, run))
			run = NULL;
	}
	else
	{
		foreach(lc, executor_paused_runs(e))
		{
			if (may_resume(e, lfirst(lc)))
			{
				run = lfirst(lc);
				break;
			}
		}
	}
	if (run == NULL)
	{
		check->sqlstate = ERRCODE_INSUFFICIENT_PRIVILEGE;
		check->reason = pstrdup(ACCESS_DENIED);
		return NULL;
	}
	*values = inputs_validate(fp_get(run->node->def, "onResume"), given, &check->input_errors);
	if (*values == NULL)
	{
		check->sqlstate = ERRCODE_INVALID_PARAMETER_VALUE;
		check->reason = linitial(check->input_errors);
		return NULL;
	}
	return run;
}

/*
 * Resume a checked task run, write the step and its audit row (bulk: part of
 * flow_resume_bulk, which ends the step itself, once for all the pauses of
 * one execution it resumes; via: how the decision came, "link" for
 * flow_resume_link).
 */
static void
do_resume(Execution *e, TaskRun *run, FpValue *values, bool bulk, const char *via)
{
	FpValue    *detail = inputs_detail(run->task_id, fp_get(run->node->def, "onResume"), values);

	executor_resume(e, run, values);
	if (!bulk)
		exec_end_step(e);
	if (bulk)
		fp_set(detail, "bulk", fp_bool(true));
	if (via)
		fp_set(detail, "via", fp_cstring(via));
	audit_write("resume", e->namespace, e->flow_id, e->id, run->id, detail);
}

/* The whole of flow_resume, for it and flow_resume_link (see api_executions.h). */
char *
executions_resume(const char *id, FpValue *given, const char *task_id,
				  ResumeHook hook, void *hook_arg, const char *via)
{
	DbScope		scope;
	Execution  *e;
	TaskRun    *run;
	FpValue    *values = NULL;
	ResumeCheck check;
	char	   *state;
	char	   *ns;

	db_enter(&scope);
	ns = execution_namespace(id);
	if (ns == NULL)
		execution_not_found(id);
	if (!may_try_resume(id, ns))
		ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE), errmsg(ACCESS_DENIED)));
	e = exec_load(id);
	if (e == NULL)
		execution_not_found(id);
	e->actor = sec_actor();
	/* the hook's checks tell about the execution: only to a caller who may see it */
	if (hook && may_see(e))
		hook(e, hook_arg);
	run = check_resume(e, task_id, given, &values, &check);
	if (run == NULL)
	{
		if (check.input_errors)
			raise_input_errors(check.input_errors, "resume inputs");
		ereport(ERROR, (errcode(check.sqlstate), errmsg("%s", check.reason),
						check.detail ? errdetail("%s", check.detail) : 0));
	}
	do_resume(e, run, values, false, via);
	state = pstrdup(state_name(e->state));
	db_leave(&scope);
	return state;
}

/* flow_resume(execution_id, inputs, task_id): SPEC section 6; returns the state after. */
Datum
flow_resume(PG_FUNCTION_ARGS)
{
	char	   *id = api_text_arg(fcinfo, 0, "execution id");
	FpValue    *given = api_object_arg(fcinfo, 1, "inputs");
	char	   *task_id = PG_ARGISNULL(2) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(2));

	PG_RETURN_TEXT_P(cstring_to_text(executions_resume(id, given, task_id, NULL, NULL, NULL)));
}

/* One element of flow_resume_bulk's list: an execution, or one task run of it. */
typedef struct BulkItem
{
	char	   *given;			/* the id as given (for messages) */
	char	   *execution_id;	/* the execution (given, or the task run's) */
	char	   *run_id;			/* the task run given, or NULL for "its oldest pause" */
} BulkItem;

/* Order bulk items by execution, then task run: rows are locked in one order. */
static int
cmp_bulk_item(const void *a, const void *b)
{
	const BulkItem *x = a;
	const BulkItem *y = b;
	int			c = strcmp(x->execution_id, y->execution_id);

	if (c != 0)
		return c;
	if (x->run_id == NULL || y->run_id == NULL)
		return (x->run_id != NULL) - (y->run_id != NULL);
	return strcmp(x->run_id, y->run_id);
}

/* Whether two bulk items name the same thing (the same id twice resumes once). */
static bool
same_bulk_item(const BulkItem *x, const BulkItem *y)
{
	return strcmp(x->execution_id, y->execution_id) == 0 &&
		(x->run_id == NULL ? y->run_id == NULL :
		 y->run_id != NULL && strcmp(x->run_id, y->run_id) == 0);
}

/*
 * flow_resume_bulk(execution_ids, inputs): all or nothing.  Every execution
 * is locked and checked first; if any is unknown, not paused, not allowed
 * or its inputs are invalid, nothing is resumed and the error lists every
 * offending id with its reason.
 */
Datum
flow_resume_bulk(PG_FUNCTION_ARGS)
{
	ArrayType  *arr;
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	int			i;
	BulkItem   *items;
	FpValue    *given = api_object_arg(fcinfo, 1, "inputs");
	DbScope		scope;
	Execution **execs;
	TaskRun   **runs;
	FpValue   **values;
	StringInfoData problems;
	int			nproblems = 0;
	int			first_sqlstate = 0;
	int			resumed = 0;
	char	   *actor = sec_actor();
	Execution  *pending = NULL;		/* resumed, its step not yet ended */

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("execution ids must not be null")));
	arr = PG_GETARG_ARRAYTYPE_P(0);
	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	items = palloc(sizeof(BulkItem) * Max(n, 1));
	for (i = 0; i < n; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("execution ids must not contain null")));
		items[i].given = TextDatumGetCString(elems[i]);
		items[i].execution_id = items[i].given;
		items[i].run_id = NULL;
	}

	execs = palloc0(sizeof(Execution *) * Max(n, 1));
	runs = palloc0(sizeof(TaskRun *) * Max(n, 1));
	values = palloc0(sizeof(FpValue *) * Max(n, 1));
	initStringInfo(&problems);

	db_enter(&scope);
	PG_TRY();
	{
		/* a task run id (a pause of one loop iteration) stands for its execution's lock */
		for (i = 0; i < n; i++)
		{
			Datum		arg = CStringGetTextDatum(items[i].given);

			if (execution_namespace(items[i].given) == NULL &&
				db_exec(&q_run_execution, &arg, NULL, true, 1) == 1)
			{
				items[i].execution_id = db_text(0, 1);
				items[i].run_id = items[i].given;
			}
		}
		qsort(items, n, sizeof(BulkItem), cmp_bulk_item);

		for (i = 0; i < n; i++)
		{
			ResumeCheck check;
			char	   *ns;
			const char *id = items[i].execution_id;

			if (i > 0 && same_bulk_item(&items[i], &items[i - 1]))
				continue;		/* the same id twice resumes it once */
			ns = execution_namespace(id);
			if (ns != NULL && !may_try_resume(id, ns))
			{
				/* not locked: see may_try_resume */
				check.sqlstate = ERRCODE_INSUFFICIENT_PRIVILEGE;
				check.reason = pstrdup(ACCESS_DENIED);
			}
			else if (ns == NULL || (execs[i] = exec_load(id)) == NULL)
			{
				check.sqlstate = ERRCODE_UNDEFINED_OBJECT;
				check.reason = psprintf("execution \"%s\" does not exist", id);
			}
			else
			{
				/* a parent and its child (or one execution twice) may be here: see exec_hold */
				exec_hold(execs[i]);
				execs[i]->actor = actor;
				runs[i] = check_resume(execs[i], items[i].run_id, given, &values[i], &check);
			}
			if (runs[i] == NULL)
			{
				if (nproblems++ == 0)
					first_sqlstate = check.sqlstate;
				appendStringInfo(&problems, "\n%s: %s", items[i].given, check.reason);
			}
		}
		if (nproblems > 0)
			ereport(ERROR,
					(errcode(first_sqlstate),
					 errmsg("%d of %d executions cannot be resumed; none was resumed", nproblems, n),
					 errdetail("%s", problems.data + 1)));

		for (i = 0; i < n; i++)
		{
			if (execs[i] == NULL || runs[i] == NULL)
				continue;
			/*
			 * The pauses of one execution (loop iterations) are next to each
			 * other in the list: they are resumed in one step, written once.
			 */
			if (pending != NULL && pending != execs[i])
			{
				exec_end_step(pending);
				pending = NULL;
			}
			/* an earlier resume of the list may have ended this one (a parent killing its child) */
			if (runs[i]->state != ST_PAUSED)
				continue;
			do_resume(execs[i], runs[i], values[i], true, NULL);
			pending = execs[i];
			resumed++;
		}
		if (pending != NULL)
			exec_end_step(pending);
	}
	PG_FINALLY();
	{
		exec_release_all();
	}
	PG_END_TRY();
	db_leave(&scope);
	PG_RETURN_INT32(resumed);
}

/*
 * Refuse an action on execution id (in namespace ns) that needs perm.  A
 * role that may see the execution (VIEW, or an assignee) is told which
 * permission it lacks where; any other is told nothing about it, not even
 * its namespace, as flow_resume answers it.
 */
static void
require_on_execution(const char *id, const char *ns, FlowPermission perm, const char *what,
					 const char *verb)
{
	if (sec_has_permission(ns, perm))
		return;
	if (sec_has_permission(ns, PERM_VIEW) || sec_role_assigned_to(GetUserId(), id))
		sec_require(ns, perm, what);
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("Access denied to %s this execution", verb)));
}

/*
 * Lock an execution for an action that needs perm.  The caller is checked
 * first, without the lock, so that a role that may not act cannot hold the
 * row (and stall the execution) by trying.
 */
static Execution *
lock_for(const char *id, FlowPermission perm, const char *what, const char *verb)
{
	char	   *ns = execution_namespace(id);
	Execution  *e;

	if (ns == NULL)
		execution_not_found(id);
	require_on_execution(id, ns, perm, what, verb);
	e = exec_load(id);
	if (e == NULL)
		execution_not_found(id);
	e->actor = sec_actor();
	return e;
}

/* Write the step an SQL function took and its audit row; the state it left, as text. */
static text *
save_step(Execution *e, const char *action)
{
	exec_end_step(e);
	audit_write(action, e->namespace, e->flow_id, e->id, NULL, NULL);
	return cstring_to_text(state_name(e->state));
}

/* flow_kill(execution_id): kill an unfinished execution; returns its state (KILLED). */
Datum
flow_kill(PG_FUNCTION_ARGS)
{
	char	   *id = api_text_arg(fcinfo, 0, "execution id");
	DbScope		scope;
	Execution  *e;
	text	   *state;

	db_enter(&scope);
	e = lock_for(id, PERM_RESUME, "kill executions", "kill");
	if (state_is_terminal(e->state) || e->state == ST_KILLING)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("execution \"%s\" is already finished (its state is %s)",
						id, state_name(e->state))));
	executor_kill(e);
	state = save_step(e, "kill");
	db_leave(&scope);
	PG_RETURN_TEXT_P(state);
}

/* flow_restart(execution_id): re-run a FAILED execution from its failed task runs. */
Datum
flow_restart(PG_FUNCTION_ARGS)
{
	char	   *id = api_text_arg(fcinfo, 0, "execution id");
	DbScope		scope;
	Execution  *e;
	text	   *state;

	db_enter(&scope);
	e = lock_for(id, PERM_RESUME, "restart executions", "restart");
	if (e->state != ST_FAILED)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("execution \"%s\" is not failed (its state is %s)", id, state_name(e->state)),
				 errhint("Only a FAILED execution can be restarted.")));
	executor_restart(e);
	state = save_step(e, "restart");
	db_leave(&scope);
	PG_RETURN_TEXT_P(state);
}

/* When flow_wait gives up: now + timeout (30 s without one), or never for one too long to add. */
static TimestampTz
wait_deadline(const Interval *timeout)
{
	int64		span = 30 * USECS_PER_SEC;
	TimestampTz deadline;

	if (timeout)
	{
		int64		days = (int64) timeout->day + (int64) timeout->month * DAYS_PER_MONTH;

		if (pg_mul_s64_overflow(days, USECS_PER_DAY, &span))
			return days > 0 ? DT_NOEND : DT_NOBEGIN;
		if (pg_add_s64_overflow(span, timeout->time, &span))
			return timeout->time > 0 ? DT_NOEND : DT_NOBEGIN;
	}
	if (pg_add_s64_overflow(GetCurrentTimestamp(), span, &deadline))
		return span > 0 ? DT_NOEND : DT_NOBEGIN;
	return deadline;
}

/*
 * flow_wait(execution_id, timeout): block until the execution is terminal
 * or PAUSED, or the timeout passes; returns its state then.  Each look
 * takes a new snapshot (READ COMMITTED), so it sees other sessions' commits.
 */
Datum
flow_wait(PG_FUNCTION_ARGS)
{
	char	   *id = api_text_arg(fcinfo, 0, "execution id");
	Interval   *timeout = PG_ARGISNULL(1) ? NULL : PG_GETARG_INTERVAL_P(1);
	TimestampTz deadline;
	long		nap = 10;
	DbScope		scope;
	Datum		arg = CStringGetTextDatum(id);
	char	   *state = NULL;
	bool		checked = false;

	/*
	 * The statement calling flow_wait keeps its snapshot while it waits; on a
	 * standby, replaying the primary's cleanup of row versions that snapshot
	 * may see cancels it (a recovery conflict) after
	 * max_standby_streaming_delay.  Say so at once rather than fail later.
	 */
	if (RecoveryInProgress())
		ereport(ERROR,
				(errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
				 errmsg("cannot wait for an execution on a standby"),
				 errdetail("A statement that waits on a standby holds back the replay of the primary's cleanup, which cancels it after max_standby_streaming_delay (a recovery conflict, 40001)."),
				 errhint("Call flow_wait() on the primary, or poll flowpg.executions here with one short query at a time.")));
	deadline = wait_deadline(timeout);
	for (;;)
	{
		int			s;

		db_enter(&scope);
		if (db_exec(&q_state, &arg, NULL, false, 1) == 0)
			execution_not_found(id);
		state = db_text(0, 1);
		if (!checked)
		{
			char	   *ns = db_text(0, 2);

			db_leave(&scope);
			/* who may not see it learns nothing of it, not even its namespace */
			if (!sec_has_permission(ns, PERM_VIEW) && !sec_role_assigned_to(GetUserId(), id))
				ereport(ERROR,
						(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
						 errmsg("Access denied to see this execution")));
			checked = true;
		}
		else
			db_leave(&scope);

		s = state_from_name(state);
		if (s == ST_PAUSED || (s >= 0 && state_is_terminal((FlowState) s)) ||
			GetCurrentTimestamp() >= deadline)
			break;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 nap, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
		nap = Min(nap * 2, 200);
	}
	PG_RETURN_TEXT_P(cstring_to_text(state));
}
