/*-------------------------------------------------------------------------
 *
 * tasks_query.c
 *	  jdbc.postgresql.Query: runs SQL in this database as the role that
 *	  deployed the flow revision, inside a subtransaction, so an approval and
 *	  the business rows it approves commit together.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "tasks.h"

static const char *const fetch_types[] = {"NONE", "FETCH_ONE", "FETCH", NULL};

static const PropSpec query_props[] = {
	P_REQ("sql", PROP_STRING),
	P("parameters", PROP_MAP),
	P_ENUM("fetchType", fetch_types),
	P_END
};

/* jdbc.postgresql.Query */
const TaskType task_query = {
	.name = "io.kestra.plugin.jdbc.postgresql.Query",
	.kind = TASK_INTERNAL,
	.props = query_props,
};
