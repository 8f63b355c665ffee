/*-------------------------------------------------------------------------
 *
 * ids.h
 *	  The shapes of names (SPEC section 2): flow ids, namespaces, task ids,
 *	  input ids, secret and kv keys; and random execution / task run ids.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLOWPG_IDS_H
#define FLOWPG_IDS_H

/* ^[a-zA-Z0-9][a-zA-Z0-9._-]*, at most 100 characters */
extern bool id_is_flow_id(const char *s);

/* ^[a-z0-9][a-z0-9._-]*, at most 150 characters */
extern bool id_is_namespace(const char *s);

/* ^[a-zA-Z0-9][a-zA-Z0-9_-]* */
extern bool id_is_task_id(const char *s);

/* ^[a-zA-Z0-9][.a-zA-Z0-9_-]* */
extern bool id_is_input_id(const char *s);

/* ^[a-zA-Z0-9_][a-zA-Z0-9._-]*, at most 255 characters: secret names and kv keys */
extern bool id_is_key(const char *s);

/*
 * Check a namespace given to an SQL function: raise 22023 unless it is a
 * namespace, or '' when allow_global.
 */
extern void id_check_namespace_arg(const char *ns, bool allow_global);

/* A new random 22-character base-62 id (executions and task runs). */
extern char *id_new(void);

#endif							/* FLOWPG_IDS_H */
