/*-------------------------------------------------------------------------
 *
 * audit.h
 *	  Writing rows of flowpg.audit_log (SPEC section 8).
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLOWPG_AUDIT_H
#define FLOWPG_AUDIT_H

#include "value.h"

/*
 * Append one audit row, with the current user as the actor.  Any of the
 * ids may be NULL; detail may be NULL for {}.  Needs a DbScope.
 */
extern void audit_write(const char *action, const char *namespace, const char *flow_id,
						const char *execution_id, const char *task_run_id,
						const FpValue *detail);

/* The same, with an explicit actor (NULL for the system, e.g. a timer). */
extern void audit_write_as(const char *actor, const char *action, const char *namespace,
						   const char *flow_id, const char *execution_id,
						   const char *task_run_id, const FpValue *detail);

#endif							/* FLOWPG_AUDIT_H */
