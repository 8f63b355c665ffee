/*-------------------------------------------------------------------------
 *
 * http.c
 *	  libcurl multi driver: HTTP(S) requests and SMTP(S) mail, many in
 *	  flight at once, driven in bounded steps (see http.h for the contract).
 *
 * The engine uses libcurl's event interface (curl_multi_socket_action with
 * a socket and a timer callback).  The sockets libcurl wants watched are
 * kept in an epoll set that belongs to the engine; that epoll descriptor is
 * itself readable whenever one of its sockets is ready, so a caller can wait
 * for "network or latch" with PostgreSQL's WaitLatchOrSocket on one stable
 * descriptor.  This was chosen over the alternatives of libcurl 7.88:
 * curl_multi_poll blocks in a private poll() that the latch cannot
 * interrupt (curl_multi_wakeup is not async-signal-safe), curl_multi_fdset
 * cannot report descriptors above FD_SETSIZE, which a backend that keeps
 * many files open can reach, and curl_multi_waitfds only came in 8.8.
 *
 * Rules kept throughout: no function here raises or longjmps; callbacks
 * only copy bytes into buffers with caps and record failures in flags that
 * are turned into results after libcurl returns; every libcurl object of a
 * transfer is freed when its result is made, so nothing of libcurl's has to
 * be cleaned up on the caller's error paths except the engine itself.
 *
 * Linux only (epoll), like the worker that uses it.
 *
 *-------------------------------------------------------------------------
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "http.h"

#ifndef __linux__
#error "the flowpg HTTP engine needs epoll (Linux)"
#endif

#if LIBCURL_VERSION_NUM < 0x075500
#error "flowpg needs libcurl 7.85 or later (CURLOPT_PROTOCOLS_STR)"
#endif

typedef enum TransferState
{
	TRANSFER_QUEUED,
	TRANSFER_RUNNING,
	TRANSFER_DONE
} TransferState;

/*
 * One submitted request from submit to http_result_free.  The result comes
 * first so that an HttpResult pointer handed out is also the Transfer's.
 */
typedef struct Transfer
{
	HttpResult	result;
	HttpEngine *engine;
	struct Transfer *prev;
	struct Transfer *next;
	TransferState state;

	/* the request, with every string copied into one block */
	HttpRequest req;
	char	   *copy;
	const char *invalid;		/* why the request was refused, if it was */

	/* libcurl's objects, alive while running */
	CURL	   *easy;
	struct curl_slist *header_list;
	struct curl_slist *rcpt_list;
	curl_mime  *mime;
	FpBuf		form_body;		/* URL-encoded form */
	char	   *smtp_url;
	size_t		upload_pos;		/* SMTP payload bytes handed to libcurl */

	/* the response, filled by callbacks */
	FpBuf		body;
	size_t		max_body;
	int			header_cap;
	size_t		header_bytes;
	bool		oom;			/* an allocation failed in a callback */
	bool		cancelled;
	const char *refused_kind;	/* a connection to a local address was
								 * refused: which kind of address */
	char		refused_addr[INET6_ADDRSTRLEN];	/* and the address */
	char		empty[1];		/* "" for results whose strings could not be
								 * allocated */

	int64_t		submitted_us;
	int64_t		started_us;
	char		errbuf[CURL_ERROR_SIZE];
} Transfer;

typedef struct TransferList
{
	Transfer   *head;
	Transfer   *tail;
	int			count;
} TransferList;

struct HttpEngine
{
	FpAllocator alloc;
	CURLM	   *multi;
	int			epfd;
	int64_t		timer_us;		/* when libcurl wants its timeout action;
								 * -1: no timer */
	int			max_in_flight;
	size_t		max_body;
	long		default_timeout_ms;
	char	   *user_agent;
	TransferList queued;
	TransferList running;
	TransferList done;
	char		error[HTTP_ERROR_SIZE];
};

static bool curl_initialised = false;

/* Monotonic clock in microseconds: durations and deadlines only. */
static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Milliseconds from now until deadline_us, rounded up, never negative. */
static int
ms_until(int64_t deadline_us, int64_t now)
{
	int64_t		rem = deadline_us - now;

	if (rem <= 0)
		return 0;
	rem = (rem + 999) / 1000;
	return rem > INT_MAX ? INT_MAX : (int) rem;
}

/* Append t at the tail of list l. */
static void
list_push(TransferList *l, Transfer *t)
{
	t->next = NULL;
	t->prev = l->tail;
	if (l->tail != NULL)
		l->tail->next = t;
	else
		l->head = t;
	l->tail = t;
	l->count++;
}

/* Unlink t from list l, which must hold it. */
static void
list_remove(TransferList *l, Transfer *t)
{
	if (t->prev != NULL)
		t->prev->next = t->next;
	else
		l->head = t->next;
	if (t->next != NULL)
		t->next->prev = t->prev;
	else
		l->tail = t->prev;
	t->prev = t->next = NULL;
	l->count--;
}

/* Remove and return the head of list l, or NULL. */
static Transfer *
list_pop(TransferList *l)
{
	Transfer   *t = l->head;

	if (t != NULL)
		list_remove(l, t);
	return t;
}

/* ---------------------------------------------------------------------
 * Copying a request: all strings and arrays into one block
 * ---------------------------------------------------------------------
 */

/*
 * Bump allocator over one block.  With base NULL it only counts, so the
 * same copy function runs twice: once to size the block, once to fill it.
 */
typedef struct Copier
{
	char	   *base;
	size_t		used;
} Copier;

/* Reserve size bytes aligned to align (a power of two). */
static void *
copier_take(Copier *c, size_t size, size_t align)
{
	void	   *p;

	c->used = (c->used + align - 1) & ~(align - 1);
	p = c->base != NULL ? c->base + c->used : NULL;
	c->used += size;
	return p;
}

/* Copy len bytes and a terminator; NULL while counting or for NULL input. */
static const char *
copier_bytes(Copier *c, const char *s, size_t len)
{
	char	   *p;

	if (s == NULL)
		return NULL;
	p = copier_take(c, len + 1, 1);
	if (p != NULL)
	{
		if (len > 0)
			memcpy(p, s, len);
		p[len] = '\0';
	}
	return p;
}

/* Copy a NUL-terminated string. */
static const char *
copier_str(Copier *c, const char *s)
{
	return s != NULL ? copier_bytes(c, s, strlen(s)) : NULL;
}

