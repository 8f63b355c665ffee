/*-------------------------------------------------------------------------
 *
 * concurrency.h
 *	  Flow-level concurrency at run time: the slots of a flow whose
 *	  revision declares `concurrency: {limit, behavior}`, the queue of its
 *	  QUEUED executions, and what a deploy or a delete does to them.
 *	  Nothing here runs for a flow without concurrency.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLOWPG_CONCURRENCY_H
#define FLOWPG_CONCURRENCY_H

#include "exec.h"

/*
 * Take a slot for e, whose revision declares concurrency, as it starts
 * (restart false; e is CREATED) or is restarted (restart true; e is
 * RESTARTED).  Returns ST_RUNNING when e got a slot; else the state e must
 * take by the flow's behavior: QUEUED (e is queued), CANCELLED or FAILED,
 * with a log line saying why.  A restart that finds no slot under CANCEL or
 * FAIL raises 55000 instead (a restart is asked for; refusing it changes
 * nothing).  Holds the flow's slot row lock until the transaction ends.
 */
extern FlowState concurrency_admit(Execution *e, bool restart);

/*
 * The end of a step on e, whose revision declares concurrency (step.c,
 * after the rows of e and of its subflows are written; states are the
 * states e entered in this step, in order): an execution that held a slot and ended
 * frees it, and the oldest QUEUED executions of the flow start in this
 * transaction while slots are free; one that leaves the queue without
 * starting (a kill) leaves the queue's table too.  Returns whether it
 * started a queued execution: that one's steps may have advanced (from
 * their stored rows) executions this step holds in memory, its parents.
 */
extern bool concurrency_end_step(Execution *e, List *states);

/*
 * A revision of a flow was stored (root, its checked document) or the flow
 * was deleted (root NULL), holding the flow's deploy lock: the flow's limit
 * becomes the new revision's, and QUEUED executions start if it is now
 * higher (or gone); a deleted flow's QUEUED executions are CANCELLED.
 */
extern void concurrency_flow_stored(const char *ns, const char *id, const FpValue *root);

#endif							/* FLOWPG_CONCURRENCY_H */
