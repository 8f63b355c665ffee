/*-------------------------------------------------------------------------
 *
 * value_jsonb.c
 *	  FpValue <-> jsonb.
 *
 * Integers become jsonb numerics without a fraction; decimals keep a
 * fraction digit, so that a FLOAT 42.0 reads back as a decimal.  On the
 * way in, a numeric with no fraction digits that fits in int64 becomes
 * FP_INT, anything else FP_FLOAT.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/numeric.h"

#include "value_jsonb.h"

static JsonbValue *push_value(JsonbParseState **state, JsonbIteratorToken tok,
							  const FpValue *v);

/* Fill a scalar JsonbValue from a scalar FpValue. */
static void
scalar_to_jsonb(const FpValue *v, JsonbValue *jv)
{
	switch (v->type)
	{
		case FP_NULL:
			jv->type = jbvNull;
			break;
		case FP_BOOL:
			jv->type = jbvBool;
			jv->val.boolean = v->u.b;
			break;
		case FP_INT:
			jv->type = jbvNumeric;
			jv->val.numeric = int64_to_numeric(v->u.i);
			break;
		case FP_FLOAT:
			{
				StringInfoData buf;

				initStringInfo(&buf);
				fp_append_number(&buf, v->u.f);
				if (strcmp(buf.data, "null") == 0)
					jv->type = jbvNull;
				else
				{
					jv->type = jbvNumeric;
					jv->val.numeric = DatumGetNumeric(DirectFunctionCall3(numeric_in,
																		  CStringGetDatum(buf.data),
																		  ObjectIdGetDatum(InvalidOid),
																		  Int32GetDatum(-1)));
				}
				break;
			}
		case FP_STRING:
			jv->type = jbvString;
			jv->val.string.val = v->u.str.ptr;
			jv->val.string.len = v->u.str.len;
			break;
		default:
			elog(ERROR, "not a scalar");
	}
}

/* Push v (recursively) into a jsonb being built; tok says where it goes. */
static JsonbValue *
push_value(JsonbParseState **state, JsonbIteratorToken tok, const FpValue *v)
{
	JsonbValue	jv;
	JsonbValue *res = NULL;
	int			i;

	switch (v->type)
	{
		case FP_ARRAY:
			pushJsonbValue(state, WJB_BEGIN_ARRAY, NULL);
			for (i = 0; i < v->u.arr.count; i++)
				push_value(state, WJB_ELEM, v->u.arr.items[i]);
			res = pushJsonbValue(state, WJB_END_ARRAY, NULL);
			break;
		case FP_OBJECT:
			pushJsonbValue(state, WJB_BEGIN_OBJECT, NULL);
			for (i = 0; i < v->u.obj.count; i++)
			{
				JsonbValue	key;

				key.type = jbvString;
				key.val.string.val = v->u.obj.pairs[i].key;
				key.val.string.len = strlen(v->u.obj.pairs[i].key);
				pushJsonbValue(state, WJB_KEY, &key);
				push_value(state, WJB_VALUE, v->u.obj.pairs[i].value);
			}
			res = pushJsonbValue(state, WJB_END_OBJECT, NULL);
			break;
		default:
			scalar_to_jsonb(v, &jv);
			res = pushJsonbValue(state, tok, &jv);
			break;
	}
	return res;
}

/* v as a jsonb value. */
Jsonb *
fp_to_jsonb(const FpValue *v)
{
	JsonbParseState *state = NULL;
	JsonbValue	scalar;

	if (v->type != FP_ARRAY && v->type != FP_OBJECT)
	{
		/* JsonbValueToJsonb wraps a bare scalar in jsonb's raw-scalar array */
		scalar_to_jsonb(v, &scalar);
		return JsonbValueToJsonb(&scalar);
	}
	return JsonbValueToJsonb(push_value(&state, WJB_DONE, v));
}

/* v as a jsonb Datum. */
Datum
fp_to_jsonb_datum(const FpValue *v)
{
	return JsonbPGetDatum(fp_to_jsonb(v));
}

/* A jsonb numeric as FP_INT when it is integral and fits, else FP_FLOAT. */
static FpValue *
numeric_to_fp(Numeric n)
{
	char	   *text = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(n)));

	if (strpbrk(text, ".eEN") == NULL)
	{
		char	   *end;
		long long	i;

		errno = 0;
		i = strtoll(text, &end, 10);
		if (errno == 0 && *end == '\0')
			return fp_int((int64) i);
	}
	return fp_float(strtod(text, NULL));
}

/* A jsonb scalar as an FpValue. */
static FpValue *
jbv_scalar_to_fp(JsonbValue *jv)
{
	switch (jv->type)
	{
		case jbvNull:
			return fp_null();
		case jbvBool:
			return fp_bool(jv->val.boolean);
		case jbvNumeric:
			return numeric_to_fp(jv->val.numeric);
		case jbvString:
			return fp_string(jv->val.string.val, jv->val.string.len);
		default:
			elog(ERROR, "unexpected jsonb scalar type %d", (int) jv->type);
	}
	return NULL;				/* keep compiler quiet */
}

/* A jsonb value as an FpValue tree (keys in jsonb's stored order). */
FpValue *
fp_from_jsonb(Jsonb *jb)
{
	JsonbIterator *it = JsonbIteratorInit(&jb->root);
	JsonbValue	jv;
	JsonbIteratorToken tok;
	FpValue    *stack[1000];
	char	   *keys[1000];
	int			depth = -1;
	FpValue    *result = NULL;
	bool		raw_scalar = false;

	while ((tok = JsonbIteratorNext(&it, &jv, false)) != WJB_DONE)
	{
		FpValue    *item = NULL;

		switch (tok)
		{
			case WJB_BEGIN_ARRAY:
				if (jv.val.array.rawScalar)
				{
					raw_scalar = true;
					continue;
				}
				item = fp_array(jv.val.array.nElems);
				break;
			case WJB_BEGIN_OBJECT:
				item = fp_object(jv.val.object.nPairs);
				break;
			case WJB_KEY:
				keys[depth] = pnstrdup(jv.val.string.val, jv.val.string.len);
				continue;
			case WJB_VALUE:
			case WJB_ELEM:
				item = jbv_scalar_to_fp(&jv);
				if (raw_scalar && depth < 0)
				{
					result = item;
					continue;
				}
				break;
			case WJB_END_ARRAY:
			case WJB_END_OBJECT:
				if (raw_scalar && depth < 0)
					continue;
				result = stack[depth--];
				continue;
			default:
				continue;
		}
		/* attach item to its container, then descend into it if it is one */
		if (depth >= 0)
		{
			if (stack[depth]->type == FP_ARRAY)
				fp_append(stack[depth], item);
			else
				fp_set_new(stack[depth], keys[depth], item);	/* jsonb keys are unique */
		}
		if (tok == WJB_BEGIN_ARRAY || tok == WJB_BEGIN_OBJECT)
		{
			if (depth + 1 >= (int) lengthof(stack))
				ereport(ERROR,
						(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						 errmsg("JSON value nested too deeply")));
			stack[++depth] = item;
		}
	}
	return result;
}

/* A jsonb Datum as an FpValue tree. */
FpValue *
fp_from_jsonb_datum(Datum d)
{
	return fp_from_jsonb(DatumGetJsonbP(d));
}
