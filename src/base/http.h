/*-------------------------------------------------------------------------
 *
 * http.h
 *	  The network engine of the background worker: HTTP(S) requests and
 *	  SMTP(S) mail sent through libcurl's multi interface, many at once.
 *
 * Plain C without PostgreSQL headers, so that it never raises an error and
 * can be tested outside the server (test/unit/http_driver.c).  The server
 * side wraps it in http_backend.c: engine memory in a named memory context,
 * and a wait on the process latch and the engine's file descriptor at once.
 *
 * Life of a request:
 *
 *	http_engine_submit(e, &req, tag)	copies everything req points to; the
 *										caller may free req at once
 *	  queued							FIFO, until fewer than max_in_flight
 *										transfers run
 *	  running							on libcurl's multi handle; timeouts
 *										count from here
 *	  finished							one HttpResult, carrying the tag
 *	http_engine_next_result(e)			hands results out in completion order
 *	http_result_free(e, r)
 *
 * Every accepted submission yields exactly one result, including requests
 * that are invalid (outcome HTTP_OUTCOME_INVALID) or cancelled, unless the
 * engine is destroyed first (then whether a running request reached its
 * server is unknown: delivery is at least once).  The only failure of
 * submit itself is running out of memory.
 *
 * Driving: http_engine_poll(e, ms) moves transfers forward for at most ms
 * milliseconds and returns as soon as a result is ready (at once when
 * nothing runs).  A caller that must also wait for something else (the
 * worker's latch) waits on http_engine_fd() becoming readable, bounded by
 * http_engine_timeout(), and then calls http_engine_poll(e, 0).
 *
 * Callbacks of libcurl store into buffers from the engine's allocator with
 * fixed caps and never longjmp; no libcurl state outlives a result.
 *
 * The process must ignore SIGPIPE (PostgreSQL's background workers do):
 * transfers run with CURLOPT_NOSIGNAL, so that libcurl never uses signals
 * itself, and a TLS write to a closed connection could otherwise kill it.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLOWPG_HTTP_H
#define FLOWPG_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fpmem.h"

/* response bodies are kept up to this size unless the engine says otherwise */
#define HTTP_DEFAULT_MAX_BODY	(1024 * 1024)
/* response headers kept: at most this many, of at most this many bytes in all */
#define HTTP_MAX_HEADERS		200
#define HTTP_MAX_HEADER_BYTES	(64 * 1024)
/* size of HttpResult.error */
#define HTTP_ERROR_SIZE			256

typedef struct HttpEngine HttpEngine;
struct sockaddr;

typedef enum HttpKind
{
	HTTP_KIND_HTTP,				/* http:// and https:// only */
	HTTP_KIND_SMTP				/* smtp:// and smtps:// only */
} HttpKind;

typedef enum HttpFormKind
{
	HTTP_FORM_NONE,				/* the body, if any, is sent as given */
	HTTP_FORM_URLENCODED,		/* application/x-www-form-urlencoded */
	HTTP_FORM_MULTIPART			/* multipart/form-data */
} HttpFormKind;

typedef enum SmtpTransport
{
	SMTP_TRANSPORT_PLAIN,		/* smtp://, no TLS */
	SMTP_TRANSPORT_SMTPS,		/* smtps://, TLS from the first byte */
	SMTP_TRANSPORT_STARTTLS		/* smtp:// upgraded with STARTTLS, required */
} SmtpTransport;

/* a header, in requests (borrowed) and results (owned by the result) */
typedef struct HttpHeader
{
	const char *name;
	const char *value;
} HttpHeader;

/* one field of an URL-encoded or multipart form */
typedef struct HttpFormField
{
	const char *name;
	const char *value;			/* bytes; NULL means empty */
	size_t		value_len;		/* (size_t) -1 means strlen(value) */
	const char *filename;		/* multipart only: sent as a file part */
	const char *content_type;	/* multipart only: the part's type */
} HttpFormField;

/*
 * A request.  Strings are NUL-terminated; NULL or 0 means "not given".
 * The engine copies all of it at submit.
 */
typedef struct HttpRequest
{
	HttpKind	kind;

	/* HTTP */
	const char *url;
	const char *method;			/* GET; POST when a body or form is given */
	const HttpHeader *headers;	/* sent as given; an empty value sends "Name:" */
	int			nheaders;
	const char *body;
	size_t		body_len;
	HttpFormKind form_kind;		/* a form replaces body */
	const HttpFormField *form;
	int			nform;
	bool		follow_redirects;
	int			max_redirects;	/* when following; 0 means 10 */

	/* SMTP */
	const char *smtp_host;		/* name or address; IPv6 with or without [] */
	int			smtp_port;		/* 0: 25, or 465 for SMTPS */
	SmtpTransport smtp_transport;
	const char *helo_domain;	/* name sent in EHLO; NULL: libcurl's default */
	const char *mail_from;		/* bare address (envelope sender) */
	const char *const *rcpt;	/* bare addresses: to, cc and bcc together */
	int			nrcpt;
	const char *username;		/* AUTH when given */
	const char *password;
	const char *payload;		/* the RFC 5322 message, CRLF line ends */
	size_t		payload_len;

	/* both */
	long		connect_timeout_ms; /* 0: libcurl's default (300 s) */
	long		timeout_ms;		/* whole transfer; 0: the engine's default */
	long		read_timeout_ms;	/* fail when no byte arrives for this long,
									 * rounded up to whole seconds; 0: none */
	const char *ca_file;		/* trust these certificates instead of the
								 * system's */
	bool		insecure;		/* do not verify the peer's certificate */
	size_t		max_body;		/* 0: the engine's max_body */
	bool		allow_local;	/* may connect to loopback, link-local and
								 * unspecified addresses (see
								 * http_local_address_kind); false: such a
								 * connection is refused, outcome INVALID */
} HttpRequest;

