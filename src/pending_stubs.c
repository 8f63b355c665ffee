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
