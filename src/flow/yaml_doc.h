/*-------------------------------------------------------------------------
 *
 * yaml_doc.h
 *	  Parsing a YAML document into an FpValue tree with line and column.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLOWPG_YAML_DOC_H
#define FLOWPG_YAML_DOC_H

#include "nodes/pg_list.h"
#include "value.h"

/* The document's root value, or NULL after appending a syntax FlowProblem. */
extern FpValue *yaml_parse(const char *src, int len, List **problems);

#endif							/* FLOWPG_YAML_DOC_H */
