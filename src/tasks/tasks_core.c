/*-------------------------------------------------------------------------
 *
 * tasks_core.c
 *	  The simple internal tasks: Log, Return, OutputValues and Fail.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "task_api.h"
#include "tasks.h"

/* The rank of a log level name; -1 when unknown. */
static int
level_rank(const char *level)
{
	int			i;

	for (i = 0; task_log_levels[i]; i++)
		if (strcmp(task_log_levels[i], level) == 0)
			return i;
	return -1;
}

/* Log: write each message (a string, or each item of a list) at its level. */
static FlowState
log_run(Execution *e, TaskRun *run, char **error)
{
	FpValue    *message;
	FpValue    *level;
	FpValue    *min_level;
	const char *level_name = "INFO";
	int			i;

	if (!exec_render_prop(e, run, "message", &message, error) ||
		!exec_render_prop(e, run, "level", &level, error) ||
		!exec_render_prop(e, run, "logLevel", &min_level, error))
		return ST_FAILED;
	if (level)
	{
		level_name = fp_to_text(level);
		if (level_rank(level_name) < 0)
		{
			*error = psprintf("level must be one of TRACE, DEBUG, INFO, WARN, ERROR, not \"%s\"", level_name);
			return ST_FAILED;
		}
	}
	/* logLevel drops messages below it */
	if (min_level && level_rank(level_name) < level_rank(fp_to_text(min_level)))
		return ST_SUCCESS;
	if (message->type == FP_ARRAY)
	{
		for (i = 0; i < message->u.arr.count; i++)
			exec_log(e, run, level_name, fp_to_text(message->u.arr.items[i]));
	}
	else
		exec_log(e, run, level_name, fp_to_text(message));
	return ST_SUCCESS;
}

static const char *const log_aliases[] = {"io.kestra.core.tasks.log.Log", NULL};
static const PropSpec log_props[] = {
	P_REQ("message", PROP_STRING_OR_LIST),
	P_ENUM("level", task_log_levels),
	P_END
};

/* core.log.Log: writes its message to flowpg.logs. */
const TaskType task_log = {
	.name = "io.kestra.plugin.core.log.Log",
	.aliases = log_aliases,
	.kind = TASK_INTERNAL,
	.props = log_props,
	.run = log_run,
};

/* Return: the rendered format as the output value (text). */
static FlowState
return_run(Execution *e, TaskRun *run, char **error)
{
	FpValue    *format;

	if (!exec_render_prop(e, run, "format", &format, error))
		return ST_FAILED;
	run->outputs = fp_object(1);
	fp_set(run->outputs, "value", format ? fp_cstring(fp_to_text(format)) : fp_null());
	return ST_SUCCESS;
}

static const char *const return_aliases[] = {"io.kestra.core.tasks.debugs.Return", NULL};
static const PropSpec return_props[] = {
	P("format", PROP_STRING),
	P_END
};

/* core.debug.Return: renders format into the output value (Kestra's test workhorse). */
const TaskType task_return = {
	.name = "io.kestra.plugin.core.debug.Return",
	.aliases = return_aliases,
	.kind = TASK_INTERNAL,
	.props = return_props,
	.run = return_run,
};

/* OutputValues: the rendered values as the output values. */
static FlowState
output_values_run(Execution *e, TaskRun *run, char **error)
{
	FpValue    *values;

	if (!exec_render_prop(e, run, "values", &values, error))
		return ST_FAILED;
	run->outputs = fp_object(1);
	fp_set(run->outputs, "values", values);
	return ST_SUCCESS;
}

static const char *const output_values_aliases[] = {"io.kestra.core.tasks.outputs.OutputValues", NULL};
static const PropSpec output_values_props[] = {
	P_REQ("values", PROP_MAP),
	P_END
};

/* core.output.OutputValues: renders values into the output values. */
const TaskType task_output_values = {
	.name = "io.kestra.plugin.core.output.OutputValues",
	.aliases = output_values_aliases,
	.kind = TASK_INTERNAL,
	.props = output_values_props,
	.run = output_values_run,
};

/* Fail: fail with errorMessage, unless a condition is given and is false. */
static FlowState
fail_run(Execution *e, TaskRun *run, char **error)
{
	FpValue    *condition;
	FpValue    *message;

	if (!exec_render_prop(e, run, "condition", &condition, error) ||
		!exec_render_prop(e, run, "errorMessage", &message, error))
		return ST_FAILED;
	if (condition && !expr_truthy(condition))
		return ST_SUCCESS;
	*error = message ? fp_to_text(message) : "Task failure";
	return ST_FAILED;
}

static const char *const fail_aliases[] = {"io.kestra.core.tasks.executions.Fail", NULL};
static const PropSpec fail_props[] = {
	P("condition", PROP_STRING),
	P("errorMessage", PROP_STRING),
	P_END
};

/* core.execution.Fail: fails its task run (when condition is true, or always). */
const TaskType task_fail = {
	.name = "io.kestra.plugin.core.execution.Fail",
	.aliases = fail_aliases,
	.kind = TASK_INTERNAL,
	.props = fail_props,
	.run = fail_run,
};
