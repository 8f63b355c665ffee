/*-------------------------------------------------------------------------
 *
 * executor.c
 *	  The state machine of executions: walking a flow's tasks against the
 *	  task runs an execution has, starting what is due, running internal
 *	  tasks at once, queueing external ones, stopping at pauses, and
 *	  finishing the execution with the worst state of its scope.
 *
 * Nothing here waits.  A step (a call of flow_start, flow_resume, ..., or a
 * worker result) changes the in-memory Execution and makes every progress
 * possible; where a pause, an external task, a retry or a subflow has to
 * be waited for, the walk stops and a later step picks it up.  A task run
 * is found by its task id, its parent task run and its ForEach value (the
 * iteration path; exec_find_child): task ids are unique in a flow, so an
 * execution has one task run per task per iteration, and the walk finds
 * where it is from the task runs alone.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/int.h"

#include "utils/timestamp.h"

#include "audit.h"
#include "concurrency.h"
#include "datetime.h"
#include "executor.h"
#include "ids.h"
#include "inputs.h"
#include "retry.h"

static void run_attempt(Execution *e, TaskRun *run);
static void run_after_execution(Execution *e);

/* Change e's state, remembering to NOTIFY it. */
static void
exec_state(Execution *e, FlowState to)
{
	TimestampTz now = GetCurrentTimestamp();

	state_change(STATE_EXECUTION, e->id, &e->state, e->history, to, now);
	e->dirty = true;
	e->notify_states = lappend_int(e->notify_states, (int) to);
	if (state_is_terminal(to))
		e->ended_at = now;
}

/* Change a task run's state; keep its attempts and end time in step. */
void
executor_run_state(TaskRun *run, FlowState to)
{
	TimestampTz now = GetCurrentTimestamp();
	FlowState	from = run->state;
	FpValue    *attempt;

	state_change(STATE_TASK_RUN, run->id, &run->state, run->history, to, now);
	run->dirty = true;

	if (to == ST_RUNNING && from != ST_PAUSED &&
		!(from == ST_RESTARTED && run->node->type->kind == TASK_FLOWABLE &&
		  run->node->nblocks > 0))
	{
		/*
		 * a new attempt: the first, a retry, or a restart (of the task that
		 * failed: a flowable holding it carries on in its attempt)
		 */
		attempt = fp_object(3);
		fp_set(attempt, "state", fp_cstring("RUNNING"));
		fp_set(attempt, "startDate", fp_cstring(state_format_time(now)));
		fp_append(run->attempts, attempt);
	}
	else if (run->attempts->u.arr.count > 0 && to != ST_RESTARTED && to != ST_RUNNING)
	{
		/* the attempt ends (or pauses); a restart leaves the failed one as it ended */
		attempt = run->attempts->u.arr.items[run->attempts->u.arr.count - 1];
		fp_set(attempt, "state", fp_cstring(state_name(to == ST_RETRYING ? ST_FAILED : to)));
		if (state_is_terminal(to) || to == ST_RETRYING)
			fp_set(attempt, "endDate", fp_cstring(state_format_time(now)));
	}
	if (state_is_terminal(to))
		run->ended_at = now;
}

/* now + delay, if PostgreSQL can store it (see executor.h). */
bool
executor_due_time(TimestampTz now, int64 delay, TimestampTz *due)
{
	return !pg_add_s64_overflow(now, delay, due) && IS_VALID_TIMESTAMP(*due);
}

/* A boolean property of run's task (rendered), or dflt when absent or not a boolean. */
static bool
prop_bool(Execution *e, TaskRun *run, const char *prop, bool dflt)
{
	FpValue    *v;
	char	   *error;

	if (!exec_render_prop(e, run, prop, &v, &error) || v == NULL)
		return dflt;
	if (v->type == FP_BOOL)
		return v->u.b;
	return expr_truthy(v);
}

