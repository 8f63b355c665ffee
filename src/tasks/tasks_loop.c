/*-------------------------------------------------------------------------
 *
 * tasks_loop.c
 *	  The loops: ForEach, and the deprecated EachSequential and
 *	  EachParallel mapped onto it.  A loop runs its tasks once per distinct
 *	  value of its list; each iteration's task runs carry the value
 *	  (taskrun.value) and its index (taskrun.iteration), and the executor
 *	  finds them again by parent, task id and value (exec_find_child).
 *
 * The list is rendered again at every step, as Kestra does: a loop keeps
 * no outputs of its own.  Values are text: a string as it is, anything else
 * as JSON; duplicates are dropped (the first one stays), null is an error.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "datetime.h"
#include "expr.h"
#include "problems.h"
#include "task_api.h"
#include "tasks.h"

/* The most values one loop takes (README "Loops"); more fail the loop's task run. */
#define LOOP_MAX_VALUES 10000

/* For sorting value indexes by value text (duplicate detection). */
typedef struct LoopValue
{
	const char *text;
	int			index;
} LoopValue;

/* qsort comparator: by text, then by position (so the first of equal values sorts first). */
static int
loop_value_cmp(const void *a, const void *b)
{
	const LoopValue *x = a;
	const LoopValue *y = b;
	int			c = strcmp(x->text, y->text);

	if (c != 0)
		return c;
	return x->index - y->index;
}

/* "a list", "an integer": a type name with its article, for messages. */
static char *
a_type(FpType t)
{
	const char *name = fp_type_name(t);

	return psprintf("%s %s", strchr("aeiou", name[0]) ? "an" : "a", name);
}

/* One element of a loop's list as its value text, or NULL with *error (null elements). */
static const char *
value_text(const FpValue *item, char **error)
{
	if (item->type == FP_NULL)
	{
		*error = pstrdup("a loop's values must not contain null");
		return NULL;
	}
	if (item->type == FP_STRING)
		return item->u.str.ptr;
	return fp_to_json(item);
}

/*
 * The distinct values of a rendered list (an array, or a string holding a
 * JSON array) as a char * array in list order; *count set.  NULL with
 * *error for anything else.
 */
static const char **
loop_values(const char *prop, FpValue *list, int *count, char **error)
{
	const char **texts;
	LoopValue  *sorted;
	bool	   *dropped;
	int			n;
	int			i;
	int			kept;

	if (list != NULL && list->type == FP_STRING)
	{
		char	   *perr = NULL;
		FpValue    *parsed = fp_parse_json(list->u.str.ptr, list->u.str.len, &perr);

		if (parsed == NULL)
		{
			*error = psprintf("%s must be a list or a JSON list, not the string \"%s\"",
							  prop, list->u.str.ptr);
			return NULL;
		}
		list = parsed;
	}
	if (list == NULL || list->type != FP_ARRAY)
	{
		*error = psprintf("%s must be a list, not %s", prop,
						  list == NULL ? "null" :
						  list->type == FP_OBJECT ? "a map (maps are not supported in values)" :
						  a_type(list->type));
		return NULL;
	}
	n = list->u.arr.count;
	if (n > LOOP_MAX_VALUES)
	{
		*error = psprintf("%s holds %d values, more than the %d a loop takes",
						  prop, n, LOOP_MAX_VALUES);
		return NULL;
	}
	texts = palloc(sizeof(char *) * Max(n, 1));
	sorted = palloc(sizeof(LoopValue) * Max(n, 1));
	dropped = palloc0(sizeof(bool) * Max(n, 1));
	for (i = 0; i < n; i++)
	{
		texts[i] = value_text(list->u.arr.items[i], error);
		if (texts[i] == NULL)
			return NULL;
		sorted[i].text = texts[i];
		sorted[i].index = i;
	}
	qsort(sorted, n, sizeof(LoopValue), loop_value_cmp);
	for (i = 1; i < n; i++)
		if (strcmp(sorted[i].text, sorted[i - 1].text) == 0)
			dropped[sorted[i].index] = true;
	kept = 0;
	for (i = 0; i < n; i++)
		if (!dropped[i])
			texts[kept++] = texts[i];
	*count = kept;
	return texts;
}

