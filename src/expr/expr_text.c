/*-------------------------------------------------------------------------
 *
 * expr_text.c
 *	  UTF-8 for the template language: decoding and encoding code points,
 *	  counting characters, Unicode case mapping and slugs.
 *
 * The server's own case mapping depends on the database locale and is not
 * available to the fuzzer, so this file carries a compact table of its own:
 * ASCII, Latin-1 Supplement, Latin Extended-A, Latin Extended Additional,
 * Greek, Cyrillic (with its supplement), Armenian and the fullwidth Latin
 * letters, which covers the languages flows are written in.  Characters
 * outside the table keep their case.  The special cases of Java's
 * String.toUpperCase/toLowerCase that matter in practice are kept: ß
 * upper-cases to SS, İ lower-cases to i + combining dot, and Σ lower-cases
 * to ς at the end of a word.
 *
 * Invalid UTF-8 is never an error here: invalid bytes are copied through
 * unchanged and count as one character each.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "expr_internal.h"

/*
 * Decode the code point at s (len bytes available).  Returns the bytes it
 * takes (at least 1); *cp is -1 for an invalid or truncated sequence.
 */
int
expr_utf8_decode(const char *s, int len, int32 *cp)
{
	const unsigned char *u = (const unsigned char *) s;
	int			n;
	int32		c;
	int			i;

	if (len <= 0)
	{
		*cp = -1;
		return 1;
	}
	if (u[0] < 0x80)
	{
		*cp = u[0];
		return 1;
	}
	if (u[0] >= 0xC2 && u[0] <= 0xDF)
	{
		n = 2;
		c = u[0] & 0x1F;
	}
	else if (u[0] >= 0xE0 && u[0] <= 0xEF)
	{
		n = 3;
		c = u[0] & 0x0F;
	}
	else if (u[0] >= 0xF0 && u[0] <= 0xF4)
	{
		n = 4;
		c = u[0] & 0x07;
	}
	else
	{
		*cp = -1;
		return 1;
	}
	if (len < n)
	{
		*cp = -1;
		return 1;
	}
	for (i = 1; i < n; i++)
	{
		if ((u[i] & 0xC0) != 0x80)
		{
			*cp = -1;
			return 1;
		}
		c = (c << 6) | (u[i] & 0x3F);
	}
	/* overlong forms, surrogates and values past U+10FFFF are invalid */
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10FFFF)) ||
		(c >= 0xD800 && c <= 0xDFFF))
	{
		*cp = -1;
		return 1;
	}
	*cp = c;
	return n;
}

/* Append code point cp as UTF-8. */
void
expr_utf8_encode(StringInfo buf, int32 cp)
{
	char		b[4];

	if (cp < 0x80)
		appendStringInfoChar(buf, (char) cp);
	else if (cp < 0x800)
	{
		b[0] = (char) (0xC0 | (cp >> 6));
		b[1] = (char) (0x80 | (cp & 0x3F));
		appendBinaryStringInfo(buf, b, 2);
	}
	else if (cp < 0x10000)
	{
		b[0] = (char) (0xE0 | (cp >> 12));
		b[1] = (char) (0x80 | ((cp >> 6) & 0x3F));
		b[2] = (char) (0x80 | (cp & 0x3F));
		appendBinaryStringInfo(buf, b, 3);
	}
	else
	{
		b[0] = (char) (0xF0 | (cp >> 18));
		b[1] = (char) (0x80 | ((cp >> 12) & 0x3F));
		b[2] = (char) (0x80 | ((cp >> 6) & 0x3F));
		b[3] = (char) (0x80 | (cp & 0x3F));
		appendBinaryStringInfo(buf, b, 4);
	}
}

/* The number of characters (code points; invalid bytes count one each) in s. */
int
expr_char_count(const char *s, int len)
{
	int			pos = 0;
	int			count = 0;

	while (pos < len)
	{
		unsigned char c = (unsigned char) s[pos];
		int32		cp;

		if (c < 0x80)
			pos++;
		else
			pos += expr_utf8_decode(s + pos, len - pos, &cp);
		count++;
	}
	return count;
}

/* The byte offset of character nchars in s (len when s is shorter). */
int
expr_char_offset(const char *s, int len, int nchars)
{
	int			pos = 0;

	while (pos < len && nchars > 0)
	{
		int32		cp;

		pos += expr_utf8_decode(s + pos, len - pos, &cp);
		nchars--;
	}
	return pos;
}

/*
 * The length of s cut to at most max bytes without splitting a character,
 * for quoting user text in messages.
 */
int
expr_clip(const char *s, int len, int max)
{
	int			n;

	if (len <= max)
		return len;
	n = max;
	while (n > 0 && ((unsigned char) s[n] & 0xC0) == 0x80)
		n--;
	return n;
}

/* Java's Character.isWhitespace: what title and capitalize treat as word breaks. */
bool
expr_is_java_space(int32 cp)
{
	if (cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x1F))
		return true;
	return cp == 0x1680 || (cp >= 0x2000 && cp <= 0x2006) ||
		(cp >= 0x2008 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 ||
		cp == 0x205F || cp == 0x3000;
}

