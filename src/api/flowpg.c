/*-------------------------------------------------------------------------
 *
 * flowpg.c
 *	  Module magic and _PG_init: each part of flowpg initialises itself.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"

#include "api_restore.h"
#include "flowpg.h"
#include "notify_relay.h"
#include "security.h"
#include "trigger_flow.h"
#include "wake.h"
#include "worker.h"
#include "worker_status.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/* Load-time setup: settings first, then the worker (only under shared_preload_libraries). */
void
_PG_init(void)
{
	guc_init();
	wake_init();
	notify_relay_init();
	sec_init();
	restore_init();
	trigger_flow_init();
	worker_init();
	worker_status_init();
}