/*
 * End the current attempt of a RUNNING (or PAUSED) task run with state st:
 * a failure is logged and retried when the policy allows, allowFailure
 * turns it into WARNING, allowWarning turns WARNING into SUCCESS.
 */
void
executor_finish_attempt(Execution *e, TaskRun *run, FlowState st, const char *error,
						FpValue *retry_detail)
{
	if (e->exiting)
	{
		/* an Exit task ends itself and the flowables holding it: no retry, no allowFailure */
		if (!state_is_terminal(run->state))
		{
			executor_run_state(run, e->exit_state);
			exec_outputs_changed(e, run);
		}
		return;
	}
	if (st == ST_FAILED)
	{
		if (error)
			exec_log(e, run, "ERROR", error);
		/* the execution ended meanwhile (an Exit): its result is recorded, never retried */
		if (run->state == ST_RUNNING && !state_is_terminal(e->state) &&
			retry_schedule(e, run, retry_detail))
			return;
		if (prop_bool(e, run, "allowFailure", false))
			st = ST_WARNING;
	}
	else if (st == ST_SUCCESS && retry_warns(e, run))
		st = ST_WARNING;
	if (st == ST_WARNING && prop_bool(e, run, "allowWarning", false))
		st = ST_SUCCESS;
	executor_run_state(run, st);
	exec_outputs_changed(e, run);
}

/* Render an external task's request and queue it for the worker; it stays CREATED. */
static void
queue_external(Execution *e, TaskRun *run)
{
	char	   *error = NULL;
	FpValue    *request = run->node->type->prepare(e, run, &error);
	FpValue    *detail;

	if (request == NULL)
	{
		executor_run_state(run, ST_RUNNING);
		executor_finish_attempt(e, run, ST_FAILED, error, NULL);
		return;
	}
	detail = fp_object(2);
	fp_set(detail, "request", request);
	if (e->secrets != NIL)
	{
		/* the result is recorded in a later step, which must mask them too */
		FpValue    *secrets = fp_array(list_length(e->secrets));
		ListCell   *lc;

		foreach(lc, e->secrets)
			fp_append(secrets, fp_cstring(lfirst(lc)));
		fp_set(detail, "secrets", secrets);
	}
	exec_queue_work(e, run, "send", GetCurrentTimestamp(), detail);
}

/* Run one attempt of a RUNNING task run. */
static void
run_attempt(Execution *e, TaskRun *run)
{
	const TaskType *type = run->node->type;
	char	   *error = NULL;
	FlowState	st;

	switch (type->kind)
	{
		case TASK_INTERNAL:
			st = type->run(e, run, &error);
			executor_finish_attempt(e, run, st, error, NULL);
			break;
		case TASK_FLOWABLE:
			st = type->advance(e, run, &error);
			if (st != ST_RUNNING)
				executor_finish_attempt(e, run, st, error, NULL);
			break;
		case TASK_PAUSE:
			type->begin(e, run);
			break;
		case TASK_EXTERNAL:
			/* an external task is re-queued on restart */
			queue_external(e, run);
			break;
	}
}

/*
 * Create the task run of node (of the ForEach iteration value/iteration, or
 * NULL/-1) and take it as far as it goes now.
 */
static TaskRun *
start_task(Execution *e, FlowNode *node, TaskRun *parent, const char *value, int iteration)
{
	TaskRun    *run = exec_new_run(e, node, parent);
	FpValue    *run_if;

	run->value = (char *) value;
	run->iteration = iteration;
	run_if = fp_get(node->def, "runIf");

	if (run_if)
	{
		FpValue    *v;
		char	   *error;

		if (!exec_render_value(e, run, run_if, &v, &error))
		{
			executor_run_state(run, ST_RUNNING);
			exec_log(e, run, "ERROR", error);
			executor_run_state(run, ST_FAILED);
			return run;
		}
		if (!expr_truthy(v))
		{
			executor_run_state(run, ST_SKIPPED);
			return run;
		}
	}
	if (node->type->kind == TASK_EXTERNAL)
	{
		queue_external(e, run);
		return run;
	}
	executor_run_state(run, ST_RUNNING);
	run_attempt(e, run);
	return run;
}

