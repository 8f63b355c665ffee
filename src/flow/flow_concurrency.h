/*-------------------------------------------------------------------------
 *
 * flow_concurrency.h
 *	  A flow's `concurrency: {limit, behavior}` (Kestra's flow-level
 *	  concurrency): checking it at deploy and reading it into a compiled
 *	  flow.  What it does at run time is src/engine/concurrency.c.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLOWPG_FLOW_CONCURRENCY_H
#define FLOWPG_FLOW_CONCURRENCY_H

#include "nodes/pg_list.h"
#include "value.h"

/* What happens to an execution that finds every slot taken (Kestra's default: QUEUE). */
typedef enum ConcurrencyBehavior
{
	CONCURRENCY_QUEUE,
	CONCURRENCY_CANCEL,
	CONCURRENCY_FAIL
} ConcurrencyBehavior;

typedef struct FlowConcurrency
{
	int32		limit;			/* at least 1; 0 when the flow declares no concurrency */
	ConcurrencyBehavior behavior;
} FlowConcurrency;

/* Check a flow's `concurrency` value (at path), appending problems to *problems. */
extern void flow_concurrency_check(const FpValue *v, const char *path, List **problems);

/* Read the `concurrency` of a checked definition (limit 0 when there is none). */
extern void flow_concurrency_read(const FpValue *definition, FlowConcurrency *out);

/* The upper-case name of a behavior (QUEUE, CANCEL, FAIL). */
extern const char *flow_concurrency_behavior_name(ConcurrencyBehavior b);

#endif							/* FLOWPG_FLOW_CONCURRENCY_H */
