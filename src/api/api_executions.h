/*-------------------------------------------------------------------------
 *
 * api_executions.h
 *	  What the SQL functions of api_executions.c share with other SQL
 *	  functions: the one implementation of a resume, which flow_resume_link
 *	  (api_links.c) uses so that a decision through a link is exactly
 *	  flow_resume, with its checks, its step and its audit row.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLOWPG_API_EXECUTIONS_H
#define FLOWPG_API_EXECUTIONS_H

#include "exec.h"

/*
 * Called with the locked execution, once the caller is known to be one who
 * may see it and before anything else is checked: raises to refuse.
 */
typedef void (*ResumeHook) (Execution *e, void *arg);

/*
 * flow_resume(id, given, task_id) as the calling role, in the caller's
 * transaction: lock the execution, check (hook first, when given), resume,
 * write the step and an audit row whose detail has "via": via when via is
 * not NULL.  Returns the execution's state afterwards.  Opens its own
 * DbScope; anything it raises changes nothing.
 */
extern char *executions_resume(const char *id, FpValue *given, const char *task_id,
							   ResumeHook hook, void *hook_arg, const char *via);

#endif							/* FLOWPG_API_EXECUTIONS_H */
