/*-------------------------------------------------------------------------
 *
 * tasks_http.c
 *	  The HTTP tasks, sent by the background worker: core.http.Request and
 *	  the Slack and Teams incoming webhooks.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "mb/pg_wchar.h"

#include "datetime.h"
#include "expr.h"
#include "flowpg.h"
#include "problems.h"
#include "task_api.h"
#include "tasks.h"

#define ERROR_BODY_BYTES 1024	/* how much of a failed response's body goes in the error */

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

/* Every value of a rendered map as text: {"a": 1} -> {"a": "1"}. */
static FpValue *
text_map(const FpValue *map)
{
	FpValue    *out = fp_object(map ? map->u.obj.count : 0);
	int			i;

	for (i = 0; map && map->type == FP_OBJECT && i < map->u.obj.count; i++)
		fp_set(out, map->u.obj.pairs[i].key, fp_cstring(fp_to_text(map->u.obj.pairs[i].value)));
	return out;
}

/*
 * A rendered form as a list of [name, value] pairs, values as text: a list
 * keeps the fields in the order of the rendered map through the work row
 * (whose jsonb would sort a map's keys by length).
 */
static FpValue *
form_fields(const FpValue *map)
{
	FpValue    *out = fp_array(map && map->type == FP_OBJECT ? map->u.obj.count : 0);
	int			i;

	for (i = 0; map && map->type == FP_OBJECT && i < map->u.obj.count; i++)
	{
		FpValue    *pair = fp_array(2);

		fp_append(pair, fp_cstring(map->u.obj.pairs[i].key));
		fp_append(pair, fp_cstring(fp_to_text(map->u.obj.pairs[i].value)));
		fp_append(out, pair);
	}
	return out;
}

/* Milliseconds of a rendered duration option, or -1 when absent; false + *error if malformed. */
static bool
option_ms(const FpValue *options, const char *key, int64 *ms, char **error)
{
	FpValue    *v = options ? fp_get(options, key) : NULL;
	int64		usec;

	*ms = -1;
	if (v == NULL)
		return true;
	if (v->type != FP_STRING || !dt_parse_duration(v->u.str.ptr, &usec) || usec < 0)
	{
		*error = psprintf("options.%s must be an ISO-8601 duration, not %s", key, fp_to_json(v));
		return false;
	}
	*ms = usec / 1000;
	return true;
}

/*
 * The task's `timeout` (a property every task has) as the request's whole
 * time limit, timeoutMs; without it the worker applies flowpg.http_timeout.
 * A timeout above flowpg.max_request_timeout is cut to it, and the task
 * run's log says so (the worker cuts again at send time, by the setting
 * then in force).  False + *error when it does not render to a duration.
 * Shared with the mail task (tasks.h).
 */
bool
task_request_timeout(Execution *e, TaskRun *run, FpValue *req, char **error)
{
	FpValue    *timeout;
	int64		usec;
	int64		ms;
	int64		cap_ms = (int64) flowpg_max_request_timeout_s * 1000;

	if (!exec_render_prop(e, run, "timeout", &timeout, error))
		return false;
	if (timeout == NULL || timeout->type == FP_NULL)
		return true;
	if (timeout->type != FP_STRING || !dt_parse_duration(timeout->u.str.ptr, &usec) || usec <= 0)
	{
		*error = psprintf("timeout must be a positive ISO-8601 duration, not %s", fp_to_json(timeout));
		return false;
	}
	ms = Max(usec / 1000, 1);
	if (ms > cap_ms)
	{
		exec_log(e, run, "WARN",
				 psprintf("timeout %s is above flowpg.max_request_timeout (%d s): the request runs with %d s",
						  timeout->u.str.ptr, flowpg_max_request_timeout_s,
						  flowpg_max_request_timeout_s));
		ms = cap_ms;
	}
	fp_set(req, "timeoutMs", fp_int(ms));
	return true;
}

/* A new HTTP request description for the worker (see the worker's request format). */
static FpValue *
http_request(const char *url, const char *method)
{
	FpValue    *req = fp_object(8);

	fp_set(req, "protocol", fp_cstring("http"));
	fp_set(req, "url", fp_cstring(url));
	fp_set(req, "method", fp_cstring(method));
	fp_set(req, "headers", fp_object(2));
	return req;
}

/* Request: render uri, method, headers, body or formData, options. */
static FpValue *
request_prepare(Execution *e, TaskRun *run, char **error)
{
	FpValue    *uri,
			   *method,
			   *content_type,
			   *body,
			   *form,
			   *headers,
			   *options;
	FpValue    *req;
	FpValue    *hdrs;
	const char *ctype;
	int64		connect_ms,
				read_ms;
	FpValue    *follow;
	FpValue    *allow;

	if (!exec_render_prop(e, run, "uri", &uri, error) ||
		!exec_render_prop(e, run, "method", &method, error) ||
		!exec_render_prop(e, run, "contentType", &content_type, error) ||
		!exec_render_prop(e, run, "body", &body, error) ||
		!exec_render_prop(e, run, "formData", &form, error) ||
		!exec_render_prop(e, run, "headers", &headers, error) ||
		!exec_render_prop(e, run, "options", &options, error))
		return NULL;
	if (!option_ms(options, "connectTimeout", &connect_ms, error) ||
		!option_ms(options, "readTimeout", &read_ms, error))
		return NULL;

	req = http_request(fp_to_text(uri), method ? fp_to_text(method) : "GET");
	hdrs = text_map(headers);
	ctype = content_type ? fp_to_text(content_type) : NULL;
	if (form)
	{
		fp_set(req, "form", form_fields(form));
		fp_set(req, "multipart", fp_bool(ctype && strncmp(ctype, "multipart/form-data", 19) == 0));
	}
	else if (body)
	{
		fp_set(req, "body", fp_cstring(fp_to_text(body)));
		if (fp_get(hdrs, "Content-Type") == NULL)
			fp_set(hdrs, "Content-Type", fp_cstring(ctype ? ctype : "application/json"));
	}
	fp_set(req, "headers", hdrs);
	if (connect_ms >= 0)
		fp_set(req, "connectTimeoutMs", fp_int(connect_ms));
	/* Kestra's readTimeout: how long the connection may stay idle while reading */
	if (read_ms >= 0)
		fp_set(req, "readTimeoutMs", fp_int(read_ms));
	if (!task_request_timeout(e, run, req, error))
		return NULL;
	follow = options ? fp_get(options, "followRedirects") : NULL;
	fp_set(req, "followRedirects", fp_bool(follow == NULL || expr_truthy(follow)));
	allow = options ? fp_get(options, "allowFailed") : NULL;
	fp_set(req, "allowFailed", fp_bool(allow != NULL && expr_truthy(allow)));
	return req;
}

