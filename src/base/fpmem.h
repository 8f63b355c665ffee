/*-------------------------------------------------------------------------
 *
 * fpmem.h
 *	  Allocation hooks and a growable byte buffer for code that must not
 *	  raise errors: libcurl callbacks, and the mail builder and HTTP engine,
 *	  which are plain C so that they can also be tested outside the server.
 *
 * An FpAllocator never longjmps: it returns NULL when memory runs out and
 * the caller turns that into an error at a point where raising is safe.
 * In the server the allocator draws from a named memory context with
 * MCXT_ALLOC_NO_OOM (http_backend.c); in standalone tests it is malloc.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FPMEM_H
#define FPMEM_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct FpAllocator
{
	void	   *(*alloc) (void *arg, size_t size);	/* NULL when out of memory */
	void		(*free) (void *arg, void *ptr);
	void	   *arg;
} FpAllocator;

/* the C library's malloc and free */
extern const FpAllocator fp_malloc_allocator;

extern void *fp_alloc(const FpAllocator *a, size_t size);
extern void *fp_alloc0(const FpAllocator *a, size_t size);
extern void fp_free(const FpAllocator *a, void *ptr);
extern char *fp_strdup(const FpAllocator *a, const char *s);
extern char *fp_memdup(const FpAllocator *a, const void *data, size_t len);

/* printf into a fixed error buffer, always terminated (nothing when buf is NULL or size 0). */
extern void fp_set_error(char *buf, size_t size, const char *fmt,...)
			__attribute__((format(printf, 3, 4)));

/*
 * A byte buffer that grows by doubling up to a limit.  data is always
 * NUL-terminated (the terminator is not counted in len).  Once an
 * allocation fails or the limit is reached, failed is set and every later
 * append is refused, so a sequence of appends needs one check at the end.
 */
typedef struct FpBuf
{
	const FpAllocator *a;
	char	   *data;
	size_t		len;
	size_t		cap;
	size_t		limit;			/* most bytes it may hold; 0 means no limit */
	bool		failed;
} FpBuf;

extern void fp_buf_init(FpBuf *b, const FpAllocator *a, size_t limit);
extern bool fp_buf_reserve(FpBuf *b, size_t extra);
extern bool fp_buf_append(FpBuf *b, const void *data, size_t n);
extern bool fp_buf_append_str(FpBuf *b, const char *s);
extern bool fp_buf_append_char(FpBuf *b, char c);
extern bool fp_buf_printf(FpBuf *b, const char *fmt,...)
			__attribute__((format(printf, 2, 3)));
extern char *fp_buf_steal(FpBuf *b, size_t *len);
extern void fp_buf_free(FpBuf *b);

#endif							/* FPMEM_H */
