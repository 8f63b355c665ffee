/*-------------------------------------------------------------------------
 *
 * tasks_core.c
 *	  The simple internal tasks: Log, Return, OutputValues and Fail.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "tasks.h"

static const char *const log_levels[] = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", NULL};

static const char *const log_aliases[] = {"io.kestra.core.tasks.log.Log", NULL};
static const PropSpec log_props[] = {
	P_REQ("message", PROP_STRING_OR_LIST),
	P_ENUM("level", log_levels),
	P_END
};

/* core.log.Log: writes its message to flowpg.logs. */
const TaskType task_log = {
	.name = "io.kestra.plugin.core.log.Log",
	.aliases = log_aliases,
	.kind = TASK_INTERNAL,
	.props = log_props,
};

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
};

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
};

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
};