/*
 * Whether a result is a failure (connection error, timeout, or a code of
 * 400 or more); *error then says which, with the start of the body.  The
 * body is masked before it is cut: a secret cut in two would not be found
 * whole afterwards.
 */
static bool
result_failed(Execution *e, const FpValue *request, const FpValue *result, char **error)
{
	const char *url = fp_get_str(request, "url");
	const char *curl_error = fp_get_str(result, "error");
	FpValue    *code = fp_get(result, "code");
	const char *body = fp_get_str(result, "body");

	if (curl_error)
	{
		*error = psprintf("request to %s failed: %s", url, curl_error);
		return true;
	}
	if (code && code->type == FP_INT && code->u.i >= 400)
	{
		const char *shown = body ? exec_mask(e, body) : "";
		int			len = pg_mbcliplen(shown, strlen(shown), ERROR_BODY_BYTES);

		*error = psprintf("request to %s failed with HTTP %d%s%.*s", url, (int) code->u.i,
						  len > 0 ? ": " : "", len, shown);
		return true;
	}
	return false;
}

/*
 * Request: outputs uri, code, headers, body; fails on an error unless
 * allowFailed.  A body cut at its limit may end with the start of a
 * secret: it is masked as cut text.
 */
static FlowState
request_finish(Execution *e, TaskRun *run, const FpValue *request, const FpValue *result,
			   char **error)
{
	FpValue    *outputs = fp_object(5);
	FpValue    *allow = fp_get(request, "allowFailed");
	FpValue    *truncated = fp_get(result, "truncated");
	FpValue    *body = fp_get(result, "body");
	bool		cut = truncated && truncated->type == FP_BOOL && truncated->u.b;

	fp_set(outputs, "uri", fp_cstring(fp_get_str(request, "url")));
	fp_set(outputs, "code", fp_get(result, "code") ? fp_get(result, "code") : fp_int(0));
	fp_set(outputs, "headers", fp_get(result, "headers") ? fp_get(result, "headers") : fp_object(0));
	if (body && body->type == FP_STRING && cut)
		body = fp_cstring(exec_mask_cut(e, body->u.str.ptr));
	fp_set(outputs, "body", body ? body : fp_null());
	if (cut)
		fp_set(outputs, "bodyTruncated", fp_bool(true));
	run->outputs = outputs;
	if (result_failed(e, request, result, error) && !(allow && allow->type == FP_BOOL && allow->u.b))
		return ST_FAILED;
	return ST_SUCCESS;
}

/* core.http.Request */
const TaskType task_http_request = {
	.name = "io.kestra.plugin.core.http.Request",
	.aliases = request_aliases,
	.kind = TASK_EXTERNAL,
	.props = request_props,
	.check = request_check,
	.prepare = request_prepare,
	.finish = request_finish,
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

/*
 * A webhook POST of a JSON payload (which must render to valid JSON), or of
 * {"text": messageText} when there is no payload.
 */
static FpValue *
webhook_prepare(Execution *e, TaskRun *run, char **error)
{
	FpValue    *url,
			   *payload,
			   *text;
	FpValue    *req;
	char	   *json_error;
	char	   *body;

	if (!exec_render_prop(e, run, "url", &url, error) ||
		!exec_render_prop(e, run, "payload", &payload, error) ||
		!exec_render_prop(e, run, "messageText", &text, error))
		return NULL;
	if (payload)
	{
		body = fp_to_text(payload);
		if (fp_parse_json(body, strlen(body), &json_error) == NULL)
		{
			*error = psprintf("payload is not valid JSON after rendering: %s", json_error);
			return NULL;
		}
	}
	else
	{
		FpValue    *msg = fp_object(1);

		fp_set(msg, "text", text ? fp_cstring(fp_to_text(text)) : fp_cstring(""));
		body = fp_to_json(msg);
	}
	req = http_request(fp_to_text(url), "POST");
	fp_set(req, "body", fp_cstring(body));
	fp_set(fp_get(req, "headers"), "Content-Type", fp_cstring("application/json"));
	fp_set(req, "allowFailed", fp_bool(false));
	if (!task_request_timeout(e, run, req, error))
		return NULL;
	return req;
}

/* A webhook's outputs: the response code; it fails on an error. */
static FlowState
webhook_finish(Execution *e, TaskRun *run, const FpValue *request, const FpValue *result,
			   char **error)
{
	run->outputs = fp_object(1);
	fp_set(run->outputs, "code", fp_get(result, "code") ? fp_get(result, "code") : fp_int(0));
	return result_failed(e, request, result, error) ? ST_FAILED : ST_SUCCESS;
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
	.prepare = webhook_prepare,
	.finish = webhook_finish,
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
	.prepare = webhook_prepare,
	.finish = webhook_finish,
};
