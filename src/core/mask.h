/*-------------------------------------------------------------------------
 *
 * mask.h
 *	  Masking secret values in text that flowpg stores: the forms a secret
 *	  takes once it has passed through a template, a JSON document, a URL or
 *	  a header (JSON-escaped, URL-encoded, hex, base64 at any alignment), and
 *	  replacing each with ******, also where the text was cut short.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLOWPG_MASK_H
#define FLOWPG_MASK_H

#include "nodes/pg_list.h"

#define MASK_TEXT "******"

/*
 * The forms of the secrets in values (char *) from index from on, appended
 * to forms and sorted longest first (so that a longer form is replaced
 * whole before a shorter one it contains).
 */
extern List *mask_add_forms(List *forms, List *values, int from);

/*
 * text with every form replaced by ******; also a start of a form (at least
 * MASK_MIN_CUT bytes) before a "..." that marks a cut.  cut says that the
 * text itself was cut short (a response body kept up to a limit): a start
 * of a form at its end is masked too.  Returns text itself when nothing
 * changed.
 */
extern char *mask_text(List *forms, const char *text, bool cut);

/* how much of a secret, cut off, is masked still */
#define MASK_MIN_CUT 4

#endif							/* FLOWPG_MASK_H */
