/*-------------------------------------------------------------------------
 *
 * fpmem.c
 *	  Allocation hooks and the growable byte buffer of fpmem.h.
 *
 * Plain C without PostgreSQL headers: it is linked into the extension and
 * into the standalone test driver of the HTTP engine alike.
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fpmem.h"

/* malloc that satisfies the FpAllocator signature */
static void *
malloc_alloc(void *arg, size_t size)
{
	(void) arg;
	return malloc(size == 0 ? 1 : size);
}

/* free that satisfies the FpAllocator signature */
static void
malloc_free(void *arg, void *ptr)
{
	(void) arg;
	free(ptr);
}

const FpAllocator fp_malloc_allocator = {malloc_alloc, malloc_free, NULL};

/* Allocate size bytes; NULL when out of memory. */
void *
fp_alloc(const FpAllocator *a, size_t size)
{
	return a->alloc(a->arg, size);
}

/* Allocate size zeroed bytes; NULL when out of memory. */
void *
fp_alloc0(const FpAllocator *a, size_t size)
{
	void	   *p = a->alloc(a->arg, size);

	if (p != NULL)
		memset(p, 0, size);
	return p;
}

/* Free memory from fp_alloc; NULL is allowed, as with free(). */
void
fp_free(const FpAllocator *a, void *ptr)
{
	if (ptr != NULL)
		a->free(a->arg, ptr);
}

/* Copy a NUL-terminated string; NULL in gives NULL out. */
char *
fp_strdup(const FpAllocator *a, const char *s)
{
	if (s == NULL)
		return NULL;
	return fp_memdup(a, s, strlen(s));
}

/* Copy len bytes and add a NUL terminator (so text can be used as a string). */
char *
fp_memdup(const FpAllocator *a, const void *data, size_t len)
{
	char	   *p = a->alloc(a->arg, len + 1);

	if (p == NULL)
		return NULL;
	if (len > 0)
		memcpy(p, data, len);
	p[len] = '\0';
	return p;
}

/* Start an empty buffer that may hold at most limit bytes (0: unlimited). */
void
fp_buf_init(FpBuf *b, const FpAllocator *a, size_t limit)
{
	b->a = a;
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->limit = limit;
	b->failed = false;
}

/*
 * Make room for extra more bytes plus the terminator.  Growth doubles, so
 * appending n bytes one by one costs O(n); the allocator has no realloc, so
 * growing copies into a new block.
 */
bool
fp_buf_reserve(FpBuf *b, size_t extra)
{
	size_t		need;
	size_t		cap;
	char	   *data;

	if (b->failed)
		return false;
	if (extra > ((size_t) -1) / 2 - b->len ||
		(b->limit > 0 && b->len + extra > b->limit))
	{
		b->failed = true;
		return false;
	}
	need = b->len + extra + 1;
	if (need <= b->cap)
		return true;
	cap = b->cap > 0 ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	if (b->limit > 0 && cap > b->limit + 1)
		cap = b->limit + 1;
	data = b->a->alloc(b->a->arg, cap);
	if (data == NULL)
	{
		b->failed = true;
		return false;
	}
	if (b->len > 0)
		memcpy(data, b->data, b->len);
	data[b->len] = '\0';
	if (b->data != NULL)
		b->a->free(b->a->arg, b->data);
	b->data = data;
	b->cap = cap;
	return true;
}

/* Append n bytes; false (and failed set) when memory or the limit runs out. */
bool
fp_buf_append(FpBuf *b, const void *data, size_t n)
{
	if (!fp_buf_reserve(b, n))
		return false;
	if (n > 0)
		memcpy(b->data + b->len, data, n);
	b->len += n;
	b->data[b->len] = '\0';
	return true;
}

/* Append a NUL-terminated string. */
bool
fp_buf_append_str(FpBuf *b, const char *s)
{
	return fp_buf_append(b, s, strlen(s));
}

/* Append one byte. */
bool
fp_buf_append_char(FpBuf *b, char c)
{
	return fp_buf_append(b, &c, 1);
}

/* Append printf-style formatted text. */
bool
fp_buf_printf(FpBuf *b, const char *fmt,...)
{
	va_list		ap;
	int			n;
	char		small[256];

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
	{
		b->failed = true;
		return false;
	}
	if ((size_t) n < sizeof(small))
		return fp_buf_append(b, small, (size_t) n);
	if (!fp_buf_reserve(b, (size_t) n))
		return false;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t) n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t) n;
	return true;
}

/*
 * Hand the buffer's memory to the caller (to free with the same allocator)
 * and leave the buffer empty.  An empty buffer still yields an allocated
 * empty string, so the caller can tell success (non-NULL) from failure; on
 * failure the buffer's memory is released.
 */
char *
fp_buf_steal(FpBuf *b, size_t *len)
{
	char	   *data;

	if (b->failed || !fp_buf_reserve(b, 0))
	{
		fp_buf_free(b);
		return NULL;
	}
	data = b->data;
	if (len != NULL)
		*len = b->len;
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	return data;
}

/* Release the buffer's memory; the buffer may be reused after fp_buf_init. */
void
fp_buf_free(FpBuf *b)
{
	if (b->data != NULL)
		b->a->free(b->a->arg, b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

/* printf into a fixed error buffer (see fpmem.h). */
void
fp_set_error(char *buf, size_t size, const char *fmt,...)
{
	va_list		ap;

	if (buf == NULL || size == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}
