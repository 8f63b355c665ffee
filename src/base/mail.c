/*-------------------------------------------------------------------------
 *
 * mail.c
 *	  The RFC 5322 / MIME message of a MailSend task, and its address lists.
 *
 * The message is UTF-8 throughout: non-ASCII header text (the subject,
 * display names) becomes RFC 2047 encoded words; each text part is
 * quoted-printable, or base64 when most of it is not ASCII; lines end in
 * CRLF and stay within 78 characters where the RFC asks for it.  When both
 * a plain text and an HTML body are given they become the two parts of a
 * multipart/alternative, plain text first (the least preferred first, as
 * RFC 2046 asks).  The boundary starts with "=_", which can never occur in
 * quoted-printable or base64 text, so no body can break out of its part.
 *
 * SMTP's own escaping of lines that start with a dot ("dot-stuffing") is
 * left to libcurl, which does it while uploading; the message built here is
 * the unescaped message.
 *
 *-------------------------------------------------------------------------
 */
#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "mail.h"

/* Whether s (len bytes) is well-formed UTF-8 without NUL bytes. */
static bool
valid_utf8(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *) s;
	size_t		i = 0;

	while (i < len)
	{
		unsigned char c = p[i];
		size_t		n;
		uint32_t	cp;
		size_t		k;

		if (c == 0)
			return false;
		if (c < 0x80)
		{
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0)
			n = 1, cp = c & 0x1f;
		else if ((c & 0xf0) == 0xe0)
			n = 2, cp = c & 0x0f;
		else if ((c & 0xf8) == 0xf0)
			n = 3, cp = c & 0x07;
		else
			return false;
		for (k = 1; k <= n; k++)
		{
			if (i + k >= len || (p[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		/* overlong forms, surrogates, beyond U+10FFFF */
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) ||
			(n == 3 && cp < 0x10000) || cp > 0x10ffff ||
			(cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n + 1;
	}
	return true;
}

/* ---------------------------------------------------------------------
 * Address lists
 * ---------------------------------------------------------------------
 */

/* Start an empty list drawing memory from a. */
void
mail_list_init(MailAddressList *l, const FpAllocator *a)
{
	l->a = a;
	l->items = NULL;
	l->count = 0;
	l->cap = 0;
	l->failed = false;
}

/* Append a copy of len bytes of s; false when out of memory. */
static bool
list_append(MailAddressList *l, const char *s, size_t len)
{
	char	   *copy;

	if (l->failed)
		return false;
	if (l->count == l->cap)
	{
		int			cap = l->cap > 0 ? l->cap * 2 : 8;
		char	  **items = fp_alloc(l->a, sizeof(char *) * cap);

		if (items == NULL)
		{
			l->failed = true;
			return false;
		}
		if (l->count > 0)
			memcpy(items, l->items, sizeof(char *) * l->count);
		fp_free(l->a, l->items);
		l->items = items;
		l->cap = cap;
	}
	copy = fp_memdup(l->a, s, len);
	if (copy == NULL)
	{
		l->failed = true;
		return false;
	}
	l->items[l->count++] = copy;
	return true;
}

/*
 * Split text at ',' and ';' into addresses, trim each and drop empty ones:
 * "a@x.org; b@y.org, ,c@z.org" gives three.  Separators inside a quoted
 * display name, <...> or a (comment) do not split, so
 * "\"Doe, Jane\" <jane@x.org>" stays one address.  A list property is
 * handled by calling this once per element.  False when out of memory.
 */
bool
mail_list_add(MailAddressList *l, const char *text)
{
	const char *start;
	const char *p;
	bool		quoted = false;
	int			angle = 0;
	int			paren = 0;

	if (text == NULL)
		return !l->failed;
	start = text;
	for (p = text;; p++)
	{
		char		c = *p;

		if (c == '\\' && quoted && p[1] != '\0')
		{
			p++;
			continue;
		}
		if (c == '"' && paren == 0)
			quoted = !quoted;
		else if (!quoted && c == '(')
			paren++;
		else if (!quoted && c == ')' && paren > 0)
			paren--;
		else if (!quoted && paren == 0 && c == '<')
			angle++;
		else if (!quoted && paren == 0 && c == '>' && angle > 0)
			angle--;
		if (c == '\0' || ((c == ',' || c == ';') && !quoted && angle == 0 && paren == 0))
		{
			const char *b = start;
			const char *e = p;

			while (b < e && isspace((unsigned char) *b))
				b++;
			while (e > b && isspace((unsigned char) e[-1]))
				e--;
			if (e > b && !list_append(l, b, e - b))
				return false;
			if (c == '\0')
				break;
			start = p + 1;
		}
	}
	return true;
}

/* Case-insensitive (ASCII) equality of two addresses. */
static bool
same_address(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (tolower((unsigned char) *a) != tolower((unsigned char) *b))
			return false;
	return *a == '\0' && *b == '\0';
}

/*
 * Append the bare addresses of from's entries to l, checking each and
 * skipping any already there: the SMTP envelope of to, cc and bcc.  False
 * with a message naming the address when one is invalid, or when out of
 * memory.
 */
bool
mail_list_add_envelope(MailAddressList *l, const MailAddressList *from,
					   char *errbuf, size_t errlen)
{
	int			i;

	if (from->failed || l->failed)
	{
		fp_set_error(errbuf, errlen, "out of memory");
		return false;
	}
	for (i = 0; i < from->count; i++)
	{
		char	   *display = NULL;
		char	   *addr = NULL;
		bool		dup = false;
		int			j;

		if (!mail_address_split(from->items[i], l->a, &display, &addr, errbuf, errlen))
			return false;
		for (j = 0; j < l->count && !dup; j++)
			dup = same_address(l->items[j], addr);
		if (!dup && !list_append(l, addr, strlen(addr)))
		{
			fp_set_error(errbuf, errlen, "out of memory");
			fp_free(l->a, display);
			fp_free(l->a, addr);
			return false;
		}
		fp_free(l->a, display);
		fp_free(l->a, addr);
	}
	return true;
}

/* Free the list's memory. */
void
mail_list_free(MailAddressList *l)
{
	int			i;

	for (i = 0; i < l->count; i++)
		fp_free(l->a, l->items[i]);
	fp_free(l->a, l->items);
	l->items = NULL;
	l->count = 0;
	l->cap = 0;
}

/* RFC 5322 atext, plus bytes of UTF-8 sequences (RFC 6532). */
static bool
is_atext(unsigned char c)
{
	return isalnum(c) || c >= 0x80 || strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

/*
 * A basic check of a bare address (local@domain): what a typo or a wrong
 * template produces is refused before anything is sent; the final word is
 * the receiving server's.  Local part: a dot-atom or a quoted string, at
 * most 64 bytes; domain: dot-separated labels of letters, digits and
 * hyphens (or UTF-8), or an [address literal]; at most 254 bytes in all.
 */
bool
mail_address_check(const char *addr, char *errbuf, size_t errlen)
{
	const char *at;
	const char *p;
	size_t		len;
	size_t		local_len;

	if (addr == NULL || *addr == '\0')
	{
		fp_set_error(errbuf, errlen, "empty e-mail address");
		return false;
	}
	len = strlen(addr);
	if (len > 254)
	{
		fp_set_error(errbuf, errlen, "e-mail address \"%.60s...\" is longer than 254 bytes", addr);
		return false;
	}
	if (!valid_utf8(addr, len))
	{
		fp_set_error(errbuf, errlen, "e-mail address is not valid UTF-8");
		return false;
	}
	at = strrchr(addr, '@');
	if (at == NULL)
	{
		fp_set_error(errbuf, errlen, "e-mail address \"%s\" has no @", addr);
		return false;
	}
	local_len = at - addr;
	if (local_len == 0 || local_len > 64)
	{
		fp_set_error(errbuf, errlen, "e-mail address \"%s\" has an empty or too long local part", addr);
		return false;
	}
	if (addr[0] == '"')
	{
		/* quoted string: printable, with \ escapes, ending right before @ */
		for (p = addr + 1; p < at - 1; p++)
		{
			unsigned char c = (unsigned char) *p;

			if (c == '\\' && p + 1 < at - 1)
			{
				p++;
				continue;
			}
			if (c < 0x20 || c == 0x7f || c == '"')
				break;
		}
		if (local_len < 2 || p != at - 1 || at[-1] != '"')
		{
			fp_set_error(errbuf, errlen, "e-mail address \"%s\" has an invalid quoted local part", addr);
			return false;
		}
	}
	else
	{
		for (p = addr; p < at; p++)
		{
			if (*p == '.' ? (p == addr || p + 1 == at || p[1] == '.') :
				!is_atext((unsigned char) *p))
			{
				fp_set_error(errbuf, errlen, "e-mail address \"%s\" has an invalid local part", addr);
				return false;
			}
		}
	}
	p = at + 1;
	if (*p == '\0')
	{
		fp_set_error(errbuf, errlen, "e-mail address \"%s\" has no domain", addr);
		return false;
	}
	if (*p == '[')
	{
		size_t		dlen = strlen(p);

		if (dlen < 3 || p[dlen - 1] != ']' || strcspn(p + 1, "[]\\ \t") != dlen - 2)
		{
			fp_set_error(errbuf, errlen, "e-mail address \"%s\" has an invalid address literal", addr);
			return false;
		}
		return true;
	}
	while (*p != '\0')
	{
		const char *label = p;

		while (*p != '\0' && *p != '.')
		{
			unsigned char c = (unsigned char) *p;

			if (!(isalnum(c) || c == '-' || c >= 0x80))
			{
				fp_set_error(errbuf, errlen, "e-mail address \"%s\" has an invalid domain", addr);
				return false;
			}
			p++;
		}
		if (p == label || p - label > 63 || *label == '-' || p[-1] == '-' ||
			(*p == '.' && p[1] == '\0'))
		{
			fp_set_error(errbuf, errlen, "e-mail address \"%s\" has an invalid domain", addr);
			return false;
		}
		if (*p == '.')
			p++;
	}
	return true;
}

/*
 * Split one address as written into its display name (NULL when there is
 * none; quotes and backslash escapes removed) and bare address, and check
 * the address.  Accepts "a@x.org", "<a@x.org>", "Name <a@x.org>" and
 * "\"Doe, Jane\" <a@x.org>".  Both outputs are allocated with a.
 */
bool
mail_address_split(const char *text, const FpAllocator *a,
				   char **display, char **addr, char *errbuf, size_t errlen)
{
	const char *b = text;
	const char *e;
	const char *lt;
	const char *p;

	*display = NULL;
	*addr = NULL;
	if (text == NULL)
	{
		fp_set_error(errbuf, errlen, "empty e-mail address");
		return false;
	}
	for (p = text; *p; p++)
	{
		if ((unsigned char) *p < 0x20 || *p == 0x7f)
		{
			fp_set_error(errbuf, errlen, "e-mail address contains a control character");
			return false;
		}
	}
	e = text + strlen(text);
	while (b < e && isspace((unsigned char) *b))
		b++;
	while (e > b && isspace((unsigned char) e[-1]))
		e--;

	/* the last '<' outside quotes starts the address */
	lt = NULL;
	{
		bool		quoted = false;

		for (p = b; p < e; p++)
		{
			if (*p == '\\' && quoted && p + 1 < e)
				p++;
			else if (*p == '"')
				quoted = !quoted;
			else if (*p == '<' && !quoted)
				lt = p;
		}
	}
	if (lt == NULL)
		*addr = fp_memdup(a, b, e - b);
	else
	{
		const char *nb = b;
		const char *ne = lt;

		if (e[-1] != '>' || e - 1 <= lt)
		{
			fp_set_error(errbuf, errlen, "e-mail address \"%s\" has an unclosed <", text);
			return false;
		}
		*addr = fp_memdup(a, lt + 1, (e - 1) - (lt + 1));
		while (ne > nb && isspace((unsigned char) ne[-1]))
			ne--;
		if (ne > nb)
		{
			FpBuf		name;

			fp_buf_init(&name, a, 0);
			if (*nb == '"' && ne - nb >= 2 && ne[-1] == '"')
			{
				for (p = nb + 1; p < ne - 1; p++)
				{
					if (*p == '\\' && p + 1 < ne - 1)
						p++;
					fp_buf_append_char(&name, *p);
				}
			}
			else
				fp_buf_append(&name, nb, ne - nb);
			*display = fp_buf_steal(&name, NULL);
			if (*display == NULL)
			{
				fp_free(a, *addr);
				*addr = NULL;
				fp_set_error(errbuf, errlen, "out of memory");
				return false;
			}
		}
	}
	if (*addr == NULL)
	{
		fp_free(a, *display);
		*display = NULL;
		fp_set_error(errbuf, errlen, "out of memory");
		return false;
	}
	if (!mail_address_check(*addr, errbuf, errlen) ||
		(*display != NULL && !valid_utf8(*display, strlen(*display))))
	{
		if (*display != NULL && !valid_utf8(*display, strlen(*display)))
			fp_set_error(errbuf, errlen, "display name of \"%s\" is not valid UTF-8", *addr);
		fp_free(a, *display);
		fp_free(a, *addr);
		*display = NULL;
		*addr = NULL;
		return false;
	}
	return true;
}

/* ---------------------------------------------------------------------
 * Encodings
 * ---------------------------------------------------------------------
 */

static const char b64chars[] =
"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Append the base64 of len bytes of s, without line breaks. */
static void
base64_append(FpBuf *b, const unsigned char *s, size_t len)
{
	size_t		i;

	for (i = 0; i + 2 < len; i += 3)
	{
		char		q[4] = {b64chars[s[i] >> 2],
			b64chars[((s[i] & 3) << 4) | (s[i + 1] >> 4)],
			b64chars[((s[i + 1] & 15) << 2) | (s[i + 2] >> 6)],
		b64chars[s[i + 2] & 63]};

		fp_buf_append(b, q, 4);
	}
	if (len - i == 1)
	{
		char		q[4] = {b64chars[s[i] >> 2], b64chars[(s[i] & 3) << 4], '=', '='};

		fp_buf_append(b, q, 4);
	}
	else if (len - i == 2)
	{
		char		q[4] = {b64chars[s[i] >> 2],
			b64chars[((s[i] & 3) << 4) | (s[i + 1] >> 4)],
		b64chars[(s[i + 1] & 15) << 2], '='};

		fp_buf_append(b, q, 4);
	}
}

/*
 * Append text as RFC 2047 "B" encoded words, each at most 75 characters
 * and sized to what is left of the line (lines stay within 76), folded
 * with CRLF SP between words, which decoders drop.  No word splits a UTF-8
 * sequence, as RFC 2047 section 5 requires.  *col is the current line's
 * length and is kept up to date.
 */
static void
encoded_words_append(FpBuf *b, const char *text, size_t *col)
{
	const unsigned char *s = (const unsigned char *) text;
	size_t		len = strlen(text);
	size_t		pos = 0;

	while (pos < len && !b->failed)
	{
		size_t		room;
		size_t		n;

		/* "=?UTF-8?B?" and "?=" take 12; base64 takes 4 per 3 bytes */
		if (*col + 12 + 4 * 2 > 76)
		{
			fp_buf_append_str(b, "\r\n ");
			*col = 1;
		}
		room = ((76 - *col - 12) / 4) * 3;
		if (room > 45)
			room = 45;
		n = len - pos < room ? len - pos : room;
		while (n > 0 && pos + n < len && (s[pos + n] & 0xc0) == 0x80)
			n--;
		if (n == 0)
		{
			/* a sequence longer than the room left: start a new line */
			fp_buf_append_str(b, "\r\n ");
			*col = 1;
			continue;
		}
		fp_buf_append_str(b, "=?UTF-8?B?");
		base64_append(b, s + pos, n);
		fp_buf_append_str(b, "?=");
		*col += 12 + ((n + 2) / 3) * 4;
		pos += n;
		if (pos < len)
		{
			fp_buf_append_str(b, "\r\n ");
			*col = 1;
		}
	}
}

/* Whether header text must be encoded: non-ASCII, control, or "=?". */
static bool
needs_encoding(const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *) s; *p; p++)
		if (*p >= 0x80 || *p < 0x20 || *p == 0x7f)
			return true;
	return strstr(s, "=?") != NULL;
}

/*
 * Copy s with line breaks and other control characters (except TAB) made
 * spaces: header text is one logical line, and a CR or LF in a subject must
 * not start a new header.
 */
static char *
header_text(const FpAllocator *a, const char *s)
{
	char	   *copy = fp_strdup(a, s != NULL ? s : "");
	char	   *p;

	if (copy != NULL)
		for (p = copy; *p; p++)
			if (((unsigned char) *p < 0x20 && *p != '\t') || *p == 0x7f)
				*p = ' ';
	return copy;
}

/* Append "Name: value" for unstructured text (Subject), encoding as needed. */
static void
unstructured_header(FpBuf *b, const char *name, const char *value)
{
	size_t		col = strlen(name) + 2;

	fp_buf_printf(b, "%s: ", name);
	if (!needs_encoding(value) && col + strlen(value) <= 998)
		fp_buf_append_str(b, value);
	else
		encoded_words_append(b, value, &col);
	fp_buf_append_str(b, "\r\n");
}

/* Whether a display name can go unquoted (a phrase of atoms and spaces). */
static bool
plain_phrase(const char *s)
{
	for (; *s; s++)
		if (!(is_atext((unsigned char) *s) || *s == ' '))
			return false;
	return true;
}

/*
 * Append "Name: a, b, ..." for a list of addresses as written, each
 * rewritten as "display <addr>" with the display name encoded or quoted as
 * needed, folding between addresses to keep lines near 78 characters.
 */
static bool
address_header(FpBuf *b, const char *name, const char *const *list, int n,
			   char *errbuf, size_t errlen)
{
	size_t		col = strlen(name) + 2;
	int			i;

	fp_buf_printf(b, "%s: ", name);
	for (i = 0; i < n; i++)
	{
		char	   *display;
		char	   *addr;
		FpBuf		one;

		if (!mail_address_split(list[i], b->a, &display, &addr, errbuf, errlen))
			return false;
		fp_buf_init(&one, b->a, 0);
		if (display != NULL && *display != '\0')
		{
			if (needs_encoding(display))
			{
				size_t		ocol = 0;

				encoded_words_append(&one, display, &ocol);
			}
			else if (plain_phrase(display))
				fp_buf_append_str(&one, display);
			else
			{
				const char *p;

				fp_buf_append_char(&one, '"');
				for (p = display; *p; p++)
				{
					if (*p == '"' || *p == '\\')
						fp_buf_append_char(&one, '\\');
					fp_buf_append_char(&one, *p);
				}
				fp_buf_append_char(&one, '"');
			}
			fp_buf_printf(&one, " <%s>", addr);
		}
		else
			fp_buf_append_str(&one, addr);
		fp_free(b->a, display);
		fp_free(b->a, addr);
		if (one.failed)
		{
			fp_buf_free(&one);
			fp_set_error(errbuf, errlen, "out of memory");
			return false;
		}
		if (i > 0)
		{
			if (col + 2 + one.len > 78)
			{
				fp_buf_append_str(b, ",\r\n ");
				col = 1;
			}
			else
			{
				fp_buf_append_str(b, ", ");
				col += 2;
			}
		}
		fp_buf_append(b, one.data, one.len);
		col += one.len;
		fp_buf_free(&one);
	}
	if (n == 0)
		fp_buf_append_str(b, "undisclosed-recipients:;");
	fp_buf_append_str(b, "\r\n");
	return true;
}

/*
 * Append text as quoted-printable (RFC 2045 6.7): line breaks (LF, CR or
 * CRLF in the input) become CRLF; '=', non-ASCII and control bytes become
 * =XX; spaces and tabs before a line break are encoded so that no mail
 * system strips them; encoded lines are at most 76 characters, with soft
 * line breaks ("=" CRLF) that never split an =XX.
 */
static void
quoted_printable_append(FpBuf *b, const char *text)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *s = (const unsigned char *) text;
	size_t		col = 0;

	while (*s)
	{
		unsigned char c = *s;
		bool		at_eol;
		char		tok[3];
		size_t		toklen;

		if (c == '\r' || c == '\n')
		{
			fp_buf_append_str(b, "\r\n");
			col = 0;
			s += (c == '\r' && s[1] == '\n') ? 2 : 1;
			continue;
		}
		at_eol = s[1] == '\0' || s[1] == '\r' || s[1] == '\n';
		if ((c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !at_eol))
		{
			tok[0] = (char) c;
			toklen = 1;
		}
		else
		{
			tok[0] = '=';
			tok[1] = hex[c >> 4];
			tok[2] = hex[c & 15];
			toklen = 3;
		}
		/* room for the token plus a possible soft break's '=' */
		if (col + toklen > (at_eol ? 76 : 75))
		{
			fp_buf_append_str(b, "=\r\n");
			col = 0;
		}
		fp_buf_append(b, tok, toklen);
		col += toklen;
		s++;
	}
}

/* Append text as base64 in lines of 76 characters, line breaks made CRLF. */
static void
base64_body_append(FpBuf *b, const char *text)
{
	FpBuf		crlf;
	FpBuf		enc;
	const char *p;
	size_t		i;

	fp_buf_init(&crlf, b->a, 0);
	for (p = text; *p; p++)
	{
		if (*p == '\r' || *p == '\n')
		{
			fp_buf_append_str(&crlf, "\r\n");
			if (*p == '\r' && p[1] == '\n')
				p++;
		}
		else
			fp_buf_append_char(&crlf, *p);
	}
	fp_buf_init(&enc, b->a, 0);
	fp_buf_append_str(&enc, "");
	base64_append(&enc, (const unsigned char *) (crlf.data != NULL ? crlf.data : ""), crlf.len);
	if (crlf.failed || enc.failed)
		b->failed = true;
	for (i = 0; i < enc.len; i += 76)
	{
		if (i > 0)
			fp_buf_append_str(b, "\r\n");
		fp_buf_append(b, enc.data + i, enc.len - i > 76 ? 76 : enc.len - i);
	}
	fp_buf_free(&crlf);
	fp_buf_free(&enc);
}

/*
 * Append one text part: its headers, a blank line and the encoded text
 * (no final line break: the caller adds the CRLF that precedes the next
 * boundary or ends the message).  Mostly non-ASCII text (more than a
 * third of its bytes) is base64, which is shorter for it; the rest is
 * quoted-printable, which stays readable.
 */
static void
text_part_append(FpBuf *b, const char *subtype, const char *text)
{
	size_t		high = 0;
	size_t		len = strlen(text);
	const char *p;

	for (p = text; *p; p++)
		if ((unsigned char) *p >= 0x80)
			high++;
	fp_buf_printf(b, "Content-Type: text/%s; charset=UTF-8\r\n", subtype);
	if (high * 3 > len)
	{
		fp_buf_append_str(b, "Content-Transfer-Encoding: base64\r\n\r\n");
		base64_body_append(b, text);
	}
	else
	{
		fp_buf_append_str(b, "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
		quoted_printable_append(b, text);
	}
}

/* Fill buf (2 * n + 1 bytes) with n random bytes as hex. */
static void
random_hex(char *buf, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	static unsigned int counter = 0;
	unsigned char raw[32];
	size_t		i;

	if (n > sizeof(raw))
		n = sizeof(raw);
	if (getrandom(raw, n, GRND_NONBLOCK) != (ssize_t) n)
	{
		/* no entropy yet: unique enough for a boundary and a Message-ID */
		struct timespec ts;
		uint64_t	x;

		clock_gettime(CLOCK_REALTIME, &ts);
		x = ((uint64_t) ts.tv_sec * 1000000000u + ts.tv_nsec) ^
			((uint64_t) getpid() << 32) ^ ++counter;
		for (i = 0; i < n; i++)
		{
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			raw[i] = (unsigned char) x;
		}
	}
	for (i = 0; i < n; i++)
	{
		buf[2 * i] = hex[raw[i] >> 4];
		buf[2 * i + 1] = hex[raw[i] & 15];
	}
	buf[2 * n] = '\0';
}

/* Append an RFC 5322 date in UTC, with English names whatever the locale. */
static void
date_append(FpBuf *b, int64_t when)
{
	static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	time_t		t = when != 0 ? (time_t) when : time(NULL);
	struct tm	tm;

	gmtime_r(&t, &tm);
	fp_buf_printf(b, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n",
				  days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
				  tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/*
 * Build the message: headers From, To, Cc, Subject, Date, Message-ID,
 * MIME-Version and the content, then the body.  Returns the message
 * (allocated with a, length in *len) or NULL with a message in errbuf when
 * an address or a text is invalid or memory runs out.
 */
char *
mail_build(const MailMessage *m, const FpAllocator *a, size_t *len,
		   char *errbuf, size_t errlen)
{
	FpBuf		b;
	char	   *from_display = NULL;
	char	   *from_addr = NULL;
	char	   *subject;
	char		rnd[33];
	const char *domain;
	bool		has_text = m->text != NULL;
	bool		has_html = m->html != NULL;
	char	   *out;

	if (m->from == NULL || *m->from == '\0')
	{
		fp_set_error(errbuf, errlen, "no sender (from) given");
		return NULL;
	}
	if ((m->subject != NULL && !valid_utf8(m->subject, strlen(m->subject))) ||
		(has_text && !valid_utf8(m->text, strlen(m->text))) ||
		(has_html && !valid_utf8(m->html, strlen(m->html))))
	{
		fp_set_error(errbuf, errlen, "subject or body is not valid UTF-8");
		return NULL;
	}
	if (!mail_address_split(m->from, a, &from_display, &from_addr, errbuf, errlen))
		return NULL;
	domain = strrchr(from_addr, '@') + 1;

	fp_buf_init(&b, a, 0);
	{
		const char *from_list[1] = {m->from};

		if (!address_header(&b, "From", from_list, 1, errbuf, errlen) ||
			!address_header(&b, "To", m->to, m->nto > 0 ? m->nto : 0, errbuf, errlen) ||
			(m->ncc > 0 && !address_header(&b, "Cc", m->cc, m->ncc, errbuf, errlen)))
		{
			fp_buf_free(&b);
			fp_free(a, from_display);
			fp_free(a, from_addr);
			return NULL;
		}
	}
	subject = header_text(a, m->subject);
	if (subject == NULL)
		b.failed = true;
	else
		unstructured_header(&b, "Subject", subject);
	fp_free(a, subject);
	date_append(&b, m->date);

	random_hex(rnd, 16);
	fp_buf_append_str(&b, "Message-ID: <flowpg.");
	if (m->unique_id != NULL && *m->unique_id != '\0')
	{
		const char *p;

		/* keep dot-atom text; anything else becomes '-' */
		for (p = m->unique_id; *p; p++)
			fp_buf_append_char(&b, (isalnum((unsigned char) *p) ||
									strchr("-_+=/", *p) != NULL) ? *p : '-');
	}
	else
		fp_buf_append_str(&b, rnd);
	if (*domain == '[')
		fp_buf_append_str(&b, "@flowpg.invalid>\r\n");
	else
		fp_buf_printf(&b, "@%s>\r\n", domain);
	fp_free(a, from_display);
	fp_free(a, from_addr);
	fp_buf_append_str(&b, "MIME-Version: 1.0\r\n");

	if (has_text && has_html)
	{
		char		boundary[64];

		random_hex(rnd, 12);
		snprintf(boundary, sizeof(boundary), "=_flowpg_%s", rnd);
		fp_buf_printf(&b, "Content-Type: multipart/alternative;\r\n boundary=\"%s\"\r\n\r\n",
					  boundary);
		fp_buf_append_str(&b, "This is a multi-part message in MIME format.\r\n");
		fp_buf_printf(&b, "--%s\r\n", boundary);
		text_part_append(&b, "plain", m->text);
		fp_buf_printf(&b, "\r\n--%s\r\n", boundary);
		text_part_append(&b, "html", m->html);
		fp_buf_printf(&b, "\r\n--%s--\r\n", boundary);
	}
	else
	{
		text_part_append(&b, has_html ? "html" : "plain",
						 has_html ? m->html : (has_text ? m->text : ""));
		fp_buf_append_str(&b, "\r\n");
	}

	out = fp_buf_steal(&b, len);
	if (out == NULL)
		fp_set_error(errbuf, errlen, "out of memory while building the message");
	return out;
}
