/**
 * @file video.c  The slides stream's sockets (m=video with
 * a=content:slides, RFC 4796).
 *
 * Until a video relay exists the focus answers the presentation stream,
 * keys it like any RTP stream, and its packets land here and are
 * dropped.  The RTP/RTCP pair comes from the port pool like audio's, so
 * the SDP answer carries a port that is really bound and leased.
 */
#include <re.h>
#include "media/media.h"


struct video_sink {
	struct media_port *port;     /* the RTP/RTCP pair, both bound */
	uint64_t packets;            /* received (and dropped) */
};


static void sink_destructor(void *arg)
{
	struct video_sink *vs = arg;

	mem_deref(vs->port);
}


/* Nothing is sent on this stream.  The video relay, when it is built,
 * must send like audio.c does: only to the source of authenticated
 * packets, through a struct media_consent (consent_int.h), never to the
 * SDP's address. */
static void sink_recv(const struct sa *src, struct mbuf *mb, void *arg)
{
	struct video_sink *vs = arg;

	(void)src;
	(void)mb;

	/* no video relay yet: the media is not forwarded */
	++vs->packets;
}


int video_sink_alloc(struct video_sink **vsp, struct media_portpool *pool,
		     const struct sa *laddr)
{
	struct video_sink *vs;
	int err;

	if (!vsp || !pool || !laddr)
		return EINVAL;

	vs = mem_zalloc(sizeof(*vs), sink_destructor);
	if (!vs)
		return ENOMEM;

	err = media_portpool_take_rtp(&vs->port, pool, laddr, sink_recv,
				      sink_recv, vs);
	if (err)
		mem_deref(vs);
	else
		*vsp = vs;

	return err;
}


uint16_t video_sink_port(const struct video_sink *vs)
{
	return vs ? media_port_num(vs->port) : 0;
}


uint64_t video_sink_packets(const struct video_sink *vs)
{
	return vs ? vs->packets : 0;
}
