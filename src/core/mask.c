/*-------------------------------------------------------------------------
 *
 * mask.c
 *	  The forms a secret takes in stored text, and masking them.
 *
 * A secret seldom reaches a log line or an output as it is: a webhook
 * answer echoes it inside JSON (quotes and backslashes escaped, maybe
 * "\/" and "\u00e9"), a URL carries it percent-encoded or form-encoded
 * (a JSON document in a query string: both; a URL inside another: twice),
 * an Authorization header carries it in base64 after "user:", a digest or
 * a dump shows it in hex, and an error
 * message keeps only the first kilobyte of a body.  So each secret is
 * masked in every one of those forms, and a start of one (MASK_MIN_CUT
 * bytes or more) is masked where text was cut: before the "..." that
 * marks a cut, or at the end of a text known to be cut short.  (Callers
 * that cut text themselves mask it first.)
 *
 * base64 depends on where the secret starts in the encoded text (its
 * offset modulo 3): for each of the three alignments the characters that
 * depend on the secret alone are a form of their own, so a secret inside
 * a longer encoded value ("Basic " base64("user:" secret)) is masked too.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/base64.h"
#include "lib/stringinfo.h"

#include "mask.h"

/* the shortest base64 run that is masked on its own (shorter ones match too much text) */
#define MIN_BASE64_FORM 6

/* Append form to forms unless it is empty or there already. */
static List *
add_form(List *forms, char *form)
{
	ListCell   *lc;

	if (form == NULL || form[0] == '\0')
		return forms;
	foreach(lc, forms)
		if (strcmp(lfirst(lc), form) == 0)
			return forms;
	return lappend(forms, form);
}

/*
 * s as it appears inside a JSON string: the escapes every encoder makes,
 * plus "\/" for slashes (slash) and \uXXXX for every non-ASCII character
 * (ascii), as some encoders write them.
 */
static char *
json_escaped(const char *s, bool slash, bool ascii)
{
	StringInfoData buf;
	const unsigned char *p;

	initStringInfo(&buf);
	for (p = (const unsigned char *) s; *p; p++)
	{
		if (*p == '"' || *p == '\\')
			appendStringInfo(&buf, "\\%c", *p);
		else if (*p == '/' && slash)
			appendStringInfoString(&buf, "\\/");
		else if (*p == '\n')
			appendStringInfoString(&buf, "\\n");
		else if (*p == '\r')
			appendStringInfoString(&buf, "\\r");
		else if (*p == '\t')
			appendStringInfoString(&buf, "\\t");
		else if (*p == '\b')
			appendStringInfoString(&buf, "\\b");
		else if (*p == '\f')
			appendStringInfoString(&buf, "\\f");
		else if (*p < 0x20)
			appendStringInfo(&buf, "\\u%04x", *p);
		else if (*p >= 0x80 && ascii)
		{
			/* one UTF-8 sequence as \uXXXX (two, a surrogate pair, above U+FFFF) */
			int			len = (*p >= 0xF0) ? 4 : (*p >= 0xE0) ? 3 : (*p >= 0xC0) ? 2 : 1;
			uint32		cp = (len == 1) ? *p : (*p & (0x3F >> (len - 1)));
			int			i;

			for (i = 1; i < len && p[i]; i++)
				cp = (cp << 6) | (p[i] & 0x3F);
			p += i - 1;
			if (cp > 0xFFFF)
			{
				cp -= 0x10000;
				appendStringInfo(&buf, "\\u%04x\\u%04x", 0xD800 + (cp >> 10), 0xDC00 + (cp & 0x3FF));
			}
			else
				appendStringInfo(&buf, "\\u%04x", cp);
		}
		else
			appendStringInfoChar(&buf, (char) *p);
	}
	return buf.data;
}

/*
 * s percent-encoded: RFC 3986 (everything but A-Z a-z 0-9 - . _ ~), with
 * upper or lower hex digits; or as forms are (Java's URLEncoder, and the
 * urlencode filter: space as +, and * kept, ~ encoded).
 */