/* Copy src's strings and arrays into the copier, pointing dst at them. */
static void
copy_request(Copier *c, HttpRequest *dst, const HttpRequest *src)
{
	int			i;

	*dst = *src;
	dst->url = copier_str(c, src->url);
	dst->method = copier_str(c, src->method);
	dst->body = copier_bytes(c, src->body, src->body != NULL ? src->body_len : 0);
	dst->body_len = src->body != NULL ? src->body_len : 0;
	dst->smtp_host = copier_str(c, src->smtp_host);
	dst->helo_domain = copier_str(c, src->helo_domain);
	dst->mail_from = copier_str(c, src->mail_from);
	dst->username = copier_str(c, src->username);
	dst->password = copier_str(c, src->password);
	dst->payload = copier_bytes(c, src->payload,
								src->payload != NULL ? src->payload_len : 0);
	dst->payload_len = src->payload != NULL ? src->payload_len : 0;
	dst->ca_file = copier_str(c, src->ca_file);

	dst->nheaders = src->headers != NULL && src->nheaders > 0 ? src->nheaders : 0;
	if (dst->nheaders > 0)
	{
		HttpHeader *h = copier_take(c, sizeof(HttpHeader) * dst->nheaders,
									sizeof(void *));

		for (i = 0; i < dst->nheaders; i++)
		{
			const char *name = copier_str(c, src->headers[i].name);
			const char *value = copier_str(c, src->headers[i].value);

			if (h != NULL)
			{
				h[i].name = name;
				h[i].value = value;
			}
		}
		dst->headers = h;
	}
	else
		dst->headers = NULL;

	dst->nform = src->form != NULL && src->nform > 0 ? src->nform : 0;
	if (dst->nform > 0)
	{
		HttpFormField *f = copier_take(c, sizeof(HttpFormField) * dst->nform,
									   sizeof(void *));

		for (i = 0; i < dst->nform; i++)
		{
			const HttpFormField *sf = &src->form[i];
			size_t		len = sf->value == NULL ? 0 :
				sf->value_len == (size_t) -1 ? strlen(sf->value) : sf->value_len;
			const char *name = copier_str(c, sf->name);
			const char *value = copier_bytes(c, sf->value != NULL ? sf->value : "", len);
			const char *filename = copier_str(c, sf->filename);
			const char *ctype = copier_str(c, sf->content_type);

			if (f != NULL)
			{
				f[i].name = name;
				f[i].value = value;
				f[i].value_len = len;
				f[i].filename = filename;
				f[i].content_type = ctype;
			}
		}
		dst->form = f;
	}
	else
		dst->form = NULL;

	dst->nrcpt = src->rcpt != NULL && src->nrcpt > 0 ? src->nrcpt : 0;
	if (dst->nrcpt > 0)
	{
		const char **r = copier_take(c, sizeof(char *) * dst->nrcpt,
									 sizeof(void *));

		for (i = 0; i < dst->nrcpt; i++)
		{
			const char *addr = copier_str(c, src->rcpt[i]);

			if (r != NULL)
				r[i] = addr;
		}
		dst->rcpt = r;
	}
	else
		dst->rcpt = NULL;
}

/* ---------------------------------------------------------------------
 * Checking a request before libcurl sees it
 * ---------------------------------------------------------------------
 */

/* An HTTP token (RFC 9110 tchar): method and header names. */
static bool
is_token(const char *s)
{
	if (s == NULL || *s == '\0')
		return false;
	for (; *s; s++)
	{
		unsigned char ch = (unsigned char) *s;

		if (!(isalnum(ch) || strchr("!#$%&'*+-.^_`|~", ch) != NULL))
			return false;
	}
	return true;
}

/* No CR, LF or other control character except TAB (header injection). */
static bool
is_field_text(const char *s)
{
	if (s == NULL)
		return true;
	for (; *s; s++)
	{
		unsigned char ch = (unsigned char) *s;

		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return false;
	}
	return true;
}

/* Text that may appear in an SMTP command or URL authority: printable, no
 * spaces, none of the characters in forbid. */
static bool
is_plain_word(const char *s, const char *forbid)
{
	if (s == NULL || *s == '\0')
		return false;
	for (; *s; s++)
	{
		unsigned char ch = (unsigned char) *s;

		if (ch <= 0x20 || ch == 0x7f || strchr(forbid, ch) != NULL)
			return false;
	}
	return true;
}

/*
 * Why req cannot be sent, or NULL when it looks sendable.  libcurl checks
 * the rest (URL syntax, allowed protocols) when the transfer starts.
 */
static const char *
check_request(const HttpRequest *req)
{
	int			i;

	if (req->kind == HTTP_KIND_HTTP)
	{
		if (req->url == NULL || *req->url == '\0')
			return "no URL given";
		if (!is_plain_word(req->url, ""))
			return "URL contains spaces or control characters";
		if (req->method != NULL && !is_token(req->method))
			return "invalid HTTP method";
		for (i = 0; i < req->nheaders; i++)
		{
			if (!is_token(req->headers[i].name))
				return "invalid header name";
			if (!is_field_text(req->headers[i].value))
				return "header value contains a line break or control character";
		}
		for (i = 0; i < req->nform; i++)
		{
			if (req->form[i].name == NULL ||
				!is_field_text(req->form[i].name) ||
				!is_field_text(req->form[i].filename) ||
				!is_field_text(req->form[i].content_type))
				return "invalid form field name, file name or content type";
		}
		return NULL;
	}
	if (req->kind != HTTP_KIND_SMTP)
		return "unknown request kind";
	if (!is_plain_word(req->smtp_host, "/@?#\\"))
		return "invalid SMTP host";
	if (req->smtp_port < 0 || req->smtp_port > 65535)
		return "invalid SMTP port";
	if (req->helo_domain != NULL &&
		!is_plain_word(req->helo_domain, "/@?#\\%"))
		return "invalid EHLO domain";
	if (!is_plain_word(req->mail_from, "<>"))
		return "invalid sender address";
	if (req->nrcpt == 0)
		return "no recipients";
	for (i = 0; i < req->nrcpt; i++)
		if (!is_plain_word(req->rcpt[i], "<>"))
			return "invalid recipient address";
	if (req->payload == NULL)
		return "no message";
	if (!is_field_text(req->username) || !is_field_text(req->password))
		return "user name or password contains a control character";
	return NULL;
}

/* ---------------------------------------------------------------------
 * libcurl callbacks: no allocation failure or cap may longjmp; they set
 * flags and return a value that makes libcurl stop the transfer.
 * ---------------------------------------------------------------------
 */

/* Response body bytes: keep up to max_body, then stop the transfer. */
static size_t
write_cb(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	Transfer   *t = (Transfer *) userdata;
	size_t		n = size * nmemb;
	size_t		room = t->max_body - t->body.len;

	if (n > room)
	{
		if (room > 0 && !fp_buf_append(&t->body, ptr, room))
			t->oom = true;
		t->result.body_truncated = true;
		return 0;				/* CURLE_WRITE_ERROR: stop reading */
	}
	if (n > 0 && !fp_buf_append(&t->body, ptr, n))
	{
		t->oom = true;
		return 0;
	}
	return n;
}

