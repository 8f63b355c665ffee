/*-------------------------------------------------------------------------
 *
 * exec.h
 *	  An execution in memory while a transaction works on it: the execution
 *	  row, its task runs, and what is to be written when the step ends.
 *
 * The life of one step (one flow_start, flow_resume, flow_kill, worker
 * result, ...): exec_load() locks and reads the execution (or the executor
 * makes a new one), the executor changes it in memory, and exec_end_step()
 * (step.h) ends the step: exec_save() writes every change in a few
 * statements, then the worker is woken at commit, NOTIFYs queued, Flow
 * triggers fired and a finished subflow's parent advanced.  All of it
 * happens under the execution's row lock, inside a DbScope.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLOWPG_EXEC_H
#define FLOWPG_EXEC_H

#include "datatype/timestamp.h"
#include "nodes/pg_list.h"

#include "expr.h"
#include "flow_model.h"
#include "state.h"
#include "value.h"

typedef struct TaskRun
{
	char	   *id;
	char	   *task_id;
	char	   *parent_id;		/* the task run of the flowable holding it, or NULL */
	char	   *value;			/* the ForEach value of its iteration (direct children), or NULL */
	int32		iteration;		/* the 0-based index of that value (or WaitFor iteration), or -1 */
	FlowState	state;
	FpValue    *outputs;		/* object, or NULL */
	FpValue    *attempts;		/* array of {state, startDate, endDate} */
	FpValue    *history;		/* array of {state, date} */
	FpValue    *assigned_users; /* HumanTask: arrays of strings, or NULL */
	FpValue    *assigned_groups;
	TimestampTz due_at;			/* 0 when none */
	TimestampTz created_at;
	TimestampTz ended_at;		/* 0 while unfinished */
	FlowNode   *node;			/* its task in the compiled flow */
	struct TaskRun *parent;		/* the run of parent_id, once looked up (exec_run_parent) */
	void	   *type_state;		/* its task type's memo while in memory (a loop's values), or NULL */
	bool		is_new;			/* to be inserted */
	bool		dirty;			/* to be updated */
	bool		deleted;		/* to be deleted (restart removes errors/finally runs) */
} TaskRun;

/* A log line waiting to be written. */
typedef struct PendingLog
{
	char	   *task_run_id;
	char	   *task_id;
	char	   *level;
	char	   *message;
	TimestampTz at;
} PendingLog;

/* A row of flowpg.work waiting to be written. */
typedef struct PendingWork
{
	const char *kind;			/* send, expire, timeout, retry */
	char	   *task_run_id;
	TimestampTz due_at;
	FpValue    *detail;
} PendingWork;

typedef struct Execution
{
	char	   *id;
	char	   *namespace;
	char	   *flow_id;
	int32		revision;
	FlowState	state;
	FpValue    *history;
	FpValue    *inputs;			/* typed values, SECRET inputs included */
	FpValue    *inputs_shown;	/* as stored in flowpg.executions (SECRET masked) */
	FpValue    *labels;			/* flat map of strings */
	FpValue    *outputs;		/* flow outputs, or NULL */
	char	   *parent_id;
	FpValue    *trigger;		/* or NULL */
	char	   *created_by;
	TimestampTz created_at;
	TimestampTz ended_at;		/* 0 while unfinished */

	CompiledFlow *flow;
	List	   *runs;			/* TaskRun *, in creation order */
	bool		is_new;
	bool		dirty;
	bool		secrets_dirty;	/* execution_secrets to be written */
	FpValue    *secret_values;	/* {inputs: {...}, onResume: {task: {...}}} real values */
	List	   *notify_states;	/* FlowState (int), in order, to NOTIFY at commit */
	List	   *logs;			/* PendingLog * */
	List	   *work;			/* PendingWork * */
	List	   *work_cancel;	/* task run ids whose queued work is void */
	List	   *secrets;		/* char *: secret values seen, masked when stored */
	List	   *mask_forms;		/* the forms of secrets[0 .. mask_forms_of - 1] (mask.h) */
	int			mask_forms_of;
	FpValue    *vars;			/* the render context, built on first use */
	const char *actor;			/* who acts in this step (NULL: the system) */
	int			depth;			/* subflow nesting */
	struct Execution *parent;	/* the parent in memory, while starting a subflow */
	bool		exiting;		/* an Exit task ends the execution in this step */
	FlowState	exit_state;		/* ... with this state */
	List	   *children;		/* Execution *: subflows loaded or started in this step */
	struct HTAB *run_index;		/* exec_find_child's index of runs, or NULL (exec_runs.c) */
	int			run_indexed;	/* how many of runs (from the first) it holds */
} Execution;

