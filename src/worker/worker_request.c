/*-------------------------------------------------------------------------
 *
 * worker_request.c
 *	  Between the executor and the HTTP engine: a request description, as
 *	  an external task's prepare function renders it into its work row,
 *	  becomes an HttpRequest; an HttpResult becomes the result value that
 *	  the task's finish function reads.
 *
 * Request descriptions (detail.request of a work row):
 *
 *	protocol "http": url, method, headers {name: value}, body | form
 *		{name: value} with multipart (bool), connectTimeoutMs, timeoutMs,
 *		readTimeoutMs, followRedirects, allowFailed (read by the task); a
 *		form is a list of [name, value] pairs (in the flow's order) or a map
 *	protocol "smtp": url smtp(s)://host:port, transport (SMTP, SMTPS,
 *		SMTP_TLS), from, to, cc, bcc (lists, as written), subject, html,
 *		text, username, password, timeoutMs
 *
 * Every HTTP request carries Flowpg-Task-Run: <task run id>/<attempt> so
 * that its receiver can recognise a request sent again after a crash; a
 * message gets a Message-ID built from the same two, for the same reason.
 *
 * Results: {code, headers {name: [values]}, body, truncated, error}, with
 * error present only when no answer came (timeout, connection refused,
 * TLS failure, refused recipient, ...).  Text from the network is made
 * valid UTF-8 without NUL bytes before it goes near jsonb.
 *
 * Everything is allocated in CurrentMemoryContext; the engine copies a
 * request at submit.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "mb/pg_wchar.h"

#include "flowpg.h"
#include "mail.h"
#include "worker_internal.h"

#define TASK_RUN_HEADER "Flowpg-Task-Run"

/* A non-negative integer member of a description, or dflt. */
static long
desc_ms(const FpValue *desc, const char *key, long dflt)
{
	FpValue    *v = fp_get(desc, key);

	if (v == NULL)
		return dflt;
	if (v->type == FP_INT && v->u.i >= 0)
		return (long) Min(v->u.i, (int64) LONG_MAX);
	if (v->type == FP_FLOAT && v->u.f >= 0)
		return (long) Min(v->u.f, (double) LONG_MAX);
	return dflt;
}

/* A boolean member of a description, or dflt. */
static bool
desc_bool(const FpValue *desc, const char *key, bool dflt)
{
	FpValue    *v = fp_get(desc, key);

	return (v && v->type == FP_BOOL) ? v->u.b : dflt;
}

/* A member as text (numbers and booleans written out), or NULL when absent or null. */
static const char *
desc_text(const FpValue *desc, const char *key)
{
	FpValue    *v = fp_get(desc, key);

	if (v == NULL || v->type == FP_NULL)
		return NULL;
	if (v->type == FP_STRING)
		return v->u.str.ptr;
	return fp_to_text(v);
}

/* Case-insensitive (ASCII) equality of header names. */
static bool
header_name_is(const char *name, const char *want)
{
	return pg_strcasecmp(name, want) == 0;
}

