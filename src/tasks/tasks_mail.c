/*-------------------------------------------------------------------------
 *
 * tasks_mail.c
 *	  notifications.mail.MailSend: e-mail over SMTP, SMTPS or STARTTLS, sent
 *	  by the background worker.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "datetime.h"
#include "http.h"
#include "mail.h"
#include "task_api.h"
#include "tasks.h"

static const char *const transports[] = {"SMTP", "SMTPS", "SMTP_TLS", NULL};

static const PropSpec mail_props[] = {
	P("host", PROP_STRING),
	P("port", PROP_INT),
	P("username", PROP_STRING),
	P("password", PROP_STRING),
	P("from", PROP_STRING),
	P("to", PROP_STRING_LIST),
	P("cc", PROP_STRING_LIST),
	P("bcc", PROP_STRING_LIST),
	P("subject", PROP_STRING),
	P("htmlTextContent", PROP_STRING),
	P("plainTextContent", PROP_STRING),
	P_ENUM("transportStrategy", transports),
	P_END
};

/*
 * Recipients given as a list, or as a string separated by ',' or ';',
 * appended to out as written (display names kept), split the way the worker
 * will split them (mail.c: quotes, <> and parentheses are respected).
 */
static void
add_addresses(FpValue *out, const FpValue *given)
{
	FpAllocator allocator;
	MailAddressList list;
	int			i;

	if (given == NULL || given->type == FP_NULL)
		return;
	allocator = http_context_allocator(CurrentMemoryContext);
	mail_list_init(&list, &allocator);
	if (given->type == FP_ARRAY)
	{
		for (i = 0; i < given->u.arr.count; i++)
			(void) mail_list_add(&list, fp_to_text(given->u.arr.items[i]));
	}
	else
		(void) mail_list_add(&list, fp_to_text(given));
	if (list.failed)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	for (i = 0; i < list.count; i++)
		fp_append(out, fp_cstring(list.items[i]));
}

/* Render a property as text into req under key (when present). */
static bool
render_text(Execution *e, TaskRun *run, const char *prop, FpValue *req, const char *key,
			char **error)
{
	FpValue    *v;

	if (!exec_render_prop(e, run, prop, &v, error))
		return false;
	if (v && v->type != FP_NULL)
		fp_set(req, key, fp_cstring(fp_to_text(v)));
	return true;
}

/* MailSend: render the message and the SMTP connection for the worker. */
static FpValue *
mail_prepare(Execution *e, TaskRun *run, char **error)
{
	FpValue    *req = fp_object(12);
	FpValue    *host,
			   *port,
			   *transport,
			   *to,
			   *cc,
			   *bcc;
	FpValue    *to_list = fp_array(2),
			   *cc_list = fp_array(1),
			   *bcc_list = fp_array(1);
	const char *mode;
	int64		port_number;

	if (!exec_render_prop(e, run, "host", &host, error) ||
		!exec_render_prop(e, run, "port", &port, error) ||
		!exec_render_prop(e, run, "transportStrategy", &transport, error) ||
		!exec_render_prop(e, run, "to", &to, error) ||
		!exec_render_prop(e, run, "cc", &cc, error) ||
		!exec_render_prop(e, run, "bcc", &bcc, error) ||
		!render_text(e, run, "from", req, "from", error) ||
		!render_text(e, run, "subject", req, "subject", error) ||
		!render_text(e, run, "htmlTextContent", req, "html", error) ||
		!render_text(e, run, "plainTextContent", req, "text", error) ||
		!render_text(e, run, "username", req, "username", error) ||
		!render_text(e, run, "password", req, "password", error))
		return NULL;
	if (host == NULL || fp_to_text(host)[0] == '\0')
	{
		*error = pstrdup("MailSend needs a host");
		return NULL;
	}
	if (fp_get(req, "from") == NULL)
	{
		*error = pstrdup("MailSend needs a from address");
		return NULL;
	}
	add_addresses(to_list, to);
	add_addresses(cc_list, cc);
	add_addresses(bcc_list, bcc);
	if (to_list->u.arr.count + cc_list->u.arr.count + bcc_list->u.arr.count == 0)
	{
		*error = pstrdup("MailSend needs at least one recipient in to, cc or bcc");
		return NULL;
	}
	mode = transport ? fp_to_text(transport) : "SMTPS";
	if (strcmp(mode, "SMTP") != 0 && strcmp(mode, "SMTPS") != 0 && strcmp(mode, "SMTP_TLS") != 0)
	{
		*error = psprintf("transportStrategy must be SMTP, SMTPS or SMTP_TLS, not \"%s\"", mode);
		return NULL;
	}
	port_number = strcmp(mode, "SMTPS") == 0 ? 465 : strcmp(mode, "SMTP_TLS") == 0 ? 587 : 25;
	if (port)
	{
		if (port->type == FP_INT)
			port_number = port->u.i;
		else
			port_number = strtol(fp_to_text(port), NULL, 10);
		if (port_number <= 0 || port_number > 65535)
		{
			*error = psprintf("port must be between 1 and 65535, not %s", fp_to_text(port));
			return NULL;
		}
	}
	fp_set(req, "protocol", fp_cstring("smtp"));
	fp_set(req, "url", fp_cstring(psprintf("%s://%s:%d", strcmp(mode, "SMTPS") == 0 ? "smtps" : "smtp",
										   fp_to_text(host), (int) port_number)));
	fp_set(req, "transport", fp_cstring(mode));
	fp_set(req, "to", to_list);
	fp_set(req, "cc", cc_list);
	fp_set(req, "bcc", bcc_list);

	/*
	 * the task's timeout bounds the whole SMTP session, up to
	 * flowpg.max_request_timeout; else flowpg.http_timeout
	 */
	if (!task_request_timeout(e, run, req, error))
		return NULL;
	return req;
}

/* MailSend succeeds when the server accepted the message. */
static FlowState
mail_finish(Execution *e, TaskRun *run, const FpValue *request, const FpValue *result,
			char **error)
{
	const char *curl_error = fp_get_str(result, "error");

	(void) e;
	run->outputs = NULL;
	if (curl_error)
	{
		*error = psprintf("sending mail through %s failed: %s", fp_get_str(request, "url"), curl_error);
		return ST_FAILED;
	}
	return ST_SUCCESS;
}

/* notifications.mail.MailSend */
const TaskType task_mail = {
	.name = "io.kestra.plugin.notifications.mail.MailSend",
	.kind = TASK_EXTERNAL,
	.props = mail_props,
	.prepare = mail_prepare,
	.finish = mail_finish,
};