/* Take an unfinished task run further, if it can go further now. */
static void
continue_task(Execution *e, TaskRun *run)
{
	char	   *error = NULL;
	FlowState	st;

	switch (run->state)
	{
		case ST_RUNNING:
			if (run->node->type->kind == TASK_FLOWABLE)
			{
				st = run->node->type->advance(e, run, &error);
				if (st != ST_RUNNING)
					executor_finish_attempt(e, run, st, error, NULL);
			}
			break;
		case ST_PAUSED:
			if (run->node->type->while_paused)
				run->node->type->while_paused(e, run);
			break;
		case ST_RESTARTED:
			executor_run_state(run, ST_RUNNING);
			run_attempt(e, run);
			break;
		default:
			/* CREATED (queued for the worker), RETRYING: wait */
			break;
	}
}

/*
 * Advance one block: in order, stopping at the first unfinished or failed
 * task; or, when parallel, every task.  ST_RUNNING while something waits,
 * else the worst end state of its task runs.  value and iteration are the
 * ForEach iteration the block's task runs belong to (NULL and -1: none).
 */
static FlowState
advance_block(Execution *e, TaskRun *parent, FlowBlock *block, bool parallel,
			  const char *value, int iteration)
{
	FlowState	result = ST_SUCCESS;
	bool		waiting = false;
	int			i;

	if (block == NULL)
		return ST_SUCCESS;
	for (i = 0; i < block->count; i++)
	{
		FlowNode   *node = block->items[i];
		TaskRun    *run;
		FlowState	st;

		if (node->disabled)
			continue;
		run = exec_find_child(e, node->id, parent, value, iteration);
		if (run == NULL)
			run = start_task(e, node, parent, value, iteration);
		else if (!state_is_terminal(run->state))
			continue_task(e, run);
		/* a Pause's own errors and finally run once it has ended */
		st = run->state;
		if (state_is_terminal(st) && node->type->ended)
			st = node->type->ended(e, run);
		if (e->exiting)
			return e->exit_state;	/* an Exit task ran: nothing more starts */

		if (!state_is_terminal(st))
			waiting = true;
		else if (st == ST_FAILED || st == ST_KILLED || st == ST_CANCELLED)
			result = ST_FAILED;
		else
			result = state_worst(result, st);

		if (!parallel && (waiting || result == ST_FAILED))
			break;
	}
	return waiting ? ST_RUNNING : result;
}

/* Start or continue one task of a flowable that schedules its own children (see task_api.h). */
TaskRun *
executor_step_task(Execution *e, FlowNode *node, TaskRun *parent)
{
	TaskRun    *run = exec_find_child(e, node->id, parent, NULL, -1);

	if (run == NULL)
		return start_task(e, node, parent, NULL, -1);
	if (!state_is_terminal(run->state))
		continue_task(e, run);
	return run;
}

/* Advance a scope: its tasks, then errors if they failed, then finally. */
FlowState
executor_advance_scope(Execution *e, TaskRun *parent, FlowBlock *tasks, bool parallel,
					   FlowBlock *errors, FlowBlock *finally)
{
	FlowState	st = advance_block(e, parent, tasks, parallel, NULL, -1);

	return executor_advance_handlers(e, parent, st, errors, finally);
}

/* One ForEach iteration: the block in order, its task runs carrying value (see task_api.h). */
FlowState
executor_advance_iteration(Execution *e, TaskRun *parent, FlowBlock *tasks, bool parallel,
						   const char *value, int iteration)
{
	return advance_block(e, parent, tasks, parallel, value, iteration);
}