/* exec_store.c: reading and writing executions */

/*
 * Lock and read an execution with its task runs; NULL when it does not exist.
 * An execution held by exec_hold() is returned as it is held, not read again.
 */
extern Execution *exec_load(const char *execution_id);

/*
 * From now on in this process, exec_load raises ERRCODE_LOCK_NOT_AVAILABLE
 * instead of waiting for a row someone else holds: the worker, which must
 * not stall behind a person's open transaction on a parent or a child of
 * the execution it is on, puts the step off instead.
 */
extern void exec_load_without_waiting(void);

/* Whether exec_load_without_waiting() was called (other row locks then do the same). */
extern bool exec_loads_without_waiting(void);

/*
 * Executions one call holds in memory across several steps (flow_resume_bulk
 * loads them all before resuming any): while held, exec_load() of one of them
 * (a child ending and advancing its parent) returns the held copy, so no step
 * overwrites another's with a stale one.  exec_release_all() when done.
 */
extern void exec_hold(Execution *e);
extern void exec_release_all(void);

/*
 * Read e's state, history and end time back from its row (written since by
 * another copy of it in this transaction: concurrency.c, step.c).
 */
extern void exec_reread_state(Execution *e);

/* Write the rows of e's changes: storage only (the end of a step is exec_end_step, step.h). */
extern void exec_save(Execution *e);

/* A new task run of node under parent (not yet written). */
extern TaskRun *exec_new_run(Execution *e, FlowNode *node, TaskRun *parent);

/*
 * The first task run of a task id, or NULL.  A task inside a ForEach has one
 * task run per iteration: exec_find_child finds the one of an iteration.
 */
extern TaskRun *exec_find_run(const Execution *e, const char *task_id);

/*
 * The task run of task_id under parent (NULL: at the top) with the ForEach
 * value value, or, when value is NULL, of the iteration iteration (-1:
 * none; a WaitFor's iterations have no value), or NULL.  Parent, value and
 * iteration together are the iteration path: each iteration of a loop has
 * its own task runs.
 */
extern TaskRun *exec_find_child(Execution *e, const char *task_id,
								const TaskRun *parent, const char *value, int iteration);

/* The task run holding run (its parent_id), or NULL at the top. */
extern TaskRun *exec_run_parent(const Execution *e, TaskRun *run);

/* (exec_find_child and exec_run_parent live in exec_runs.c) */

/* The task run with a given id, or NULL. */
extern TaskRun *exec_find_run_id(const Execution *e, const char *run_id);

/* Queue a log line (masked when written). */
extern void exec_log(Execution *e, TaskRun *run, const char *level, const char *message);

/* Queue a work row for the background worker. */
extern void exec_queue_work(Execution *e, TaskRun *run, const char *kind,
							TimestampTz due_at, FpValue *detail);

/*
 * The detail of a work row as read from flowpg.work: a request rendered with
 * secrets is stored sealed ({"request": sealed text, "key_id": id}) when a
 * key file is configured; this opens it (ERROR as crypt_open does).  Other
 * details come back as they are.
 */
extern FpValue *exec_work_detail_open(const char *task_run_id, FpValue *stored);

/*
 * Seal again under the current key (key_id) the queued requests in clear
 * with secrets or under another key; returns how many (flow_secret_key_rotate).
 */
extern int64 exec_work_reseal(const char *key_id);

/* exec_render.c: rendering task properties */

/* Render a property of run's task; *out is NULL when it is absent or null.  false + *error on failure. */
extern bool exec_render_prop(Execution *e, TaskRun *run, const char *prop,
							 FpValue **out, char **error);

/* Render any value in the context of run (run may be NULL: flow level). */
extern bool exec_render_value(Execution *e, TaskRun *run, FpValue *value,
							  FpValue **out, char **error);

/* The context variables of a render (flow, execution, inputs, outputs, ...). */
extern FpValue *exec_vars(Execution *e, TaskRun *run);

/* Tell the render context that run's outputs changed. */
extern void exec_outputs_changed(Execution *e, TaskRun *run);

/* The execution's labels changed: save them, and render them from now on. */
extern void exec_labels_changed(Execution *e);

/*
 * Replace every secret value seen in this step by ******, in each form it
 * can take (mask.h).  exec_mask_cut is for text that was cut short at its
 * end (a response body kept up to its limit).
 */
extern char *exec_mask(Execution *e, const char *text);
extern char *exec_mask_cut(Execution *e, const char *text);
extern FpValue *exec_mask_value(Execution *e, FpValue *v);

/* The ExprEnv for renders of this execution. */
extern void exec_expr_env(Execution *e, ExprEnv *env);

#endif							/* FLOWPG_EXEC_H */
