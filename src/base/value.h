/*-------------------------------------------------------------------------
 *
 * value.h
 *	  FpValue: the in-memory JSON value that flowpg works with.
 *
 * YAML documents, compiled flows, expression results, inputs and task
 * outputs are all FpValue trees.  They are converted to and from jsonb only
 * at the storage boundary (value_jsonb.c), because walking jsonb in C is
 * slow and awkward.  Everything is palloc'd in the current memory context.
 *
 * This file and value.c depend only on palloc, StringInfo and psprintf, so
 * that the expression fuzzer can build them outside the server.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLOWPG_VALUE_H
#define FLOWPG_VALUE_H

#include "lib/stringinfo.h"

typedef enum FpType
{
	FP_NULL,
	FP_BOOL,
	FP_INT,						/* int64 */
	FP_FLOAT,					/* double */
	FP_STRING,					/* UTF-8, not necessarily NUL-free */
	FP_ARRAY,
	FP_OBJECT					/* ordered map: keys keep insertion order */
} FpType;

typedef struct FpValue FpValue;

typedef struct FpPair
{
	char	   *key;			/* NUL-terminated */
	FpValue    *value;
	int			key_line;		/* YAML position of the key, 0 if not from YAML */
	int			key_col;
} FpPair;

struct FpValue
{
	FpType		type;
	int			line;			/* 1-based YAML position, 0 if not from YAML */
	int			col;
	union
	{
		bool		b;
		int64		i;
		double		f;
		struct
		{
			char	   *ptr;	/* NUL-terminated as well */
			int			len;
			char		style;	/* YAML scalar style: 0 plain, '\'', '"', '|' or '>' */
			void	   *compiled;	/* cached compiled template (expr.h) */
		}			str;
		struct
		{
			FpValue   **items;
			int			count;
			int			cap;
		}			arr;
		struct
		{
			FpPair	   *pairs;
			int			count;
			int			cap;
		}			obj;
	}			u;
};

/* constructors */
extern FpValue *fp_null(void);
extern FpValue *fp_bool(bool b);
extern FpValue *fp_int(int64 i);
extern FpValue *fp_float(double f);
extern FpValue *fp_string(const char *s, int len);
extern FpValue *fp_cstring(const char *s);
extern FpValue *fp_array(int cap);
extern FpValue *fp_object(int cap);

/* arrays and objects */
extern void fp_append(FpValue *arr, FpValue *item);
extern void fp_set(FpValue *obj, const char *key, FpValue *value);
extern void fp_set_new(FpValue *obj, const char *key, FpValue *value);
extern void fp_dedupe_keys(FpValue *obj);
extern FpValue *fp_get(const FpValue *obj, const char *key);
extern FpValue *fp_getn(const FpValue *obj, const char *key, int keylen);
extern bool fp_remove(FpValue *obj, const char *key);
extern FpPair *fp_get_pair(const FpValue *obj, const char *key);

/* typed accessors for properties: NULL when absent or of another type */
extern const char *fp_get_str(const FpValue *obj, const char *key);
extern FpValue *fp_get_array(const FpValue *obj, const char *key);
extern FpValue *fp_get_object(const FpValue *obj, const char *key);

/* whole values */
extern FpValue *fp_copy(const FpValue *v);
extern bool fp_equal(const FpValue *a, const FpValue *b);
extern bool fp_is_number(const FpValue *v);
extern double fp_as_double(const FpValue *v);
extern const char *fp_type_name(FpType t);

/* text forms */
extern void fp_append_json(StringInfo buf, const FpValue *v);
extern char *fp_to_json(const FpValue *v);
extern void fp_append_text(StringInfo buf, const FpValue *v);
extern char *fp_to_text(const FpValue *v);
extern void fp_append_number(StringInfo buf, double f);
extern FpValue *fp_parse_json(const char *s, int len, char **error);

#endif							/* FLOWPG_VALUE_H */