/* After a scope's tasks reached st: errors if they failed, then finally (see task_api.h). */
FlowState
executor_advance_handlers(Execution *e, TaskRun *parent, FlowState st,
						  FlowBlock *errors, FlowBlock *finally)
{
	FlowState	fs;

	if (e->exiting)
		return e->exit_state;	/* no errors or finally after an Exit */
	if (st == ST_RUNNING)
		return ST_RUNNING;
	if (st == ST_FAILED && errors && errors->count > 0 &&
		(advance_block(e, parent, errors, false, NULL, -1) == ST_RUNNING || e->exiting))
		return e->exiting ? e->exit_state : ST_RUNNING;
	if (finally && finally->count > 0)
	{
		fs = advance_block(e, parent, finally, false, NULL, -1);
		if (e->exiting)
			return e->exit_state;
		if (fs == ST_RUNNING)
			return ST_RUNNING;
		st = state_worst(st, fs);
	}
	return st;
}

/* Whether e has a PAUSED task run other than except. */
static bool
has_paused_run(Execution *e, TaskRun *except)
{
	ListCell   *lc;

	foreach(lc, e->runs)
	{
		TaskRun    *r = lfirst(lc);

		if (r != except && !r->deleted && r->state == ST_PAUSED)
			return true;
	}
	return false;
}

/* The PAUSED task runs of e, oldest first. */
List *
executor_paused_runs(Execution *e)
{
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, e->runs)
	{
		TaskRun    *r = lfirst(lc);

		if (!r->deleted && r->state == ST_PAUSED)
			result = lappend(result, r);
	}
	return result;
}

/*
 * Render the flow's outputs (top-level `outputs`) into e->outputs; false
 * with *error when a required one (the default) fails to render; one with
 * `required: false` is null instead.  A STRING output renders maps and
 * lists as JSON text.
 */
static bool
render_flow_outputs(Execution *e, char **error)
{
	FpValue    *decls = e->flow->outputs;
	FpValue    *out;
	int			i;

	if (decls == NULL)
		return true;
	out = fp_object(decls->u.arr.count);
	for (i = 0; i < decls->u.arr.count; i++)
	{
		FpValue    *decl = decls->u.arr.items[i];
		const char *id = fp_get_str(decl, "id");
		const char *type = fp_get_str(decl, "type");
		FpValue    *required = fp_get(decl, "required");
		FpValue    *v;

		if (!exec_render_value(e, NULL, fp_get(decl, "value"), &v, error))
		{
			if (required && required->type == FP_BOOL && !required->u.b)
			{
				fp_set(out, id, fp_null());
				continue;
			}
			*error = psprintf("flow output \"%s\": %s", id, *error);
			return false;
		}
		if (type && strcmp(type, "STRING") == 0 && v->type != FP_STRING)
			v = fp_cstring(fp_to_text(v));
		fp_set(out, id, v);
	}
	e->outputs = out;
	return true;
}

/* Begin ending the execution from an Exit task (see task_api.h). */
void
executor_exit(Execution *e, FlowState st)
{
	e->exiting = true;
	e->exit_state = st;
	if (st == ST_KILLED)
		executor_kill(e);		/* every unfinished task run, the Exit's own included */
}

/*
 * The end of a step in which an Exit task ran (not KILLED: that killed the
 * execution already).  What no one could finish any more is CANCELLED:
 * paused task runs (the execution cannot be resumed), retries, and
 * flowables still waiting for a child.  External tasks the worker holds
 * go on and record their result (Kestra lets running tasks end); a
 * subflow's child goes on too.  Then the execution takes the Exit's state.
 */