/* Forget the headers collected so far (a new response is starting). */
static void
clear_headers(Transfer *t)
{
	HttpResult *r = &t->result;
	int			i;

	for (i = 0; i < r->nheaders; i++)
		fp_free(&t->engine->alloc, (void *) r->headers[i].name);
	r->nheaders = 0;
	r->headers_truncated = false;
	t->header_bytes = 0;
}

/*
 * One response header line.  A status line starts a new response (after a
 * redirect or a 100 Continue), so only the final response's headers stay.
 * Each header is one allocation: "name\0value\0".
 */
static size_t
header_cb(char *buf, size_t size, size_t nitems, void *userdata)
{
	Transfer   *t = (Transfer *) userdata;
	HttpResult *r = &t->result;
	const FpAllocator *a = &t->engine->alloc;
	size_t		n = size * nitems;
	size_t		len = n;
	const char *colon;
	size_t		namelen;
	const char *value;
	size_t		valuelen;
	char	   *block;

	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	if (len >= 5 && memcmp(buf, "HTTP/", 5) == 0)
	{
		clear_headers(t);
		return n;
	}
	/* the empty line ending the headers, and obsolete folded lines */
	if (len == 0 || buf[0] == ' ' || buf[0] == '\t')
		return n;
	colon = memchr(buf, ':', len);
	if (colon == NULL || colon == buf)
		return n;
	if (r->nheaders >= HTTP_MAX_HEADERS ||
		t->header_bytes + len > HTTP_MAX_HEADER_BYTES)
	{
		r->headers_truncated = true;
		return n;
	}
	if (r->nheaders == t->header_cap)
	{
		int			cap = t->header_cap > 0 ? t->header_cap * 2 : 16;
		HttpHeader *h = fp_alloc(a, sizeof(HttpHeader) * cap);

		if (h == NULL)
		{
			t->oom = true;
			return 0;
		}
		if (r->nheaders > 0)
			memcpy(h, r->headers, sizeof(HttpHeader) * r->nheaders);
		fp_free(a, r->headers);
		r->headers = h;
		t->header_cap = cap;
	}
	namelen = colon - buf;
	value = colon + 1;
	valuelen = len - namelen - 1;
	while (valuelen > 0 && (*value == ' ' || *value == '\t'))
		value++, valuelen--;
	while (valuelen > 0 && (value[valuelen - 1] == ' ' || value[valuelen - 1] == '\t'))
		valuelen--;
	block = fp_alloc(a, namelen + valuelen + 2);
	if (block == NULL)
	{
		t->oom = true;
		return 0;
	}
	memcpy(block, buf, namelen);
	block[namelen] = '\0';
	memcpy(block + namelen + 1, value, valuelen);
	block[namelen + 1 + valuelen] = '\0';
	r->headers[r->nheaders].name = block;
	r->headers[r->nheaders].value = block + namelen + 1;
	r->nheaders++;
	t->header_bytes += len;
	return n;
}

/* SMTP upload: hand the message to libcurl, which does the dot-stuffing. */
static size_t
read_cb(char *buf, size_t size, size_t nitems, void *userdata)
{
	Transfer   *t = (Transfer *) userdata;
	size_t		room = size * nitems;
	size_t		left = t->req.payload_len - t->upload_pos;
	size_t		n = left < room ? left : room;

	if (n > 0)
		memcpy(buf, t->req.payload + t->upload_pos, n);
	t->upload_pos += n;
	return n;
}

/*
 * libcurl tells which events it wants on a socket: mirror that in the
 * engine's epoll set.  A socket already in the set carries the engine as
 * its libcurl "socketp" marker, so we know ADD from MOD.
 */
static int
socket_cb(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	HttpEngine *e = (HttpEngine *) userp;
	struct epoll_event ev;
	int			op;

	(void) easy;
	if (what == CURL_POLL_REMOVE)
	{
		/* libcurl may already have closed it: nothing to report */
		(void) epoll_ctl(e->epfd, EPOLL_CTL_DEL, s, NULL);
		return 0;
	}
	memset(&ev, 0, sizeof(ev));
	if (what & CURL_POLL_IN)
		ev.events |= EPOLLIN;
	if (what & CURL_POLL_OUT)
		ev.events |= EPOLLOUT;
	ev.data.fd = s;
	op = socketp != NULL ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
	if (epoll_ctl(e->epfd, op, s, &ev) != 0)
	{
		/* a descriptor number reused, or one the kernel dropped on close */
		if (errno == EEXIST)
			op = EPOLL_CTL_MOD;
		else if (errno == ENOENT)
			op = EPOLL_CTL_ADD;
		else
			op = -1;
		if (op < 0 || epoll_ctl(e->epfd, op, s, &ev) != 0)
		{
			fp_set_error(e->error, sizeof(e->error),
					  "could not watch socket %d: %s", (int) s, strerror(errno));
			return -1;
		}
	}
	if (socketp == NULL)
		curl_multi_assign(e->multi, s, e);
	return 0;
}

/* libcurl's single timer: remember when it wants CURL_SOCKET_TIMEOUT. */
static int
timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	HttpEngine *e = (HttpEngine *) userp;

	(void) multi;
	e->timer_us = timeout_ms < 0 ? -1 : now_us() + (int64_t) timeout_ms * 1000;
	return 0;
}

/* ---------------------------------------------------------------------
 * Starting and finishing transfers
 * ---------------------------------------------------------------------
 */

/* Append application/x-www-form-urlencoded text for len bytes of s. */
static void
urlencode_append(FpBuf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t		i;

	for (i = 0; i < len; i++)
	{
		unsigned char ch = (unsigned char) s[i];

		if (isalnum(ch) || ch == '-' || ch == '.' || ch == '_' || ch == '~')
			fp_buf_append_char(b, (char) ch);
		else
		{
			char		esc[3] = {'%', hex[ch >> 4], hex[ch & 15]};

			fp_buf_append(b, esc, 3);
		}
	}
}

/* Case-insensitive ASCII comparison of a header name. */
static bool
name_is(const char *name, const char *want)
{
	for (; *name && *want; name++, want++)
		if (tolower((unsigned char) *name) != tolower((unsigned char) *want))
			return false;
	return *name == '\0' && *want == '\0';
}

/* Add one line to a libcurl string list; false when out of memory. */
static bool
slist_add(struct curl_slist **list, const char *line)
{
	struct curl_slist *l = curl_slist_append(*list, line);

	if (l == NULL)
		return false;
	*list = l;
	return true;
}

/*
 * Build the header list: "Name: value", or "Name;" for an empty value
 * (libcurl's way to send an empty header).  "Expect:" turns off libcurl's
 * Expect: 100-continue round trip unless the caller asked for it.  For a
 * multipart form libcurl writes Content-Type itself, with the boundary, so
 * a given Content-Type is left out.
 */
