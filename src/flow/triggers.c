/*-------------------------------------------------------------------------
 *
 * triggers.c
 *	  Checking the triggers of a flow at deploy time.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "cron.h"
#include "datetime.h"
#include "flowpg.h"
#include "inputs.h"
#include "problems.h"
#include "triggers.h"

#define FLOW_TRIGGER		"io.kestra.plugin.core.trigger.Flow"
#define SCHEDULE_TRIGGER	"io.kestra.plugin.core.trigger.Schedule"

static const char *const state_names[] = {
	"CREATED", "RUNNING", "PAUSED", "RESTARTED", "KILLING", "SUCCESS", "WARNING",
	"FAILED", "KILLED", "CANCELLED", "QUEUED", "RETRYING", "RETRIED", "SKIPPED", NULL
};

/* Whether name is a state of SPEC section 4. */
bool
state_name_is_valid(const char *name)
{
	const char *const *s;

	for (s = state_names; *s; s++)
		if (strcmp(*s, name) == 0)
			return true;
	return false;
}

/* The canonical trigger type for a name or alias, or NULL. */
static const char *
trigger_type(const char *name)
{
	if (strcmp(name, FLOW_TRIGGER) == 0 ||
		strcmp(name, "io.kestra.core.models.triggers.types.Flow") == 0)
		return FLOW_TRIGGER;
	if (strcmp(name, SCHEDULE_TRIGGER) == 0 ||
		strcmp(name, "io.kestra.core.models.triggers.types.Schedule") == 0)
		return SCHEDULE_TRIGGER;
	return NULL;
}

/*
 * Every trigger and condition type name flowpg accepts, in pairs: the full
 * Kestra name, then its older alias.
 */
const char *const trigger_type_names[] = {
	FLOW_TRIGGER, "io.kestra.core.models.triggers.types.Flow",
	SCHEDULE_TRIGGER, "io.kestra.core.models.triggers.types.Schedule",
	"io.kestra.plugin.core.condition.ExecutionStatus",
	"io.kestra.core.models.conditions.types.ExecutionStatusCondition",
	"io.kestra.plugin.core.condition.ExecutionFlow",
	"io.kestra.core.models.conditions.types.ExecutionFlowCondition",
	"io.kestra.plugin.core.condition.ExecutionNamespace",
	"io.kestra.core.models.conditions.types.ExecutionNamespaceCondition",
	NULL
};

/* The full name of a trigger or condition type given by name or alias, or NULL. */
const char *
trigger_canonical_type(const char *name)
{
	int			i;

	for (i = 0; trigger_type_names[i]; i++)
		if (strcmp(trigger_type_names[i], name) == 0)
			return trigger_type_names[i - i % 2];
	return NULL;
}

/* Whether key is one of a NULL-terminated list. */
static bool
key_allowed(const char *const *keys, const char *key)
{
	for (; *keys; keys++)
		if (strcmp(*keys, key) == 0)
			return true;
	return false;
}

/* Report keys of obj that are not in allowed. */
static void
check_keys(const FpValue *obj, const char *const *allowed, const char *path,
		   const char *owner, List **problems)
{
	int			i;

	for (i = 0; i < obj->u.obj.count; i++)
		if (!key_allowed(allowed, obj->u.obj.pairs[i].key))
			problem_add_key(problems, obj, obj->u.obj.pairs[i].key,
							path_key(path, obj->u.obj.pairs[i].key),
							"unknown property \"%s\" of %s", obj->u.obj.pairs[i].key, owner);
}

/* A list of state names (states:, in:, notIn:). */
static void
check_states(const FpValue *v, const char *path, List **problems)
{
	int			i;

	if (v->type != FP_ARRAY || v->u.arr.count == 0)
	{
		problem_add(problems, v, path, "states must be a non-empty list of states");
		return;
	}
	for (i = 0; i < v->u.arr.count; i++)
	{
		FpValue    *s = v->u.arr.items[i];

		if (s->type != FP_STRING || !state_name_is_valid(s->u.str.ptr))
			problem_add(problems, s, path_index(path, i), "unknown state %s", fp_to_json(s));
	}
}

/* A required string property. */
static void
require_string(const FpValue *obj, const char *key, const char *path, const char *owner,
			   List **problems)
{
	FpValue    *v = fp_get(obj, key);

	if (v == NULL)
		problem_add(problems, obj, path, "missing required property \"%s\" of %s", key, owner);
	else if (v->type != FP_STRING)
		problem_add(problems, v, path_key(path, key), "%s must be a string", key);
}