/* The HTTP part of worker_build_request. */
static bool
build_http(const FpValue *desc, const char *task_run_id, int attempt, HttpRequest *req,
		   char **error)
{
	FpValue    *headers = fp_get(desc, "headers");
	FpValue    *form = fp_get(desc, "form");
	FpValue    *body = fp_get(desc, "body");
	HttpHeader *hdrs;
	int			nheaders = 0;
	int			i;

	req->kind = HTTP_KIND_HTTP;
	req->url = desc_text(desc, "url");
	if (req->url == NULL || req->url[0] == '\0')
	{
		*error = pstrdup("the request has no URL");
		return false;
	}
	req->method = desc_text(desc, "method");
	if (req->method)
	{
		char	   *upper = pstrdup(req->method);
		char	   *p;

		for (p = upper; *p; p++)
			*p = pg_toupper((unsigned char) *p);
		req->method = upper;
	}

	if (headers && headers->type != FP_OBJECT)
		headers = NULL;
	hdrs = palloc0(sizeof(HttpHeader) * ((headers ? headers->u.obj.count : 0) + 1));
	for (i = 0; headers && i < headers->u.obj.count; i++)
	{
		const char *name = headers->u.obj.pairs[i].key;
		FpValue    *value = headers->u.obj.pairs[i].value;

		/* the task run header is the worker's: a flow cannot forge another one */
		if (header_name_is(name, TASK_RUN_HEADER))
			continue;
		hdrs[nheaders].name = name;
		hdrs[nheaders].value = value->type == FP_NULL ? "" : fp_to_text(value);
		nheaders++;
	}
	hdrs[nheaders].name = TASK_RUN_HEADER;
	hdrs[nheaders].value = psprintf("%s/%d", task_run_id, attempt);
	nheaders++;
	req->headers = hdrs;
	req->nheaders = nheaders;

	if (form && (form->type == FP_OBJECT || form->type == FP_ARRAY))
	{
		int			count = form->type == FP_OBJECT ? form->u.obj.count : form->u.arr.count;
		HttpFormField *fields = palloc0(sizeof(HttpFormField) * Max(count, 1));
		int			n = 0;

		for (i = 0; i < count; i++)
		{
			const char *name;
			FpValue    *value;

			if (form->type == FP_OBJECT)
			{
				name = form->u.obj.pairs[i].key;
				value = form->u.obj.pairs[i].value;
			}
			else
			{
				FpValue    *pair = form->u.arr.items[i];

				if (pair->type != FP_ARRAY || pair->u.arr.count != 2)
					continue;
				name = fp_to_text(pair->u.arr.items[0]);
				value = pair->u.arr.items[1];
			}
			fields[n].name = name;
			fields[n].value = value->type == FP_NULL ? "" : fp_to_text(value);
			fields[n].value_len = (size_t) -1;
			n++;
		}
		req->form = fields;
		req->nform = n;
		req->form_kind = desc_bool(desc, "multipart", false) ?
			HTTP_FORM_MULTIPART : HTTP_FORM_URLENCODED;
	}
	else if (body && body->type != FP_NULL)
	{
		if (body->type == FP_STRING)
		{
			req->body = body->u.str.ptr;
			req->body_len = body->u.str.len;
		}
		else
		{
			req->body = fp_to_json(body);
			req->body_len = strlen(req->body);
		}
	}
	req->follow_redirects = desc_bool(desc, "followRedirects", true);
	return true;
}

/* Split "smtp://host:port" (host may be an IPv6 address, with or without []). */
static bool
split_smtp_url(const char *url, char **host, int *port)
{
	const char *rest = strstr(url, "://");
	const char *colon;
	char	   *h;
	char	   *end;
	long		p;

	if (rest == NULL)
		return false;
	rest += 3;
	colon = strrchr(rest, ':');
	if (colon == NULL || colon == rest)
		return false;
	p = strtol(colon + 1, &end, 10);
	if (*end != '\0' && *end != '/')
		return false;
	if (p <= 0 || p > 65535)
		return false;
	h = pnstrdup(rest, colon - rest);
	if (h[0] == '[' && h[strlen(h) - 1] == ']')
	{
		h[strlen(h) - 1] = '\0';
		h++;
	}
	*host = h;
	*port = (int) p;
	return true;
}

/* Add every address of a list member (strings, each as written) to l. */
static bool
add_list(MailAddressList *l, const FpValue *desc, const char *key)
{
	FpValue    *v = fp_get(desc, key);
	int			i;

	if (v == NULL || v->type == FP_NULL)
		return true;
	if (v->type != FP_ARRAY)
		return mail_list_add(l, fp_to_text(v));
	for (i = 0; i < v->u.arr.count; i++)
		if (!mail_list_add(l, fp_to_text(v->u.arr.items[i])))
			return false;
	return true;
}

