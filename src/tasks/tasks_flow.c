/*-------------------------------------------------------------------------
 *
 * tasks_flow.c
 *	  The flowable tasks, which run child tasks: If, Sequential, Parallel,
 *	  and Subflow (which runs another flow as a child execution).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/acl.h"

#include "audit.h"
#include "inputs.h"
#include "security.h"
#include "task_api.h"
#include "tasks.h"

/* If: evaluate the condition once (kept as evaluationResult), then run then or else. */
static FlowState
if_advance(Execution *e, TaskRun *run, char **error)
{
	FpValue    *result = run->outputs ? fp_get(run->outputs, "evaluationResult") : NULL;

	if (result == NULL)
	{
		FpValue    *condition;

		if (!exec_render_prop(e, run, "condition", &condition, error))
			return ST_FAILED;
		result = fp_bool(expr_truthy(condition));
		run->outputs = fp_object(1);
		fp_set(run->outputs, "evaluationResult", result);
		run->dirty = true;
		exec_outputs_changed(e, run);
	}
	return executor_advance_scope(e, run,
								  flow_node_block(run->node, result->u.b ? "then" : "else"),
								  false,
								  flow_node_block(run->node, "errors"),
								  flow_node_block(run->node, "finally"));
}

/* Sequential: its tasks in order, then errors if they failed, then finally. */
static FlowState
sequential_advance(Execution *e, TaskRun *run, char **error)
{
	(void) error;
	return executor_advance_scope(e, run, flow_node_block(run->node, "tasks"), false,
								  flow_node_block(run->node, "errors"),
								  flow_node_block(run->node, "finally"));
}

/* Parallel: all its tasks at once, then errors if one failed, then finally. */
static FlowState
parallel_advance(Execution *e, TaskRun *run, char **error)
{
	(void) error;
	return executor_advance_scope(e, run, flow_node_block(run->node, "tasks"), true,
								  flow_node_block(run->node, "errors"),
								  flow_node_block(run->node, "finally"));
}

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
	.advance = if_advance,
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
	.advance = sequential_advance,
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
	.advance = parallel_advance,
};

/*
 * Switch: render value once (kept in the outputs), then run the case named
 * by it, or defaults when no case matches.
 */
static FlowState
switch_advance(Execution *e, TaskRun *run, char **error)
{
	FpValue    *chosen = run->outputs ? fp_get(run->outputs, "value") : NULL;
	FpValue    *defaults;
	FlowBlock  *block;

	if (chosen == NULL)
	{
		FpValue    *value;

		if (!exec_render_prop(e, run, "value", &value, error))
			return ST_FAILED;
		chosen = fp_cstring(fp_to_text(value));
		run->outputs = fp_object(2);
		fp_set(run->outputs, "value", chosen);
		run->dirty = true;
	}
	block = flow_node_block(run->node, psprintf("cases.%s", chosen->u.str.ptr));
	fp_set(run->outputs, "defaults", fp_bool(block == NULL));
	exec_outputs_changed(e, run);
	if (block == NULL)
	{
		defaults = fp_get(run->node->def, "defaults");
		if (defaults == NULL || defaults->type != FP_ARRAY || defaults->u.arr.count == 0)
		{
			*error = psprintf("no case matches the value \"%s\" and there are no defaults",
							  chosen->u.str.ptr);
			return ST_FAILED;
		}
		block = flow_node_block(run->node, "defaults");
	}
	return executor_advance_scope(e, run, block, false,
								  flow_node_block(run->node, "errors"),
								  flow_node_block(run->node, "finally"));
}

static const char *const switch_aliases[] = {"io.kestra.core.tasks.flows.Switch", NULL};
static const char *const switch_blocks[] = {"defaults", "errors", "finally", NULL};
static const PropSpec switch_props[] = {
	P_REQ("value", PROP_STRING),
	P_REQ("cases", PROP_TASK_MAP),
	P("defaults", PROP_TASKS),
	P("errors", PROP_TASKS),
	P("finally", PROP_TASKS),
	P_END
};

/* core.flow.Switch: runs the tasks of the case its value names. */
const TaskType task_switch = {
	.name = "io.kestra.plugin.core.flow.Switch",
	.aliases = switch_aliases,
	.kind = TASK_FLOWABLE,
	.props = switch_props,
	.child_blocks = switch_blocks,
	.task_map = "cases",
	.advance = switch_advance,
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
	P("inheritLabels", PROP_BOOL),
	P("outputs", PROP_MAP),		/* deprecated: rendered in the child's context */
	P_END
};

