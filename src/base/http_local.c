/*-------------------------------------------------------------------------
 *
 * http_local.c
 *	  Which addresses are "local targets": the ones the HTTP engine refuses
 *	  to connect to for a request that does not allow them (the worker's
 *	  flowpg.allow_local_targets).  Plain C like the engine, so that the
 *	  classification is unit-tested on its own (test/unit/http_local_test.c).
 *
 *-------------------------------------------------------------------------
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "http.h"

/* The kind of a local IPv4 address (host byte order), or NULL. */
static const char *
local_ipv4_kind(uint32_t a)
{
	if ((a >> 24) == 127)
		return "loopback";
	if ((a >> 24) == 0)
		return "unspecified";	/* 0.0.0.0/8: 0.0.0.0 connects to this host */
	if ((a >> 16) == 0xA9FE)
		return "link-local";	/* 169.254.0.0/16, cloud metadata among them */
	return NULL;
}

/*
 * Whether sa is an address a request without allow_local may not connect
 * to, and which kind: "loopback" (127.0.0.0/8, ::1), "link-local"
 * (169.254.0.0/16, fe80::/10), "unspecified" (0.0.0.0/8, ::), also in the
 * IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d), NAT64
 * (64:ff9b::a.b.c.d) and 6to4 (2002:aabb:ccdd::) IPv6 forms; and
 * "unique-local" (fc00::/7, where cloud providers serve IPv6 metadata).
 * NULL for any other address, and for families other than IPv4 and IPv6.
 */
const char *
http_local_address_kind(const struct sockaddr *sa)
{
	if (sa == NULL)
		return NULL;
	if (sa->sa_family == AF_INET)
	{
		const struct sockaddr_in *in = (const struct sockaddr_in *) sa;

		return local_ipv4_kind(ntohl(in->sin_addr.s_addr));
	}
	if (sa->sa_family == AF_INET6)
	{
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *) sa;
		const unsigned char *b = in6->sin6_addr.s6_addr;
		static const unsigned char zeros[12] = {0};
		uint32_t	v4 = ((uint32_t) b[12] << 24) | ((uint32_t) b[13] << 16) |
			((uint32_t) b[14] << 8) | b[15];

		if (memcmp(b, zeros, 12) == 0)
		{
			/* ::, ::1, and the IPv4-compatible form ::a.b.c.d */
			if (v4 == 0)
				return "unspecified";
			if (v4 == 1)
				return "loopback";
			return local_ipv4_kind(v4);
		}
		if (memcmp(b, zeros, 10) == 0 && b[10] == 0xff && b[11] == 0xff)
			return local_ipv4_kind(v4); /* ::ffff:a.b.c.d */
		/* NAT64 (64:ff9b::a.b.c.d, RFC 6052): a gateway connects to the IPv4 address inside */
		if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b &&
			memcmp(b + 4, zeros, 8) == 0)
			return local_ipv4_kind(v4);
		/* 6to4 (2002:aabb:ccdd::/48): the IPv4 address in bits 16 to 47 */
		if (b[0] == 0x20 && b[1] == 0x02)
			return local_ipv4_kind(((uint32_t) b[2] << 24) | ((uint32_t) b[3] << 16) |
								   ((uint32_t) b[4] << 8) | b[5]);
		if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
			return "link-local";
		/* fc00::/7, unique local: where clouds serve IPv6 metadata (fd00:ec2::254) */
		if ((b[0] & 0xfe) == 0xfc)
			return "unique-local";
	}
	return NULL;
}
