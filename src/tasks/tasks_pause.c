/*-------------------------------------------------------------------------
 *
 * tasks_pause.c
 *	  Pause and HumanTask (SPEC section 6): stop the execution until a person
 *	  resumes it or a timer expires.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/timestamp.h"

#include "datetime.h"
#include "inputs.h"
#include "problems.h"
#include "task_api.h"
#include "tasks.h"

/*
 * What a pause does when its pauseDuration is over: the behaviors (the
 * property's allowed values) and the end state each gives, one table.
 */
static const char *const behaviors[] = {"RESUME", "WARN", "FAIL", "CANCEL", NULL};
static const FlowState behavior_states[] = {ST_SUCCESS, ST_WARNING, ST_FAILED, ST_CANCELLED};

StaticAssertDecl(lengthof(behaviors) == lengthof(behavior_states) + 1,
				 "a state for every pause behavior");

/* The index of a behavior in behaviors[], or -1. */
static int
behavior_index(const char *name)
{
	int			i;

	for (i = 0; behaviors[i]; i++)
		if (strcmp(behaviors[i], name) == 0)
			return i;
	return -1;
}

/* The end state an expiry gives with behavior (RESUME when NULL or unknown). */
static FlowState
pause_expired(const char *behavior)
{
	int			i = behavior ? behavior_index(behavior) : -1;

	return i < 0 ? ST_SUCCESS : behavior_states[i];
}

static void pause_begin(Execution *e, TaskRun *run);
static void pause_continue(Execution *e, TaskRun *run);
static void pause_note_secrets(Execution *e, TaskRun *run, FpValue *values);
static FlowState pause_ended(Execution *e, TaskRun *run);
static const char *const pause_blocks[] = {"onPause", "errors", "finally", NULL};

static const char *const pause_aliases[] = {"io.kestra.core.tasks.flows.Pause", NULL};
static const PropSpec pause_props[] = {
	P("onResume", PROP_INPUTS),
	P("pauseDuration", PROP_DURATION),
	P("delay", PROP_DURATION),	/* Kestra's deprecated name of pauseDuration */
	P_ENUM("behavior", behaviors),
	P("onPause", PROP_TASK_OR_TASKS),
	P("errors", PROP_TASKS),
	P("finally", PROP_TASKS),
	P_END
};

/* pauseDuration and its deprecated name delay cannot both be given. */
static void
pause_check(const FpValue *task, const char *path, List **problems)
{
	FpValue    *delay = fp_get(task, "delay");

	if (delay && fp_get(task, "pauseDuration"))
		problem_add(problems, delay, path_key(path, "delay"),
					"delay is the deprecated name of pauseDuration; give only pauseDuration");
}

/* core.flow.Pause: waits for a resume by anyone holding RESUME on the namespace. */
const TaskType task_pause = {
	.name = "io.kestra.plugin.core.flow.Pause",
	.aliases = pause_aliases,
	.kind = TASK_PAUSE,
	.props = pause_props,
	.check = pause_check,
	.child_blocks = pause_blocks,
	.begin = pause_begin,
	.while_paused = pause_continue,
	.resumed = pause_note_secrets,
	.expired = pause_expired,
	.ended = pause_ended,
};

static const PropSpec assignment_fields[] = {
	P("users", PROP_STRING_LIST),
	P("groups", PROP_STRING_LIST),
	P_END
};

static const PropSpec human_props[] = {
	P("onResume", PROP_INPUTS),
	P("pauseDuration", PROP_DURATION),
	P("delay", PROP_DURATION),
	P_ENUM("behavior", behaviors),
	P("onPause", PROP_TASK_OR_TASKS),
	P("errors", PROP_TASKS),
	P("finally", PROP_TASKS),
	{.name = "assignment", .kind = PROP_OBJECT, .required = true, .fields = assignment_fields},
	P_END
};

