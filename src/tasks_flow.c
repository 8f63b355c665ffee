/*-------------------------------------------------------------------------
 *
 * tasks_flow.c
 *	  The flowable tasks, which run child tasks: If, Sequential, Parallel,
 *	  and Subflow (which runs another flow as a child execution).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "tasks.h"

static const char *const if_aliases[] = {"io.kestra.core.tasks.flows.If", NULL};
static const char *const if_blocks[] = {"then", "else", "errors", "finally", NULL};
static const PropSpec if_props[] = {
	P_REQ("condition", PROP_STRING),
	P_REQ("then", PROP_TASKS),
	P("else", PROP_TASKS),
	P("errors", PROP_TASKS),
	P("finally", PROP_TASKS),
	P_END
};

/* core.flow.If: runs then or else by the truthiness of condition. */
const TaskType task_if = {
	.name = "io.kestra.plugin.core.flow.If",
	.aliases = if_aliases,
	.kind = TASK_FLOWABLE,
	.props = if_props,
	.child_blocks = if_blocks,
};

static const char *const sequential_aliases[] = {"io.kestra.core.tasks.flows.Sequential", NULL};
static const char *const sequential_blocks[] = {"tasks", "errors", "finally", NULL};
static const PropSpec sequential_props[] = {
	P_REQ("tasks", PROP_TASKS),
	P("errors", PROP_TASKS),
	P("finally", PROP_TASKS),
	P_END
};

/* core.flow.Sequential: runs its tasks one after another. */
const TaskType task_sequential = {
	.name = "io.kestra.plugin.core.flow.Sequential",
	.aliases = sequential_aliases,
	.kind = TASK_FLOWABLE,
	.props = sequential_props,
	.child_blocks = sequential_blocks,
};

static const char *const parallel_aliases[] = {"io.kestra.core.tasks.flows.Parallel", NULL};
static const PropSpec parallel_props[] = {
	P_REQ("tasks", PROP_TASKS),
	P("concurrent", PROP_INT),
	P("errors", PROP_TASKS),
	P("finally", PROP_TASKS),
	P_END
};

/* core.flow.Parallel: runs its tasks as siblings; ends when all have ended. */
const TaskType task_parallel = {
	.name = "io.kestra.plugin.core.flow.Parallel",
	.aliases = parallel_aliases,
	.kind = TASK_FLOWABLE,
	.props = parallel_props,
	.child_blocks = sequential_blocks,
};

static const char *const subflow_aliases[] = {
	"io.kestra.core.tasks.flows.Subflow", "io.kestra.core.tasks.flows.Flow", NULL
};
static const PropSpec subflow_props[] = {
	P_REQ("namespace", PROP_STRING),
	P_REQ("flowId", PROP_STRING),
	P("revision", PROP_INT),
	P("inputs", PROP_MAP),
	P("labels", PROP_ANY),
	P("wait", PROP_BOOL),
	P("transmitFailed", PROP_BOOL),
	P_END
};

/* core.flow.Subflow: starts another flow as a child execution, and by default waits for it. */
const TaskType task_subflow = {
	.name = "io.kestra.plugin.core.flow.Subflow",
	.aliases = subflow_aliases,
	.kind = TASK_FLOWABLE,
	.props = subflow_props,
};