/* A boolean property rendered, dflt when absent. */
static bool
rendered_bool(Execution *e, TaskRun *run, const char *prop, bool dflt, char **error, bool *ok)
{
	FpValue    *v;

	*ok = exec_render_prop(e, run, prop, &v, error);
	if (!*ok || v == NULL)
		return dflt;
	return expr_truthy(v);
}

/*
 * The labels a Subflow gives its child, on top of the child flow's own:
 * its rendered `labels`; with inheritLabels also the parent execution's
 * labels (not its system. ones, which the child gets its own of), each
 * unless the child flow sets that key itself (the child's own labels beat
 * inherited ones, as in Kestra).  NULL with *error when inheritLabels does
 * not render.
 */
static FpValue *
subflow_labels(Execution *e, TaskRun *run, CompiledFlow *child_flow, FpValue *labels,
			   char **error)
{
	FpValue    *given = flow_labels_to_map(labels);
	FpValue    *result;
	bool		ok;
	int			i;

	if (!rendered_bool(e, run, "inheritLabels", false, error, &ok))
		return ok ? given : NULL;
	result = fp_object(e->labels->u.obj.count + given->u.obj.count);
	for (i = 0; i < e->labels->u.obj.count; i++)
	{
		const char *key = e->labels->u.obj.pairs[i].key;

		if (strncmp(key, "system.", 7) != 0 && fp_get(child_flow->labels, key) == NULL)
			fp_set(result, key, e->labels->u.obj.pairs[i].value);
	}
	for (i = 0; i < given->u.obj.count; i++)
		fp_set(result, given->u.obj.pairs[i].key, given->u.obj.pairs[i].value);
	return result;
}

/* Start the child execution of a Subflow task run; NULL with *error when it cannot start. */
static Execution *
subflow_start(Execution *e, TaskRun *run, char **error)
{
	FpValue    *ns,
			   *flow_id,
			   *revision,
			   *inputs,
			   *labels,
			   *trigger;
	CompiledFlow *flow;
	FpValue    *values;
	List	   *errors = NIL;
	FpValue    *label_map;

	if (!exec_render_prop(e, run, "namespace", &ns, error) ||
		!exec_render_prop(e, run, "flowId", &flow_id, error) ||
		!exec_render_prop(e, run, "revision", &revision, error) ||
		!exec_render_prop(e, run, "inputs", &inputs, error) ||
		!exec_render_prop(e, run, "labels", &labels, error))
		return NULL;
	if (e->depth + 1 >= MAX_SUBFLOW_DEPTH)
	{
		*error = psprintf("subflows are nested more than %d levels deep", MAX_SUBFLOW_DEPTH);
		return NULL;
	}
	/*
	 * A flow starts subflows on behalf of the role that deployed it, which
	 * must hold EXECUTE where the subflow lives (whoever started the parent).
	 */
	{
		Oid			deployer = get_role_oid(e->flow->deployer, true);

		if (!OidIsValid(deployer) ||
			!sec_role_has_permission(deployer, fp_to_text(ns), PERM_EXECUTE))
		{
			*error = psprintf("role \"%s\", which deployed revision %d of flow \"%s\", may not start executions in namespace \"%s\": it needs the EXECUTE permission there",
							  e->flow->deployer, e->flow->revision, e->flow->id, fp_to_text(ns));
			return NULL;
		}
	}
	if (revision && revision->type == FP_INT)
		flow = flow_model_get(fp_to_text(ns), fp_to_text(flow_id), (int32) revision->u.i);
	else
		flow = flow_model_latest(fp_to_text(ns), fp_to_text(flow_id));
	if (flow == NULL)
	{
		*error = psprintf(flow_model_deleted(fp_to_text(ns), fp_to_text(flow_id)) ?
						  "flow \"%s\" in namespace \"%s\" was deleted" :
						  "flow \"%s\" does not exist in namespace \"%s\"",
						  fp_to_text(flow_id), fp_to_text(ns));
		return NULL;
	}
	if (flow->disabled)
	{
		*error = psprintf("flow \"%s\" in namespace \"%s\" is disabled", flow->id, flow->namespace);
		return NULL;
	}
	values = inputs_validate(flow->inputs, inputs ? inputs : fp_object(0), &errors);
	if (values == NULL)
	{
		*error = psprintf("invalid inputs for subflow %s.%s: %s", flow->namespace, flow->id,
						  (char *) linitial(errors));
		return NULL;
	}
	label_map = subflow_labels(e, run, flow, labels, error);
	if (label_map == NULL)
		return NULL;
	trigger = fp_object(4);
	fp_set(trigger, "type", fp_cstring(task_subflow.name));
	fp_set(trigger, "executionId", fp_cstring(e->id));
	fp_set(trigger, "namespace", fp_cstring(e->namespace));
	fp_set(trigger, "flowId", fp_cstring(e->flow_id));
	return executor_start(flow, values, label_map, e->actor, e, trigger);
}