/* A HumanTask needs at least one assignee: nobody else may resume it. */
static void
human_check(const FpValue *task, const char *path, List **problems)
{
	FpValue    *assignment = fp_get_object(task, "assignment");
	FpValue    *users;
	FpValue    *groups;

	pause_check(task, path, problems);
	if (assignment == NULL)
		return;					/* reported as a missing or mistyped property */
	users = fp_get(assignment, "users");
	groups = fp_get(assignment, "groups");
	if ((users == NULL || (users->type == FP_ARRAY && users->u.arr.count == 0)) &&
		(groups == NULL || (groups->type == FP_ARRAY && groups->u.arr.count == 0)))
		problem_add(problems, assignment, path_key(path, "assignment"),
					"a HumanTask needs at least one user or group in its assignment");
}

/* ee.flow.HumanTask: a Pause that only its assignees may resume. */
const TaskType task_human = {
	.name = "io.kestra.plugin.ee.flow.HumanTask",
	.kind = TASK_PAUSE,
	.props = human_props,
	.check = human_check,
	.child_blocks = pause_blocks,
	.begin = pause_begin,
	.while_paused = pause_continue,
	.resumed = pause_note_secrets,
	.expired = pause_expired,
	.ended = pause_ended,
	.has_assignees = true,
};

/*
 * Render a list of names (assignment users or groups): a list of strings, or
 * a string, each of which may render to a name or a list of names.  NULL
 * with *error on failure; an empty list when the property is absent.
 */
static FpValue *
render_names(Execution *e, TaskRun *run, FpValue *assignment, const char *key, char **error)
{
	FpValue    *raw = assignment ? fp_get(assignment, key) : NULL;
	FpValue    *rendered;
	FpValue    *names = fp_array(4);
	int			i;

	if (raw == NULL)
		return names;
	if (!exec_render_value(e, run, raw, &rendered, error))
		return NULL;
	if (rendered->type != FP_ARRAY)
	{
		FpValue    *one = fp_array(1);

		fp_append(one, rendered);
		rendered = one;
	}
	for (i = 0; i < rendered->u.arr.count; i++)
	{
		FpValue    *item = rendered->u.arr.items[i];

		if (item->type == FP_ARRAY)
		{
			int			j;

			for (j = 0; j < item->u.arr.count; j++)
				fp_append(names, fp_cstring(fp_to_text(item->u.arr.items[j])));
		}
		else if (item->type != FP_NULL && fp_to_text(item)[0] != '\0')
			fp_append(names, fp_cstring(fp_to_text(item)));
	}
	return names;
}

/*
 * A duration property rendered and parsed: the microseconds, 0 when absent,
 * -1 with *error when it does not render to an ISO-8601 duration.
 */
static int64
render_duration(Execution *e, TaskRun *run, const char *prop, char **error)
{
	FpValue    *v;
	int64		usec;

	if (!exec_render_prop(e, run, prop, &v, error))
		return -1;
	if (v == NULL)
		return 0;
	if (v->type != FP_STRING || !dt_parse_duration(v->u.str.ptr, &usec) || usec < 0)
	{
		*error = psprintf("%s must be an ISO-8601 duration such as PT5M, not %s", prop, fp_to_json(v));
		return -1;
	}
	return usec;
}

/*
 * Begin a pause (the task run is RUNNING): render the assignment, the
 * duration, timeout and behavior, queue the expiry, go PAUSED, and start
 * onPause.  A render error fails the task run instead.
 */