static void
finish_exit(Execution *e)
{
	ListCell   *lc;

	if (state_is_terminal(e->state))
	{
		/* an Exit with KILLED, which killed the execution already */
		e->exiting = false;
		run_after_execution(e);
		return;
	}
	foreach(lc, e->runs)
	{
		TaskRun    *run = lfirst(lc);

		if (run->deleted || state_is_terminal(run->state) ||
			(executor_awaits_worker(run) && run->state != ST_RETRYING))
			continue;
		if (run->state == ST_RESTARTED)
			executor_run_state(run, ST_RUNNING);
		if (run->due_at)
			e->work_cancel = lappend(e->work_cancel, run->id);
		executor_run_state(run, ST_CANCELLED);
	}
	if (e->state == ST_PAUSED)
	{
		exec_state(e, ST_RESTARTED);
		exec_state(e, ST_RUNNING);
	}
	exec_state(e, e->exit_state);
	e->exiting = false;			/* the Exit is done: afterExecution runs as after any end */
	run_after_execution(e);
}

/*
 * Once the execution has ended (whatever its state): its afterExecution
 * tasks, in order.  They cannot change its state (Kestra's rule); a failure
 * among them stops the ones after it.
 */
static void
run_after_execution(Execution *e)
{
	if (e->flow->after_execution.count > 0 && state_is_terminal(e->state))
		(void) advance_block(e, NULL, &e->flow->after_execution, false, NULL, -1);
}

/* Make every progress possible; set the execution's state from the result. */
void
executor_advance(Execution *e)
{
	FlowState	st;
	char	   *error = NULL;

	if (state_is_terminal(e->state))
	{
		run_after_execution(e);		/* an external one's result, a subflow's end */
		return;
	}
	if (e->state != ST_RUNNING && e->state != ST_PAUSED)
		return;
	st = executor_advance_scope(e, NULL, &e->flow->tasks, false, &e->flow->errors,
								&e->flow->finally);
	if (e->exiting)
	{
		finish_exit(e);
		return;
	}
	if (st == ST_RUNNING)
	{
		if (e->state == ST_RUNNING && has_paused_run(e, NULL))
			exec_state(e, ST_PAUSED);
		return;
	}
	if (st != ST_FAILED && !render_flow_outputs(e, &error))
	{
		exec_log(e, NULL, "ERROR", error);
		st = ST_FAILED;
	}
	if (e->state == ST_PAUSED)
	{
		exec_state(e, ST_RESTARTED);
		exec_state(e, ST_RUNNING);
	}
	exec_state(e, st == ST_SUCCESS || st == ST_WARNING ? st : ST_FAILED);
	run_after_execution(e);
}

