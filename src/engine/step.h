/*-------------------------------------------------------------------------
 *
 * step.h
 *	  The end of a step: the one function every caller uses once an
 *	  execution's changes are made in memory (step.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLOWPG_STEP_H
#define FLOWPG_STEP_H

#include "exec.h"

/*
 * End the step on e: write its rows (exec_save) and those of the subflows
 * it touched, wake the worker at commit if work was queued, queue the
 * NOTIFYs of its state changes, start the flows listening for them, and
 * advance (and end the step of) the parent of a subflow that just ended.
 */
extern void exec_end_step(Execution *e);

#endif							/* FLOWPG_STEP_H */
