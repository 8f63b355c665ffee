/*
 * TEMPORARY: stand-ins for modules being written on other branches (expr),
 * so that the flow checker builds and its own tests run.
 * Deleted when those branches are merged.
 */
#include "postgres.h"

#include "expr.h"
#include "problems.h"

bool
expr_is_template(const char *src, int len)
{
	int			i;

	for (i = 0; i + 1 < len; i++)
		if (src[i] == '{' && (src[i + 1] == '{' || src[i + 1] == '%'))
			return true;
	return false;
}

Template *
expr_compile(const char *src, int len, ExprSyntaxError *err)
{
	(void) src;
	(void) len;
	(void) err;
	return (Template *) palloc(1);
}

/* expression rendering stand-ins: values render as themselves */
bool
expr_compile_value(FpValue *v, ExprSyntaxError *err, FpValue **bad)
{
	(void) v;
	(void) err;
	(void) bad;
	return true;
}

FpValue *
expr_render_value(FpValue *v, ExprEnv *env, char **error)
{
	(void) env;
	(void) error;
	return fp_copy(v);
}

bool
expr_truthy(const FpValue *v)
{
	switch (v->type)
	{
		case FP_NULL:
			return false;
		case FP_BOOL:
			return v->u.b;
		case FP_STRING:
			return v->u.str.len > 0 && strcmp(v->u.str.ptr, "false") != 0;
		default:
			return true;
	}
}
