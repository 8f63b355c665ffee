/*-------------------------------------------------------------------------
 *
 * api.h
 *	  Argument helpers shared by the SQL-callable functions (api_*.c), so
 *	  that every function says the same thing about the same mistake.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLOWPG_API_H
#define FLOWPG_API_H

#include "fmgr.h"

#include "value.h"

/* Argument n as text; 22004 "<name> must not be null" when it is NULL. */
extern char *api_text_arg(FunctionCallInfo fcinfo, int n, const char *name);

/* Argument n (jsonb) as an object ({} when NULL); 22023 when it is no object. */
extern FpValue *api_object_arg(FunctionCallInfo fcinfo, int n, const char *name);

#endif							/* FLOWPG_API_H */
