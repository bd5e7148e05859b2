/**
 * @file net_int.h  Sockets for one participant's MSRP session: its own
 * listening port (passive) or an outgoing connection (active), TCP or
 * TLS, feeding msrp_conn.
 */
struct msrp_net;
struct msrp_sess;
struct msrp_tls;
struct tcpguard_cfg;

/* authenticated connections at once per listener; pending ones are
 * bounded apart (keying/tcpguard.h) */
enum { MSRP_NET_CONNS_MAX = 4 };

/* Passive: listen on laddr's IP, on a port listenh hands out; guard:
 * the participant's addresses, handshake timeout, pending bound (NULL:
 * defaults, any address). */
int  msrp_net_listen(struct msrp_net **np, const struct sa *laddr,
		     msrp_listen_h *listenh, void *listen_arg,
		     struct msrp_tls *tls, const struct tcpguard_cfg *guard);
uint16_t msrp_net_port(const struct msrp_net *n);
/* Start accepting (passive) or connect to peer (active). */
int  msrp_net_start(struct msrp_net *n, struct msrp_sess *s, bool active,
		    const struct sa *peer);
/* Stop / restart reading the session's bound connection, so that TCP
 * flow control slows its sender down (libre 1.1.0 has no such call:
 * see net.c). */
void msrp_net_pause(struct msrp_net *n, bool pause);
