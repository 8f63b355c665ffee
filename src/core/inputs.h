/*-------------------------------------------------------------------------
 *
 * inputs.h
 *	  Typed inputs (SPEC section 2.1), shared by flow inputs and the onResume
 *	  inputs of Pause and HumanTask: checking declarations when a flow is
 *	  deployed, and validating values when an execution starts or resumes.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLOWPG_INPUTS_H
#define FLOWPG_INPUTS_H

#include "nodes/pg_list.h"
#include "value.h"

/*
 * Check a list of input declarations (the YAML nodes of `inputs:` or
 * `onResume:`) at deploy time: ids, types, validation keys and their types,
 * `defaults` validated against the input's own type, duplicate ids.
 * Appends FlowProblems (problems.h) for path, e.g. "tasks[1].onResume".
 */
extern void inputs_check_declarations(const FpValue *decls, const char *path, List **problems);

/*
 * Validate values (a JSON object, from the caller) against declarations.
 * Every problem is reported, in declaration order, as a message such as
 *   invalid value for input "approved": expected BOOLEAN, received "yes"
 *   missing required input "approved"
 *   unknown input "aproved"
 * On success returns the typed values with defaults filled in: an object
 * whose dotted ids nest (a.b -> {"a": {"b": ...}}), optional inputs left out
 * without a default present as null (as in Kestra: {{ inputs.x }} renders
 * empty, and ?? moves on to its right side).  On failure returns NULL and sets *errors to a List of
 * char * messages.  Never raises for bad values.
 */
extern FpValue *inputs_validate(const FpValue *decls, const FpValue *values, List **errors);

/* The values that inputs_validate would give for an empty object, ignoring required inputs. */
extern FpValue *inputs_defaults(const FpValue *decls);

/*
 * A copy of validated values with every SECRET-typed input replaced by
 * "******", for storing where users can read.  Returns values itself when
 * the declarations hold no SECRET input.
 */
extern FpValue *inputs_mask_secrets(const FpValue *decls, FpValue *values);

/*
 * values with its keys in the declarations' order (jsonb, where outputs are
 * stored, sorts them); keys no declaration names keep their place after.
 */
extern FpValue *inputs_in_declared_order(const FpValue *decls, FpValue *values);

/* The SECRET-typed values in validated values (a list of strings), for masking. */
extern List *inputs_secret_values(const FpValue *decls, const FpValue *values);

/*
 * Whole-string regular expressions, as a STRING input's validator reads
 * them (Java's String.matches): the problem with a pattern, or NULL when it
 * compiles; whether the whole of s matches (a pattern checked first).
 */
extern char *inputs_regex_problem(const char *pattern);
extern bool inputs_regex_matches(const char *pattern, const char *s);

#endif							/* FLOWPG_INPUTS_H */