/* Create and run an execution (see executor.h). */
Execution *
executor_start(CompiledFlow *flow, FpValue *inputs, FpValue *labels, const char *actor,
			   Execution *parent, FpValue *trigger)
{
	Execution  *e = palloc0(sizeof(Execution));
	TimestampTz now = GetCurrentTimestamp();
	const char *correlation;
	int			i;

	e->id = id_new();
	e->namespace = flow->namespace;
	e->flow_id = flow->id;
	e->revision = flow->revision;
	e->flow = flow;
	e->actor = actor;
	e->created_by = pstrdup(actor ? actor : flow->deployer);
	e->created_at = now;
	e->history = fp_array(4);
	e->is_new = true;
	e->trigger = trigger;
	e->parent = parent;
	if (parent)
	{
		e->parent_id = parent->id;
		e->depth = parent->depth + 1;
		parent->children = lappend(parent->children, e);
	}

	e->inputs = inputs;
	e->inputs_shown = inputs_mask_secrets(flow->inputs, inputs);
	if (e->inputs_shown != inputs)
	{
		e->secret_values = fp_object(1);
		fp_set(e->secret_values, "inputs", inputs);
		e->secrets_dirty = true;
		e->secrets = inputs_secret_values(flow->inputs, inputs);
	}
	/*
	 * What is secret in the parent stays masked in a subflow, whose inputs
	 * and labels the parent may have rendered from secrets: wherever the
	 * child stores them, and in its logs and outputs.  (Declared SECRET, an
	 * input keeps its real value for the child's own renders.)
	 */
	if (parent && parent->secrets)
	{
		FpValue    *inherited = fp_array(list_length(parent->secrets));
		ListCell   *lc;

		foreach(lc, parent->secrets)
			fp_append(inherited, fp_cstring(lfirst(lc)));
		e->secrets = list_concat(e->secrets, parent->secrets);
		e->inputs_shown = exec_mask_value(e, e->inputs_shown);
		/* the real values, and what to mask, for the child's later steps */
		if (e->secret_values == NULL)
		{
			e->secret_values = fp_object(2);
			fp_set(e->secret_values, "inputs", inputs);
		}
		fp_set(e->secret_values, "inherited", inherited);
		e->secrets_dirty = true;
	}

	/* labels: the flow's, then the caller's, then the system's */
	e->labels = fp_copy(flow->labels);
	for (i = 0; labels && i < labels->u.obj.count; i++)
		fp_set(e->labels, labels->u.obj.pairs[i].key, exec_mask_value(e, labels->u.obj.pairs[i].value));
	fp_set(e->labels, "system.username", fp_cstring(e->created_by));
	/* a subflow's is its parent's; a retry's (CREATE_NEW_EXECUTION) is in its labels */
	correlation = parent ? fp_get_str(parent->labels, "system.correlationId") :
		labels ? fp_get_str(labels, "system.correlationId") : NULL;
	fp_set(e->labels, "system.correlationId", fp_cstring(correlation ? correlation : e->id));

	state_begin(&e->state, e->history, ST_CREATED, now);
	e->notify_states = list_make1_int((int) ST_CREATED);
	exec_state(e, flow->concurrency.limit > 0 ? concurrency_admit(e, false) : ST_RUNNING);
	executor_advance(e);
	return e;
}

/* Resume a PAUSED task run with validated values (see executor.h). */
void
executor_resume(Execution *e, TaskRun *run, FpValue *values)
{
	FpValue    *outputs = run->outputs ? fp_copy(run->outputs) : fp_object(2);
	FpValue    *resumed = fp_object(3);
	bool		others = has_paused_run(e, run);

	fp_set(resumed, "by", e->actor ? fp_cstring(e->actor) : fp_null());
	fp_set(resumed, "on", fp_cstring(state_format_time(GetCurrentTimestamp())));
	fp_set(resumed, "to", fp_cstring("SUCCESS"));
	fp_set(outputs, "onResume", values);
	fp_set(outputs, "resumed", resumed);
	run->outputs = outputs;
	if (run->node->type->resumed)
		run->node->type->resumed(e, run, values);
	if (run->due_at)
		e->work_cancel = lappend(e->work_cancel, run->id);

	executor_run_state(run, ST_SUCCESS);
	exec_outputs_changed(e, run);
	if (!others)
	{
		exec_state(e, ST_RESTARTED);
		exec_state(e, ST_RUNNING);
	}
	executor_advance(e);
}

/* Kill one unfinished task run (a paused one records who killed it). */
static void
kill_run(Execution *e, TaskRun *run)
{
	if (run->state == ST_PAUSED)
	{
		FpValue    *outputs = run->outputs ? fp_copy(run->outputs) : fp_object(1);
		FpValue    *resumed = fp_object(3);

		fp_set(resumed, "by", e->actor ? fp_cstring(e->actor) : fp_null());
		fp_set(resumed, "on", fp_cstring(state_format_time(GetCurrentTimestamp())));
		fp_set(resumed, "to", fp_cstring("KILLING"));
		fp_set(outputs, "resumed", resumed);
		run->outputs = outputs;
	}
	if (run->state == ST_RESTARTED)
		executor_run_state(run, ST_RUNNING);
	executor_run_state(run, ST_KILLED);
	e->work_cancel = lappend(e->work_cancel, run->id);
}

