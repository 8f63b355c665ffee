/*-------------------------------------------------------------------------
 *
 * tasks_dag.c
 *	  core.flow.Dag: tasks with explicit dependencies.  `tasks` is a list of
 *	  {task, dependsOn: [ids]}; a task starts once every task it depends on
 *	  has ended (whatever its end state, as in Kestra), at most `concurrent`
 *	  at a time (0: no limit).  Once one has failed, no further task starts;
 *	  those running end, then errors and finally run.
 *
 * At deploy, an id in dependsOn that names no task of the same Dag, and a
 * cycle of dependencies, are refused; the message names the cycle.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "miscadmin.h"

#include "problems.h"
#include "task_api.h"
#include "tasks.h"

/* What dag_ended() knows of a task: not yet asked, being asked, ended, not ended. */
typedef enum DagMark
{
	DAG_UNKNOWN = 0,
	DAG_ASKING,
	DAG_ENDED,
	DAG_OPEN
} DagMark;

/* The index of the item whose task is id in a Dag's tasks list, or -1. */
static int
dag_index(const FpValue *items, const char *id)
{
	int			i;

	for (i = 0; i < items->u.arr.count; i++)
	{
		FpValue    *task = fp_get_object(items->u.arr.items[i], "task");
		const char *tid = task ? fp_get_str(task, "id") : NULL;

		if (tid && strcmp(tid, id) == 0)
			return i;
	}
	return -1;
}

/* The dependsOn list of item i, or NULL. */
static FpValue *
dag_deps(const FpValue *items, int i)
{
	return fp_get_array(items->u.arr.items[i], "dependsOn");
}

/*
 * Depth-first search for a cycle through item i; colour is 0 (unseen),
 * 1 (on the current path) or 2 (done).  On finding one, appends it to buf
 * as "a -> b -> a" (path holds the indexes on the current path) and
 * returns true.
 */
static bool
dag_find_cycle(const FpValue *items, int i, int *colour, int *path, int depth,
			   StringInfo buf)
{
	FpValue    *deps = dag_deps(items, i);
	int			d;

	check_stack_depth();
	colour[i] = 1;
	path[depth] = i;
	for (d = 0; deps && d < deps->u.arr.count; d++)
	{
		int			j = deps->u.arr.items[d]->type == FP_STRING ?
			dag_index(items, deps->u.arr.items[d]->u.str.ptr) : -1;
		int			k;

		if (j < 0 || colour[j] == 2)
			continue;
		if (colour[j] == 1)
		{
			/* the cycle is the path from j to here, then back to j */
			for (k = 0; path[k] != j; k++)
				;
			for (; k <= depth; k++)
				appendStringInfo(buf, "%s -> ",
								 fp_get_str(fp_get_object(items->u.arr.items[path[k]], "task"), "id"));
			appendStringInfoString(buf, fp_get_str(fp_get_object(items->u.arr.items[j], "task"), "id"));
			return true;
		}
		if (dag_find_cycle(items, j, colour, path, depth + 1, buf))
			return true;
	}
	colour[i] = 2;
	return false;
}

/*
 * Deploy check: every id in dependsOn names a task of this Dag (not one
 * elsewhere in the flow), and the dependencies form no cycle.  The shapes
 * were checked by the flow checker (PROP_DAG_TASKS).
 */
