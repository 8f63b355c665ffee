/*-------------------------------------------------------------------------
 *
 * flow_model.h
 *	  A flow revision compiled for running: a tree of FlowNodes (one per
 *	  task) with their properties' templates compiled, cached per backend.
 *	  Revisions never change once stored, so a compiled revision stays valid
 *	  for the backend's life (the cache is emptied if the extension is
 *	  dropped and created again).
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLOWPG_FLOW_MODEL_H
#define FLOWPG_FLOW_MODEL_H

#include "flow_concurrency.h"
#include "tasks.h"
#include "value.h"

typedef struct FlowNode FlowNode;

/* An ordered list of tasks: a flow's tasks/errors/finally, or a flowable's child block. */
typedef struct FlowBlock
{
	int			count;
	FlowNode  **items;
} FlowBlock;

struct FlowNode
{
	const char *id;
	const TaskType *type;
	FpValue    *def;			/* the task's map; property strings are compiled templates */
	FlowNode   *parent;			/* the flowable (or Pause, for onPause) holding it; NULL at top */
	const char *block;			/* name of the block holding it: tasks, errors, then, ... */
	bool		disabled;
	int			nblocks;		/* child blocks, named as the type's child_blocks */
	const char **block_names;
	FlowBlock  *blocks;
	/*
	 * The Pause or HumanTask an appLink() rendered by this task is for: the
	 * pause whose onPause holds it, else the first enabled pause after it in
	 * flow order (see flow_model.c); NULL when there is none.
	 */
	FlowNode   *link_pause;
};

typedef struct CompiledFlow
{
	char	   *namespace;
	char	   *id;
	int32		revision;
	char	   *deployer;		/* the role that deployed this revision */
	bool		disabled;
	FpValue    *definition;
	FpValue    *inputs;			/* input declarations, or NULL */
	FpValue    *variables;		/* vars, or an empty map */
	FpValue    *labels;			/* flow labels as a flat map of strings */
	FpValue    *outputs;		/* flow output declarations, or NULL */
	bool		has_secrets;	/* some input or onResume input is SECRET-typed */
	FlowConcurrency concurrency;	/* limit 0: none (concurrency.c) */
	FlowBlock	tasks;
	FlowBlock	errors;
	FlowBlock	finally;
	FlowBlock	after_execution;	/* afterExecution: run once the execution has ended */
	int			nnodes;
	FlowNode  **nodes;			/* every node, for lookup by task id */
} CompiledFlow;

/*
 * The compiled revision, from the cache or loaded and compiled.  Returns
 * NULL when that revision does not exist.  Needs a DbScope.
 */
extern CompiledFlow *flow_model_get(const char *namespace, const char *id, int32 revision);

/*
 * The latest revision of a flow, compiled; NULL when the flow does not
 * exist or is deleted.  Needs a DbScope.
 */
extern CompiledFlow *flow_model_latest(const char *namespace, const char *id);

/* Whether the flow exists and its latest revision is deleted (flow_delete). */
extern bool flow_model_deleted(const char *namespace, const char *id);

/* The node of a task id, or NULL. */
extern FlowNode *flow_model_node(const CompiledFlow *flow, const char *task_id);

/* A named child block of a node (then, else, tasks, errors, finally, onPause), or NULL. */
extern FlowBlock *flow_node_block(const FlowNode *node, const char *name);

/* Labels given as a map or as a list of {key, value}, as a flat map of strings. */
extern FpValue *flow_labels_to_map(const FpValue *labels);

#endif							/* FLOWPG_FLOW_MODEL_H */
