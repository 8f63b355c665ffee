/*-------------------------------------------------------------------------
 *
 * tasks_pause.c
 *	  Pause and HumanTask (SPEC section 6): stop the execution until a person
 *	  resumes it or a timer expires.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "problems.h"
#include "tasks.h"

static const char *const behaviors[] = {"RESUME", "WARN", "FAIL", "CANCEL", NULL};
static const char *const pause_blocks[] = {"onPause", NULL};

static const char *const pause_aliases[] = {"io.kestra.core.tasks.flows.Pause", NULL};
static const PropSpec pause_props[] = {
	P("onResume", PROP_INPUTS),
	P("pauseDuration", PROP_DURATION),
	P("delay", PROP_DURATION),	/* Kestra's deprecated name of pauseDuration */
	P_ENUM("behavior", behaviors),
	P("onPause", PROP_TASK_OR_TASKS),
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
};