/*
 * What a loop's task run remembers while the execution is in memory (a call
 * of flow_resume_bulk takes one execution through many steps): its values,
 * rendered at the first step of the call, and the iterations known to have
 * ended, which later steps need not walk again (an iteration that ended
 * stays ended; a restart loads the execution afresh).
 */
typedef struct LoopState
{
	const char **values;
	int			count;
	FlowState  *ended;			/* per iteration: its end state, or ST_CREATED while not known */
} LoopState;

/* The first enabled task of a block, or NULL: its task run tells whether an iteration began. */
static FlowNode *
first_enabled(FlowBlock *block)
{
	int			i;

	for (i = 0; block && i < block->count; i++)
		if (!block->items[i]->disabled)
			return block->items[i];
	return NULL;
}

/*
 * Run a loop: iterations in list order, at most limit of them unfinished
 * at once (0: no limit), each iteration's tasks one after the other (all
 * at once when parallel).  After a failure no further iteration starts;
 * those begun go on, then errors, then finally.
 */
static FlowState
loop_advance(Execution *e, TaskRun *run, const char *prop, int limit, bool parallel,
			 char **error)
{
	LoopState  *ls = run->type_state;
	const char **values;
	int			count;
	FlowBlock  *tasks = flow_node_block(run->node, "tasks");
	FlowNode   *first = first_enabled(tasks);
	FlowState	result = ST_SUCCESS;
	int			unfinished = 0;
	bool		failed = false;
	int			i;

	if (ls == NULL)
	{
		FpValue    *list;
		int			j;
		/* the memo lives as long as the task run, whatever context this step runs in */
		MemoryContext old = MemoryContextSwitchTo(GetMemoryChunkContext(run));

		if (!exec_render_prop(e, run, prop, &list, error) ||
			(values = loop_values(prop, list, &count, error)) == NULL)
		{
			MemoryContextSwitchTo(old);
			return ST_FAILED;
		}
		ls = palloc(sizeof(LoopState));
		ls->values = values;
		ls->count = count;
		ls->ended = palloc(sizeof(FlowState) * Max(count, 1));
		for (j = 0; j < count; j++)
			ls->ended[j] = ST_CREATED;
		run->type_state = ls;
		MemoryContextSwitchTo(old);
	}
	values = ls->values;
	count = ls->count;

	for (i = 0; first != NULL && i < count; i++)
	{
		FlowState	st;

		if (ls->ended[i] != ST_CREATED)
			st = ls->ended[i];
		else if (exec_find_child(e, first->id, run, values[i], i) == NULL &&
			(failed || (limit > 0 && unfinished >= limit)))
		{
			if (limit == 1)
				break;			/* one at a time: nothing later has begun either */
			continue;
		}
		else
		{
			st = executor_advance_iteration(e, run, tasks, parallel, values[i], i);
			if (e->exiting)
				return e->exit_state;
			if (st != ST_RUNNING)
				ls->ended[i] = st;
		}
		if (st == ST_RUNNING)
			unfinished++;
		else if (st == ST_FAILED)
		{
			failed = true;
			result = ST_FAILED;
		}
		else
			result = state_worst(result, st);
	}
	return executor_advance_handlers(e, run, unfinished > 0 ? ST_RUNNING : result,
									 flow_node_block(run->node, "errors"),
									 flow_node_block(run->node, "finally"));
}

/* An integer property (not a template: Kestra's concurrency limits are static), or dflt. */
static int
static_int(const FpValue *def, const char *prop, int dflt)
{
	FpValue    *v = fp_get(def, prop);

	if (v == NULL || v->type != FP_INT)
		return dflt;
	return (int) Min(Max(v->u.i, 0), LOOP_MAX_VALUES);
}

/* ForEach: concurrencyLimit iterations at a time (1 by default, 0: all), tasks in order. */
static FlowState
foreach_advance(Execution *e, TaskRun *run, char **error)
{
	return loop_advance(e, run, "values", static_int(run->node->def, "concurrencyLimit", 1),
						false, error);
}

/* EachSequential: one iteration at a time, tasks in order. */
static FlowState
each_sequential_advance(Execution *e, TaskRun *run, char **error)
{
	return loop_advance(e, run, "value", 1, false, error);
}

/* EachParallel: concurrent iterations at a time (0, the default: all), each one's tasks at once. */
static FlowState
each_parallel_advance(Execution *e, TaskRun *run, char **error)
{
	return loop_advance(e, run, "value", static_int(run->node->def, "concurrent", 0),
						true, error);
}