static void
dag_check(const FpValue *task, const char *path, List **problems)
{
	FpValue    *items = fp_get_array(task, "tasks");
	int		   *colour;
	int		   *path_ix;
	bool		unknown = false;
	int			i;
	int			d;
	FpValue    *concurrent = fp_get(task, "concurrent");

	if (concurrent && concurrent->type == FP_INT && concurrent->u.i < 0)
		problem_add(problems, concurrent, path_key(path, "concurrent"),
					"concurrent must be 0 (no limit) or more");
	if (items == NULL || items->u.arr.count == 0)
		return;
	for (i = 0; i < items->u.arr.count; i++)
	{
		FpValue    *deps;
		char	   *item_path = path_index(path_key(path, "tasks"), i);

		if (items->u.arr.items[i]->type != FP_OBJECT ||
			fp_get_object(items->u.arr.items[i], "task") == NULL ||
			fp_get_str(fp_get_object(items->u.arr.items[i], "task"), "id") == NULL)
			return;				/* the checker has said what is wrong */
		deps = dag_deps(items, i);
		for (d = 0; deps && d < deps->u.arr.count; d++)
		{
			FpValue    *dep = deps->u.arr.items[d];

			if (dep->type == FP_STRING && dag_index(items, dep->u.str.ptr) < 0)
			{
				problem_add(problems, dep, path_index(path_key(item_path, "dependsOn"), d),
							"dependsOn names \"%s\", which is not a task of this Dag",
							dep->u.str.ptr);
				unknown = true;
			}
		}
	}
	if (unknown)
		return;
	colour = palloc0(sizeof(int) * items->u.arr.count);
	path_ix = palloc0(sizeof(int) * items->u.arr.count);
	for (i = 0; i < items->u.arr.count; i++)
	{
		StringInfoData buf;

		if (colour[i] != 0)
			continue;
		initStringInfo(&buf);
		if (dag_find_cycle(items, i, colour, path_ix, 0, &buf))
		{
			problem_add(problems, fp_get(task, "tasks"), path_key(path, "tasks"),
						"the Dag's dependencies form a cycle: %s", buf.data);
			return;
		}
	}
}

/*
 * Whether item i counts as ended for the tasks depending on it: its task
 * run has ended, or its task is disabled (it never runs) and everything it
 * depends on has ended, as Kestra lets a chain pass through disabled tasks.
 */
static bool
dag_ended(Execution *e, TaskRun *dag, FlowBlock *block, const FpValue *items, int i, DagMark *mark)
{
	FlowNode   *node = block->items[i];
	FpValue    *deps;
	bool		ended = true;
	int			d;

	if (mark[i] == DAG_ENDED || mark[i] == DAG_OPEN)
		return mark[i] == DAG_ENDED;
	if (mark[i] == DAG_ASKING)
		return false;			/* a cycle: refused at deploy, never trusted */
	mark[i] = DAG_ASKING;
	if (!node->disabled)
	{
		TaskRun    *run = exec_find_child(e, node->id, dag, NULL, -1);

		ended = run != NULL && state_is_terminal(run->state);
	}
	else
	{
		deps = dag_deps(items, i);
		for (d = 0; ended && deps && d < deps->u.arr.count; d++)
		{
			int			j = dag_index(items, deps->u.arr.items[d]->u.str.ptr);

			ended = j >= 0 && dag_ended(e, dag, block, items, j, mark);
		}
	}
	mark[i] = ended ? DAG_ENDED : DAG_OPEN;
	return ended;
}

/* Whether every task item i depends on has ended (dag_ended). */
static bool
dag_ready(Execution *e, TaskRun *dag, FlowBlock *block, const FpValue *items, int i)
{
	FpValue    *deps = dag_deps(items, i);
	DagMark    *mark = palloc0(sizeof(DagMark) * block->count);
	int			d;

	for (d = 0; deps && d < deps->u.arr.count; d++)
	{
		int			j = dag_index(items, deps->u.arr.items[d]->u.str.ptr);

		if (j < 0 || !dag_ended(e, dag, block, items, j, mark))
			return false;
	}
	return true;
}

/*
 * A child's state as its Dag counts it: a Pause that has ended counts as
 * unfinished while its own errors and finally run.
 */
static FlowState
dag_state(Execution *e, TaskRun *child)
{
	if (state_is_terminal(child->state) && child->node->type->ended)
		return child->node->type->ended(e, child);
	return child->state;
}

/* Whether a state counts as a failure in a block. */
static bool
dag_failure(FlowState st)
{
	return st == ST_FAILED || st == ST_KILLED || st == ST_CANCELLED;
}

/* The Dag's `concurrent`, rendered: 0 (no limit) when absent; false + *error when invalid. */
static bool
dag_concurrent(Execution *e, TaskRun *run, int64 *limit, char **error)
{
	FpValue    *v;

	*limit = 0;
	if (!exec_render_prop(e, run, "concurrent", &v, error))
		return false;
	if (v == NULL)
		return true;
	if (v->type == FP_STRING)
	{
		char	   *end;
		long long	n = strtoll(v->u.str.ptr, &end, 10);

		if (end == v->u.str.ptr || *end != '\0')
		{
			*error = psprintf("concurrent must be an integer, not \"%s\"", v->u.str.ptr);
			return false;
		}
		*limit = n;
	}
	else if (v->type == FP_INT)
		*limit = v->u.i;
	else
	{
		*error = psprintf("concurrent must be an integer, not a %s", fp_type_name(v->type));
		return false;
	}
	if (*limit < 0)
	{
		*error = psprintf("concurrent must be 0 (no limit) or more, not " INT64_FORMAT, *limit);
		return false;
	}
	return true;
}