/*
 * A range of code points with a simple case mapping.  With step 1 every code
 * point in [first, last] maps to cp + delta; with step 2 only those of the
 * same parity as first do (alternating upper/lower pairs).
 */
typedef struct CaseRange
{
	int32		first;
	int32		last;
	int16		step;
	int32		delta;
} CaseRange;

/* upper case -> lower case */
static const CaseRange to_lower[] = {
	{0x0041, 0x005A, 1, 32},
	{0x00C0, 0x00D6, 1, 32},
	{0x00D8, 0x00DE, 1, 32},
	{0x0100, 0x012E, 2, 1},
	{0x0132, 0x0136, 2, 1},
	{0x0139, 0x0147, 2, 1},
	{0x014A, 0x0176, 2, 1},
	{0x0178, 0x0178, 1, 0x00FF - 0x0178},
	{0x0179, 0x017D, 2, 1},
	{0x0386, 0x0386, 1, 0x03AC - 0x0386},
	{0x0388, 0x038A, 1, 37},
	{0x038C, 0x038C, 1, 64},
	{0x038E, 0x038F, 1, 63},
	{0x0391, 0x03A1, 1, 32},
	{0x03A3, 0x03AB, 1, 32},
	{0x0400, 0x040F, 1, 80},
	{0x0410, 0x042F, 1, 32},
	{0x0460, 0x0480, 2, 1},
	{0x048A, 0x04BE, 2, 1},
	{0x04C0, 0x04C0, 1, 15},
	{0x04C1, 0x04CD, 2, 1},
	{0x04D0, 0x052E, 2, 1},
	{0x0531, 0x0556, 1, 48},
	{0x1E00, 0x1E94, 2, 1},
	{0x1EA0, 0x1EFE, 2, 1},
	{0xFF21, 0xFF3A, 1, 32},
};

/* lower case -> upper case */
static const CaseRange to_upper[] = {
	{0x0061, 0x007A, 1, -32},
	{0x00B5, 0x00B5, 1, 0x039C - 0x00B5},
	{0x00E0, 0x00F6, 1, -32},
	{0x00F8, 0x00FE, 1, -32},
	{0x00FF, 0x00FF, 1, 0x0178 - 0x00FF},
	{0x0101, 0x012F, 2, -1},
	{0x0131, 0x0131, 1, 'I' - 0x0131},
	{0x0133, 0x0137, 2, -1},
	{0x013A, 0x0148, 2, -1},
	{0x014B, 0x0177, 2, -1},
	{0x017A, 0x017E, 2, -1},
	{0x017F, 0x017F, 1, 'S' - 0x017F},
	{0x03AC, 0x03AC, 1, 0x0386 - 0x03AC},
	{0x03AD, 0x03AF, 1, -37},
	{0x03B1, 0x03C1, 1, -32},
	{0x03C2, 0x03C2, 1, 0x03A3 - 0x03C2},
	{0x03C3, 0x03CB, 1, -32},
	{0x03CC, 0x03CC, 1, -64},
	{0x03CD, 0x03CE, 1, -63},
	{0x0430, 0x044F, 1, -32},
	{0x0450, 0x045F, 1, -80},
	{0x0461, 0x0481, 2, -1},
	{0x048B, 0x04BF, 2, -1},
	{0x04C2, 0x04CE, 2, -1},
	{0x04CF, 0x04CF, 1, -15},
	{0x04D1, 0x052F, 2, -1},
	{0x0561, 0x0586, 1, -48},
	{0x1E01, 0x1E95, 2, -1},
	{0x1EA1, 0x1EFF, 2, -1},
	{0xFF41, 0xFF5A, 1, -32},
};

/* Map cp through a table (binary search over sorted, disjoint ranges). */
static int32
map_case(const CaseRange *table, int n, int32 cp)
{
	int			lo = 0;
	int			hi = n - 1;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;
		const CaseRange *r = &table[mid];

		if (cp < r->first)
			hi = mid - 1;
		else if (cp > r->last)
			lo = mid + 1;
		else
		{
			if (r->step == 2 && ((cp - r->first) & 1) != 0)
				return cp;
			return cp + r->delta;
		}
	}
	return cp;
}

/* The upper-case form of one code point (itself when it has none). */
static int32
upper_cp(int32 cp)
{
	if (cp >= 'a' && cp <= 'z')
		return cp - 32;
	if (cp < 0x80)
		return cp;
	return map_case(to_upper, lengthof(to_upper), cp);
}

/* The lower-case form of one code point (itself when it has none). */
static int32
lower_cp(int32 cp)
{
	if (cp >= 'A' && cp <= 'Z')
		return cp + 32;
	if (cp < 0x80)
		return cp;
	return map_case(to_lower, lengthof(to_lower), cp);
}

/* Whether cp has a case (is changed by one of the mappings): a cased letter. */
static bool
is_cased(int32 cp)
{
	return cp >= 0 && (upper_cp(cp) != cp || lower_cp(cp) != cp || cp == 0x00DF);
}

