/*-------------------------------------------------------------------------
 *
 * flow_defaults.h
 *	  Kestra's pluginDefaults (and the deprecated taskDefaults): default
 *	  property values given once per type, applied to every map of a flow
 *	  that has that type before the flow is checked or compiled.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLOWPG_FLOW_DEFAULTS_H
#define FLOWPG_FLOW_DEFAULTS_H

#include "nodes/pg_list.h"
#include "value.h"

/*
 * Check the pluginDefaults and taskDefaults lists of a flow document and
 * apply them, in place, to every map that has a type key (tasks at any
 * depth, triggers, conditions), pluginDefaults themselves excepted.  Every
 * problem found in the lists is appended to *problems (NULL: not wanted);
 * entries with a problem are not applied.
 */
extern void flow_apply_defaults(FpValue *root, List **problems);

#endif							/* FLOWPG_FLOW_DEFAULTS_H */