/*
 * Dag: take the started tasks further, then start every task whose
 * dependencies have all ended, within the concurrency limit, and again
 * while that lets more start (internal tasks end at once); once a task has
 * failed nothing more starts.  When nothing runs any more: errors if one
 * failed, then finally.
 */
static FlowState
dag_advance(Execution *e, TaskRun *run, char **error)
{
	FlowBlock  *block = flow_node_block(run->node, "tasks");
	FpValue    *items = fp_get_array(run->node->def, "tasks");
	FlowState	result = ST_SUCCESS;
	bool		waiting = false;
	int64		limit;
	int			pass;
	int			i;

	if (!dag_concurrent(e, run, &limit, error))
		return ST_FAILED;
	if (block == NULL || items == NULL || items->u.arr.count != block->count)
		elog(ERROR, "Dag task \"%s\" is not compiled as its definition says", run->node->id);

	/* what is under way goes on first */
	for (i = 0; i < block->count; i++)
	{
		TaskRun    *child = exec_find_child(e, block->items[i]->id, run, NULL, -1);

		if (child && !state_is_terminal(child->state))
			child = executor_step_task(e, block->items[i], run);
		if (child)
			(void) dag_state(e, child);
		if (e->exiting)
			return e->exit_state;
	}

	/* each pass starts at least one task, or is the last */
	for (pass = 0; pass <= block->count; pass++)
	{
		bool		started = false;
		bool		failed = false;
		int64		open = 0;

		for (i = 0; i < block->count; i++)
		{
			TaskRun    *child = exec_find_child(e, block->items[i]->id, run, NULL, -1);
			FlowState	st;

			if (child == NULL)
				continue;
			st = dag_state(e, child);
			if (!state_is_terminal(st))
				open++;
			else if (dag_failure(st))
				failed = true;
		}
		if (failed)
			break;
		for (i = 0; i < block->count && (limit == 0 || open < limit); i++)
		{
			FlowNode   *node = block->items[i];
			TaskRun    *child;
			FlowState	st;

			if (node->disabled || exec_find_child(e, node->id, run, NULL, -1) != NULL ||
				!dag_ready(e, run, block, items, i))
				continue;
			child = executor_step_task(e, node, run);
			if (e->exiting)
				return e->exit_state;
			started = true;
			st = dag_state(e, child);
			if (e->exiting)
				return e->exit_state;
			if (!state_is_terminal(st))
				open++;
			else if (dag_failure(st))
				break;			/* a failure: nothing more starts */
		}
		if (!started)
			break;
	}

	for (i = 0; i < block->count; i++)
	{
		TaskRun    *child = exec_find_child(e, block->items[i]->id, run, NULL, -1);
		FlowState	st;

		if (child == NULL)
			continue;
		st = dag_state(e, child);
		if (!state_is_terminal(st))
			waiting = true;
		else if (dag_failure(st))
			result = ST_FAILED;
		else
			result = state_worst(result, st);
	}
	return executor_advance_handlers(e, run, waiting ? ST_RUNNING : result,
									 flow_node_block(run->node, "errors"),
									 flow_node_block(run->node, "finally"));
}

static const char *const dag_aliases[] = {"io.kestra.core.tasks.flows.Dag", NULL};
static const char *const dag_blocks[] = {"tasks", "errors", "finally", NULL};
static const PropSpec dag_props[] = {
	P_REQ("tasks", PROP_DAG_TASKS),
	P("concurrent", PROP_INT),
	P("errors", PROP_TASKS),
	P("finally", PROP_TASKS),
	P_END
};

/* core.flow.Dag: runs its tasks in the order their dependsOn gives. */
const TaskType task_dag = {
	.name = "io.kestra.plugin.core.flow.Dag",
	.aliases = dag_aliases,
	.kind = TASK_FLOWABLE,
	.props = dag_props,
	.check = dag_check,
	.child_blocks = dag_blocks,
	.dag_tasks = "tasks",
	.advance = dag_advance,
};