static bool
build_header_list(HttpEngine *e, Transfer *t)
{
	const HttpRequest *req = &t->req;
	bool		have_expect = false;
	FpBuf		line;
	int			i;

	for (i = 0; i < req->nheaders; i++)
	{
		const HttpHeader *h = &req->headers[i];
		bool		ok;

		if (name_is(h->name, "Expect"))
			have_expect = true;
		if (req->form_kind == HTTP_FORM_MULTIPART && name_is(h->name, "Content-Type"))
			continue;
		fp_buf_init(&line, &e->alloc, 0);
		if (h->value == NULL || *h->value == '\0')
			fp_buf_printf(&line, "%s;", h->name);
		else
			fp_buf_printf(&line, "%s: %s", h->name, h->value);
		ok = !line.failed && slist_add(&t->header_list, line.data);
		fp_buf_free(&line);
		if (!ok)
			return false;
	}
	if (!have_expect && !slist_add(&t->header_list, "Expect:"))
		return false;
	return true;
}

/* Whether method (upper case expected, compared without case) is m. */
static bool
method_is(const char *method, const char *m)
{
	return name_is(method, m);
}

/*
 * Configure t->easy for an HTTP request.  Returns a CURLcode; *what names
 * the step that failed.
 */
static CURLcode
setup_http(HttpEngine *e, Transfer *t, const char **what)
{
	const HttpRequest *req = &t->req;
	CURL	   *h = t->easy;
	bool		has_body = req->body != NULL || req->form_kind != HTTP_FORM_NONE;
	const char *method = req->method != NULL ? req->method :
		(has_body ? "POST" : "GET");
	CURLcode	rc;

#define SET(opt, val) \
	do { if ((rc = curl_easy_setopt(h, opt, val)) != CURLE_OK) { *what = #opt; return rc; } } while (0)

	SET(CURLOPT_URL, req->url);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_HEADERFUNCTION, header_cb);
	SET(CURLOPT_HEADERDATA, t);
	if (req->follow_redirects)
	{
		SET(CURLOPT_FOLLOWLOCATION, 1L);
		SET(CURLOPT_MAXREDIRS, (long) (req->max_redirects > 0 ? req->max_redirects : 10));
	}

	if (!build_header_list(e, t))
	{
		*what = "header list";
		return CURLE_OUT_OF_MEMORY;
	}
	SET(CURLOPT_HTTPHEADER, t->header_list);

	/* the body: a multipart form, an URL-encoded form, or bytes */
	if (req->form_kind == HTTP_FORM_MULTIPART)
	{
		int			i;

		t->mime = curl_mime_init(h);
		if (t->mime == NULL)
		{
			*what = "curl_mime_init";
			return CURLE_OUT_OF_MEMORY;
		}
		for (i = 0; i < req->nform; i++)
		{
			const HttpFormField *f = &req->form[i];
			curl_mimepart *part = curl_mime_addpart(t->mime);

			if (part == NULL)
			{
				*what = "curl_mime_addpart";
				return CURLE_OUT_OF_MEMORY;
			}
			if ((rc = curl_mime_name(part, f->name)) != CURLE_OK ||
				(rc = curl_mime_data(part, f->value, f->value_len)) != CURLE_OK ||
				(f->filename != NULL &&
				 (rc = curl_mime_filename(part, f->filename)) != CURLE_OK) ||
				(f->content_type != NULL &&
				 (rc = curl_mime_type(part, f->content_type)) != CURLE_OK))
			{
				*what = "multipart form field";
				return rc;
			}
		}
		SET(CURLOPT_MIMEPOST, t->mime);
	}
	else if (req->form_kind == HTTP_FORM_URLENCODED)
	{
		int			i;

		fp_buf_init(&t->form_body, &e->alloc, 0);
		fp_buf_append_str(&t->form_body, "");
		for (i = 0; i < req->nform; i++)
		{
			if (i > 0)
				fp_buf_append_char(&t->form_body, '&');
			urlencode_append(&t->form_body, req->form[i].name, strlen(req->form[i].name));
			fp_buf_append_char(&t->form_body, '=');
			urlencode_append(&t->form_body, req->form[i].value, req->form[i].value_len);
		}
		if (t->form_body.failed)
		{
			*what = "form body";
			return CURLE_OUT_OF_MEMORY;
		}
		SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) t->form_body.len);
		SET(CURLOPT_POSTFIELDS, t->form_body.data);
	}
	else if (req->body != NULL || method_is(method, "POST") ||
			 method_is(method, "PUT") || method_is(method, "PATCH"))
	{
		/* POST, PUT and PATCH send Content-Length: 0 when there is no body */
		SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) req->body_len);
		SET(CURLOPT_POSTFIELDS, req->body != NULL ? req->body : "");
	}

	/*
	 * The method.  POST is libcurl's default once a body is set, and setting
	 * it as a custom request would keep POST across a 303 redirect.
	 */
	if (method_is(method, "HEAD"))
		SET(CURLOPT_NOBODY, 1L);
	else if (method_is(method, "GET") && !has_body)
		SET(CURLOPT_HTTPGET, 1L);
	else if (!method_is(method, "POST"))
		SET(CURLOPT_CUSTOMREQUEST, method);
#undef SET
	return CURLE_OK;
}

/*
 * Configure t->easy for SMTP.  The URL is built here from host, port and
 * transport, so the scheme always matches the transport asked for.
 */