static const char *const where_fields[] = {"FLOW_ID", "NAMESPACE", "STATE", "EXPRESSION", NULL};
static const char *const where_types[] = {
	"EQUAL_TO", "NOT_EQUAL_TO", "IN", "NOT_IN", "IS_TRUE", "IS_FALSE", "IS_NULL", "IS_NOT_NULL",
	"STARTS_WITH", "ENDS_WITH", "REGEX", "CONTAINS", NULL
};

/* Whether name is one of a NULL-terminated list. */
static bool
one_of(const char *const *list, const char *name)
{
	for (; *list; list++)
		if (strcmp(*list, name) == 0)
			return true;
	return false;
}

/*
 * One filter of a where entry: {field, type, value, values}.  IN and
 * NOT_IN take `values` (a list of strings), IS_NULL, IS_NOT_NULL, IS_TRUE
 * and IS_FALSE nothing more (an EXPRESSION always takes its `value`), the
 * others a `value`; a REGEX value must compile; an EXPRESSION value is a
 * template, checked as such.
 */
static void
check_where_filter(const FpValue *f, const char *path, List **problems,
				   TemplateCheckFn check_templates, void *arg)
{
	static const char *const keys[] = {"field", "type", "value", "values", NULL};
	const char *field;
	const char *type;
	FpValue    *value;
	FpValue    *values;
	bool		needs_values;
	bool		needs_value;
	int			i;

	if (f->type != FP_OBJECT)
	{
		problem_add(problems, f, path, "a where filter must be a map with field, type and value");
		return;
	}
	check_keys(f, keys, path, "a where filter", problems);
	require_string(f, "field", path, "a where filter", problems);
	require_string(f, "type", path, "a where filter", problems);
	field = fp_get_str(f, "field");
	type = fp_get_str(f, "type");
	if (field && !one_of(where_fields, field))
	{
		problem_add(problems, fp_get(f, "field"), path_key(path, "field"),
					"unknown where field \"%s\" (supported: FLOW_ID, NAMESPACE, STATE, EXPRESSION)", field);
		field = NULL;
	}
	if (type && !one_of(where_types, type))
	{
		problem_add(problems, fp_get(f, "type"), path_key(path, "type"),
					"unknown where filter type \"%s\" (supported: EQUAL_TO, NOT_EQUAL_TO, IN, NOT_IN, IS_TRUE, IS_FALSE, IS_NULL, IS_NOT_NULL, STARTS_WITH, ENDS_WITH, REGEX, CONTAINS)", type);
		type = NULL;
	}
	if (field == NULL || type == NULL)
		return;
	value = fp_get(f, "value");
	values = fp_get(f, "values");
	needs_values = strcmp(type, "IN") == 0 || strcmp(type, "NOT_IN") == 0;
	needs_value = strcmp(field, "EXPRESSION") == 0 ||
		(!needs_values && strncmp(type, "IS_", 3) != 0);
	if (needs_value && value == NULL)
		problem_add(problems, f, path, "a where filter of field %s and type %s needs a value", field, type);
	else if (value && value->type != FP_STRING)
		problem_add(problems, value, path_key(path, "value"), "value must be a string");
	if (needs_values)
	{
		if (values == NULL || values->type != FP_ARRAY)
			problem_add(problems, values ? values : f, values ? path_key(path, "values") : path,
						"a where filter of type %s needs values, a list of strings", type);
		else
			for (i = 0; i < values->u.arr.count; i++)
				if (values->u.arr.items[i]->type != FP_STRING)
					problem_add(problems, values->u.arr.items[i],
								path_index(path_key(path, "values"), i), "each item of values must be a string");
	}
	if (value == NULL || value->type != FP_STRING)
		return;
	if (strcmp(field, "EXPRESSION") == 0)
		check_templates(value, path_key(path, "value"), arg);
	if (strcmp(type, "REGEX") == 0)
	{
		char	   *error = inputs_regex_problem(value->u.str.ptr);

		if (error)
			problem_add(problems, value, path_key(path, "value"), "invalid regular expression: %s", error);
	}
}

