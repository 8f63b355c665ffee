/*-------------------------------------------------------------------------
 *
 * http_driver.c
 *	  Standalone test driver for the HTTP engine (src/base/http.c) and the mail
 *	  builder (src/base/mail.c), run by test/t/01_http_engine.pl against the
 *	  loopback sinks in test/fixtures.  Not part of the extension.
 *
 *	  http_driver request [options]		HTTP requests; one JSON line per
 *										result, then a summary line
 *	  http_driver mail [options]		build a message and send it by SMTP
 *										(or print it with --print)
 *	  http_driver addresses TEXT...		split to/cc/bcc texts, print the
 *										list and the envelope as JSON
 *
 * Build: cc -Isrc/base test/unit/http_driver.c src/base/http.c src/base/http_local.c src/base/mail.c
 *		  src/base/fpmem.c -lcurl
 *
 *-------------------------------------------------------------------------
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http.h"
#include "mail.h"

#define MAX_ITEMS 64

/* Command-line state shared by the subcommands. */
typedef struct Options
{
	/* engine */
	int			max_in_flight;
	size_t		max_body;
	const char *wait_mode;		/* "poll" or "fd" */
	bool		quiet;
	int			repeat;
	int			cancel_after_ms;
	int			abandon_after_ms;

	/* HTTP */
	const char *urls[MAX_ITEMS];
	int			nurls;
	const char *method;
	HttpHeader	headers[MAX_ITEMS];
	int			nheaders;
	char	   *body;
	size_t		body_len;
	bool		body_allocated;
	HttpFormField form[MAX_ITEMS];
	int			nform;
	HttpFormKind form_kind;
	bool		follow;
	int			max_redirects;
	long		timeout_ms;
	long		connect_timeout_ms;
	long		read_timeout_ms;
	const char *ca_file;
	bool		insecure;
	bool		refuse_local;	/* --refuse-local: as the worker with
								 * flowpg.allow_local_targets off */

	/* mail */
	const char *host;
	int			port;
	SmtpTransport transport;
	const char *user;
	const char *pass;
	const char *from;
	const char *to[MAX_ITEMS];
	int			nto;
	const char *cc[MAX_ITEMS];
	int			ncc;
	const char *bcc[MAX_ITEMS];
	int			nbcc;
	const char *subject;
	const char *text;
	const char *html;
	const char *unique_id;
	const char *raw_file;
	bool		print_only;
} Options;