static CURLcode
setup_smtp(HttpEngine *e, Transfer *t, const char **what)
{
	const HttpRequest *req = &t->req;
	CURL	   *h = t->easy;
	FpBuf		url;
	bool		ipv6 = strchr(req->smtp_host, ':') != NULL && req->smtp_host[0] != '[';
	int			port = req->smtp_port > 0 ? req->smtp_port :
		(req->smtp_transport == SMTP_TRANSPORT_SMTPS ? 465 : 25);
	int			i;
	CURLcode	rc;

#define SET(opt, val) \
	do { if ((rc = curl_easy_setopt(h, opt, val)) != CURLE_OK) { *what = #opt; return rc; } } while (0)

	fp_buf_init(&url, &e->alloc, 0);
	fp_buf_printf(&url, "%s://%s%s%s:%d/%s",
				  req->smtp_transport == SMTP_TRANSPORT_SMTPS ? "smtps" : "smtp",
				  ipv6 ? "[" : "", req->smtp_host, ipv6 ? "]" : "", port,
				  req->helo_domain != NULL ? req->helo_domain : "");
	t->smtp_url = fp_buf_steal(&url, NULL);
	if (t->smtp_url == NULL)
	{
		*what = "SMTP URL";
		return CURLE_OUT_OF_MEMORY;
	}
	SET(CURLOPT_URL, t->smtp_url);
	SET(CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "smtp,smtps");
	SET(CURLOPT_USE_SSL, (long) (req->smtp_transport == SMTP_TRANSPORT_STARTTLS ?
								 CURLUSESSL_ALL : CURLUSESSL_NONE));

	/*
	 * libcurl (7.88 of Debian 12, among others) may hand a STARTTLS
	 * transfer an idle plain-text connection to the same server from its
	 * cache, and then send without TLS although CURLUSESSL_ALL asks for it.
	 * A required STARTTLS gets a connection of its own.
	 */
	if (req->smtp_transport == SMTP_TRANSPORT_STARTTLS)
		SET(CURLOPT_FRESH_CONNECT, 1L);
	SET(CURLOPT_MAIL_FROM, req->mail_from);
	for (i = 0; i < req->nrcpt; i++)
	{
		if (!slist_add(&t->rcpt_list, req->rcpt[i]))
		{
			*what = "recipient list";
			return CURLE_OUT_OF_MEMORY;
		}
	}
	SET(CURLOPT_MAIL_RCPT, t->rcpt_list);
	if (req->username != NULL && *req->username != '\0')
	{
		SET(CURLOPT_USERNAME, req->username);
		SET(CURLOPT_PASSWORD, req->password != NULL ? req->password : "");
	}
	SET(CURLOPT_UPLOAD, 1L);
	SET(CURLOPT_READFUNCTION, read_cb);
	SET(CURLOPT_READDATA, t);
	SET(CURLOPT_INFILESIZE_LARGE, (curl_off_t) req->payload_len);
#undef SET
	return CURLE_OK;
}

/* ---------------------------------------------------------------------
 * Local targets: a request that does not say allow_local
 * (flowpg.allow_local_targets in the worker) may not connect to the
 * addresses http_local_address_kind names (http_local.c)
 * ---------------------------------------------------------------------
 */

/* Write sa's address as text into buf (INET6_ADDRSTRLEN bytes). */
static void
address_text(const struct sockaddr *sa, char *buf)
{
	const void *src = sa->sa_family == AF_INET ?
		(const void *) &((const struct sockaddr_in *) sa)->sin_addr :
		(const void *) &((const struct sockaddr_in6 *) sa)->sin6_addr;

	if (inet_ntop(sa->sa_family, src, buf, INET6_ADDRSTRLEN) == NULL)
		snprintf(buf, INET6_ADDRSTRLEN, "?");
}

/*
 * CURLOPT_OPENSOCKETFUNCTION: libcurl asks for a socket to connect to an
 * address it resolved (for the URL's host, a redirect's or a proxy's).
 * A local address is refused here, before any packet goes out, when the
 * request does not allow it; libcurl then tries the name's other
 * addresses, if any, and fails with "could not connect" when none is left.
 */
static curl_socket_t
opensocket_cb(void *clientp, curlsocktype purpose, struct curl_sockaddr *address)
{
	Transfer   *t = clientp;
	const char *kind;

	(void) purpose;
	if (!t->req.allow_local &&
		(kind = http_local_address_kind(&address->addr)) != NULL)
	{
		t->refused_kind = kind;
		address_text(&address->addr, t->refused_addr);
		return CURL_SOCKET_BAD;
	}
	return socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

/*
 * CURLOPT_PREREQFUNCTION: called before a request goes out on a connection,
 * new or reused.  A reused connection was opened without opensocket_cb's
 * check of this request (by an earlier request that allowed local
 * addresses), so the address is checked again here.
 */
static int
prereq_cb(void *clientp, char *conn_primary_ip, char *conn_local_ip,
		  int conn_primary_port, int conn_local_port)
{
	Transfer   *t = clientp;
	struct sockaddr_in6 in6;
	struct sockaddr_in in;
	const struct sockaddr *sa = NULL;
	const char *kind;

	(void) conn_local_ip;
	(void) conn_primary_port;
	(void) conn_local_port;
	if (t->req.allow_local || conn_primary_ip == NULL)
		return CURL_PREREQFUNC_OK;
	memset(&in, 0, sizeof(in));
	memset(&in6, 0, sizeof(in6));
	if (inet_pton(AF_INET, conn_primary_ip, &in.sin_addr) == 1)
	{
		in.sin_family = AF_INET;
		sa = (const struct sockaddr *) &in;
	}
	else if (inet_pton(AF_INET6, conn_primary_ip, &in6.sin6_addr) == 1)
	{
		in6.sin6_family = AF_INET6;
		sa = (const struct sockaddr *) &in6;
	}
	if (sa != NULL && (kind = http_local_address_kind(sa)) != NULL)
	{
		t->refused_kind = kind;
		address_text(sa, t->refused_addr);
		return CURL_PREREQFUNC_ABORT;
	}
	return CURL_PREREQFUNC_OK;
}

/* Options common to both kinds: callbacks, timeouts, TLS, identity. */
static CURLcode
setup_common(HttpEngine *e, Transfer *t, const char **what)
{
	const HttpRequest *req = &t->req;
	CURL	   *h = t->easy;
	long		timeout = req->timeout_ms > 0 ? req->timeout_ms : e->default_timeout_ms;
	CURLcode	rc;

#define SET(opt, val) \
	do { if ((rc = curl_easy_setopt(h, opt, val)) != CURLE_OK) { *what = #opt; return rc; } } while (0)

	SET(CURLOPT_PRIVATE, t);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_ERRORBUFFER, t->errbuf);
	SET(CURLOPT_WRITEFUNCTION, write_cb);
	SET(CURLOPT_WRITEDATA, t);
	SET(CURLOPT_USERAGENT, e->user_agent);
	SET(CURLOPT_OPENSOCKETFUNCTION, opensocket_cb);
	SET(CURLOPT_OPENSOCKETDATA, t);
	SET(CURLOPT_PREREQFUNCTION, prereq_cb);
	SET(CURLOPT_PREREQDATA, t);
	SET(CURLOPT_TIMEOUT_MS, timeout);
	if (req->connect_timeout_ms > 0)
		SET(CURLOPT_CONNECTTIMEOUT_MS, req->connect_timeout_ms);
	if (req->read_timeout_ms > 0)
	{
		SET(CURLOPT_LOW_SPEED_LIMIT, 1L);
		SET(CURLOPT_LOW_SPEED_TIME, (req->read_timeout_ms + 999) / 1000);
	}
	if (req->ca_file != NULL)
		SET(CURLOPT_CAINFO, req->ca_file);
	if (req->insecure)
	{
		SET(CURLOPT_SSL_VERIFYPEER, 0L);
		SET(CURLOPT_SSL_VERIFYHOST, 0L);
	}
#undef SET
	return CURLE_OK;
}

/* Free what a transfer needs only while it runs: libcurl's objects first. */
static void
release_running_state(HttpEngine *e, Transfer *t)
{
	if (t->easy != NULL)
	{
		if (t->state == TRANSFER_RUNNING)
			curl_multi_remove_handle(e->multi, t->easy);
		curl_easy_cleanup(t->easy);
		t->easy = NULL;
	}
	/* the mime tree and lists only after the handle that used them */
	if (t->mime != NULL)
		curl_mime_free(t->mime);
	t->mime = NULL;
	curl_slist_free_all(t->header_list);
	t->header_list = NULL;
	curl_slist_free_all(t->rcpt_list);
	t->rcpt_list = NULL;
	fp_buf_free(&t->form_body);
	fp_free(&e->alloc, t->smtp_url);
	t->smtp_url = NULL;
	fp_free(&e->alloc, t->copy);
	t->copy = NULL;
	memset(&t->req, 0, sizeof(t->req));
}

/* Map a libcurl error to an outcome. */
static HttpOutcome
classify(CURLcode code)
{
	switch (code)
	{
		case CURLE_OK:
			return HTTP_OUTCOME_DONE;
		case CURLE_OPERATION_TIMEDOUT:
			return HTTP_OUTCOME_TIMEOUT;
		case CURLE_COULDNT_RESOLVE_HOST:
		case CURLE_COULDNT_RESOLVE_PROXY:
		case CURLE_COULDNT_CONNECT:
			return HTTP_OUTCOME_CONNECT;
		case CURLE_UNSUPPORTED_PROTOCOL:
		case CURLE_URL_MALFORMAT:
		case CURLE_NOT_BUILT_IN:
		case CURLE_UNKNOWN_OPTION:
		case CURLE_BAD_FUNCTION_ARGUMENT:
			return HTTP_OUTCOME_INVALID;
		default:
			return HTTP_OUTCOME_FAILED;
	}
}

/*
 * Turn a finished (or refused, or cancelled) transfer into its result,
 * free its libcurl objects and queue the result.  code is libcurl's verdict
 * (CURLE_OK for transfers that never ran, whose outcome is already set).
 */
static void
finish_transfer(HttpEngine *e, Transfer *t, CURLcode code, TransferList *from)
{
	HttpResult *r = &t->result;
	int64_t		now = now_us();
	bool		ran = t->easy != NULL && t->state == TRANSFER_RUNNING;

	if (from != NULL)
		list_remove(from, t);

	if (ran)
	{
		long		lval = 0;
		char	   *url = NULL;
		curl_off_t	request_size = 0;

		if (curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &lval) == CURLE_OK)
			r->code = lval;
		if (curl_easy_getinfo(t->easy, CURLINFO_REDIRECT_COUNT, &lval) == CURLE_OK)
			r->redirects = lval;
		if (curl_easy_getinfo(t->easy, CURLINFO_EFFECTIVE_URL, &url) == CURLE_OK &&
			url != NULL)
			r->effective_url = fp_strdup(&e->alloc, url);
		if (curl_easy_getinfo(t->easy, CURLINFO_REQUEST_SIZE, &lval) == CURLE_OK)
			request_size = lval;

		if (t->cancelled)
			r->outcome = HTTP_OUTCOME_CANCELLED;
		else if (t->refused_kind != NULL &&
				 (code == CURLE_COULDNT_CONNECT || code == CURLE_ABORTED_BY_CALLBACK))
			r->outcome = HTTP_OUTCOME_INVALID;	/* no other address was reached */
		else if (t->oom)
			r->outcome = HTTP_OUTCOME_FAILED;
		else if (code == CURLE_WRITE_ERROR && r->body_truncated)
			r->outcome = HTTP_OUTCOME_DONE;
		else
			r->outcome = classify(code);
		r->curl_code = r->outcome == HTTP_OUTCOME_DONE ? 0 : (int) code;

		/*
		 * false only when certain: for HTTP, no request bytes went out (over
		 * all redirects); for SMTP, no connection or a refusal before it
		 */
		if (t->req.kind == HTTP_KIND_HTTP)
			r->sent = request_size > 0;
		else
			r->sent = r->outcome != HTTP_OUTCOME_CONNECT &&
				r->outcome != HTTP_OUTCOME_INVALID;

		if (t->oom)
			fp_set_error(r->error, sizeof(r->error), "out of memory while receiving the response");
		else if (t->cancelled)
			fp_set_error(r->error, sizeof(r->error), "cancelled");
		else if (t->refused_kind != NULL && r->outcome == HTTP_OUTCOME_INVALID)
			fp_set_error(r->error, sizeof(r->error),
						 "refused to connect to local address %s (%s): flowpg.allow_local_targets is off",
						 t->refused_addr, t->refused_kind);
		else if (r->outcome != HTTP_OUTCOME_DONE)
			fp_set_error(r->error, sizeof(r->error), "%s",
					  t->errbuf[0] != '\0' ? t->errbuf : curl_easy_strerror(code));
		r->elapsed_us = now - t->started_us;
	}
	else
	{
		/* refused before start, failed to start, or cancelled while queued */
		r->sent = false;
		if (t->started_us == 0)
			t->started_us = now;
		r->elapsed_us = now - t->started_us;
	}
	r->queued_us = t->started_us - t->submitted_us;

	release_running_state(e, t);

	r->body = fp_buf_steal(&t->body, &r->body_len);
	if (r->body == NULL)
	{
		r->body = t->empty;
		r->body_len = 0;
	}
	if (r->effective_url == NULL)
		r->effective_url = t->empty;

	t->state = TRANSFER_DONE;
	list_push(&e->done, t);
}

/* Finish a transfer that never reached the network with the given outcome. */
static void
refuse_transfer(HttpEngine *e, Transfer *t, HttpOutcome outcome, int code,
				const char *msg, TransferList *from)
{
	t->result.outcome = outcome;
	t->result.curl_code = code;
	fp_set_error(t->result.error, sizeof(t->result.error), "%s", msg);
	if (t->easy != NULL)
	{
		curl_easy_cleanup(t->easy);
		t->easy = NULL;
	}
	finish_transfer(e, t, CURLE_OK, from);
}

/* Create t's easy handle and put it on the multi handle. */
static void
start_transfer(HttpEngine *e, Transfer *t)
{
	const char *what = NULL;
	CURLcode	rc;
	CURLMcode	mrc;
	char		msg[HTTP_ERROR_SIZE];

	t->started_us = now_us();
	if (t->invalid != NULL)
	{
		refuse_transfer(e, t, HTTP_OUTCOME_INVALID, 0, t->invalid, NULL);
		return;
	}
	t->easy = curl_easy_init();
	if (t->easy == NULL)
	{
		refuse_transfer(e, t, HTTP_OUTCOME_FAILED, CURLE_OUT_OF_MEMORY,
						"could not create a libcurl handle", NULL);
		return;
	}
	rc = setup_common(e, t, &what);
	if (rc == CURLE_OK)
		rc = t->req.kind == HTTP_KIND_SMTP ? setup_smtp(e, t, &what) : setup_http(e, t, &what);
	if (rc != CURLE_OK)
	{
		fp_set_error(msg, sizeof(msg), "could not set %s: %s", what, curl_easy_strerror(rc));
		refuse_transfer(e, t, rc == CURLE_OUT_OF_MEMORY ? HTTP_OUTCOME_FAILED :
						HTTP_OUTCOME_INVALID, rc, msg, NULL);
		return;
	}
	mrc = curl_multi_add_handle(e->multi, t->easy);
	if (mrc != CURLM_OK)
	{
		fp_set_error(msg, sizeof(msg), "could not start the transfer: %s",
				  curl_multi_strerror(mrc));
		refuse_transfer(e, t, HTTP_OUTCOME_FAILED, 0, msg, NULL);
		return;
	}
	t->state = TRANSFER_RUNNING;
	list_push(&e->running, t);
}

/* Start queued transfers while there are free slots. */
static void
admit(HttpEngine *e)
{
	while (e->running.count < e->max_in_flight && e->queued.count > 0)
		start_transfer(e, list_pop(&e->queued));
}

/* Turn every transfer libcurl reports finished into a result. */
static void
collect(HttpEngine *e)
{
	CURLMsg    *msg;
	int			left;

	while ((msg = curl_multi_info_read(e->multi, &left)) != NULL)
	{
		Transfer   *t = NULL;

		if (msg->msg != CURLMSG_DONE)
			continue;
		if (curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **) &t) != CURLE_OK ||
			t == NULL)
			continue;
		finish_transfer(e, t, msg->data.result, &e->running);
	}
}

/* ---------------------------------------------------------------------
 * The engine
 * ---------------------------------------------------------------------
 */

/*
 * Create an engine.  NULL (with a message in errbuf) when libcurl or epoll
 * cannot be set up or memory runs out.
 */
HttpEngine *
http_engine_create(const HttpEngineOptions *options, char *errbuf, size_t errlen)
{
	const FpAllocator *a = options != NULL && options->allocator != NULL ?
		options->allocator : &fp_malloc_allocator;
	HttpEngine *e;
	FpBuf		ua;

	if (!curl_initialised)
	{
		/* libcurl 7.88's global init is not thread-safe: the worker is one thread */
		CURLcode	rc = curl_global_init(CURL_GLOBAL_DEFAULT);

		if (rc != CURLE_OK)
		{
			fp_set_error(errbuf, errlen, "could not initialise libcurl: %s", curl_easy_strerror(rc));
			return NULL;
		}
		curl_initialised = true;
	}

	e = fp_alloc0(a, sizeof(HttpEngine));
	if (e == NULL)
	{
		fp_set_error(errbuf, errlen, "out of memory");
		return NULL;
	}
	e->alloc = *a;
	e->epfd = -1;
	e->timer_us = -1;
	e->max_in_flight = options != NULL && options->max_in_flight > 0 ? options->max_in_flight : 1;
	e->max_body = options != NULL && options->max_body > 0 ? options->max_body : HTTP_DEFAULT_MAX_BODY;
	e->default_timeout_ms = options != NULL && options->default_timeout_ms > 0 ?
		options->default_timeout_ms : 30000;

	fp_buf_init(&ua, &e->alloc, 0);
	if (options != NULL && options->user_agent != NULL)
		fp_buf_append_str(&ua, options->user_agent);
	else
		fp_buf_printf(&ua, "flowpg libcurl/%s", curl_version_info(CURLVERSION_NOW)->version);
	e->user_agent = fp_buf_steal(&ua, NULL);
	if (e->user_agent == NULL)
	{
		fp_set_error(errbuf, errlen, "out of memory");
		http_engine_destroy(e);
		return NULL;
	}

	e->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (e->epfd < 0)
	{
		fp_set_error(errbuf, errlen, "could not create an epoll descriptor: %s", strerror(errno));
		http_engine_destroy(e);
		return NULL;
	}
	e->multi = curl_multi_init();
	if (e->multi == NULL ||
		curl_multi_setopt(e->multi, CURLMOPT_SOCKETFUNCTION, socket_cb) != CURLM_OK ||
		curl_multi_setopt(e->multi, CURLMOPT_SOCKETDATA, e) != CURLM_OK ||
		curl_multi_setopt(e->multi, CURLMOPT_TIMERFUNCTION, timer_cb) != CURLM_OK ||
		curl_multi_setopt(e->multi, CURLMOPT_TIMERDATA, e) != CURLM_OK)
	{
		fp_set_error(errbuf, errlen, "could not create a libcurl multi handle");
		http_engine_destroy(e);
		return NULL;
	}
	http_engine_set_max_in_flight(e, e->max_in_flight);
	return e;
}

/*
 * Stop every transfer and free everything, results not yet freed included.
 * Requests still running are abandoned: whether they reached the server is
 * unknown, which is why delivery is at least once.
 */
void
http_engine_destroy(HttpEngine *e)
{
	TransferList *lists[3];
	int			i;

	if (e == NULL)
		return;
	lists[0] = &e->running;
	lists[1] = &e->queued;
	lists[2] = &e->done;
	for (i = 0; i < 3; i++)
	{
		Transfer   *t;

		while ((t = list_pop(lists[i])) != NULL)
		{
			release_running_state(e, t);
			t->state = TRANSFER_DONE;
			fp_buf_free(&t->body);
			http_result_free(e, &t->result);
		}
	}
	if (e->multi != NULL)
		curl_multi_cleanup(e->multi);
	if (e->epfd >= 0)
		close(e->epfd);
	fp_free(&e->alloc, e->user_agent);
	e->alloc.free(e->alloc.arg, e);
}

/*
 * Change the bound on transfers running at once (for example on a reload
 * of flowpg.max_in_flight).  Running transfers are never stopped; a lower
 * bound applies as they finish.  libcurl's connection cache is sized to
 * the bound so that every running transfer's connection can be kept for
 * reuse.
 */
void
http_engine_set_max_in_flight(HttpEngine *e, int max_in_flight)
{
	e->max_in_flight = max_in_flight > 0 ? max_in_flight : 1;
	curl_multi_setopt(e->multi, CURLMOPT_MAXCONNECTS, (long) e->max_in_flight);
}

/*
 * Queue a request.  Everything req points to is copied, so the caller may
 * free it at once.  Returns false only when memory runs out (nothing is
 * queued then); a request that cannot be sent still yields a result.
 */
bool
http_engine_submit(HttpEngine *e, const HttpRequest *req, uint64_t tag)
{
	Transfer   *t;
	Copier		c = {NULL, 0};

	t = fp_alloc0(&e->alloc, sizeof(Transfer));
	if (t == NULL)
		return false;
	copy_request(&c, &t->req, req);
	c.base = fp_alloc(&e->alloc, c.used > 0 ? c.used : 1);
	if (c.base == NULL)
	{
		fp_free(&e->alloc, t);
		return false;
	}
	t->copy = c.base;
	c.used = 0;
	copy_request(&c, &t->req, req);

	t->engine = e;
	t->result.tag = tag;
	t->result.kind = req->kind;
	t->max_body = req->max_body > 0 ? req->max_body : e->max_body;
	fp_buf_init(&t->body, &e->alloc, t->max_body);
	fp_buf_init(&t->form_body, &e->alloc, 0);
	t->invalid = check_request(&t->req);
	t->submitted_us = now_us();
	t->state = TRANSFER_QUEUED;
	list_push(&e->queued, t);
	return true;
}

/*
 * Stop the request with this tag, queued or running.  Its result (outcome
 * CANCELLED) is delivered like any other.  Returns whether it was found; a
 * request already finished is left alone.
 */
bool
http_engine_cancel(HttpEngine *e, uint64_t tag)
{
	Transfer   *t;

	for (t = e->queued.head; t != NULL; t = t->next)
	{
		if (t->result.tag == tag)
		{
			refuse_transfer(e, t, HTTP_OUTCOME_CANCELLED, 0, "cancelled", &e->queued);
			return true;
		}
	}
	for (t = e->running.head; t != NULL; t = t->next)
	{
		if (t->result.tag == tag)
		{
			t->cancelled = true;
			finish_transfer(e, t, CURLE_ABORTED_BY_CALLBACK, &e->running);
			return true;
		}
	}
	return false;
}

/*
 * Drive transfers for at most timeout_ms milliseconds: start queued ones,
 * wait for socket activity or libcurl's timer, let libcurl act, collect
 * what finished.  Returns as soon as at least one result is ready, when
 * nothing is running, when the time is up, or when a signal interrupts the
 * wait (so the caller can check for interrupts).  The value is the number
 * of results waiting, or -1 on an engine failure (http_engine_error).
 */
int
http_engine_poll(HttpEngine *e, int timeout_ms)
{
	int64_t		deadline = now_us() + (int64_t) (timeout_ms > 0 ? timeout_ms : 0) * 1000;

	for (;;)
	{
		struct epoll_event events[64];
		int64_t		now;
		int			wait_ms;
		int			n;
		int			i;
		int			still_running;

		admit(e);
		if (e->done.count > 0 || e->running.count == 0)
			break;
		now = now_us();
		wait_ms = ms_until(deadline, now);
		if (e->timer_us >= 0 && ms_until(e->timer_us, now) < wait_ms)
			wait_ms = ms_until(e->timer_us, now);
		n = epoll_wait(e->epfd, events, sizeof(events) / sizeof(events[0]), wait_ms);
		if (n < 0)
		{
			if (errno == EINTR)
				break;
			fp_set_error(e->error, sizeof(e->error), "epoll_wait failed: %s", strerror(errno));
			return -1;
		}
		for (i = 0; i < n; i++)
		{
			int			mask = 0;

			if (events[i].events & EPOLLIN)
				mask |= CURL_CSELECT_IN;
			if (events[i].events & EPOLLOUT)
				mask |= CURL_CSELECT_OUT;
			if (events[i].events & (EPOLLERR | EPOLLHUP))
				mask |= CURL_CSELECT_ERR;
			curl_multi_socket_action(e->multi, events[i].data.fd, mask, &still_running);
		}
		if (e->timer_us >= 0 && now_us() >= e->timer_us)
		{
			e->timer_us = -1;
			curl_multi_socket_action(e->multi, CURL_SOCKET_TIMEOUT, 0, &still_running);
		}
		collect(e);
		if (e->done.count > 0 || now_us() >= deadline)
			break;
	}
	return e->done.count;
}

/* The oldest finished result, or NULL; the caller frees it. */
HttpResult *
http_engine_next_result(HttpEngine *e)
{
	Transfer   *t = list_pop(&e->done);

	return t != NULL ? &t->result : NULL;
}

/* Free a result from http_engine_next_result. */
void
http_result_free(HttpEngine *e, HttpResult *r)
{
	Transfer   *t = (Transfer *) r;
	int			i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nheaders; i++)
		fp_free(&e->alloc, (void *) r->headers[i].name);
	fp_free(&e->alloc, r->headers);
	if (r->body != t->empty)
		fp_free(&e->alloc, r->body);
	if (r->effective_url != t->empty)
		fp_free(&e->alloc, r->effective_url);
	fp_free(&e->alloc, t);
}