/* where: a list of {id, operand (AND, OR), filters}; ids unique within it. */
static void
check_where(const FpValue *where, const char *path, List **problems,
			TemplateCheckFn check_templates, void *arg)
{
	static const char *const keys[] = {"id", "operand", "filters", NULL};
	int			i;
	int			j;

	if (where->type != FP_ARRAY)
	{
		problem_add(problems, where, path, "where must be a list of {id, filters}");
		return;
	}
	for (i = 0; i < where->u.arr.count; i++)
	{
		FpValue    *w = where->u.arr.items[i];
		char	   *p = path_index(path, i);
		FpValue    *filters;
		const char *id;
		const char *operand;

		if (w->type != FP_OBJECT)
		{
			problem_add(problems, w, p, "each where entry must be a map with id and filters");
			continue;
		}
		check_keys(w, keys, p, "a where entry", problems);
		require_string(w, "id", p, "a where entry", problems);
		id = fp_get_str(w, "id");
		for (j = 0; id && j < i; j++)
		{
			const char *other = fp_get_str(where->u.arr.items[j], "id");

			if (other && strcmp(other, id) == 0)
			{
				problem_add(problems, fp_get(w, "id"), path_key(p, "id"),
							"duplicate where id \"%s\"", id);
				break;
			}
		}
		operand = fp_get_str(w, "operand");
		if (fp_get(w, "operand") &&
			(operand == NULL || (strcmp(operand, "AND") != 0 && strcmp(operand, "OR") != 0)))
			problem_add(problems, fp_get(w, "operand"), path_key(p, "operand"),
						"operand must be AND or OR");
		filters = fp_get(w, "filters");
		if (filters == NULL || filters->type != FP_ARRAY || filters->u.arr.count == 0)
		{
			problem_add(problems, filters ? filters : w, path_key(p, "filters"),
						"a where entry needs a non-empty list of filters");
			continue;
		}
		for (j = 0; j < filters->u.arr.count; j++)
			check_where_filter(filters->u.arr.items[j], path_index(path_key(p, "filters"), j),
							   problems, check_templates, arg);
	}
}

/* preconditions: {id, flows: [{namespace, flowId, states}], where, timeWindow, resetOnSuccess} */
static void
check_preconditions(const FpValue *pre, const char *path, List **problems,
					TemplateCheckFn check_templates, void *arg)
{
	static const char *const keys[] = {"id", "flows", "where", "timeWindow", "resetOnSuccess", NULL};
	static const char *const flow_keys[] = {"namespace", "flowId", "states", NULL};
	static const char *const window_keys[] = {"type", "window", NULL};
	FpValue    *flows;
	FpValue    *where;
	FpValue    *window;
	int			i;

	if (pre->type != FP_OBJECT)
	{
		problem_add(problems, pre, path, "preconditions must be a map");
		return;
	}
	check_keys(pre, keys, path, "preconditions", problems);
	flows = fp_get(pre, "flows");
	if (fp_get(pre, "where"))
		check_where(fp_get(pre, "where"), path_key(path, "where"), problems, check_templates, arg);
	if (fp_get(pre, "resetOnSuccess") && fp_get(pre, "resetOnSuccess")->type != FP_BOOL)
		problem_add(problems, fp_get(pre, "resetOnSuccess"), path_key(path, "resetOnSuccess"),
					"resetOnSuccess must be true or false");
	where = fp_get_array(pre, "where");
	if (flows == NULL ? (where == NULL || where->u.arr.count == 0) :
		(flows->type != FP_ARRAY || flows->u.arr.count == 0))
		problem_add(problems, flows ? flows : pre, path_key(path, "flows"),
					"preconditions need a non-empty list of flows or of where filters");
	else if (flows)
	{
		for (i = 0; i < flows->u.arr.count; i++)
		{
			FpValue    *f = flows->u.arr.items[i];
			char	   *p = path_index(path_key(path, "flows"), i);

			if (f->type != FP_OBJECT)
			{
				problem_add(problems, f, p, "each precondition flow must be a map with namespace and flowId");
				continue;
			}
			check_keys(f, flow_keys, p, "a precondition flow", problems);
			require_string(f, "namespace", p, "a precondition flow", problems);
			require_string(f, "flowId", p, "a precondition flow", problems);
			if (fp_get(f, "states"))
				check_states(fp_get(f, "states"), path_key(p, "states"), problems);
		}
	}
	window = fp_get(pre, "timeWindow");
	if (window)
	{
		FpValue    *w;
		int64		usec;

		if (window->type != FP_OBJECT)
			problem_add(problems, window, path_key(path, "timeWindow"),
						"timeWindow must be a map such as {type: DURATION_WINDOW, window: PT1H}");
		else
		{
			check_keys(window, window_keys, path_key(path, "timeWindow"), "timeWindow", problems);
			w = fp_get(window, "window");
			if (w && (w->type != FP_STRING || !dt_parse_duration(w->u.str.ptr, &usec) || usec <= 0))
				problem_add(problems, w, path_key(path_key(path, "timeWindow"), "window"),
							"window must be a positive ISO-8601 duration");
		}
	}
}

