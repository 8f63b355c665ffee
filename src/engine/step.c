/*-------------------------------------------------------------------------
 *
 * step.c
 *	  The end of a step on an execution, in one place.
 *
 * A step (flow_start, flow_resume, flow_kill, a worker result, a timer, a
 * schedule or a Flow trigger) changes an execution in memory under its row
 * lock; exec_end_step() then does, in this order:
 *
 *	1. write the execution's rows (exec_save: storage only);
 *	2. ask for the worker to be woken at commit, if work rows were queued
 *	   or deleted (a rollback wakes nothing); deleted rows make it abort
 *	   the sends it has in flight for them; warn when a send was queued
 *	   that no worker will send (worker_status.c);
 *	3. queue one NOTIFY flowpg with the execution's id, when its state
 *	   changed (sent at commit);
 *	4. the same, 1 to 5, for each subflow started or loaded in this step;
 *	   then, once all of them are written, for each one of a flow with
 *	   concurrency: free the slot of an execution that ended and start the
 *	   queued executions it lets in (concurrency.c);
 *	5. start the executions of flows whose Flow triggers listen for those
 *	   state changes, in this transaction;
 *	6. when the execution is a subflow that just ended and its parent is
 *	   not in memory, lock and load the parent, advance it, and end its
 *	   step too.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "concurrency.h"
#include "executor.h"
#include "notify_relay.h"
#include "step.h"
#include "trigger_flow.h"
#include "wake.h"
#include "worker_status.h"

/*
 * Queue the NOTIFY of a step that changed e's state (sent when the
 * transaction commits).  Every role may LISTEN, so the payload is only
 * {"execution_id": ...}: nothing that row security on flowpg.executions
 * would hide from a listener, who reads the state (and whether it may see
 * the execution at all) from there.  One per execution and step: a listener
 * reads the current state, not each one the step passed through.
 */
static void
notify_state_change(Execution *e)
{
	FpValue    *payload = fp_object(1);

	fp_set(payload, "execution_id", fp_cstring(e->id));
	notify_relay_send(fp_to_json(payload));
}

/* Whether e queued a send (a work row with a request: HTTP, webhook or mail). */
static bool
queues_send(const Execution *e)
{
	ListCell   *lc;

	foreach(lc, e->work)
	{
		PendingWork *w = lfirst(lc);

		if (w->detail && fp_get(w->detail, "request"))
			return true;
	}
	return false;
}

/* An execution of a flow with concurrency whose step ended, and the states it entered. */
typedef struct SlotEnd
{
	Execution  *e;
	List	   *states;
} SlotEnd;

/*
 * Steps 1 to 5 for e and the subflows it touched; the executions of flows
 * with concurrency are appended to *slot_ends for end_slots().
 */
static void
end_step_tree(Execution *e, List **slot_ends)
{
	List	   *states = e->notify_states;
	bool		queued = e->work != NIL;
	bool		voided = e->work_cancel != NIL;
	bool		sends = queues_send(e);
	ListCell   *lc;

	exec_save(e);
	/* the worker wakes when this transaction commits, not before: a rollback sends nothing */
	if (queued)
		wake_worker_at_commit();
	/* work rows deleted (a kill, a resume, a restart): sends in flight for them are aborted */
	if (voided)
		wake_worker_work_gone_at_commit();
	/* a send that no worker will send says so */
	if (sends)
		worker_status_check_served();
	if (states != NIL)
		notify_state_change(e);
	e->notify_states = NIL;

	foreach(lc, e->children)
		end_step_tree(lfirst(lc), slot_ends);
	/* a flow with concurrency: its slots are seen to once the whole tree is written */
	if (e->flow->concurrency.limit > 0)
	{
		SlotEnd    *end = palloc(sizeof(SlotEnd));

		end->e = e;
		end->states = states;
		*slot_ends = lappend(*slot_ends, end);
	}
	/* flows listening for these state changes start in this transaction too */
	foreach(lc, states)
		trigger_flow_fire(e, (FlowState) lfirst_int(lc));
}

/*
 * For each execution of slot_ends (a step's tree, every row of it written):
 * an end frees a slot, and queued executions start now (concurrency.c).
 * After the whole tree, since a queued execution that starts may be a
 * subflow of this very step (a sibling of the one that frees the slot).
 * Returns whether a queued execution started.
 */
static bool
end_slots(List *slot_ends)
{
	bool		started = false;
	ListCell   *lc;

	foreach(lc, slot_ends)
	{
		SlotEnd    *end = lfirst(lc);

		if (concurrency_end_step(end->e, end->states))
			started = true;
	}
	return started;
}

/* Step 6: a subflow that ended advances its parent, unless the parent is this step's. */
static void
advance_parent(Execution *e)
{
	Execution  *parent;
	List	   *slot_ends = NIL;

	if (e->parent_id == NULL || e->parent != NULL || !state_is_terminal(e->state))
		return;
	parent = exec_load(e->parent_id);
	if (parent == NULL)
		return;
	parent->actor = e->actor;
	parent->children = list_make1(e);
	e->parent = parent;
	executor_advance(parent);
	end_step_tree(parent, &slot_ends);
	end_slots(slot_ends);
	parent->children = NIL;
	advance_parent(parent);
}

/* End the step on e (see step.h). */
void
exec_end_step(Execution *e)
{
	List	   *slot_ends = NIL;
	bool		started;

	end_step_tree(e, &slot_ends);
	started = end_slots(slot_ends);
	advance_parent(e);
	/*
	 * A queued subflow of e that started and ended in end_slots advanced e
	 * from its stored row (e's were all written): what the caller reports
	 * of e is read back.
	 */
	if (started && !state_is_terminal(e->state))
		exec_reread_state(e);
}