/*
 * A descriptor that is readable whenever a socket of a running transfer is
 * ready: wait on it (with the latch) instead of calling http_engine_poll
 * with a long timeout.
 */
int
http_engine_fd(const HttpEngine *e)
{
	return e->epfd;
}

/*
 * Milliseconds until http_engine_poll must run even without socket
 * activity (libcurl's timeouts and retries): 0 when results wait or queued
 * requests can start, -1 when only sockets matter (or nothing runs).
 */
int
http_engine_timeout(const HttpEngine *e)
{
	if (e->done.count > 0)
		return 0;
	if (e->queued.count > 0 && e->running.count < e->max_in_flight)
		return 0;
	if (e->running.count == 0 || e->timer_us < 0)
		return -1;
	return ms_until(e->timer_us, now_us());
}

/* Requests waiting for a free slot. */
int
http_engine_queued(const HttpEngine *e)
{
	return e->queued.count;
}

/* Requests on the network now. */
int
http_engine_running(const HttpEngine *e)
{
	return e->running.count;
}

/* Results not yet taken with http_engine_next_result. */
int
http_engine_results(const HttpEngine *e)
{
	return e->done.count;
}

/* The last engine-level failure (epoll), or "". */
const char *
http_engine_error(const HttpEngine *e)
{
	return e->error;
}

/* The allocator the engine draws from (the server side deletes its context). */
const FpAllocator *
http_engine_allocator(const HttpEngine *e)
{
	return &e->alloc;
}

/* A name for an outcome, for messages and test output. */
const char *
http_outcome_name(HttpOutcome outcome)
{
	switch (outcome)
	{
		case HTTP_OUTCOME_DONE:
			return "done";
		case HTTP_OUTCOME_TIMEOUT:
			return "timeout";
		case HTTP_OUTCOME_CONNECT:
			return "connect";
		case HTTP_OUTCOME_FAILED:
			return "failed";
		case HTTP_OUTCOME_INVALID:
			return "invalid";
		case HTTP_OUTCOME_CANCELLED:
			return "cancelled";
	}
	return "unknown";
}
