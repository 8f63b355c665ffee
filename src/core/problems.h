/*-------------------------------------------------------------------------
 *
 * problems.h
 *	  Problems found while checking a flow document: each with the YAML line
 *	  and column of the offending node, a path such as
 *	  tasks[2].onResume[0].type, and a message.
 *
 * Checks collect every problem they find (flow_validate returns them all);
 * flow_deploy raises the first one.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLOWPG_PROBLEMS_H
#define FLOWPG_PROBLEMS_H

#include "nodes/pg_list.h"
#include "value.h"

typedef struct FlowProblem
{
	int			line;			/* 1-based; 0 when unknown */
	int			col;
	char	   *path;			/* "" for the document itself */
	char	   *message;		/* lower case, no final period */
	bool		syntax;			/* a YAML syntax error (42601), not an invalid flow (22023) */
} FlowProblem;

/* Record a problem at node (its line and column are used when it has them). */
extern void problem_add(List **problems, const FpValue *node, const char *path,
						const char *fmt,...) pg_attribute_printf(4, 5);

/* Record a problem at the key of obj called key (for unknown or misplaced keys). */
extern void problem_add_key(List **problems, const FpValue *obj, const char *key,
							const char *path, const char *fmt,...) pg_attribute_printf(5, 6);

/* Record a problem at an explicit position. */
extern void problem_add_at(List **problems, int line, int col, const char *path,
						   const char *fmt,...) pg_attribute_printf(5, 6);

/* path + "." + key, or key alone when path is empty */
extern char *path_key(const char *path, const char *key);

/* path + "[" + index + "]" */
extern char *path_index(const char *path, int index);

/* Raise the first problem as an ERROR: 42601 for syntax, else 22023. */
extern void problems_raise(List *problems, const char *what) pg_attribute_noreturn();

#endif							/* FLOWPG_PROBLEMS_H */