/* The SMTP part of worker_build_request: the envelope and the RFC 5322 message. */
static bool
build_smtp(const FpValue *desc, const char *task_run_id, int attempt, HttpRequest *req,
		   char **error)
{
	FpAllocator *a = palloc(sizeof(FpAllocator));
	const char *url = desc_text(desc, "url");
	const char *transport = desc_text(desc, "transport");
	const char *from = desc_text(desc, "from");
	MailAddressList to,
				cc,
				bcc,
				envelope;
	MailMessage m;
	char		err[MAIL_ERROR_SIZE];
	char	   *display;
	char	   *addr;
	char	   *host;
	int			port;

	*a = http_context_allocator(CurrentMemoryContext);
	req->kind = HTTP_KIND_SMTP;
	if (url == NULL || !split_smtp_url(url, &host, &port))
	{
		*error = pstrdup("the mail request has no valid server address");
		return false;
	}
	req->smtp_host = host;
	req->smtp_port = port;
	if (transport == NULL || strcmp(transport, "SMTPS") == 0)
		req->smtp_transport = SMTP_TRANSPORT_SMTPS;
	else if (strcmp(transport, "SMTP_TLS") == 0)
		req->smtp_transport = SMTP_TRANSPORT_STARTTLS;
	else if (strcmp(transport, "SMTP") == 0)
		req->smtp_transport = SMTP_TRANSPORT_PLAIN;
	else
	{
		*error = psprintf("unknown mail transport \"%s\"", transport);
		return false;
	}

	err[0] = '\0';
	if (from == NULL || !mail_address_split(from, a, &display, &addr, err, sizeof(err)))
	{
		*error = psprintf("invalid sender address: %s", err[0] ? err : "none given");
		return false;
	}
	req->mail_from = addr;

	mail_list_init(&to, a);
	mail_list_init(&cc, a);
	mail_list_init(&bcc, a);
	mail_list_init(&envelope, a);
	if (!add_list(&to, desc, "to") || !add_list(&cc, desc, "cc") || !add_list(&bcc, desc, "bcc"))
	{
		*error = pstrdup("out of memory building the recipient list");
		return false;
	}
	/* every recipient goes into the envelope; bcc goes nowhere else */
	if (!mail_list_add_envelope(&envelope, &to, err, sizeof(err)) ||
		!mail_list_add_envelope(&envelope, &cc, err, sizeof(err)) ||
		!mail_list_add_envelope(&envelope, &bcc, err, sizeof(err)))
	{
		*error = psprintf("invalid recipient: %s", err);
		return false;
	}
	if (envelope.count == 0)
	{
		*error = pstrdup("the message has no recipient");
		return false;
	}
	req->rcpt = (const char *const *) envelope.items;
	req->nrcpt = envelope.count;

	memset(&m, 0, sizeof(m));
	m.from = from;
	m.to = (const char *const *) to.items;
	m.nto = to.count;
	m.cc = (const char *const *) cc.items;
	m.ncc = cc.count;
	m.subject = desc_text(desc, "subject");
	m.text = desc_text(desc, "text");
	m.html = desc_text(desc, "html");
	m.unique_id = psprintf("%s.%d", task_run_id, attempt);
	req->payload = mail_build(&m, a, &req->payload_len, err, sizeof(err));
	if (req->payload == NULL)
	{
		*error = psprintf("cannot build the message: %s", err);
		return false;
	}
	req->username = desc_text(desc, "username");
	req->password = desc_text(desc, "password");
	return true;
}

/*
 * Fill req from a request description for attempt number attempt of a task
 * run.  False with *error when the description cannot be sent.
 */