/* The legacy conditions: ExecutionStatus, ExecutionFlow, ExecutionNamespace. */
static void
check_conditions(const FpValue *conds, const char *path, List **problems)
{
	int			i;

	if (conds->type != FP_ARRAY)
	{
		problem_add(problems, conds, path, "conditions must be a list");
		return;
	}
	for (i = 0; i < conds->u.arr.count; i++)
	{
		FpValue    *c = conds->u.arr.items[i];
		char	   *p = path_index(path, i);
		const char *type;

		if (c->type != FP_OBJECT || (type = fp_get_str(c, "type")) == NULL)
		{
			problem_add(problems, c, p, "a condition must be a map with a type");
			continue;
		}
		if (strcmp(type, "io.kestra.plugin.core.condition.ExecutionStatus") == 0 ||
			strcmp(type, "io.kestra.core.models.conditions.types.ExecutionStatusCondition") == 0)
		{
			static const char *const keys[] = {"type", "in", "notIn", NULL};

			check_keys(c, keys, p, "ExecutionStatus", problems);
			if (fp_get(c, "in"))
				check_states(fp_get(c, "in"), path_key(p, "in"), problems);
			if (fp_get(c, "notIn"))
				check_states(fp_get(c, "notIn"), path_key(p, "notIn"), problems);
		}
		else if (strcmp(type, "io.kestra.plugin.core.condition.ExecutionFlow") == 0 ||
				 strcmp(type, "io.kestra.core.models.conditions.types.ExecutionFlowCondition") == 0)
		{
			static const char *const keys[] = {"type", "namespace", "flowId", NULL};

			check_keys(c, keys, p, "ExecutionFlow", problems);
			require_string(c, "namespace", p, "ExecutionFlow", problems);
			require_string(c, "flowId", p, "ExecutionFlow", problems);
		}
		else if (strcmp(type, "io.kestra.plugin.core.condition.ExecutionNamespace") == 0 ||
				 strcmp(type, "io.kestra.core.models.conditions.types.ExecutionNamespaceCondition") == 0)
		{
			static const char *const keys[] = {"type", "namespace", "prefix", NULL};

			check_keys(c, keys, p, "ExecutionNamespace", problems);
			require_string(c, "namespace", p, "ExecutionNamespace", problems);
		}
		else
			problem_add(problems, fp_get(c, "type"), path_key(p, "type"),
						"unknown condition type \"%s\" (supported: io.kestra.plugin.core.condition.ExecutionStatus, "
						"io.kestra.plugin.core.condition.ExecutionFlow, io.kestra.plugin.core.condition.ExecutionNamespace)",
						type);
	}
}

/* Check one Flow trigger. */
static void
check_flow_trigger(const FpValue *t, const char *path, List **problems,
				   TemplateCheckFn check_templates, void *arg)
{
	static const char *const keys[] = {
		"id", "type", "description", "disabled", "inputs", "states", "preconditions", "conditions", NULL
	};
	FpValue    *v;

	check_keys(t, keys, path, "a Flow trigger", problems);
	if ((v = fp_get(t, "states")))
		check_states(v, path_key(path, "states"), problems);
	if ((v = fp_get(t, "preconditions")))
		check_preconditions(v, path_key(path, "preconditions"), problems, check_templates, arg);
	if ((v = fp_get(t, "conditions")))
		check_conditions(v, path_key(path, "conditions"), problems);
	if ((v = fp_get(t, "inputs")))
	{
		if (v->type != FP_OBJECT)
			problem_add(problems, v, path_key(path, "inputs"), "inputs must be a map");
		else
			check_templates(v, path_key(path, "inputs"), arg);
	}
}

