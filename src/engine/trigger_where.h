/*-------------------------------------------------------------------------
 *
 * trigger_where.h
 *	  Preconditions `where` of core.trigger.Flow: which entries an upstream
 *	  change satisfies.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLOWPG_TRIGGER_WHERE_H
#define FLOWPG_TRIGGER_WHERE_H

#include "exec.h"

/*
 * The ids (char *) of the entries of where (a list of {id, operand,
 * filters}, as checked at deploy; NULL: none) that the change of up to
 * state s satisfies: all of an entry's filters hold (operand AND, the
 * default) or one does (OR).  Unless any_state (the trigger lists its
 * states), only a change to an end state counts.  An EXPRESSION filter
 * that fails to render fails its entry; its message, masked and naming the
 * entry, is appended to *errors.
 */
extern List *trigger_where_matches(const FpValue *where, bool any_state, Execution *up,
								   FlowState s, List **errors);

#endif							/* FLOWPG_TRIGGER_WHERE_H */
