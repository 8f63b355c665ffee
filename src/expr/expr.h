/*-------------------------------------------------------------------------
 *
 * expr.h
 *	  The template language of flows (SPEC section 3): Pebble-style
 *	  templates with {{ expressions }} and {% tags %}, compiled once and
 *	  rendered against a context of FpValues.
 *
 * Compiling never raises for bad templates: it returns NULL and fills an
 * ExprSyntaxError.  Rendering never raises for user errors either (an
 * undefined variable, a bad filter argument, an output too large): it
 * returns NULL and sets *error to a message in the style of SPEC section 3,
 * so that the caller can fail just the task run.  Only out-of-memory and
 * similar server errors are raised.
 *
 * The expression code uses only palloc, StringInfo, psprintf, value.h and
 * datetime.h, plus the hooks in ExprEnv, so that the fuzzer can build it
 * outside the server.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLOWPG_EXPR_H
#define FLOWPG_EXPR_H

#include "value.h"

/* A compiled template; allocated in the memory context current at compile time. */
typedef struct Template Template;

typedef struct ExprSyntaxError
{
	char	   *message;		/* lower case, no final period */
	int			offset;			/* byte offset in the template source */
} ExprSyntaxError;

/*
 * What a render may use besides the context variables.  Hooks left NULL
 * make the corresponding function an error ("secret() is not available
 * here").
 */
typedef struct ExprEnv
{
	FpValue    *vars;			/* object: flow, execution, inputs, outputs, vars,
								 * labels, task, taskrun, trigger, ... */

	/* secret('NAME'): the value, or NULL with *error set */
	char	   *(*secret) (void *arg, const char *name, char **error);
	/* secret('NAME', 'NAMESPACE'): the same, in that namespace (NULL: not available) */
	char	   *(*secret_in) (void *arg, const char *name, const char *namespace, char **error);
	/* kv('KEY'): the value, or NULL with *error set */
	FpValue    *(*kv) (void *arg, const char *key, char **error);
	/* told of every secret value a render used, so the caller can mask it */
	void		(*note_secret) (void *arg, const char *value);
	/* errorLogs(): the execution's ERROR log lines as a list of maps, or NULL with *error */
	FpValue    *(*error_logs) (void *arg, char **error);

	/*
	 * appLink(): the signed token of the pause the rendering task's link is
	 * for (appended as ?token=...), or NULL without *error when there is no
	 * pause in context (the link is then unsigned); NULL with *error on
	 * failure.  NULL hook: links are unsigned (flow_render, schedules).
	 */
	char	   *(*link_token) (void *arg, const FpValue *vars, char **error);
	void	   *arg;

	const char *app_url;		/* appLink(): <app_url>/<appId>/<execution.id>[?token=...] */
	int64		now;			/* now(): microseconds since 1970-01-01 UTC */
	int			max_output;		/* bytes a render may produce; 0 = default (16 MB) */
} ExprEnv;

/* True when src contains "{{", "{%" or "{#" (a comment), that is, it is not plain text. */
extern bool expr_is_template(const char *src, int len);

/* Compile src (len bytes); NULL and *err filled on a syntax error. */
extern Template *expr_compile(const char *src, int len, ExprSyntaxError *err);

/*
 * Render a compiled template.  A template that is exactly one {{ expr }}
 * (surrounding whitespace allowed) yields the expression's value with its
 * JSON type; any other yields a string.  NULL and *error on failure.
 */
extern FpValue *expr_render(Template *t, ExprEnv *env, char **error);

/*
 * Compile every string in a value tree (lists and maps recursively; map keys
 * are not templates), caching each compiled template in its FpValue
 * (u.str.compiled).  On a syntax error returns false, with *err filled and
 * *bad set to the string node that failed.
 */
extern bool expr_compile_value(FpValue *v, ExprSyntaxError *err, FpValue **bad);

/*
 * Render a value tree: strings are rendered as templates (compiled ones from
 * their cache, others compiled on the fly), lists and maps are rendered
 * element by element.  Returns a new tree, or NULL and *error.
 */
extern FpValue *expr_render_value(FpValue *v, ExprEnv *env, char **error);

/* Render a string as text (a convenience over expr_render_value + fp_to_text). */
extern char *expr_render_text(FpValue *v, ExprEnv *env, char **error);

/* The truthiness rule of SPEC section 3 (null counts as false). */
extern bool expr_truthy(const FpValue *v);

#endif							/* FLOWPG_EXPR_H */
