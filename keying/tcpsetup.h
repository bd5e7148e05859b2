/**
 * @file tcpsetup.h  a=setup (RFC 4145 4): who opens the TCP connection
 * of an MSRP or BFCP stream, and so who is the TLS client (RFC 8122
 * 6.2: setup:active is the client, setup:passive the server).  The one
 * answer rule of confd, for sdp_msrp.c and sdp_bfcp.c alike.
 */

enum tcpsetup {
	TCPSETUP_ACTIVE,
	TCPSETUP_PASSIVE,
	TCPSETUP_ACTPASS,
	TCPSETUP_HOLDCONN,
};

/* value NULL (no a=setup) means active (RFC 4145 4); anything but the
 * four names is EBADMSG.  RFC 6135 4.2.1 has MSRP take holdconn as if
 * there were no a=setup: that is the caller's to do. */
int  tcpsetup_decode(const char *value, enum tcpsetup *s);
const char *tcpsetup_name(enum tcpsetup s);

/* Our answer to an offered role (RFC 4145 4.1): active -> passive,
 * passive -> active, holdconn -> holdconn, and actpass -> passive:
 * confd listens on an address of its own that peers can reach (RFC 6135
 * 4.2.2: SHOULD passive when not behind a NAT).  We connect iff the
 * answer is TCPSETUP_ACTIVE.  EINVAL for a value out of the enum. */
int  tcpsetup_answer(enum tcpsetup offer, enum tcpsetup *ans);