/* Kill an unfinished execution (see executor.h). */
void
executor_kill(Execution *e)
{
	ListCell   *lc;

	exec_state(e, ST_KILLING);
	foreach(lc, e->runs)
	{
		TaskRun    *run = lfirst(lc);

		if (run->deleted || state_is_terminal(run->state))
			continue;
		if (run->node->type->kill)
			run->node->type->kill(e, run);
		kill_run(e, run);
	}
	exec_state(e, ST_KILLED);
	if (!e->exiting)
		run_after_execution(e);	/* after an Exit KILLED: finish_exit's caller runs it */
}

/* Whether run sits (directly or below) in an errors, finally or afterExecution block. */
static bool
in_handler_block(const FlowNode *node)
{
	for (; node; node = node->parent)
		if (strcmp(node->block, "errors") == 0 || strcmp(node->block, "finally") == 0 ||
			strcmp(node->block, "afterExecution") == 0)
			return true;
	return false;
}

/* Restart a FAILED execution from its failed task runs (see executor.h). */
void
executor_restart(Execution *e)
{
	ListCell   *lc;

	exec_state(e, ST_RESTARTED);
	exec_state(e, e->flow->concurrency.limit > 0 ? concurrency_admit(e, true) : ST_RUNNING);
	fp_set(e->labels, "system.restarted", fp_cstring("true"));	/* as Kestra marks it */
	foreach(lc, e->runs)
	{
		TaskRun    *run = lfirst(lc);

		/* error and finally handlers run again if the execution fails again */
		if (in_handler_block(run->node))
		{
			run->deleted = true;
			if (run->due_at)
				e->work_cancel = lappend(e->work_cancel, run->id);
		}
		else if (run->state == ST_FAILED)
			executor_run_state(run, ST_RESTARTED);
	}
	executor_advance(e);
}

/* Take a QUEUED execution out of the queue (see executor.h). */
void
executor_unqueue(Execution *e, FlowState to)
{
	exec_state(e, to);
	executor_advance(e);
}

/* Apply an expired pause's behavior (see executor.h); returns the behavior that applies. */
const char *
executor_expire(Execution *e, TaskRun *run, const char *behavior, bool timeout)
{
	/* a timeout fails the pause whatever its behavior; no behavior is RESUME */
	const char *applied = timeout ? "FAIL" : behavior ? behavior : "RESUME";
	FlowState	st;
	FpValue    *outputs = run->outputs ? fp_copy(run->outputs) : fp_object(2);
	FpValue    *resumed = fp_object(3);
	bool		others = has_paused_run(e, run);
	ListCell   *lc;

	if (run->state != ST_PAUSED)
		return applied;			/* resumed or killed first: the expiry is void */
	/* only a pause is PAUSED: its type says what the behavior gives */
	st = timeout ? ST_FAILED : run->node->type->expired(behavior);

	fp_set(resumed, "by", fp_null());
	fp_set(resumed, "on", fp_cstring(state_format_time(GetCurrentTimestamp())));
	fp_set(resumed, "to", fp_cstring(state_name(st)));
	fp_set(outputs, "onResume", inputs_defaults(fp_get(run->node->def, "onResume")));
	fp_set(outputs, "resumed", resumed);
	run->outputs = outputs;
	run->dirty = true;

	if (st == ST_CANCELLED)
	{
		/* the execution is cancelled at once; nothing else runs */
		executor_run_state(run, ST_CANCELLED);
		foreach(lc, e->runs)
		{
			TaskRun    *other = lfirst(lc);

			if (other != run && !other->deleted && !state_is_terminal(other->state))
			{
				if (other->state == ST_PAUSED)
				{
					executor_run_state(other, ST_CANCELLED);
					e->work_cancel = lappend(e->work_cancel, other->id);
				}
				else
				{
					if (other->node->type->kill)
						other->node->type->kill(e, other);
					kill_run(e, other);
				}
			}
		}
		exec_state(e, ST_CANCELLED);
		run_after_execution(e);
		return applied;
	}

	executor_finish_attempt(e, run, st, timeout ? "the pause timed out" : NULL, NULL);
	if (!others)
	{
		exec_state(e, ST_RESTARTED);
		exec_state(e, ST_RUNNING);
	}
	executor_advance(e);
	return applied;
}

