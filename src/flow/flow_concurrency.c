/*-------------------------------------------------------------------------
 *
 * flow_concurrency.c
 *	  Kestra's flow-level `concurrency: {limit, behavior}` as a flow
 *	  document says it: `limit` an integer of at least 1 (required),
 *	  `behavior` one of QUEUE (the default), CANCEL, FAIL, and no other
 *	  key.  Both are literal values, never templates: the limit is read
 *	  before any execution exists to render them for.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "flow_concurrency.h"
#include "problems.h"

static const char *const behavior_names[] = {"QUEUE", "CANCEL", "FAIL"};

/* The behavior called name, or -1. */
static int
behavior_from_name(const char *name)
{
	int			i;

	for (i = 0; i < (int) lengthof(behavior_names); i++)
		if (strcmp(behavior_names[i], name) == 0)
			return i;
	return -1;
}

/* Check a flow's concurrency value (see flow_concurrency.h). */
void
flow_concurrency_check(const FpValue *v, const char *path, List **problems)
{
	const FpValue *limit;
	const FpValue *behavior;
	int			i;

	if (v->type != FP_OBJECT)
	{
		problem_add(problems, v, path, "concurrency must be a map with limit and behavior");
		return;
	}
	for (i = 0; i < v->u.obj.count; i++)
	{
		const char *key = v->u.obj.pairs[i].key;

		if (strcmp(key, "limit") != 0 && strcmp(key, "behavior") != 0)
			problem_add_key(problems, v, key, path_key(path, key),
							"unknown property \"%s\" of concurrency (allowed: limit, behavior)", key);
	}
	limit = fp_get(v, "limit");
	if (limit == NULL)
		problem_add(problems, v, path, "missing required property \"limit\" of concurrency");
	else if (limit->type != FP_INT || limit->u.i < 1 || limit->u.i > PG_INT32_MAX)
		problem_add(problems, limit, path_key(path, "limit"),
					"concurrency limit must be an integer of at least 1, not %s", fp_to_json(limit));
	behavior = fp_get(v, "behavior");
	if (behavior &&
		(behavior->type != FP_STRING || behavior_from_name(behavior->u.str.ptr) < 0))
		problem_add(problems, behavior, path_key(path, "behavior"),
					"concurrency behavior must be one of QUEUE, CANCEL, FAIL, not %s",
					fp_to_json(behavior));
}

/* Read a checked definition's concurrency (see flow_concurrency.h). */
void
flow_concurrency_read(const FpValue *definition, FlowConcurrency *out)
{
	const FpValue *v = fp_get(definition, "concurrency");
	const FpValue *limit = v ? fp_get(v, "limit") : NULL;
	const char *behavior = v ? fp_get_str(v, "behavior") : NULL;

	out->limit = (limit && limit->type == FP_INT) ? (int32) limit->u.i : 0;
	out->behavior = behavior ? (ConcurrencyBehavior) Max(behavior_from_name(behavior), 0)
		: CONCURRENCY_QUEUE;
}

/* The name of a behavior (see flow_concurrency.h). */
const char *
flow_concurrency_behavior_name(ConcurrencyBehavior b)
{
	return behavior_names[b];
}