static void
pause_begin(Execution *e, TaskRun *run)
{
	char	   *error = NULL;
	FpValue    *behavior;
	const char *behavior_name = run->node->type->has_assignees ? "FAIL" : "RESUME";
	int64		duration;
	int64		timeout;
	bool		expires;
	TimestampTz now = GetCurrentTimestamp();
	TimestampTz due;

	if (run->node->type->has_assignees)
	{
		FpValue    *assignment = fp_get(run->node->def, "assignment");

		run->assigned_users = render_names(e, run, assignment, "users", &error);
		if (run->assigned_users)
			run->assigned_groups = render_names(e, run, assignment, "groups", &error);
		if (run->assigned_users == NULL || run->assigned_groups == NULL)
		{
			executor_finish_attempt(e, run, ST_FAILED, error, NULL);
			return;
		}
	}

	duration = render_duration(e, run, fp_get(run->node->def, "delay") ? "delay" : "pauseDuration", &error);
	timeout = duration < 0 ? -1 : render_duration(e, run, "timeout", &error);
	if (duration < 0 || timeout < 0 || !exec_render_prop(e, run, "behavior", &behavior, &error))
	{
		executor_finish_attempt(e, run, ST_FAILED, error, NULL);
		return;
	}
	if (behavior)
	{
		behavior_name = fp_to_text(behavior);
		if (behavior_index(behavior_name) < 0)
		{
			executor_finish_attempt(e, run, ST_FAILED,
									psprintf("behavior must be RESUME, WARN, FAIL or CANCEL, not \"%s\"",
											 behavior_name), NULL);
			return;
		}
	}

	expires = duration > 0 || (duration == 0 && fp_get(run->node->def, "pauseDuration"));
	if (!executor_due_time(now, expires ? duration : timeout, &due))
	{
		executor_finish_attempt(e, run, ST_FAILED,
								psprintf("%s is too long: the pause would end after the last time PostgreSQL can store",
										 !expires ? "timeout" : fp_get(run->node->def, "delay") ? "delay" : "pauseDuration"),
								NULL);
		return;
	}

	executor_run_state(run, ST_PAUSED);
	if (expires)
	{
		FpValue    *detail = fp_object(1);

		fp_set(detail, "behavior", fp_cstring(behavior_name));
		run->due_at = due;
		exec_queue_work(e, run, "expire", run->due_at, detail);
	}
	else if (timeout > 0)
	{
		run->due_at = due;
		exec_queue_work(e, run, "timeout", run->due_at, NULL);
	}
	pause_continue(e, run);
}

/* While PAUSED: carry on with onPause (its external tasks finish later). */
static void
pause_continue(Execution *e, TaskRun *run)
{
	FlowBlock  *on_pause = flow_node_block(run->node, "onPause");

	if (on_pause && on_pause->count > 0)
		(void) executor_advance_scope(e, run, on_pause, false, NULL, NULL);
}

/*
 * The pause has ended: its own errors block when it FAILED (a timeout, or
 * behavior FAIL), then its finally block, as Kestra runs them.  They do not
 * change the pause's own state; a failure in them fails its block.  A
 * skipped pause runs neither; a cancelled or killed one ended its
 * execution with it.
 */
static FlowState
pause_ended(Execution *e, TaskRun *run)
{
	FlowBlock  *errors = flow_node_block(run->node, "errors");
	FlowBlock  *finally = flow_node_block(run->node, "finally");

	if ((errors == NULL || errors->count == 0) && (finally == NULL || finally->count == 0))
		return run->state;
	if (run->state == ST_SKIPPED || run->state == ST_KILLED || run->state == ST_CANCELLED)
		return run->state;
	return executor_advance_handlers(e, run, run->state, errors, finally);
}

/* Keep the real values of SECRET onResume inputs aside, and mask them where stored. */
static void
pause_note_secrets(Execution *e, TaskRun *run, FpValue *values)
{
	FpValue    *decls = fp_get(run->node->def, "onResume");
	List	   *secrets = inputs_secret_values(decls, values);
	FpValue    *on_resume;

	if (secrets == NIL)
		return;
	e->secrets = list_concat(e->secrets, secrets);
	if (e->secret_values == NULL)
		e->secret_values = fp_object(2);
	on_resume = fp_get_object(e->secret_values, "onResume");
	if (on_resume == NULL)
	{
		on_resume = fp_object(1);
		fp_set(e->secret_values, "onResume", on_resume);
	}
	/* by task run id: a pause inside a loop has one task run per iteration */
	fp_set(on_resume, run->id, values);
	e->secrets_dirty = true;
}
