/*-------------------------------------------------------------------------
 *
 * mail.h
 *	  Building the RFC 5322 message of a MailSend task, and the address
 *	  lists of its to, cc and bcc properties.
 *
 * Plain C without PostgreSQL headers (tested standalone with the HTTP
 * engine): memory comes from an FpAllocator and errors are returned as
 * text, never raised.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLOWPG_MAIL_H
#define FLOWPG_MAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fpmem.h"

/* size of the error buffers the functions below fill */
#define MAIL_ERROR_SIZE		256

/*
 * A list of addresses.  mail_list_add keeps each address as written (with
 * its display name); mail_list_add_envelope keeps bare addresses, each once.
 */
typedef struct MailAddressList
{
	const FpAllocator *a;
	char	  **items;
	int			count;
	int			cap;
	bool		failed;			/* out of memory: the list is incomplete */
} MailAddressList;

/*
 * A message.  Bcc recipients are not part of it: they only go into the
 * envelope (the SMTP recipients), never into a header.
 */
typedef struct MailMessage
{
	const char *from;			/* "addr" or "Name <addr>" */
	const char *const *to;		/* as written; none gives
								 * "To: undisclosed-recipients:;" */
	int			nto;
	const char *const *cc;
	int			ncc;
	const char *subject;		/* UTF-8; NULL is empty */
	const char *text;			/* text/plain part, UTF-8, or NULL */
	const char *html;			/* text/html part, UTF-8, or NULL */
	const char *unique_id;		/* left of '@' in Message-ID; stable across
								 * resends lets receivers de-duplicate.
								 * NULL: random */
	int64_t		date;			/* seconds since the epoch; 0: now */
} MailMessage;

extern void mail_list_init(MailAddressList *l, const FpAllocator *a);
extern bool mail_list_add(MailAddressList *l, const char *text);
extern bool mail_list_add_envelope(MailAddressList *l, const MailAddressList *from,
								   char *errbuf, size_t errlen);
extern void mail_list_free(MailAddressList *l);

extern bool mail_address_split(const char *text, const FpAllocator *a,
							   char **display, char **addr,
							   char *errbuf, size_t errlen);
extern bool mail_address_check(const char *addr, char *errbuf, size_t errlen);

extern char *mail_build(const MailMessage *m, const FpAllocator *a, size_t *len,
						char *errbuf, size_t errlen);

#endif							/* FLOWPG_MAIL_H */
