/*-------------------------------------------------------------------------
 *
 * exec_runs.c
 *	  Finding the task run of a task in an execution: by parent task run,
 *	  task id and ForEach value or WaitFor iteration (the iteration path),
 *	  which is how the executor's walk finds where an execution is.
 *
 * A loop has one task run per task per iteration, so an execution can have
 * thousands; the walk looks each of them up at every step.  Past a few
 * dozen runs, lookups go through a hash of (parent, task, value), built on
 * first use and brought up to date with the runs appended since (runs are
 * only ever appended to Execution.runs; a deleted one stays in the list,
 * marked, and is skipped).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

#include "exec.h"

/* Below this many task runs a scan of the list is as quick as the hash. */
#define RUN_INDEX_MIN 32

/* One hash bucket: the runs whose (parent, task, value) hash to key. */
typedef struct RunIndexEntry
{
	uint64		key;
	List	   *runs;			/* TaskRun *, in creation order */
} RunIndexEntry;

/* The hash of (parent id, task id, value or iteration); NULLs hash apart from any string. */
static uint64
child_key(const char *parent_id, const char *task_id, const char *value, int iteration)
{
	uint64		h = hash_bytes_extended((const unsigned char *) task_id, strlen(task_id), 0);

	h = hash_bytes_extended((const unsigned char *) (parent_id ? parent_id : ""),
							parent_id ? strlen(parent_id) : 0, h ^ (parent_id ? 1 : 2));
	h = hash_bytes_extended((const unsigned char *) (value ? value : ""),
							value ? strlen(value) : 0, h ^ (value ? 3 : 4));
	if (value == NULL)
		h = hash_bytes_extended((const unsigned char *) &iteration, sizeof(iteration), h);
	return h;
}

/* Whether two nullable strings are equal. */
static bool
same(const char *a, const char *b)
{
	return a == NULL ? b == NULL : (b != NULL && strcmp(a, b) == 0);
}

/* Whether r is the live task run of task_id under parent_id with value (or iteration). */
static bool
is_child(const TaskRun *r, const char *task_id, const char *parent_id, const char *value,
		 int iteration)
{
	return !r->deleted && strcmp(r->task_id, task_id) == 0 &&
		same(r->parent_id, parent_id) && same(r->value, value) &&
		(value != NULL || r->iteration == iteration);
}

/* Bring e's index up to date: create it, then add the runs appended since. */
static void
update_index(Execution *e)
{
	int			i;

	if (e->run_index == NULL)
	{
		HASHCTL		ctl;

		/* in the memory the execution lives in: the index lasts as long as it */
		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = sizeof(uint64);
		ctl.entrysize = sizeof(RunIndexEntry);
		ctl.hcxt = GetMemoryChunkContext(e);
		e->run_index = hash_create("flowpg task run index", 256, &ctl,
								   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
		e->run_indexed = 0;
	}
	for (i = e->run_indexed; i < list_length(e->runs); i++)
	{
		TaskRun    *r = list_nth(e->runs, i);
		uint64		key = child_key(r->parent_id, r->task_id, r->value, r->iteration);
		bool		found;
		RunIndexEntry *entry = hash_search(e->run_index, &key, HASH_ENTER, &found);
		MemoryContext old = MemoryContextSwitchTo(GetMemoryChunkContext(e));

		if (!found)
			entry->runs = NIL;
		entry->runs = lappend(entry->runs, r);
		MemoryContextSwitchTo(old);
	}
	e->run_indexed = list_length(e->runs);
}

/* The task run of task_id under parent with ForEach value value, or NULL (see exec.h). */
TaskRun *
exec_find_child(Execution *e, const char *task_id, const TaskRun *parent, const char *value,
				int iteration)
{
	const char *parent_id = parent ? parent->id : NULL;
	ListCell   *lc;

	if (e->run_index == NULL && list_length(e->runs) < RUN_INDEX_MIN)
	{
		foreach(lc, e->runs)
		{
			TaskRun    *r = lfirst(lc);

			if (is_child(r, task_id, parent_id, value, iteration))
				return r;
		}
		return NULL;
	}
	update_index(e);
	{
		uint64		key = child_key(parent_id, task_id, value, iteration);
		RunIndexEntry *entry = hash_search(e->run_index, &key, HASH_FIND, NULL);

		if (entry == NULL)
			return NULL;
		foreach(lc, entry->runs)
		{
			TaskRun    *r = lfirst(lc);

			if (is_child(r, task_id, parent_id, value, iteration))
				return r;
		}
	}
	return NULL;
}

/* The task run holding run, or NULL (see exec.h). */
TaskRun *
exec_run_parent(const Execution *e, TaskRun *run)
{
	if (run->parent == NULL && run->parent_id != NULL)
		run->parent = exec_find_run_id(e, run->parent_id);
	return run->parent;
}