/*
 * Deploy-time check of a loop's list: a literal list (or a string that is
 * not a template) must be what loop_values takes, and a YAML list may hold
 * strings, numbers and maps only (as Kestra's).  A template is checked when
 * it renders.
 */
static void
check_values(const FpValue *task, const char *prop, const char *path, List **problems)
{
	FpValue    *v = fp_get(task, prop);
	char	   *ppath = path_key(path, prop);
	int			i;

	if (v == NULL)
		return;					/* required: the property check reports it */
	if (v->type == FP_STRING)
	{
		char	   *error = NULL;
		int			count;

		if (expr_is_template(v->u.str.ptr, v->u.str.len))
			return;
		if (loop_values(prop, v, &count, &error) == NULL)
			problem_add(problems, v, ppath, "%s", error);
		return;
	}
	if (v->type != FP_ARRAY)
	{
		problem_add(problems, v, ppath, "%s must be a list or a JSON list, not %s", prop,
					v->type == FP_OBJECT ? "a map (maps are not supported in values)" :
					a_type(v->type));
		return;
	}
	if (v->u.arr.count > LOOP_MAX_VALUES)
	{
		problem_add(problems, v, ppath, "%s holds %d values, more than the %d a loop takes",
					prop, v->u.arr.count, LOOP_MAX_VALUES);
		return;
	}
	for (i = 0; i < v->u.arr.count; i++)
	{
		FpValue    *item = v->u.arr.items[i];

		if (item->type == FP_NULL)
			problem_add(problems, item, path_index(ppath, i),
						"a loop's values must not contain null");
		else if (item->type == FP_BOOL || item->type == FP_ARRAY)
			problem_add(problems, item, path_index(ppath, i),
						"a loop's values may be strings, numbers or maps, not %s",
						a_type(item->type));
	}
}

/* A concurrency limit, when given, is a literal integer, 0 or more (not a template, as in Kestra). */
static void
check_limit(const FpValue *task, const char *prop, const char *path, List **problems)
{
	FpValue    *v = fp_get(task, prop);

	/* anything else not an integer the property check reports */
	if (v != NULL && v->type == FP_INT && v->u.i < 0)
		problem_add(problems, v, path_key(path, prop), "%s must be 0 (no limit) or more", prop);
	else if (v != NULL && v->type == FP_STRING && expr_is_template(v->u.str.ptr, v->u.str.len))
		problem_add(problems, v, path_key(path, prop),
					"%s must be a literal integer, not an expression", prop);
}

/* ForEach's extra checks: its values and concurrencyLimit. */
static void
foreach_check(const FpValue *task, const char *path, List **problems)
{
	check_values(task, "values", path, problems);
	check_limit(task, "concurrencyLimit", path, problems);
}

/* EachSequential's and EachParallel's extra checks: their value. */
static void
each_check(const FpValue *task, const char *path, List **problems)
{
	check_values(task, "value", path, problems);
	check_limit(task, "concurrent", path, problems);
}

static const char *const loop_blocks[] = {"tasks", "errors", "finally", NULL};

static const PropSpec foreach_props[] = {
	P_REQ("values", PROP_ANY),
	P("concurrencyLimit", PROP_INT),
	P_REQ("tasks", PROP_TASKS),
	P("errors", PROP_TASKS),
	P("finally", PROP_TASKS),
	P_END
};

/* core.flow.ForEach: runs its tasks once per value. */
const TaskType task_foreach = {
	.name = "io.kestra.plugin.core.flow.ForEach",
	.kind = TASK_FLOWABLE,
	.props = foreach_props,
	.check = foreach_check,
	.child_blocks = loop_blocks,
	.advance = foreach_advance,
};

static const char *const each_sequential_aliases[] = {"io.kestra.core.tasks.flows.EachSequential", NULL};
static const PropSpec each_sequential_props[] = {
	P_REQ("value", PROP_ANY),
	P_REQ("tasks", PROP_TASKS),
	P("errors", PROP_TASKS),
	P("finally", PROP_TASKS),
	P_END
};

/* core.flow.EachSequential (deprecated): ForEach with concurrencyLimit 1. */
const TaskType task_each_sequential = {
	.name = "io.kestra.plugin.core.flow.EachSequential",
	.aliases = each_sequential_aliases,
	.kind = TASK_FLOWABLE,
	.props = each_sequential_props,
	.check = each_check,
	.child_blocks = loop_blocks,
	.advance = each_sequential_advance,
};

