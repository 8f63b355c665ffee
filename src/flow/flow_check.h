/*-------------------------------------------------------------------------
 *
 * flow_check.h
 *	  Parsing and checking a flow document (SPEC section 2).
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLOWPG_FLOW_CHECK_H
#define FLOWPG_FLOW_CHECK_H

#include "nodes/pg_list.h"
#include "value.h"

/*
 * Parse source as YAML and check it as a flow, appending every problem
 * found to *problems (FlowProblem, problems.h).  Returns the document's root
 * value when the YAML parsed (even if the flow is invalid), NULL after a
 * YAML syntax error.
 */
extern FpValue *flow_check_source(const char *source, int len, List **problems);

#endif							/* FLOWPG_FLOW_CHECK_H */
