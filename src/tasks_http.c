/*-------------------------------------------------------------------------
 *
 * tasks_http.c
 *	  The HTTP tasks, sent by the background worker: core.http.Request and
 *	  the Slack and Teams incoming webhooks.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "expr.h"
#include "problems.h"
#include "tasks.h"

static const char *const methods[] = {
	"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", NULL
};

static const PropSpec request_options[] = {
	P("connectTimeout", PROP_DURATION),
	P("readTimeout", PROP_DURATION),
	P("followRedirects", PROP_BOOL),
	P("allowFailed", PROP_BOOL),
	P_END
};

static const char *const request_aliases[] = {"io.kestra.plugin.fs.http.Request", NULL};
static const PropSpec request_props[] = {
	P_REQ("uri", PROP_STRING),
	P_ENUM("method", methods),
	P("contentType", PROP_STRING),
	P("body", PROP_STRING),
	P("formData", PROP_MAP),
	P("headers", PROP_MAP),
	P_OBJECT("options", request_options),
	P_END
};

/* body and formData are two ways to give the request body: only one may be used. */
static void
request_check(const FpValue *task, const char *path, List **problems)
{
	FpValue    *form = fp_get(task, "formData");

	if (form && fp_get(task, "body"))
		problem_add(problems, form, path_key(path, "formData"),
					"give either body or formData, not both");
}

/* core.http.Request */
const TaskType task_http_request = {
	.name = "io.kestra.plugin.core.http.Request",
	.aliases = request_aliases,
	.kind = TASK_EXTERNAL,
	.props = request_props,
	.check = request_check,
};

/*
 * A payload without expressions must already be valid JSON; one with
 * expressions is checked after rendering, when the task runs.
 */
static void
check_constant_payload(const FpValue *task, const char *path, List **problems)
{
	FpValue    *payload = fp_get(task, "payload");
	char	   *error = NULL;

	if (payload == NULL || payload->type != FP_STRING ||
		expr_is_template(payload->u.str.ptr, payload->u.str.len))
		return;
	if (fp_parse_json(payload->u.str.ptr, payload->u.str.len, &error) == NULL)
		problem_add(problems, payload, path_key(path, "payload"),
					"payload is not valid JSON: %s", error);
}

static const char *const slack_aliases[] = {"io.kestra.plugin.slack.SlackIncomingWebhook", NULL};
static const PropSpec slack_props[] = {
	P_REQ("url", PROP_STRING),
	P("payload", PROP_STRING),
	P("messageText", PROP_STRING),
	P_END
};

/* A Slack message needs a payload or a messageText. */
static void
slack_check(const FpValue *task, const char *path, List **problems)
{
	if (fp_get(task, "payload") == NULL && fp_get(task, "messageText") == NULL)
		problem_add(problems, task, path,
					"a SlackIncomingWebhook needs payload or messageText");
	check_constant_payload(task, path, problems);
}

/* notifications.slack.SlackIncomingWebhook */
const TaskType task_slack = {
	.name = "io.kestra.plugin.notifications.slack.SlackIncomingWebhook",
	.aliases = slack_aliases,
	.kind = TASK_EXTERNAL,
	.props = slack_props,
	.check = slack_check,
};

static const PropSpec teams_props[] = {
	P_REQ("url", PROP_STRING),
	P_REQ("payload", PROP_STRING),
	P_END
};

/* notifications.teams.TeamsIncomingWebhook */
const TaskType task_teams = {
	.name = "io.kestra.plugin.notifications.teams.TeamsIncomingWebhook",
	.kind = TASK_EXTERNAL,
	.props = teams_props,
	.check = check_constant_payload,
};
