/*-------------------------------------------------------------------------
 *
 * store.h
 *	  Secrets and the key-value store, looked up through the namespace
 *	  hierarchy: the namespace itself, each parent, then the global
 *	  namespace ''.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLOWPG_STORE_H
#define FLOWPG_STORE_H

#include "value.h"

/* The secret's value, or NULL when no namespace on the way up has it.  Needs a DbScope. */
extern char *store_secret_lookup(const char *namespace, const char *name);

/* The key's value, or NULL when no namespace on the way up has it.  Needs a DbScope. */
extern FpValue *store_kv_lookup(const char *namespace, const char *key);

/* The namespaces to search for namespace: itself, its parents, then "" (a List of char *). */
extern List *store_namespace_chain(const char *namespace);

#endif							/* FLOWPG_STORE_H */
