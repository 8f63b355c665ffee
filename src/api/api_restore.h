/*-------------------------------------------------------------------------
 *
 * api_restore.h
 *	  A restore into a cluster that lacks some grantee roles: the type of
 *	  flowpg.namespace_grants.grantee, whose input skips a missing role
 *	  with a WARNING, and the hook that does the same for the marker GRANT
 *	  pg_dump writes for each grantee.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLOWPG_API_RESTORE_H
#define FLOWPG_API_RESTORE_H

/* Install the utility hook (from _PG_init). */
extern void restore_init(void);

#endif							/* FLOWPG_API_RESTORE_H */
