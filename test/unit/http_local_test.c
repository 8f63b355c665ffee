/*-------------------------------------------------------------------------
 *
 * http_local_test.c
 *	  Unit test of src/base/http_local.c: which addresses the HTTP engine treats
 *	  as local targets (refused unless flowpg.allow_local_targets is on),
 *	  including the edges of each range and the IPv6 spellings of IPv4
 *	  addresses.  Built outside the server (test/run unit).  Prints TAP.
 *
 * unit-sources: src/base/http_local.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "http.h"
#include "tap.h"

/* Check the kind (NULL: not local) of one address given as text. */
static void
check(const char *text, const char *want)
{
	struct sockaddr_storage ss;
	const char *got;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, text, &((struct sockaddr_in *) &ss)->sin_addr) == 1)
		ss.ss_family = AF_INET;
	else if (inet_pton(AF_INET6, text, &((struct sockaddr_in6 *) &ss)->sin6_addr) == 1)
		ss.ss_family = AF_INET6;
	else
	{
		ok(false, "%s: not an address", text);
		return;
	}
	got = http_local_address_kind((struct sockaddr *) &ss);
	ok((got == NULL && want == NULL) ||
	   (got != NULL && want != NULL && strcmp(got, want) == 0),
	   "%s is %s (got %s)", text, want ? want : "not local", got ? got : "not local");
}

int
main(void)
{
	struct sockaddr_un un;

	/* IPv4 loopback: all of 127.0.0.0/8 */
	check("127.0.0.1", "loopback");
	check("127.255.255.254", "loopback");
	check("127.1.2.3", "loopback");
	check("126.255.255.255", NULL);
	check("128.0.0.0", NULL);

	/* 0.0.0.0/8: 0.0.0.0 reaches this host */
	check("0.0.0.0", "unspecified");
	check("0.255.255.255", "unspecified");
	check("1.0.0.0", NULL);

	/* link-local 169.254.0.0/16, the cloud metadata address among them */
	check("169.254.169.254", "link-local");
	check("169.254.0.0", "link-local");
	check("169.254.255.255", "link-local");
	check("169.253.255.255", NULL);
	check("169.255.0.0", NULL);

	/* ordinary and private addresses are not local targets */
	check("10.0.0.1", NULL);
	check("192.168.1.1", NULL);
	check("172.16.0.1", NULL);
	check("8.8.8.8", NULL);
	check("255.255.255.255", NULL);

	/* IPv6 */
	check("::1", "loopback");
	check("::", "unspecified");
	check("fe80::1", "link-local");
	check("febf:ffff::1", "link-local");
	check("fec0::1", NULL);
	check("fe7f::1", NULL);
	check("2001:db8::1", NULL);
	check("::2", "unspecified");	/* IPv4-compatible 0.0.0.2 */
	check("fc00::1", "unique-local");
	check("fd00:ec2::254", "unique-local");	/* a cloud's IPv6 metadata service */
	check("fdff:ffff::1", "unique-local");
	check("fbff::1", NULL);
	check("fe00::1", NULL);

	/* IPv4-mapped and IPv4-compatible IPv6 forms */
	check("::ffff:127.0.0.1", "loopback");
	check("::ffff:0.0.0.0", "unspecified");
	check("::ffff:169.254.169.254", "link-local");
	check("::ffff:10.0.0.1", NULL);
	check("::127.0.0.1", "loopback");
	check("::169.254.1.1", "link-local");
	check("::10.0.0.1", NULL);
	check("::fffe:127.0.0.1", NULL);	/* not the mapped prefix */
	check("1::ffff:127.0.0.1", NULL);

	/* NAT64 and 6to4 forms carry an IPv4 address a gateway connects to */
	check("64:ff9b::7f00:1", "loopback");
	check("64:ff9b::a9fe:a9fe", "link-local");
	check("64:ff9b::808:808", NULL);
	check("64:ff9b:1::7f00:1", NULL);	/* the local-use prefix: not the well-known one */
	check("2002:7f00:1::", "loopback");
	check("2002:a9fe:a9fe::1", "link-local");
	check("2002:808:808::1", NULL);

	/* other families and NULL are not judged */
	memset(&un, 0, sizeof(un));
	un.sun_family = AF_UNIX;
	ok(http_local_address_kind((struct sockaddr *) &un) == NULL, "AF_UNIX is not judged");
	ok(http_local_address_kind(NULL) == NULL, "NULL is not judged");

	return tap_done();
}