/*
 * Whether the Σ at s[pos] ends a word, for Java's final-sigma rule: a cased
 * letter comes before it and no cased letter follows.
 */
static bool
final_sigma(const char *s, int len, int pos, int32 prev)
{
	int32		next;

	if (!is_cased(prev))
		return false;
	pos += 2;					/* Σ is two bytes */
	if (pos >= len)
		return true;
	expr_utf8_decode(s + pos, len - pos, &next);
	return !is_cased(next);
}

/*
 * Append s (len bytes) with its case changed: upper, lower, capitalize (the
 * first non-space character to title case, the rest unchanged, as Pebble's
 * capitalize) or title (every character after a space to title case, the
 * rest unchanged, as Pebble's title).
 */
void
expr_change_case(StringInfo buf, const char *s, int len, ExprCase mode)
{
	int			pos = 0;
	bool		at_word_start = true;
	bool		done = false;	/* capitalize: the first letter is behind us */
	int32		prev = -1;

	while (pos < len)
	{
		int32		cp;
		int			n = expr_utf8_decode(s + pos, len - pos, &cp);

		if (cp < 0)
		{
			appendBinaryStringInfo(buf, s + pos, n);
			pos += n;
			prev = cp;
			at_word_start = false;
			continue;
		}
		switch (mode)
		{
			case CASE_UPPER:
				if (cp == 0x00DF)
					appendBinaryStringInfo(buf, "SS", 2);
				else
					expr_utf8_encode(buf, upper_cp(cp));
				break;
			case CASE_LOWER:
				if (cp == 0x0130)
				{
					appendStringInfoChar(buf, 'i');
					expr_utf8_encode(buf, 0x0307);
				}
				else if (cp == 0x03A3 && final_sigma(s, len, pos, prev))
					expr_utf8_encode(buf, 0x03C2);
				else
					expr_utf8_encode(buf, lower_cp(cp));
				break;
			case CASE_CAPITALIZE:
				if (!done && !expr_is_java_space(cp))
				{
					/* Java's title case of ß is ß itself */
					expr_utf8_encode(buf, cp == 0x00DF ? cp : upper_cp(cp));
					done = true;
				}
				else
					appendBinaryStringInfo(buf, s + pos, n);
				break;
			case CASE_TITLE:
				if (expr_is_java_space(cp))
				{
					at_word_start = true;
					appendBinaryStringInfo(buf, s + pos, n);
				}
				else if (at_word_start)
				{
					expr_utf8_encode(buf, cp == 0x00DF ? cp : upper_cp(cp));
					at_word_start = false;
				}
				else
					appendBinaryStringInfo(buf, s + pos, n);
				break;
		}
		prev = cp;
		pos += n;
	}
}

/*
 * The base letters of U+00C0..U+017F under canonical decomposition (NFD),
 * lower-cased; '.' where the letter has no decomposition (Æ, Ø, ß, Ł, ...),
 * which Kestra's slugify then drops.
 */
static const char slug_latin[] =
	"aaaaaa.ceeeeiiii"			/* U+00C0 */
	".nooooo..uuuuy.."			/* U+00D0 */
	"aaaaaa.ceeeeiiii"			/* U+00E0 */
	".nooooo..uuuuy.y"			/* U+00F0 */
	"aaaaaaccccccccdd"			/* U+0100 */
	"..eeeeeeeeeegggg"			/* U+0110 */
	"gggghh..iiiiiiii"			/* U+0120 */
	"i...jjkk.llllll."			/* U+0130 */
	"...nnnnnn...oooo"			/* U+0140 */
	"oo..rrrrrrssssss"			/* U+0150 */
	"sstttt..uuuuuuuu"			/* U+0160 */
	"uuuuwwyyyzzzzzz.";			/* U+0170 */

/*
 * Append the slug of s, as Kestra's slugify makes it: white space becomes
 * '-', accented Latin letters lose their accents, anything but ASCII
 * letters, digits, '-' and '_' is dropped, '_' becomes '-', runs of '-'
 * collapse, leading and trailing '-' go, and the result is lower case.
 */
void
expr_slugify(StringInfo buf, const char *s, int len)
{
	int			pos = 0;
	int			start = buf->len;

	while (pos < len)
	{
		int32		cp;
		char		c = 0;

		pos += expr_utf8_decode(s + pos, len - pos, &cp);
		if (cp < 0)
			continue;
		if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9'))
			c = (char) cp;
		else if (cp >= 'A' && cp <= 'Z')
			c = (char) (cp + 32);
		else if (cp == '-' || cp == '_' || expr_is_java_space(cp))
			c = '-';
		else if (cp >= 0x00C0 && cp <= 0x017F && slug_latin[cp - 0x00C0] != '.')
			c = slug_latin[cp - 0x00C0];
		if (c == 0)
			continue;
		/* no leading '-', no "--" */
		if (c == '-' && (buf->len == start || buf->data[buf->len - 1] == '-'))
			continue;
		appendStringInfoChar(buf, c);
	}
	/* no trailing '-' */
	if (buf->len > start && buf->data[buf->len - 1] == '-')
	{
		buf->len--;
		buf->data[buf->len] = '\0';
	}
}