static const char *const each_parallel_aliases[] = {"io.kestra.core.tasks.flows.EachParallel", NULL};
static const PropSpec each_parallel_props[] = {
	P_REQ("value", PROP_ANY),
	P("concurrent", PROP_INT),
	P_REQ("tasks", PROP_TASKS),
	P("errors", PROP_TASKS),
	P("finally", PROP_TASKS),
	P_END
};

/* core.flow.EachParallel (deprecated): every iteration at once, its tasks in parallel. */
const TaskType task_each_parallel = {
	.name = "io.kestra.plugin.core.flow.EachParallel",
	.aliases = each_parallel_aliases,
	.kind = TASK_FLOWABLE,
	.props = each_parallel_props,
	.check = each_check,
	.child_blocks = loop_blocks,
	.advance = each_parallel_advance,
};

/* WaitFor's checkFrequency defaults, as Kestra's: 100 iterations, one hour, a check a second. */
#define WAITFOR_MAX_ITERATIONS 100
#define WAITFOR_MAX_DURATION (USECS_PER_SEC * 3600)
#define WAITFOR_INTERVAL USECS_PER_SEC

/* A duration field of checkFrequency in microseconds: dflt when absent, -1 when null. */
static int64
frequency_duration(const FpValue *freq, const char *field, int64 dflt)
{
	FpValue    *v = freq ? fp_get(freq, field) : NULL;
	int64		usec;

	if (v == NULL)
		return dflt;
	if (v->type != FP_STRING || !dt_parse_duration(v->u.str.ptr, &usec))
		return -1;
	return usec;
}

/* Set a WaitFor's iterationCount output (the current iteration, 1-based, as Kestra counts). */
static void
set_iteration_count(Execution *e, TaskRun *run, int n)
{
	run->outputs = fp_object(1);
	fp_set(run->outputs, "iterationCount", fp_int(n));
	run->dirty = true;
	exec_outputs_changed(e, run);
}

/*
 * WaitFor: run the tasks, iteration after iteration (their task runs carry
 * the 0-based index as taskrun.iteration; outputs.<waitfor>.iterationCount
 * is the current one, from 1).  After an iteration has succeeded, if the
 * condition still holds and neither maxIterations nor maxDuration is
 * reached, the task run waits (RETRYING, a timer the worker fires after
 * interval, as for a retry) and the next iteration runs then.  A failed
 * iteration fails the WaitFor (errors run); a reached maximum ends it,
 * FAILED when failOnMaxReached, else SUCCESS; a false condition, SUCCESS.
 */
static FlowState
waitfor_advance(Execution *e, TaskRun *run, char **error)
{
	FlowBlock  *tasks = flow_node_block(run->node, "tasks");
	FpValue    *freq = fp_get(run->node->def, "checkFrequency");
	FpValue    *n_v = run->outputs ? fp_get(run->outputs, "iterationCount") : NULL;
	int			n = (n_v && n_v->type == FP_INT) ? (int) n_v->u.i : 0;
	FpValue    *max_v = freq ? fp_get(freq, "maxIterations") : NULL;
	int64		max_iterations = max_v == NULL ? WAITFOR_MAX_ITERATIONS :
		max_v->type == FP_INT ? max_v->u.i : -1;
	int64		max_duration = frequency_duration(freq, "maxDuration", WAITFOR_MAX_DURATION);
	int64		interval = frequency_duration(freq, "interval", WAITFOR_INTERVAL);
	FpValue    *condition;
	FpValue    *fail_v;
	FpValue    *attempt;
	FlowState	st;
	TimestampTz now = GetCurrentTimestamp();
	TimestampTz due;

	if (n == 0)
		set_iteration_count(e, run, n = 1);
	st = executor_advance_iteration(e, run, tasks, false, NULL, n - 1);
	if (e->exiting)
		return e->exit_state;
	if (st == ST_RUNNING)
		return ST_RUNNING;
	if (st == ST_FAILED)
		return executor_advance_handlers(e, run, st, flow_node_block(run->node, "errors"), NULL);

	/* the iteration succeeded: go on while the condition holds and no maximum is reached */
	if (!exec_render_prop(e, run, "condition", &condition, error))
		return ST_FAILED;
	if (!expr_truthy(condition))
		return ST_SUCCESS;
	if ((max_iterations >= 0 && n >= max_iterations) ||
		(max_duration >= 0 && now - run->created_at >= max_duration))
	{
		exec_log(e, run, "WARN", max_iterations >= 0 && n >= max_iterations ?
				 "Max iterations reached" : "Max duration reached");
		if (!exec_render_prop(e, run, "failOnMaxReached", &fail_v, error))
			return ST_FAILED;
		if (fail_v && expr_truthy(fail_v))
		{
			*error = psprintf("the condition still held after %d iterations", n);
			return ST_FAILED;
		}
		return ST_SUCCESS;
	}
	if (!executor_due_time(now, Max(interval, 0), &due))
	{
		*error = pstrdup("checkFrequency.interval is past the last time PostgreSQL can store");
		return ST_FAILED;
	}
	/* wait for the next check: the worker's timer takes it up (executor_retry) */
	set_iteration_count(e, run, n + 1);
	executor_run_state(run, ST_RETRYING);
	/* that check's attempt ended well: it is no failed try */
	attempt = run->attempts->u.arr.items[run->attempts->u.arr.count - 1];
	fp_set(attempt, "state", fp_cstring("SUCCESS"));
	run->due_at = due;
	exec_queue_work(e, run, "retry", due, NULL);
	return ST_RUNNING;
}

