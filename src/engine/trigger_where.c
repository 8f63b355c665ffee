/*-------------------------------------------------------------------------
 *
 * trigger_where.c
 *	  The `where` entries of a Flow trigger's preconditions (Kestra's
 *	  execution filters): whether an upstream execution's change satisfies
 *	  each entry's filters on its flow id, namespace, new state, or an
 *	  expression rendered against it.  The time window that collects the
 *	  entries is trigger_flow.c's.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "inputs.h"
#include "trigger_where.h"

/*
 * What a where filter reads of the upstream change into *value (NULL for
 * none): its flow id, namespace, state, or for EXPRESSION its value
 * rendered against the upstream execution (as the trigger's inputs are,
 * without secret() or kv()).  false with *error when that fails to render.
 */
static bool
where_field(const FpValue *f, Execution *up, FlowState s, char **value, char **error)
{
	const char *field = fp_get_str(f, "field");
	ExprEnv		env;
	FpValue    *out;

	*value = NULL;
	if (strcmp(field, "FLOW_ID") == 0)
		*value = up->flow_id;
	else if (strcmp(field, "NAMESPACE") == 0)
		*value = up->namespace;
	else if (strcmp(field, "STATE") == 0)
		*value = (char *) state_name(s);
	else
	{
		exec_expr_env(up, &env);
		env.secret = NULL;
		env.kv = NULL;
		env.vars = exec_vars(up, NULL);
		out = expr_render_value(fp_get(f, "value"), &env, error);
		if (out == NULL)
			return false;
		if (out->type != FP_NULL)
			*value = fp_to_text(out);
	}
	return true;
}

/* Whether a list of strings (values) holds v. */
static bool
values_hold(const FpValue *values, const char *v)
{
	int			i;

	for (i = 0; v && values && values->type == FP_ARRAY && i < values->u.arr.count; i++)
		if (values->u.arr.items[i]->type == FP_STRING && strcmp(values->u.arr.items[i]->u.str.ptr, v) == 0)
			return true;
	return false;
}

/* Whether the field's value v passes a where filter's type (Kestra's comparisons, on text). */
static bool
where_test(const FpValue *f, const char *v)
{
	const char *type = fp_get_str(f, "type");
	const char *want = fp_get_str(f, "value");
	size_t		vlen = v ? strlen(v) : 0;
	size_t		wlen = want ? strlen(want) : 0;

	if (strcmp(type, "IS_NULL") == 0)
		return v == NULL;
	if (strcmp(type, "IS_NOT_NULL") == 0)
		return v != NULL;
	if (strcmp(type, "IS_TRUE") == 0 || strcmp(type, "IS_FALSE") == 0)
	{
		bool		truthy = v != NULL && expr_truthy(fp_cstring(v));

		return strcmp(type, "IS_TRUE") == 0 ? truthy : !truthy;
	}
	if (strcmp(type, "IN") == 0)
		return values_hold(fp_get(f, "values"), v);
	if (strcmp(type, "NOT_IN") == 0)
		return !values_hold(fp_get(f, "values"), v);
	if (strcmp(type, "NOT_EQUAL_TO") == 0)
		return v == NULL || want == NULL || strcmp(v, want) != 0;
	if (v == NULL || want == NULL)
		return false;
	if (strcmp(type, "EQUAL_TO") == 0)
		return strcmp(v, want) == 0;
	if (strcmp(type, "STARTS_WITH") == 0)
		return strncmp(v, want, wlen) == 0;
	if (strcmp(type, "ENDS_WITH") == 0)
		return vlen >= wlen && strcmp(v + vlen - wlen, want) == 0;
	if (strcmp(type, "CONTAINS") == 0)
		return strstr(v, want) != NULL;
	if (strcmp(type, "REGEX") == 0)
		return inputs_regex_matches(want, v);
	return false;
}

/* The where entries an upstream change satisfies (see trigger_where.h). */
List *
trigger_where_matches(const FpValue *where, bool any_state, Execution *up, FlowState s,
					  List **errors)
{
	List	   *result = NIL;
	int			i;
	int			j;

	if (where == NULL || (!any_state && !state_is_terminal(s)))
		return NIL;
	for (i = 0; i < where->u.arr.count; i++)
	{
		const FpValue *w = where->u.arr.items[i];
		FpValue    *filters = fp_get_array(w, "filters");
		const char *operand = fp_get_str(w, "operand");
		bool		any = operand && strcmp(operand, "OR") == 0;
		bool		holds = !any;

		for (j = 0; filters && j < filters->u.arr.count; j++)
		{
			char	   *v;
			char	   *error = NULL;
			bool		ok;

			if (!where_field(filters->u.arr.items[j], up, s, &v, &error))
			{
				*errors = lappend(*errors, exec_mask(up, psprintf("where entry \"%s\": %s",
																  fp_get_str(w, "id"), error)));
				holds = false;
				break;
			}
			ok = where_test(filters->u.arr.items[j], v);
			if (any ? ok : !ok)
			{
				holds = ok;
				break;
			}
		}
		if (holds)
			result = lappend(result, (char *) fp_get_str(w, "id"));
	}
	return result;
}
