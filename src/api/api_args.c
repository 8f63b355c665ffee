/*-------------------------------------------------------------------------
 *
 * api_args.c
 *	  Argument helpers of the SQL-callable functions (api.h).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "api.h"
#include "value_jsonb.h"

/* A text argument that must not be NULL (see api.h). */
char *
api_text_arg(FunctionCallInfo fcinfo, int n, const char *name)
{
	if (PG_ARGISNULL(n))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", name)));
	return text_to_cstring(PG_GETARG_TEXT_PP(n));
}

/* A jsonb object argument as an FpValue (see api.h). */
FpValue *
api_object_arg(FunctionCallInfo fcinfo, int n, const char *name)
{
	FpValue    *v;

	if (PG_ARGISNULL(n))
		return fp_object(0);
	v = fp_from_jsonb(PG_GETARG_JSONB_P(n));
	if (v->type != FP_OBJECT)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a JSON object, not a %s", name, fp_type_name(v->type))));
	return v;
}
