/*-------------------------------------------------------------------------
 *
 * trigger_schedule.h
 *	  core.trigger.Schedule at run time (SPEC section 10): flows started by
 *	  the background worker at the times of a cron expression.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLOWPG_TRIGGER_SCHEDULE_H
#define FLOWPG_TRIGGER_SCHEDULE_H

#include "datatype/timestamp.h"

#include "value.h"

/*
 * Keep the stored schedules of a flow in step with its new latest revision
 * (definition NULL: the flow was deleted), computing each one's next fire
 * time, and wake the worker at commit.  Needs a DbScope.
 */
extern void trigger_schedule_store(const char *ns, const char *flow_id, const FpValue *definition);

/*
 * Fire a due schedule once, in the worker's transaction (inside a
 * DbScope): start its flow for the due occurrence (or the occurrence that
 * recoverMissedSchedules picks) and move next_at on.  Occurrences earlier
 * than `since` fell due while no worker was processing: they are the
 * missed ones.  Does nothing when the schedule is no longer due or its row
 * is locked by a deploy.
 */
extern void trigger_schedule_fire(const char *ns, const char *flow_id, const char *trigger_id,
								  TimestampTz since);

/*
 * After an error while firing: move the schedule past the current time, so
 * that a schedule that cannot start its flow does not fail in a loop.
 */
extern void trigger_schedule_skip(const char *ns, const char *flow_id, const char *trigger_id);

#endif							/* FLOWPG_TRIGGER_SCHEDULE_H */
