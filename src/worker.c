/*-------------------------------------------------------------------------
 *
 * worker.c
 *	  The flowpg background worker.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"

#include "flowpg.h"

/* Register the background worker when loaded from shared_preload_libraries. */
void
worker_init(void)
{
	if (!process_shared_preload_libraries_in_progress)
		return;
}
