/*
 * TEMPORARY: stand-ins for modules being written on other branches (expr,
 * datetime, inputs), so that the flow checker builds and its own tests run.
 * Deleted when those branches are merged.
 */
#include "postgres.h"

#include "datetime.h"
#include "expr.h"
#include "inputs.h"
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

bool
dt_parse_duration(const char *s, int64 *usec)
{
	*usec = 0;
	return s[0] == 'P' && s[1] != '\0';
}

bool
dt_zone_offset(const char *zone, int64 usec, int *offset_sec)
{
	(void) usec;
	*offset_sec = 0;
	return strcmp(zone, "UTC") == 0;
}

void
inputs_check_declarations(const FpValue *decls, const char *path, List **problems)
{
	(void) decls;
	(void) path;
	(void) problems;
}
