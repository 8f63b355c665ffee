/*-------------------------------------------------------------------------
 *
 * trigger_flow.h
 *	  core.trigger.Flow at run time: flows started when others change state.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLOWPG_TRIGGER_FLOW_H
#define FLOWPG_TRIGGER_FLOW_H

#include "exec.h"

/* Register the listener cache's invalidation callback (from _PG_init). */
extern void trigger_flow_init(void);

/*
 * Replace the stored Flow triggers of a flow with those of its new latest
 * revision (definition NULL: the flow was deleted).  Needs a DbScope.
 */
extern void trigger_flow_store(const char *ns, const char *flow_id, const FpValue *definition);

/*
 * Start and save the executions of the flows listening for `up` reaching
 * state s.  A trigger whose inputs fail to render or validate starts
 * nothing and leaves a trigger_failed audit row.  Needs a DbScope.
 */
extern void trigger_flow_fire(Execution *up, FlowState s);

#endif							/* FLOWPG_TRIGGER_FLOW_H */