/* Check one Schedule trigger. */
static void
check_schedule_trigger(const FpValue *t, const char *path, List **problems,
					   TemplateCheckFn check_templates, void *arg)
{
	static const char *const keys[] = {
		"id", "type", "description", "disabled", "cron", "withSeconds", "timezone", "inputs",
		"recoverMissedSchedules", NULL
	};
	FpValue    *cron = fp_get(t, "cron");
	FpValue    *with_seconds = fp_get(t, "withSeconds");
	FpValue    *v;
	CronSpec	spec;
	char	   *error;

	check_keys(t, keys, path, "a Schedule trigger", problems);
	if (with_seconds && with_seconds->type != FP_BOOL)
		problem_add(problems, with_seconds, path_key(path, "withSeconds"),
					"withSeconds must be true or false");
	if (cron == NULL)
		problem_add(problems, t, path, "missing required property \"cron\" of a Schedule trigger");
	else if (cron->type != FP_STRING)
		problem_add(problems, cron, path_key(path, "cron"), "cron must be a string");
	else if (!cron_parse(cron->u.str.ptr,
						 with_seconds && with_seconds->type == FP_BOOL && with_seconds->u.b,
						 &spec, &error))
		problem_add(problems, cron, path_key(path, "cron"), "invalid cron expression: %s", error);
	else
	{
		/* anyone who may deploy must not make the server start flows every second */
		int64		gap = cron_min_gap(&spec);

		if (gap >= 0 && gap < (int64) flowpg_min_schedule_interval_s * 1000000)
			problem_add(problems, cron, path_key(path, "cron"),
						"cron expression \"%s\" fires as often as every %lld s, more often than flowpg.min_schedule_interval (%d s) allows",
						cron->u.str.ptr, (long long) (gap / 1000000), flowpg_min_schedule_interval_s);
	}

	if ((v = fp_get(t, "timezone")))
	{
		int			offset;

		if (v->type != FP_STRING || !dt_zone_offset(v->u.str.ptr, 0, &offset))
			problem_add(problems, v, path_key(path, "timezone"),
						"unknown time zone %s", fp_to_json(v));
	}
	if ((v = fp_get(t, "recoverMissedSchedules")))
	{
		const char *s = v->type == FP_STRING ? v->u.str.ptr : "";

		if (strcmp(s, "LAST") != 0 && strcmp(s, "ALL") != 0 && strcmp(s, "NONE") != 0)
			problem_add(problems, v, path_key(path, "recoverMissedSchedules"),
						"recoverMissedSchedules must be one of LAST, ALL, NONE");
	}
	if ((v = fp_get(t, "inputs")))
	{
		if (v->type != FP_OBJECT)
			problem_add(problems, v, path_key(path, "inputs"), "inputs must be a map");
		else
			check_templates(v, path_key(path, "inputs"), arg);
	}
}

/* Check a `triggers:` list. */
void
triggers_check(const FpValue *list, const char *path, List **problems,
			   TemplateCheckFn check_templates, void *arg)
{
	List	   *ids = NIL;
	int			i;

	if (list->type != FP_ARRAY)
	{
		problem_add(problems, list, path, "triggers must be a list");
		return;
	}
	for (i = 0; i < list->u.arr.count; i++)
	{
		FpValue    *t = list->u.arr.items[i];
		char	   *p = path_index(path, i);
		const char *id;
		const char *typename;
		const char *type;
		FpValue    *disabled;
		ListCell   *lc;

		if (t->type != FP_OBJECT)
		{
			problem_add(problems, t, p, "a trigger must be a map with id and type");
			continue;
		}
		id = fp_get_str(t, "id");
		if (id == NULL)
			problem_add(problems, t, p, "a trigger needs an id");
		else
		{
			foreach(lc, ids)
				if (strcmp(lfirst(lc), id) == 0)
					problem_add(problems, fp_get(t, "id"), path_key(p, "id"),
								"duplicate trigger id \"%s\"", id);
			ids = lappend(ids, (char *) id);
		}
		disabled = fp_get(t, "disabled");
		if (disabled && disabled->type != FP_BOOL)
			problem_add(problems, disabled, path_key(p, "disabled"), "disabled must be true or false");
		typename = fp_get_str(t, "type");
		if (typename == NULL)
		{
			problem_add(problems, t, p, "a trigger needs a type");
			continue;
		}
		type = trigger_type(typename);
		if (type == NULL)
			problem_add(problems, fp_get(t, "type"), path_key(p, "type"),
						"unknown trigger type \"%s\" (supported: %s, %s)",
						typename, FLOW_TRIGGER, SCHEDULE_TRIGGER);
		else if (strcmp(type, FLOW_TRIGGER) == 0)
			check_flow_trigger(t, p, problems, check_templates, arg);
		else
			check_schedule_trigger(t, p, problems, check_templates, arg);
	}
}
