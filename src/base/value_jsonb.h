/*-------------------------------------------------------------------------
 *
 * value_jsonb.h
 *	  Conversions between FpValue trees and jsonb, at the storage boundary.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLOWPG_VALUE_JSONB_H
#define FLOWPG_VALUE_JSONB_H

#include "utils/jsonb.h"
#include "value.h"

extern Jsonb *fp_to_jsonb(const FpValue *v);
extern Datum fp_to_jsonb_datum(const FpValue *v);
extern FpValue *fp_from_jsonb(Jsonb *jb);
extern FpValue *fp_from_jsonb_datum(Datum d);

#endif							/* FLOWPG_VALUE_JSONB_H */
