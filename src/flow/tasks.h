/*-------------------------------------------------------------------------
 *
 * tasks.h
 *	  Task types as data.  Each type (with its Kestra aliases) is one
 *	  TaskType: its kind, the properties it accepts with their shapes (used
 *	  by the deploy-time check), an optional extra check, and the functions
 *	  the executor calls: the executor knows task types only through this
 *	  table, never by name.  Each family of types lives in its own tasks_*.c
 *	  file; tasks.c holds the registry that lists them all.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLOWPG_TASKS_H
#define FLOWPG_TASKS_H

#include "nodes/pg_list.h"
#include "state.h"
#include "value.h"

struct Execution;
struct TaskRun;

/* How a task runs (SPEC section 5). */
typedef enum TaskKind
{
	TASK_INTERNAL,				/* runs inside the transaction that reaches it */
	TASK_FLOWABLE,				/* internal, and has child tasks (If, Sequential, ...) */
	TASK_PAUSE,					/* Pause and HumanTask: stops for a person or a timer */
	TASK_EXTERNAL				/* queued, sent by the background worker */
} TaskKind;

/* The shape a property value must have. */
typedef enum PropKind
{
	PROP_STRING,				/* a scalar (templates are strings) */
	PROP_LITERAL,				/* a string taken as it is: never a template (Query sql) */
	PROP_STRING_OR_LIST,		/* a scalar or a list of scalars (Log message) */
	PROP_STRING_LIST,			/* a list of scalars, or one string (template or ,/; list) */
	PROP_BOOL,					/* true/false, or a template */
	PROP_INT,					/* an integer, or a template */
	PROP_NUMBER,				/* a number, or a template */
	PROP_DURATION,				/* an ISO-8601 duration, or a template */
	PROP_ENUM,					/* one of PropSpec.values, or a template */
	PROP_MAP,					/* a map of anything */
	PROP_ANY,					/* any value */
	PROP_TASKS,					/* a list of tasks (checked recursively) */
	PROP_TASK_OR_TASKS,			/* one task or a list of tasks (onPause) */
	PROP_TASK_MAP,				/* a map of lists of tasks (Switch cases) */
	PROP_DAG_TASKS,				/* a list of {task, dependsOn} (Dag tasks) */
	PROP_INPUTS,				/* a list of input declarations (onResume) */
	PROP_OBJECT					/* a map with its own PropSpecs (options, retry, ...) */
} PropKind;

typedef struct PropSpec PropSpec;

struct PropSpec
{
	const char *name;
	PropKind	kind;
	bool		required;
	const char *const *values;	/* PROP_ENUM: NULL-terminated allowed values */
	const PropSpec *fields;		/* PROP_OBJECT: NULL-name-terminated field specs */
};

/* PropSpec initializers */
#define P(n, k)			{.name = (n), .kind = (k)}
#define P_REQ(n, k)		{.name = (n), .kind = (k), .required = true}
#define P_ENUM(n, v)	{.name = (n), .kind = PROP_ENUM, .values = (v)}
#define P_OBJECT(n, f)	{.name = (n), .kind = PROP_OBJECT, .fields = (f)}
#define P_END			{.name = NULL}

typedef struct TaskType TaskType;

/*
 * An extra deploy-time check beyond the property shapes (for example, a
 * Slack task needs payload or messageText).  Appends FlowProblems.
 */
typedef void (*TaskCheckFn) (const FpValue *task, const char *path, List **problems);

/*
 * TASK_INTERNAL: do the work of one attempt; set run->outputs; return the
 * end state (SUCCESS, WARNING or FAILED, with *error set for FAILED).
 */
typedef FlowState (*TaskRunFn) (struct Execution *e, struct TaskRun *run, char **error);

/*
 * TASK_FLOWABLE: make progress with the children; return ST_RUNNING while
 * they are unfinished, else the task's end state (*error set for FAILED
 * when the task itself, not a child, failed).
 */
typedef FlowState (*TaskAdvanceFn) (struct Execution *e, struct TaskRun *run, char **error);

/*
 * TASK_EXTERNAL: render what the worker is to send (a request description
 * for http.c), or return NULL with *error.
 */
typedef FpValue *(*TaskPrepareFn) (struct Execution *e, struct TaskRun *run, char **error);

/*
 * TASK_EXTERNAL: turn what the worker got back into outputs and an end
 * state (SUCCESS or FAILED with *error).
 */
typedef FlowState (*TaskFinishFn) (struct Execution *e, struct TaskRun *run,
								   const FpValue *request, const FpValue *result, char **error);