static char *
url_encoded(const char *s, bool lower, bool form)
{
	StringInfoData buf;
	const unsigned char *p;

	initStringInfo(&buf);
	for (p = (const unsigned char *) s; *p; p++)
	{
		bool		keep = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
			(*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' ||
			(form ? *p == '*' : *p == '~');

		if (keep)
			appendStringInfoChar(&buf, (char) *p);
		else if (form && *p == ' ')
			appendStringInfoChar(&buf, '+');
		else
			appendStringInfo(&buf, lower ? "%%%02x" : "%%%02X", *p);
	}
	return buf.data;
}

/* s in hex digits, lower or upper case. */
static char *
hex_of(const char *s, bool upper)
{
	StringInfoData buf;
	const unsigned char *p;

	initStringInfo(&buf);
	for (p = (const unsigned char *) s; *p; p++)
		appendStringInfo(&buf, upper ? "%02X" : "%02x", *p);
	return buf.data;
}

/* text in base64, whole (with padding). */
static char *
base64_of(const char *bytes, int len)
{
	int			dstlen = pg_b64_enc_len(len) + 1;
	char	   *out = palloc(dstlen);
	int			n = pg_b64_encode(bytes, len, out, dstlen);

	out[n < 0 ? 0 : n] = '\0';
	return out;
}

/* base64 text in the URL-safe alphabet (- and _ for + and /), without padding. */
static char *
url_safe(const char *b64)
{
	char	   *out = pstrdup(b64);
	char	   *p;

	for (p = out; *p; p++)
	{
		if (*p == '+')
			*p = '-';
		else if (*p == '/')
			*p = '_';
		else if (*p == '=')
		{
			*p = '\0';
			break;
		}
	}
	return out;
}

/*
 * The base64 characters that depend on s alone when s starts offset bytes
 * (0, 1 or 2) into a group of three: the first character whose six bits lie
 * inside s up to the last one that does.
 */
static char *
base64_core(const char *s, int len, int offset)
{
	char	   *bytes = palloc0(offset + len);
	char	   *all;
	int			first = (8 * offset + 5) / 6;
	int			end = (8 * (offset + len)) / 6;

	memcpy(bytes + offset, s, len);
	all = base64_of(bytes, offset + len);
	if (end - first < MIN_BASE64_FORM || end > (int) strlen(all))
		return NULL;
	return pnstrdup(all + first, end - first);
}

/* The forms of one secret, added to forms. */
static List *
forms_of(List *forms, const char *s)
{
	int			len = strlen(s);
	int			offset;
	char	   *json[4];
	int			i;

	json[0] = pstrdup(s);
	json[1] = json_escaped(s, false, false);
	json[2] = json_escaped(s, true, false);
	json[3] = json_escaped(s, false, true);
	/*
	 * as it is and JSON-escaped, each also URL-encoded (a JSON document in a
	 * query string), once or twice (a URL in the query string of another)
	 */
	for (i = 0; i < 4; i++)
	{
		forms = add_form(forms, json[i]);
		forms = add_form(forms, url_encoded(json[i], false, false));
		forms = add_form(forms, url_encoded(json[i], true, false));
		forms = add_form(forms, url_encoded(json[i], false, true));
		forms = add_form(forms, url_encoded(url_encoded(json[i], false, false), false, false));
		forms = add_form(forms, url_encoded(url_encoded(json[i], false, true), false, true));
	}
	forms = add_form(forms, json_escaped(s, true, true));
	forms = add_form(forms, hex_of(s, false));
	forms = add_form(forms, hex_of(s, true));
	forms = add_form(forms, base64_of(s, len));
	forms = add_form(forms, url_safe(base64_of(s, len)));
	for (offset = 0; offset < 3; offset++)
	{
		char	   *core = base64_core(s, len, offset);

		if (core)
		{
			forms = add_form(forms, core);
			forms = add_form(forms, url_safe(core));
		}
	}
	return forms;
}

/* Longest first (see mask_add_forms). */
static int
longer_first(const ListCell *a, const ListCell *b)
{
	size_t		la = strlen(lfirst(a));
	size_t		lb = strlen(lfirst(b));

	return la > lb ? -1 : la < lb ? 1 : 0;
}

/* The forms of values[from..], added to forms (see mask.h). */
List *
mask_add_forms(List *forms, List *values, int from)
{
	int			i;

	for (i = from; i < list_length(values); i++)
	{
		const char *value = list_nth(values, i);

		if (value != NULL && value[0] != '\0')
			forms = forms_of(forms, value);
	}
	list_sort(forms, longer_first);
	return forms;
}

/* text with every occurrence of form replaced by ******, or text itself when there is none. */
static char *
replace_all(char *text, const char *form)
{
	StringInfoData buf;
	const char *p = text;
	const char *hit;
	size_t		len = strlen(form);

	if (strstr(text, form) == NULL)
		return text;
	initStringInfo(&buf);
	while ((hit = strstr(p, form)) != NULL)
	{
		appendBinaryStringInfo(&buf, p, hit - p);
		appendStringInfoString(&buf, MASK_TEXT);
		p = hit + len;
	}
	appendStringInfoString(&buf, p);
	return buf.data;
}

/* How many bytes before end (in text) are the start of a form cut there; 0 when none. */
static size_t
cut_form_length(List *forms, const char *text, size_t end)
{
	ListCell   *lc;
	size_t		best = 0;

	foreach(lc, forms)
	{
		const char *form = lfirst(lc);
		size_t		flen = strlen(form);
		size_t		l;

		for (l = Min(flen - 1, end); l >= MASK_MIN_CUT && l > best; l--)
		{
			if (memcmp(text + end - l, form, l) == 0)
			{
				best = l;
				break;
			}
		}
	}
	return best;
}

/* Mask the starts of forms cut off before a "..." or, when cut, at the end of text (see mask.h). */
static char *
mask_cuts(List *forms, char *text, bool cut_at_end)
{
	StringInfoData buf;
	size_t		len = strlen(text);
	size_t		done = 0;
	size_t		pos;
	bool		changed = false;

	initStringInfo(&buf);
	for (pos = 0; pos <= len; pos++)
	{
		size_t		cut;

		if (pos < len ? strncmp(text + pos, "...", 3) != 0 : !cut_at_end)
			continue;
		cut = cut_form_length(forms, text, pos);
		if (cut > 0 && pos - cut >= done)
		{
			appendBinaryStringInfo(&buf, text + done, pos - cut - done);
			appendStringInfoString(&buf, MASK_TEXT);
			done = pos;
			changed = true;
		}
		if (pos < len)
			pos += 2;			/* past this "..." */
	}
	if (!changed)
		return text;
	appendBinaryStringInfo(&buf, text + done, len - done);
	return buf.data;
}

/* text with every form of the secrets masked (see mask.h). */
char *
mask_text(List *forms, const char *text, bool cut)
{
	char	   *result = (char *) text;
	ListCell   *lc;

	if (text == NULL || forms == NIL)
		return result;
	foreach(lc, forms)
		result = replace_all(result, lfirst(lc));
	return mask_cuts(forms, result, cut);
}