typedef enum HttpOutcome
{
	HTTP_OUTCOME_DONE,			/* an answer came: see code (may be >= 400) */
	HTTP_OUTCOME_TIMEOUT,		/* connect, read or total timeout */
	HTTP_OUTCOME_CONNECT,		/* name not resolved or connection refused */
	HTTP_OUTCOME_FAILED,		/* TLS, protocol, authentication, send or
								 * receive error, or a refused recipient */
	HTTP_OUTCOME_INVALID,		/* refused before sending: bad URL, protocol
								 * not allowed, bad header, bad option */
	HTTP_OUTCOME_CANCELLED		/* http_engine_cancel */
} HttpOutcome;

/* The result of one request; all memory belongs to it (http_result_free). */
typedef struct HttpResult
{
	uint64_t	tag;			/* as given to submit */
	HttpKind	kind;
	HttpOutcome outcome;
	int			curl_code;		/* CURLcode, 0 when DONE */
	long		code;			/* HTTP status, or SMTP's last reply code;
								 * 0 when none came */
	HttpHeader *headers;		/* of the final response (after redirects) */
	int			nheaders;
	bool		headers_truncated;	/* more than HTTP_MAX_HEADERS or
									 * HTTP_MAX_HEADER_BYTES came */
	char	   *body;			/* NUL-terminated for convenience, but may
								 * contain NULs; never NULL */
	size_t		body_len;
	bool		body_truncated; /* more than max_body came: the first
								 * max_body bytes are kept and the transfer
								 * stopped there */
	char	   *effective_url;	/* last URL used (after redirects); never
								 * NULL */
	long		redirects;		/* redirects followed */
	bool		sent;			/* false only when nothing can have reached
								 * the server, so resending cannot duplicate */
	int64_t		queued_us;		/* time waiting for a free slot */
	int64_t		elapsed_us;		/* time from start to finish of the transfer */
	char		error[HTTP_ERROR_SIZE]; /* empty when DONE */
} HttpResult;

typedef struct HttpEngineOptions
{
	int			max_in_flight;	/* transfers running at once; < 1 means 1 */
	size_t		max_body;		/* 0: HTTP_DEFAULT_MAX_BODY */
	long		default_timeout_ms; /* for requests without one; 0: 30 s */
	const char *user_agent;		/* NULL: "flowpg libcurl/<version>" */
	const FpAllocator *allocator;	/* NULL: malloc; must outlive the engine */
} HttpEngineOptions;

extern HttpEngine *http_engine_create(const HttpEngineOptions *options,
									  char *errbuf, size_t errlen);
extern void http_engine_destroy(HttpEngine *e);
extern void http_engine_set_max_in_flight(HttpEngine *e, int max_in_flight);
extern bool http_engine_submit(HttpEngine *e, const HttpRequest *req,
							   uint64_t tag);
extern bool http_engine_cancel(HttpEngine *e, uint64_t tag);
extern int	http_engine_poll(HttpEngine *e, int timeout_ms);
extern HttpResult *http_engine_next_result(HttpEngine *e);
extern void http_result_free(HttpEngine *e, HttpResult *r);
extern int	http_engine_fd(const HttpEngine *e);
extern int	http_engine_timeout(const HttpEngine *e);
extern int	http_engine_queued(const HttpEngine *e);
extern int	http_engine_running(const HttpEngine *e);
extern int	http_engine_results(const HttpEngine *e);
extern const char *http_engine_error(const HttpEngine *e);
extern const FpAllocator *http_engine_allocator(const HttpEngine *e);
extern const char *http_outcome_name(HttpOutcome outcome);
extern const char *http_local_address_kind(const struct sockaddr *sa);

#ifdef PG_VERSION_NUM
/* server side (http_backend.c): only for code that includes postgres.h */
extern FpAllocator http_context_allocator(MemoryContext cxt);
extern HttpEngine *http_engine_start(int max_in_flight, int default_timeout_ms);
extern void http_engine_stop(HttpEngine *e);
extern int	http_engine_resize(HttpEngine *e, int max_in_flight);
extern int	http_engine_wait(HttpEngine *e, long max_ms, uint32 wait_event_info);
#endif

#endif							/* FLOWPG_HTTP_H */
