/*-------------------------------------------------------------------------
 *
 * worker_share.c
 *	  How the worker shares its in-flight slots (flowpg.max_in_flight)
 *	  among namespaces: which namespace gets how many of the due sends of a
 *	  survey, and which namespace gives slots back.  Only arithmetic: the
 *	  survey (worker_steps.c) reads the counts and carries the decision out.
 *
 * The rule, with N the namespaces that have sends in flight or due, and
 * a fair share of max(1, slots / N) slots each:
 *
 *	1. every namespace below its share gets due sends up to its share,
 *	   one at a time round the namespaces, while slots are free;
 *	2. if slots ran out before every namespace below its share got what it
 *	   waits for, namespaces above their share give slots back (their
 *	   youngest sends among those in flight for WORKER_GIVE_BACK_AFTER_MS
 *	   or more, can_give: a request about to be answered is left alone;
 *	   the most above first, never below their share), and those slots go
 *	   round the namespaces still waiting;
 *	3. slots still free go round every namespace with due sends left,
 *	   whatever its share: the worker never leaves a slot idle while a
 *	   send waits (work-conserving), so one namespace alone uses them all.
 *
 * A namespace can thus hold more than its share only while no other waits,
 * and gives the excess back as soon as one does, instead of keeping it for
 * as long as its requests take (an hour, for a server that never answers).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "worker_internal.h"

/* How many namespaces count for the fair share: those with sends in flight or due. */
static int
active_namespaces(const WorkerShare *ns, int n)
{
	int			active = 0;
	int			i;

	for (i = 0; i < n; i++)
		if (ns[i].in_flight > 0 || ns[i].due > 0)
			active++;
	return active;
}

/*
 * Give free slots round the namespaces, one at a time, each up to its
 * want(i) = cap[i] - claim; returns the slots left.  Each round gives at
 * least one slot or ends the loop, so it runs at most free + 1 rounds.
 */
static int
give_round(WorkerShare *ns, int n, const int *cap, int free_slots)
{
	while (free_slots > 0)
	{
		bool		gave = false;
		int			i;

		for (i = 0; i < n && free_slots > 0; i++)
		{
			if (ns[i].claim < cap[i])
			{
				ns[i].claim++;
				free_slots--;
				gave = true;
			}
		}
		if (!gave)
			break;
	}
	return free_slots;
}

/*
 * Decide a survey's share (see the file header): fill in claim (due sends
 * to claim) and give_back (sends in flight to abort and queue again) of
 * each of the n namespaces, from their in_flight and due, with slots in
 * all and free_slots free.  Returns the fair share.
 */
int
worker_share(WorkerShare *ns, int n, int slots, int free_slots)
{
	int		   *cap;
	int			active;
	int			share;
	int			unmet = 0;
	int			i;

	for (i = 0; i < n; i++)
	{
		ns[i].claim = 0;
		ns[i].give_back = 0;
	}
	active = active_namespaces(ns, n);
	if (active == 0)
		return Max(slots, 1);
	share = Max(1, slots / active);
	cap = palloc(sizeof(int) * Max(n, 1));

	/* 1: up to the fair share */
	for (i = 0; i < n; i++)
		cap[i] = Min(ns[i].due, Max(0, share - ns[i].in_flight));
	free_slots = give_round(ns, n, cap, Max(free_slots, 0));

	/* 2: slots given back by the namespaces above their share */
	for (i = 0; i < n; i++)
		unmet += cap[i] - ns[i].claim;
	while (unmet > 0)
	{
		int			most = -1;
		int			most_excess = 0;

		for (i = 0; i < n; i++)
		{
			int			excess = Min(ns[i].in_flight - share, ns[i].can_give) - ns[i].give_back;

			if (excess > most_excess)
			{
				most = i;
				most_excess = excess;
			}
		}
		if (most < 0)
			break;
		ns[most].give_back++;
		unmet--;
		free_slots += give_round(ns, n, cap, 1);
	}

	/* 3: what is still free, to anyone with sends due */
	for (i = 0; i < n; i++)
		cap[i] = ns[i].due;
	(void) give_round(ns, n, cap, free_slots);
	pfree(cap);
	return share;
}
