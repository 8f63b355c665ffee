/*-------------------------------------------------------------------------
 *
 * triggers.h
 *	  Flow triggers (SPEC section 10): core.trigger.Flow, which starts a flow
 *	  when others reach given states, and core.trigger.Schedule (cron).
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLOWPG_TRIGGERS_H
#define FLOWPG_TRIGGERS_H

#include "nodes/pg_list.h"
#include "value.h"

/* Checks the expressions inside a value; supplied by the flow checker. */
typedef void (*TemplateCheckFn) (const FpValue *v, const char *path, void *arg);

/* Deploy-time check of a flow's `triggers:` list; appends FlowProblems. */
extern void triggers_check(const FpValue *list, const char *path, List **problems,
						   TemplateCheckFn check_templates, void *arg);

/* Every trigger and condition type name, in pairs (full name, alias); NULL-terminated. */
extern const char *const trigger_type_names[];

/* The full name of a trigger or condition type given by name or alias, or NULL. */
extern const char *trigger_canonical_type(const char *name);

/* Whether name is one of the states of SPEC section 4. */
extern bool state_name_is_valid(const char *name);

#endif							/* FLOWPG_TRIGGERS_H */
