/*-------------------------------------------------------------------------
 *
 * task_api.h
 *	  What a task family (tasks_*.c) may use of the engine: the execution in
 *	  memory (exec.h) and the few executor functions a task needs to run its
 *	  children, change its run's state, end an attempt, or start and kill
 *	  another execution (Subflow).  Tasks never include executor.h.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLOWPG_TASK_API_H
#define FLOWPG_TASK_API_H

#include "exec.h"

/* How deep subflows may nest (a flow starting itself would otherwise never end). */
#define MAX_SUBFLOW_DEPTH 10

/*
 * Create an execution of flow with validated inputs (typed values from
 * inputs_validate) and extra labels, then run it up to its first pause or
 * external task.  actor is who starts it (NULL: a trigger); parent is the
 * execution whose Subflow task starts it, or NULL.
 */
extern Execution *executor_start(CompiledFlow *flow, FpValue *inputs, FpValue *labels,
								 const char *actor, Execution *parent, FpValue *trigger);

/* Kill: paused and unfinished task runs become KILLED, the execution KILLED. */
extern void executor_kill(Execution *e);

/*
 * Advance a scope: a block of tasks run in order (or all at once when
 * parallel), then its errors block if it failed, then its finally block.
 * Returns ST_RUNNING while something waits, else the scope's end state.
 * Used by the flow itself and by flowable tasks.
 */
extern FlowState executor_advance_scope(Execution *e, TaskRun *parent, FlowBlock *tasks,
										bool parallel, FlowBlock *errors, FlowBlock *finally);

/*
 * Start node's task run under parent, or take its unfinished run further;
 * returns the run.  For flowables that choose which child starts when (Dag).
 */
extern TaskRun *executor_step_task(Execution *e, FlowNode *node, TaskRun *parent);

/*
 * One iteration of a ForEach (parent): its tasks in order (or all at once
 * when parallel: EachParallel), each task run
 * created with the iteration's value and index (taskrun.value,
 * taskrun.iteration) and found again by them.  ST_RUNNING while something
 * waits, else the worst end state (FAILED at the first failure).
 */
extern FlowState executor_advance_iteration(Execution *e, TaskRun *parent, FlowBlock *tasks,
											bool parallel, const char *value, int iteration);

/*
 * The rest of a scope whose tasks reached st (ST_RUNNING: still waiting):
 * its errors block if st is FAILED, then its finally block; returns as
 * executor_advance_scope does.  For flowables that run their tasks their
 * own way (ForEach, Dag) and for a Pause's own errors and finally.
 */
extern FlowState executor_advance_handlers(Execution *e, TaskRun *parent, FlowState st,
										   FlowBlock *errors, FlowBlock *finally);

/*
 * End the execution (from an Exit task) with st: SUCCESS, WARNING,
 * FAILED or CANCELLED end the Exit, the flowable tasks holding it and the
 * execution with st, and start nothing more (no errors or finally block
 * either); KILLED kills the execution as flow_kill does.
 */
extern void executor_exit(Execution *e, FlowState st);

/* Change the state of a task run (through state_change) and mark it for saving. */
extern void executor_run_state(TaskRun *run, FlowState to);

/*
 * now + delay microseconds into *due; false when that is past the last
 * timestamp PostgreSQL can store (a pause of 290,000 years).
 */
extern bool executor_due_time(TimestampTz now, int64 delay, TimestampTz *due);

/*
 * End the current attempt of a task run with st: failures are logged (error)
 * and retried per the task's retry policy (retry_detail goes to the retry's
 * work row), allowFailure and allowWarning apply.
 */
extern void executor_finish_attempt(Execution *e, TaskRun *run, FlowState st,
									const char *error, FpValue *retry_detail);

#endif							/* FLOWPG_TASK_API_H */