bool
worker_build_request(const FpValue *description, const char *task_run_id, int attempt,
					 HttpRequest *req, char **error)
{
	const char *protocol;
	bool		ok;

	memset(req, 0, sizeof(HttpRequest));
	if (description == NULL || description->type != FP_OBJECT)
	{
		*error = pstrdup("the work row holds no request");
		return false;
	}
	protocol = fp_get_str(description, "protocol");
	if (protocol && strcmp(protocol, "http") == 0)
		ok = build_http(description, task_run_id, attempt, req, error);
	else if (protocol && strcmp(protocol, "smtp") == 0)
		ok = build_smtp(description, task_run_id, attempt, req, error);
	else
	{
		*error = psprintf("unknown request protocol \"%s\"", protocol ? protocol : "");
		return false;
	}
	if (!ok)
		return false;
	req->connect_timeout_ms = desc_ms(description, "connectTimeoutMs", 0);
	req->read_timeout_ms = desc_ms(description, "readTimeoutMs", 0);
	req->timeout_ms = desc_ms(description, "timeoutMs", flowpg_http_timeout_ms);
	if (req->timeout_ms <= 0)
		req->timeout_ms = flowpg_http_timeout_ms;
	/* the cap in force now, over the task's timeout and the default alike */
	req->timeout_ms = Min(req->timeout_ms, (long) flowpg_max_request_timeout_s * 1000);
	/* checked by the engine on every address it connects to (issue 11) */
	req->allow_local = flowpg_allow_local_targets;
	if (flowpg_ca_file && flowpg_ca_file[0] != '\0')
		req->ca_file = flowpg_ca_file;
	return true;
}

/*
 * len bytes of s as valid UTF-8 without NUL: every byte that does not start
 * a well-formed character (and every NUL) becomes U+FFFD.
 */
char *
worker_clean_text(const char *s, size_t len)
{
	StringInfoData buf;
	const unsigned char *p = (const unsigned char *) s;
	size_t		i = 0;

	initStringInfo(&buf);
	while (i < len)
	{
		int			n = pg_utf_mblen(p + i);

		if (p[i] != 0 && (size_t) n <= len - i && pg_utf8_islegal(p + i, n))
		{
			appendBinaryStringInfo(&buf, (const char *) p + i, n);
			i += n;
		}
		else
		{
			appendStringInfoString(&buf, "\xEF\xBF\xBD");
			i++;
		}
	}
	return buf.data;
}

/* What an outcome without an answer is called in the error. */
static const char *
outcome_words(HttpOutcome outcome)
{
	switch (outcome)
	{
		case HTTP_OUTCOME_TIMEOUT:
			return "timed out";
		case HTTP_OUTCOME_CONNECT:
			return "could not connect";
		case HTTP_OUTCOME_INVALID:
			return "invalid request";
		case HTTP_OUTCOME_CANCELLED:
			return "cancelled";
		case HTTP_OUTCOME_FAILED:
		case HTTP_OUTCOME_DONE:
			break;
	}
	return "failed";
}

/* The result value of what the engine returned (see the file header). */
FpValue *
worker_result_value(const HttpResult *r)
{
	FpValue    *v = fp_object(5);
	FpValue    *headers = fp_object(r->nheaders);
	int			i;

	fp_set(v, "code", fp_int(r->code));
	for (i = 0; i < r->nheaders; i++)
	{
		const char *name = r->headers[i].name ? r->headers[i].name : "";
		const char *value = r->headers[i].value ? r->headers[i].value : "";
		char	   *clean_name = worker_clean_text(name, strlen(name));
		FpValue    *list = fp_get(headers, clean_name);

		if (list == NULL)
		{
			list = fp_array(1);
			fp_set(headers, clean_name, list);
		}
		fp_append(list, fp_cstring(worker_clean_text(value, strlen(value))));
	}
	fp_set(v, "headers", headers);
	fp_set(v, "body", fp_cstring(worker_clean_text(r->body, r->body_len)));
	fp_set(v, "truncated", fp_bool(r->body_truncated));
	if (r->outcome != HTTP_OUTCOME_DONE)
	{
		const char *detail = worker_clean_text(r->error, strnlen(r->error, HTTP_ERROR_SIZE));

		fp_set(v, "error", fp_cstring(detail[0] ?
									  psprintf("%s: %s", outcome_words(r->outcome), detail) :
									  outcome_words(r->outcome)));
	}
	return v;
}

/* The result value of a request that could not be sent at all. */
FpValue *
worker_error_value(const char *error)
{
	FpValue    *v = fp_object(5);

	fp_set(v, "code", fp_int(0));
	fp_set(v, "headers", fp_object(0));
	fp_set(v, "body", fp_null());
	fp_set(v, "truncated", fp_bool(false));
	fp_set(v, "error", fp_cstring(error));
	return v;
}