/*
 * A hook on one task run: TASK_PAUSE begin (the run is RUNNING: pause it, or
 * fail it), TASK_PAUSE while_paused (carry on with what runs during the
 * pause), kill (end what the run started outside its execution: a
 * Subflow's child).
 */
typedef void (*TaskHookFn) (struct Execution *e, struct TaskRun *run);

/*
 * A task that is not flowable but has errors/finally blocks of its own
 * (Pause, HumanTask), whose run has ended: run them.  Returns ST_RUNNING
 * while they wait, else the state the task counts as in its block.
 */
typedef FlowState (*TaskEndedFn) (struct Execution *e, struct TaskRun *run);

/* TASK_PAUSE: a resume's validated values are being taken (keep SECRET ones aside). */
typedef void (*TaskResumedFn) (struct Execution *e, struct TaskRun *run, FpValue *values);

/* TASK_PAUSE: the end state an expiry gives with a behavior (RESUME, WARN, FAIL, CANCEL). */
typedef FlowState (*TaskExpiredFn) (const char *behavior);

struct TaskType
{
	const char *name;			/* the full Kestra type name */
	const char *const *aliases; /* NULL-terminated other accepted names, or NULL */
	TaskKind	kind;
	const PropSpec *props;		/* type-specific properties, NULL-name-terminated */
	TaskCheckFn check;			/* or NULL */
	const char *const *child_blocks;	/* property names holding child tasks */
	const char *task_map;		/* property holding a map of task lists (blocks "<prop>.<key>") */
	const char *dag_tasks;		/* child block whose items are {task, dependsOn} (Dag) */
	TaskRunFn	run;			/* TASK_INTERNAL */
	TaskAdvanceFn advance;		/* TASK_FLOWABLE */
	TaskPrepareFn prepare;		/* TASK_EXTERNAL */
	TaskFinishFn finish;		/* TASK_EXTERNAL */
	TaskHookFn	begin;			/* TASK_PAUSE */
	TaskHookFn	while_paused;	/* TASK_PAUSE, or NULL */
	TaskResumedFn resumed;		/* TASK_PAUSE, or NULL */
	TaskExpiredFn expired;		/* TASK_PAUSE */
	TaskHookFn	kill;			/* or NULL: nothing outside the execution to end */
	TaskEndedFn ended;			/* or NULL: nothing runs after the run ends */
	bool		has_assignees;	/* only its assignees may resume it (HumanTask) */
};

/* The task type called name (full name or alias), or NULL. */
extern const TaskType *task_type_lookup(const char *name);

/* The n-th task type of the registry (0-based), or NULL past its end. */
extern const TaskType *task_type_nth(int n);

/* "a, b, c": every supported full type name, for error messages. */
extern char *task_type_names(void);

/* Properties every task accepts (id, type, description, disabled, runIf, ...). */
extern const PropSpec task_common_props[];

/* The fields of a retry policy, a task's or the flow's (flow_check.c checks its bounds). */
extern const PropSpec task_retry_fields[];

/* The log levels, lowest first (NULL-terminated): Log's level and every task's logLevel. */
extern const char *const task_log_levels[];

/* The registry's members, one per task family file. */
extern const TaskType task_log;
extern const TaskType task_return;
extern const TaskType task_output_values;
extern const TaskType task_fail;
extern const TaskType task_labels;
extern const TaskType task_exit;
extern const TaskType task_kv_set;
extern const TaskType task_kv_get;
extern const TaskType task_kv_delete;
extern const TaskType task_if;
extern const TaskType task_sequential;
extern const TaskType task_parallel;
extern const TaskType task_switch;
extern const TaskType task_dag;
extern const TaskType task_foreach;
extern const TaskType task_each_sequential;
extern const TaskType task_each_parallel;
extern const TaskType task_waitfor;
extern const TaskType task_subflow;
extern const TaskType task_pause;
extern const TaskType task_human;
extern const TaskType task_query;
/*
 * The task's `timeout` as a request description's timeoutMs, cut to
 * flowpg.max_request_timeout (with a WARN log line saying so); for the
 * HTTP and mail tasks (tasks_http.c).
 */
extern bool task_request_timeout(struct Execution *e, struct TaskRun *run, FpValue *req,
								 char **error);

extern const TaskType task_http_request;
extern const TaskType task_slack;
extern const TaskType task_teams;
extern const TaskType task_mail;

#endif							/* FLOWPG_TASKS_H */
