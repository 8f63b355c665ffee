/*-------------------------------------------------------------------------
 *
 * notify_relay.h
 *	  NOTIFY flowpg for committed state changes, relayed by the background
 *	  worker so that ordinary transactions do not serialise on NOTIFY.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLOWPG_NOTIFY_RELAY_H
#define FLOWPG_NOTIFY_RELAY_H

/* Shared memory hooks (from _PG_init; only when preloaded). */
extern void notify_relay_init(void);

/*
 * Queue a NOTIFY flowpg payload: sent if and only if the current
 * transaction (and every subtransaction around this call) commits.
 */
extern void notify_relay_send(const char *payload);

/* The worker: relay for database (InvalidOid: stop relaying). */
extern void notify_relay_attach(Oid database);

/* The worker: whether there is anything on the ring (a transaction is then worth starting). */
extern bool notify_relay_waiting(void);

/* The worker, inside a transaction it then commits: NOTIFY what committed transactions queued. */
extern int	notify_relay_flush(void);

#endif							/* FLOWPG_NOTIFY_RELAY_H */