/* Exit with a message: the driver's only error path. */
static void
die(const char *fmt, const char *arg)
{
	fprintf(stderr, "http_driver: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	exit(2);
}

/* Milliseconds on the monotonic clock. */
static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* Read a whole file into a malloc'd buffer. */
static char *
read_file(const char *path, size_t *len)
{
	FILE	   *f = fopen(path, "rb");
	char	   *buf;
	long		n;

	if (f == NULL)
		die("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(n + 1);
	if (buf == NULL || fread(buf, 1, n, f) != (size_t) n)
		die("cannot read %s", path);
	buf[n] = '\0';
	fclose(f);
	*len = n;
	return buf;
}

/*
 * Print len bytes as a JSON string.  Bytes >= 0x80 are printed as \u00XX
 * (each byte one character), so binary or cut UTF-8 stays valid JSON.
 */
static void
json_str(const char *s, size_t len)
{
	size_t		i;

	putchar('"');
	for (i = 0; s != NULL && i < len; i++)
	{
		unsigned char c = (unsigned char) s[i];

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

/* Print a NUL-terminated string as JSON (null for NULL). */
static void
json_cstr(const char *s)
{
	if (s == NULL)
		fputs("null", stdout);
	else
		json_str(s, strlen(s));
}

/* Print one result as a JSON line. */
static void
print_result(const HttpResult *r)
{
	int			i;
	size_t		shown = r->body_len > 65536 ? 65536 : r->body_len;

	printf("{\"tag\":%llu,\"outcome\":\"%s\",\"curl_code\":%d,\"code\":%ld,",
		   (unsigned long long) r->tag, http_outcome_name(r->outcome),
		   r->curl_code, r->code);
	printf("\"body_len\":%zu,\"body_truncated\":%s,\"body\":", r->body_len,
		   r->body_truncated ? "true" : "false");
	json_str(r->body, shown);
	printf(",\"headers\":[");
	for (i = 0; i < r->nheaders; i++)
	{
		printf(i > 0 ? ",[" : "[");
		json_cstr(r->headers[i].name);
		putchar(',');
		json_cstr(r->headers[i].value);
		putchar(']');
	}
	printf("],\"headers_truncated\":%s,\"effective_url\":",
		   r->headers_truncated ? "true" : "false");
	json_cstr(r->effective_url);
	printf(",\"redirects\":%ld,\"sent\":%s,\"queued_ms\":%.3f,\"elapsed_ms\":%.3f,\"error\":",
		   r->redirects, r->sent ? "true" : "false",
		   r->queued_us / 1000.0, r->elapsed_us / 1000.0);
	json_cstr(r->error);
	printf("}\n");
}

/*
 * Wait the way the worker will: poll(2) on the engine's descriptor (the
 * worker uses WaitLatchOrSocket on it), bounded by the engine's timeout,
 * then a non-blocking engine step.
 */
static int
wait_fd_step(HttpEngine *e)
{
	struct pollfd pfd;
	int			timeout = http_engine_timeout(e);

	if (timeout < 0 || timeout > 1000)
		timeout = 1000;
	pfd.fd = http_engine_fd(e);
	pfd.events = POLLIN;
	pfd.revents = 0;
	if (poll(&pfd, 1, timeout) < 0 && errno != EINTR)
		die("poll failed: %s", strerror(errno));
	return http_engine_poll(e, 0);
}

/*
 * Run the engine until every submitted request has its result, printing
 * results and a summary.  Bounded: gives up after 120 seconds.
 */
static int
run_engine(HttpEngine *e, const Options *o, int total)
{
	double		start = now_ms();
	int			got = 0;
	int			max_running = 0;
	int			counts[HTTP_OUTCOME_CANCELLED + 1] = {0};
	long		code_2xx = 0;
	long		code_other = 0;
	bool		cancelled = false;
	bool		use_fd = o->wait_mode != NULL && strcmp(o->wait_mode, "fd") == 0;
	double		elapsed;
	int			i;

	while (got < total)
	{
		HttpResult *r;

		if (now_ms() - start > 120000)
			die("%s", "gave up waiting for results after 120 s");
		if (o->abandon_after_ms > 0 && now_ms() - start >= o->abandon_after_ms)
		{
			/* the caller destroys the engine with these still running */
			printf("{\"abandoned\":true,\"running\":%d,\"queued\":%d,\"results\":%d}\n",
				   http_engine_running(e), http_engine_queued(e), http_engine_results(e));
			break;
		}
		if (o->cancel_after_ms > 0 && !cancelled && now_ms() - start >= o->cancel_after_ms)
		{
			printf("{\"cancel\":0,\"found\":%s}\n", http_engine_cancel(e, 0) ? "true" : "false");
			cancelled = true;
		}
		if (http_engine_running(e) > max_running)
			max_running = http_engine_running(e);
		if ((use_fd ? wait_fd_step(e) :
			 http_engine_poll(e, o->cancel_after_ms > 0 || o->abandon_after_ms > 0 ? 10 : 100)) < 0)
			die("engine failed: %s", http_engine_error(e));
		if (http_engine_running(e) > max_running)
			max_running = http_engine_running(e);
		while ((r = http_engine_next_result(e)) != NULL)
		{
			got++;
			counts[r->outcome]++;
			if (r->outcome == HTTP_OUTCOME_DONE && r->code >= 200 && r->code < 300)
				code_2xx++;
			else
				code_other++;
			if (!o->quiet)
				print_result(r);
			http_result_free(e, r);
		}
	}
	elapsed = now_ms() - start;
	printf("{\"summary\":true,\"count\":%d,\"elapsed_ms\":%.1f,\"per_second\":%.1f,"
		   "\"max_running\":%d,\"code_2xx\":%ld,\"other\":%ld",
		   got, elapsed, elapsed > 0 ? got * 1000.0 / elapsed : 0.0, max_running,
		   code_2xx, code_other);
	for (i = 0; i <= HTTP_OUTCOME_CANCELLED; i++)
		printf(",\"%s\":%d", http_outcome_name((HttpOutcome) i), counts[i]);
	printf("}\n");
	fflush(stdout);
	return 0;
}

/* Create the engine the options ask for (malloc allocator). */
static HttpEngine *
make_engine(const Options *o)
{
	HttpEngineOptions eo;
	HttpEngine *e;
	char		err[HTTP_ERROR_SIZE];

	memset(&eo, 0, sizeof(eo));
	eo.max_in_flight = o->max_in_flight;
	eo.max_body = o->max_body;
	eo.default_timeout_ms = 30000;
	e = http_engine_create(&eo, err, sizeof(err));
	if (e == NULL)
		die("cannot create engine: %s", err);
	return e;
}

/* Submit every URL (repeat times) and run to completion. */
static int
cmd_request(const Options *o)
{
	HttpEngine *e = make_engine(o);
	int			total = 0;
	int			rep;
	int			i;

	if (o->nurls == 0)
		die("%s", "request needs --url");
	for (rep = 0; rep < o->repeat; rep++)
	{
		for (i = 0; i < o->nurls; i++)
		{
			HttpRequest req;

			memset(&req, 0, sizeof(req));
			req.kind = HTTP_KIND_HTTP;
			req.url = o->urls[i];
			req.method = o->method;
			req.headers = o->headers;
			req.nheaders = o->nheaders;
			req.body = o->body;
			req.body_len = o->body_len;
			req.form_kind = o->form_kind;
			req.form = o->form;
			req.nform = o->nform;
			req.follow_redirects = o->follow;
			req.max_redirects = o->max_redirects;
			req.timeout_ms = o->timeout_ms;
			req.connect_timeout_ms = o->connect_timeout_ms;
			req.read_timeout_ms = o->read_timeout_ms;
			req.ca_file = o->ca_file;
			req.insecure = o->insecure;
			req.allow_local = !o->refuse_local;
			if (!http_engine_submit(e, &req, (uint64_t) total))
				die("%s", "submit failed: out of memory");
			total++;
		}
	}
	run_engine(e, o, total);
	http_engine_destroy(e);
	if (o->body_allocated)
		free(o->body);
	return 0;
}

/* Add each text to a list (splitting it); die on failure. */
static void
fill_list(MailAddressList *l, const char *const *texts, int n)
{
	int			i;

	for (i = 0; i < n; i++)
		if (!mail_list_add(l, texts[i]))
			die("%s", "out of memory");
}

static void send_mail(const Options *o, const char *payload, size_t payload_len,
					  const char *from_addr, const MailAddressList *env);

/* Build a message from the options (or read --raw-file) and send it. */
static int
cmd_mail(const Options *o)
{
	const FpAllocator *a = &fp_malloc_allocator;
	MailAddressList to, cc, bcc, env;
	MailMessage m;
	char		err[MAIL_ERROR_SIZE];
	char	   *payload;
	size_t		payload_len = 0;
	char	   *from_display = NULL;
	char	   *from_addr = NULL;
	int			status = 0;

	mail_list_init(&to, a);
	mail_list_init(&cc, a);
	mail_list_init(&bcc, a);
	mail_list_init(&env, a);
	fill_list(&to, o->to, o->nto);
	fill_list(&cc, o->cc, o->ncc);
	fill_list(&bcc, o->bcc, o->nbcc);
	if (!mail_list_add_envelope(&env, &to, err, sizeof(err)) ||
		!mail_list_add_envelope(&env, &cc, err, sizeof(err)) ||
		!mail_list_add_envelope(&env, &bcc, err, sizeof(err)))
		payload = NULL;
	else if (o->raw_file != NULL)
		payload = read_file(o->raw_file, &payload_len);
	else
	{
		memset(&m, 0, sizeof(m));
		m.from = o->from;
		m.to = (const char *const *) to.items;
		m.nto = to.count;
		m.cc = (const char *const *) cc.items;
		m.ncc = cc.count;
		m.subject = o->subject;
		m.text = o->text;
		m.html = o->html;
		m.unique_id = o->unique_id;
		payload = mail_build(&m, a, &payload_len, err, sizeof(err));
	}
	if (payload == NULL)
	{
		printf("{\"error\":");
		json_cstr(err);
		printf("}\n");
		status = 1;
	}
	else if (o->print_only)
		fwrite(payload, 1, payload_len, stdout);
	else if (!mail_address_split(o->from, a, &from_display, &from_addr, err, sizeof(err)))
	{
		printf("{\"error\":");
		json_cstr(err);
		printf("}\n");
		status = 1;
	}
	else
		send_mail(o, payload, payload_len, from_addr, &env);
	fflush(stdout);
	fp_free(a, from_display);
	fp_free(a, from_addr);
	fp_free(a, payload);
	mail_list_free(&to);
	mail_list_free(&cc);
	mail_list_free(&bcc);
	mail_list_free(&env);
	return status;
}

/* Send payload repeat times over SMTP and print the results. */
static void
send_mail(const Options *o, const char *payload, size_t payload_len,
		  const char *from_addr, const MailAddressList *env)
{
	HttpEngine *e = make_engine(o);
	int			rep;

	for (rep = 0; rep < o->repeat; rep++)
	{
		HttpRequest req;

		memset(&req, 0, sizeof(req));
		req.kind = HTTP_KIND_SMTP;
		req.smtp_host = o->host;
		req.smtp_port = o->port;
		req.smtp_transport = o->transport;
		req.mail_from = from_addr;
		req.rcpt = (const char *const *) env->items;
		req.nrcpt = env->count;
		req.username = o->user;
		req.password = o->pass;
		req.payload = payload;
		req.payload_len = payload_len;
		req.timeout_ms = o->timeout_ms;
		req.connect_timeout_ms = o->connect_timeout_ms;
		req.ca_file = o->ca_file;
		req.insecure = o->insecure;
		req.allow_local = !o->refuse_local;
		if (!http_engine_submit(e, &req, (uint64_t) rep))
			die("%s", "submit failed: out of memory");
	}
	run_engine(e, o, o->repeat);
	http_engine_destroy(e);
}

/* Split each argument as a to/cc/bcc text; print the list and envelope. */
static int
cmd_addresses(int argc, char **argv)
{
	int			i;

	for (i = 0; i < argc; i++)
	{
		MailAddressList l, env;
		char		err[MAIL_ERROR_SIZE];
		bool		ok;
		int			j;

		mail_list_init(&l, &fp_malloc_allocator);
		mail_list_init(&env, &fp_malloc_allocator);
		mail_list_add(&l, argv[i]);
		err[0] = '\0';
		ok = mail_list_add_envelope(&env, &l, err, sizeof(err));
		printf("{\"input\":");
		json_cstr(argv[i]);
		printf(",\"items\":[");
		for (j = 0; j < l.count; j++)
		{
			if (j > 0)
				putchar(',');
			json_cstr(l.items[j]);
		}
		printf("],\"envelope\":[");
		for (j = 0; ok && j < env.count; j++)
		{
			if (j > 0)
				putchar(',');
			json_cstr(env.items[j]);
		}
		printf("],\"error\":");
		json_cstr(ok ? NULL : err);
		printf("}\n");
		mail_list_free(&l);
		mail_list_free(&env);
	}
	return 0;
}

/* The value after option argv[*i], or die (argv's strings are writable). */
static char *
need(int argc, char **argv, int *i)
{
	if (*i + 1 >= argc)
		die("%s needs a value", argv[*i]);
	return argv[++*i];
}

/* Parse "Name: value" into a header. */
static void
add_header(Options *o, char *arg)
{
	char	   *copy = arg;
	char	   *colon = strchr(copy, ':');

	if (colon == NULL || o->nheaders >= MAX_ITEMS)
		die("bad --header %s", arg);
	*colon = '\0';
	colon++;
	while (*colon == ' ')
		colon++;
	o->headers[o->nheaders].name = copy;
	o->headers[o->nheaders].value = colon;
	o->nheaders++;
}

/* Parse "name=value" into a form field. */
static void
add_form(Options *o, char *arg, const char *filename, const char *ctype)
{
	char	   *copy = arg;
	char	   *eq = strchr(copy, '=');

	if (eq == NULL || o->nform >= MAX_ITEMS)
		die("bad form field %s", arg);
	*eq = '\0';
	o->form[o->nform].name = copy;
	o->form[o->nform].value = eq + 1;
	o->form[o->nform].value_len = (size_t) -1;
	o->form[o->nform].filename = filename;
	o->form[o->nform].content_type = ctype;
	o->nform++;
}

/* Parse the options shared by request and mail. */
static void
parse_options(Options *o, int argc, char **argv)
{
	int			i;

	for (i = 0; i < argc; i++)
	{
		const char *a = argv[i];

		if (strcmp(a, "--max-in-flight") == 0)
			o->max_in_flight = atoi(need(argc, argv, &i));
		else if (strcmp(a, "--max-body") == 0)
			o->max_body = (size_t) atol(need(argc, argv, &i));
		else if (strcmp(a, "--wait") == 0)
			o->wait_mode = need(argc, argv, &i);
		else if (strcmp(a, "--quiet") == 0)
			o->quiet = true;
		else if (strcmp(a, "--repeat") == 0)
			o->repeat = atoi(need(argc, argv, &i));
		else if (strcmp(a, "--cancel-after-ms") == 0)
			o->cancel_after_ms = atoi(need(argc, argv, &i));
		else if (strcmp(a, "--abandon-after-ms") == 0)
			o->abandon_after_ms = atoi(need(argc, argv, &i));
		else if (strcmp(a, "--url") == 0)
		{
			if (o->nurls >= MAX_ITEMS)
				die("%s", "too many --url");
			o->urls[o->nurls++] = need(argc, argv, &i);
		}
		else if (strcmp(a, "--method") == 0)
			o->method = need(argc, argv, &i);
		else if (strcmp(a, "--header") == 0)
			add_header(o, need(argc, argv, &i));
		else if (strcmp(a, "--body") == 0)
		{
			o->body = need(argc, argv, &i);
			o->body_len = strlen(o->body);
		}
		else if (strcmp(a, "--body-file") == 0)
		{
			o->body = read_file(need(argc, argv, &i), &o->body_len);
			o->body_allocated = true;
		}
		else if (strcmp(a, "--form") == 0)
			add_form(o, need(argc, argv, &i), NULL, NULL);
		else if (strcmp(a, "--form-file") == 0)
		{
			char	   *field = need(argc, argv, &i);
			const char *filename = need(argc, argv, &i);
			const char *ctype = need(argc, argv, &i);

			add_form(o, field, filename, ctype);
		}
		else if (strcmp(a, "--form-kind") == 0)
		{
			const char *k = need(argc, argv, &i);

			o->form_kind = strcmp(k, "multipart") == 0 ? HTTP_FORM_MULTIPART :
				strcmp(k, "urlencoded") == 0 ? HTTP_FORM_URLENCODED : HTTP_FORM_NONE;
		}
		else if (strcmp(a, "--follow") == 0)
			o->follow = true;
		else if (strcmp(a, "--max-redirects") == 0)
			o->max_redirects = atoi(need(argc, argv, &i));
		else if (strcmp(a, "--timeout-ms") == 0)
			o->timeout_ms = atol(need(argc, argv, &i));
		else if (strcmp(a, "--connect-timeout-ms") == 0)
			o->connect_timeout_ms = atol(need(argc, argv, &i));
		else if (strcmp(a, "--read-timeout-ms") == 0)
			o->read_timeout_ms = atol(need(argc, argv, &i));
		else if (strcmp(a, "--ca") == 0)
			o->ca_file = need(argc, argv, &i);
		else if (strcmp(a, "--insecure") == 0)
			o->insecure = true;
		else if (strcmp(a, "--refuse-local") == 0)
			o->refuse_local = true;
		else if (strcmp(a, "--host") == 0)
			o->host = need(argc, argv, &i);
		else if (strcmp(a, "--port") == 0)
			o->port = atoi(need(argc, argv, &i));
		else if (strcmp(a, "--transport") == 0)
		{
			const char *t = need(argc, argv, &i);

			o->transport = strcmp(t, "smtps") == 0 ? SMTP_TRANSPORT_SMTPS :
				strcmp(t, "starttls") == 0 ? SMTP_TRANSPORT_STARTTLS : SMTP_TRANSPORT_PLAIN;
		}
		else if (strcmp(a, "--user") == 0)
			o->user = need(argc, argv, &i);
		else if (strcmp(a, "--pass") == 0)
			o->pass = need(argc, argv, &i);
		else if (strcmp(a, "--from") == 0)
			o->from = need(argc, argv, &i);
		else if (strcmp(a, "--to") == 0 && o->nto < MAX_ITEMS)
			o->to[o->nto++] = need(argc, argv, &i);
		else if (strcmp(a, "--cc") == 0 && o->ncc < MAX_ITEMS)
			o->cc[o->ncc++] = need(argc, argv, &i);
		else if (strcmp(a, "--bcc") == 0 && o->nbcc < MAX_ITEMS)
			o->bcc[o->nbcc++] = need(argc, argv, &i);
		else if (strcmp(a, "--subject") == 0)
			o->subject = need(argc, argv, &i);
		else if (strcmp(a, "--text") == 0)
			o->text = need(argc, argv, &i);
		else if (strcmp(a, "--html") == 0)
			o->html = need(argc, argv, &i);
		else if (strcmp(a, "--unique-id") == 0)
			o->unique_id = need(argc, argv, &i);
		else if (strcmp(a, "--raw-file") == 0)
			o->raw_file = need(argc, argv, &i);
		else if (strcmp(a, "--print") == 0)
			o->print_only = true;
		else
			die("unknown option %s", a);
	}
}

/*
 * Dispatch to a subcommand.  SIGPIPE is ignored as in every PostgreSQL
 * backend: with CURLOPT_NOSIGNAL libcurl does not do it for TLS writes to
 * a peer that went away.
 */
int
main(int argc, char **argv)
{
	Options		o;

	signal(SIGPIPE, SIG_IGN);
	memset(&o, 0, sizeof(o));
	o.max_in_flight = 16;
	o.repeat = 1;
	if (argc < 2)
		die("%s", "usage: http_driver request|mail|addresses ...");
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	if (strcmp(argv[1], "addresses") == 0)
		return cmd_addresses(argc - 2, argv + 2);
	parse_options(&o, argc - 2, argv + 2);
	if (strcmp(argv[1], "request") == 0)
		return cmd_request(&o);
	if (strcmp(argv[1], "mail") == 0)
		return cmd_mail(&o);
	die("unknown command %s", argv[1]);
	return 2;
}