/*
 * Deploy-time check of WaitFor: checkFrequency may not lift both limits
 * (maxIterations and maxDuration given as null: a WaitFor that may never
 * end), and its numbers must be positive.
 */
static void
waitfor_check(const FpValue *task, const char *path, List **problems)
{
	FpValue    *freq = fp_get(task, "checkFrequency");
	FpValue    *max_i = freq && freq->type == FP_OBJECT ? fp_get(freq, "maxIterations") : NULL;
	FpValue    *max_d = freq && freq->type == FP_OBJECT ? fp_get(freq, "maxDuration") : NULL;

	FpValue    *interval = freq && freq->type == FP_OBJECT ? fp_get(freq, "interval") : NULL;
	char	   *fpath = path_key(path, "checkFrequency");
	int64		usec;

	if (max_i && max_i->type == FP_NULL && max_d && max_d->type == FP_NULL)
		problem_add(problems, freq, fpath,
					"a WaitFor needs maxIterations or maxDuration: without either it may never end");
	/* Kestra's checkFrequency is no template: its limits are known at deploy */
	if (max_i && max_i->type != FP_NULL && (max_i->type != FP_INT || max_i->u.i < 1))
		problem_add(problems, max_i, path_key(fpath, "maxIterations"),
					"maxIterations must be an integer, 1 or more (or null: no limit)");
	if (max_d && max_d->type != FP_NULL &&
		(max_d->type != FP_STRING || !dt_parse_duration(max_d->u.str.ptr, &usec)))
		problem_add(problems, max_d, path_key(fpath, "maxDuration"),
					"maxDuration must be an ISO-8601 duration such as PT1H (or null: no limit)");
	if (interval && (interval->type != FP_STRING || !dt_parse_duration(interval->u.str.ptr, &usec)))
		problem_add(problems, interval, path_key(fpath, "interval"),
					"interval must be an ISO-8601 duration such as PT1S, not an expression");
}

static const PropSpec frequency_fields[] = {
	P("maxIterations", PROP_ANY),	/* an integer, or null: no limit (checked above) */
	P("maxDuration", PROP_ANY),
	P("interval", PROP_DURATION),
	P_END
};

static const char *const waitfor_blocks[] = {"tasks", "errors", NULL};
static const PropSpec waitfor_props[] = {
	P_REQ("condition", PROP_STRING),
	P_REQ("tasks", PROP_TASKS),
	P("errors", PROP_TASKS),
	P("failOnMaxReached", PROP_BOOL),
	P_OBJECT("checkFrequency", frequency_fields),
	P_END
};

/* core.flow.WaitFor: runs its tasks again while its condition holds. */
const TaskType task_waitfor = {
	.name = "io.kestra.plugin.core.flow.WaitFor",
	.kind = TASK_FLOWABLE,
	.props = waitfor_props,
	.check = waitfor_check,
	.child_blocks = waitfor_blocks,
	.advance = waitfor_advance,
};