/* The child execution of a running Subflow task run, from memory or loaded. */
static Execution *
subflow_child(Execution *e, const char *child_id)
{
	ListCell   *lc;
	Execution  *child;

	foreach(lc, e->children)
	{
		child = lfirst(lc);
		if (strcmp(child->id, child_id) == 0)
			return child;
	}
	child = exec_load(child_id);
	if (child)
		e->children = lappend(e->children, child);
	return child;
}

/*
 * Subflow: start the child, then (with wait) follow it until it ends.  A
 * failed, killed or cancelled child fails the task when transmitFailed.
 */
static FlowState
subflow_advance(Execution *e, TaskRun *run, char **error)
{
	const char *child_id = run->outputs ? fp_get_str(run->outputs, "executionId") : NULL;
	Execution  *child;
	bool		ok;
	bool		wait;
	bool		transmit;

	wait = rendered_bool(e, run, "wait", true, error, &ok);
	if (!ok)
		return ST_FAILED;
	transmit = rendered_bool(e, run, "transmitFailed", true, error, &ok);
	if (!ok)
		return ST_FAILED;

	if (child_id == NULL)
	{
		child = subflow_start(e, run, error);
		if (child == NULL)
			return ST_FAILED;
		run->outputs = fp_object(3);
		fp_set(run->outputs, "executionId", fp_cstring(child->id));
		run->dirty = true;
		exec_outputs_changed(e, run);
		if (!wait)
			return ST_SUCCESS;
	}
	else
	{
		child = subflow_child(e, child_id);
		if (child == NULL)
		{
			*error = psprintf("subflow execution %s no longer exists", child_id);
			return ST_FAILED;
		}
	}
	if (!state_is_terminal(child->state))
		return ST_RUNNING;

	fp_set(run->outputs, "state", fp_cstring(state_name(child->state)));
	/*
	 * The child's outputs as the child stores them: masked with everything
	 * secret in the child (its secrets and SECRET inputs), or a transform in
	 * the parent (| upper) would reveal what the child's namespace keeps.
	 */
	if (fp_get(run->node->def, "outputs"))
	{
		/* the deprecated Subflow outputs: rendered in the child's context, as Kestra does */
		FpValue    *rendered;

		if (!exec_render_value(child, NULL, fp_get(run->node->def, "outputs"), &rendered, error))
		{
			*error = psprintf("outputs of subflow execution %s: %s", child->id, *error);
			return ST_FAILED;
		}
		fp_set(run->outputs, "outputs", exec_mask_value(child, rendered));
	}
	else if (child->outputs)
		fp_set(run->outputs, "outputs", exec_mask_value(child, child->outputs));
	run->dirty = true;
	exec_outputs_changed(e, run);
	if (child->state == ST_SUCCESS || child->state == ST_WARNING)
		return child->state;
	if (!transmit)
		return ST_SUCCESS;
	*error = psprintf("subflow execution %s ended %s", child->id, state_name(child->state));
	return ST_FAILED;
}

/* Kill the unfinished subflow execution started by a Subflow task run. */
static void
subflow_kill(Execution *e, TaskRun *run)
{
	const char *child_id = run->outputs ? fp_get_str(run->outputs, "executionId") : NULL;
	Execution  *child;
	FpValue    *detail;

	if (child_id == NULL)
		return;
	child = exec_load(child_id);
	if (child == NULL || state_is_terminal(child->state) || child->state == ST_KILLING)
		return;
	child->actor = e->actor;
	child->parent = e;
	executor_kill(child);
	e->children = lappend(e->children, child);
	/* every kill has its audit row (SPEC section 6), this one saying whose end it follows */
	detail = fp_object(1);
	fp_set(detail, "parent", fp_cstring(e->id));
	audit_write_as(e->actor, "kill", child->namespace, child->flow_id, child->id, NULL, detail);
}

/* core.flow.Subflow: starts another flow as a child execution, and by default waits for it. */
const TaskType task_subflow = {
	.name = "io.kestra.plugin.core.flow.Subflow",
	.aliases = subflow_aliases,
	.kind = TASK_FLOWABLE,
	.props = subflow_props,
	.advance = subflow_advance,
	.kill = subflow_kill,
};
