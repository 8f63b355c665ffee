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

/*
 * secret('NAME') and kv('KEY') as every expression hook answers them: the
 * value, or NULL with *error "secret "NAME" not found in namespace "NS" or
 * its parents" (kv: "kv key ...").  Needs a DbScope.
 */
extern char *store_expr_secret(const char *namespace, const char *name, char **error);
extern FpValue *store_expr_kv(const char *namespace, const char *key, char **error);

/* The namespaces to search for namespace: itself, its parents, then "" (a List of char *). */
extern List *store_namespace_chain(const char *namespace);

#endif							/* FLOWPG_STORE_H */