/*
 * Whether run's last attempt failed: a retry after a failure, not a WaitFor
 * waiting for its next check (whose attempt ended SUCCESS) and keeping its
 * iteration count in its outputs.
 */
static bool
last_attempt_failed(const TaskRun *run)
{
	const FpValue *last;
	const char *st;

	if (run->attempts->u.arr.count == 0)
		return false;
	last = run->attempts->u.arr.items[run->attempts->u.arr.count - 1];
	st = fp_get_str(last, "state");
	return st != NULL && strcmp(st, "FAILED") == 0;
}

/* The next attempt of a RETRYING internal task run (see executor.h). */
void
executor_retry(Execution *e, TaskRun *run)
{
	if (run->state == ST_RETRIED && e->state == ST_RETRIED)
	{
		retry_start_new(e);		/* behavior CREATE_NEW_EXECUTION */
		return;
	}
	if (run->state != ST_RETRYING || state_is_terminal(e->state))
		return;					/* resumed, killed, or the execution has ended */
	run->due_at = 0;
	if (run->node->type->kind == TASK_FLOWABLE && last_attempt_failed(run))
		run->outputs = NULL;	/* a retried Subflow starts a new child */
	executor_run_state(run, ST_RUNNING);
	run_attempt(e, run);
	executor_advance(e);
}

/* Whether an external task run waits for the worker (see executor.h). */
bool
executor_awaits_worker(const TaskRun *run)
{
	return run->state == ST_CREATED || run->state == ST_RETRYING ||
		(run->state == ST_RUNNING && run->node->type->kind == TASK_EXTERNAL);
}

/* The secrets a work row's detail carries join the execution's, to be masked where stored. */
static void
note_detail_secrets(Execution *e, const FpValue *detail)
{
	FpValue    *secrets = detail ? fp_get_array(detail, "secrets") : NULL;
	int			i;

	for (i = 0; secrets && i < secrets->u.arr.count; i++)
		if (secrets->u.arr.items[i]->type == FP_STRING)
			e->secrets = lappend(e->secrets, secrets->u.arr.items[i]->u.str.ptr);
}

/* An external (or retrying) run the worker was waiting for: back to RUNNING, its timer done. */
static void
take_awaited_run(TaskRun *run)
{
	run->due_at = 0;
	if (run->state != ST_RUNNING)
		executor_run_state(run, ST_RUNNING);
}

/* Take in what the worker got for an external task run (see executor.h). */
void
executor_external_result(Execution *e, TaskRun *run, FpValue *detail, const FpValue *result)
{
	FpValue    *request = fp_get(detail, "request");
	char	   *error = NULL;
	FlowState	st;

	if (!executor_awaits_worker(run))
		return;					/* killed meanwhile: the kill wins */
	note_detail_secrets(e, detail);
	take_awaited_run(run);
	st = run->node->type->finish(e, run, request, result, &error);
	executor_finish_attempt(e, run, st, error, detail);
	executor_advance(e);
}

/* The worker could not complete run's work row (see executor.h). */
void
executor_external_failed(Execution *e, TaskRun *run, FpValue *detail, const char *error)
{
	note_detail_secrets(e, detail);
	if (executor_awaits_worker(run))
	{
		take_awaited_run(run);
		executor_finish_attempt(e, run, ST_FAILED, error,
								fp_get(detail, "request") != NULL ? detail : NULL);
		executor_advance(e);
	}
	else if (run->state == ST_PAUSED)
	{
		/* a pause whose expiry cannot be applied fails, as behavior FAIL would */
		exec_log(e, run, "ERROR", error);
		executor_expire(e, run, "FAIL", false);
	}
}
