/*-------------------------------------------------------------------------
 *
 * tasks.c
 *	  The registry of task types and the properties common to all tasks.
 *	  Adding a task type: write its TaskType in a tasks_*.c file and add
 *	  one line to task_registry below.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"

#include "tasks.h"

static const TaskType *const task_registry[] = {
	&task_log,
	&task_return,
	&task_output_values,
	&task_fail,
	&task_labels,
	&task_exit,
	&task_kv_set,
	&task_kv_get,
	&task_kv_delete,
	&task_if,
	&task_sequential,
	&task_parallel,
	&task_switch,
	&task_dag,
	&task_foreach,
	&task_each_sequential,
	&task_each_parallel,
	&task_waitfor,
	&task_subflow,
	&task_pause,
	&task_human,
	&task_query,
	&task_http_request,
	&task_slack,
	&task_teams,
	&task_mail,
};

static const char *const retry_types[] = {"constant", "exponential", "random", NULL};
static const char *const retry_behaviors[] = {"RETRY_FAILED_TASK", "CREATE_NEW_EXECUTION", NULL};
/* The log levels, lowest first (see tasks.h). */
const char *const task_log_levels[] = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", NULL};

/*
 * retry: {type, interval, maxAttempts, maxInterval, maxDuration, ...} (SPEC
 * section 5), on a task or the flow; maxAttempt is Kestra's older spelling.
 */
const PropSpec task_retry_fields[] = {
	{.name = "type", .kind = PROP_ENUM, .required = true, .values = retry_types},
	P_ENUM("behavior", retry_behaviors),
	P("interval", PROP_DURATION),
	P("maxAttempts", PROP_INT),
	P("maxAttempt", PROP_INT),
	P("maxInterval", PROP_DURATION),
	P("maxDuration", PROP_DURATION),
	P("delayFactor", PROP_NUMBER),
	P("minInterval", PROP_DURATION),
	P("warningOnRetry", PROP_BOOL),
	P_END
};

/* Keys every task accepts (SPEC section 2), checked before the type's own. */
const PropSpec task_common_props[] = {
	P("id", PROP_STRING),		/* id and type are checked by the flow checker itself */
	P("type", PROP_STRING),
	P("description", PROP_STRING),
	P("disabled", PROP_BOOL),
	P("runIf", PROP_STRING),
	P("timeout", PROP_DURATION),
	P_OBJECT("retry", task_retry_fields),
	P("allowFailure", PROP_BOOL),
	P("allowWarning", PROP_BOOL),
	P_ENUM("logLevel", task_log_levels),
	P_END
};

/* The type called name, by full name or alias. */
const TaskType *
task_type_lookup(const char *name)
{
	int			i;

	for (i = 0; i < (int) lengthof(task_registry); i++)
	{
		const TaskType *t = task_registry[i];
		const char *const *a;

		if (strcmp(t->name, name) == 0)
			return t;
		for (a = t->aliases; a && *a; a++)
			if (strcmp(*a, name) == 0)
				return t;
	}
	return NULL;
}

/* The n-th registered type, for walking the registry (pluginDefaults' type check). */
const TaskType *
task_type_nth(int n)
{
	if (n < 0 || n >= (int) lengthof(task_registry))
		return NULL;
	return task_registry[n];
}

/* Every supported full type name, comma-separated, for "unknown task type" errors. */
char *
task_type_names(void)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	for (i = 0; i < (int) lengthof(task_registry); i++)
	{
		if (i > 0)
			appendStringInfoString(&buf, ", ");
		appendStringInfoString(&buf, task_registry[i]->name);
	}
	return buf.data;
}
