/**
 * @file vrelay.c  The video relay of one conference (video.h): which
 * receiver gets whose packets, the per-receiver rewriting on the way
 * out, key frame requests, the active speaker, and bandwidth.
 *
 * Hot path (vrelay_rtp): a packet that video.c accepted from a source
 * goes to each receiver of the channel whose selection (v->sel) is that
 * source.  The outgoing packet is built afresh: a 12-byte header with
 * the receiver's payload type, SSRC, sequence number and timestamp
 * (videopkt.c), and the source's payload without padding; CSRCs and
 * header extensions are not passed on (their IDs were negotiated with
 * the source only).  Then it is encrypted with the receiver's key.
 *
 * Selection changes only here (select_chan): the slides holder or the
 * speaker changed, a stream came or went.  A receiver whose selection
 * changed waits for the new source's key frame (media_vrw_map), and the
 * source is asked for one (PLI or FIR, whichever it offered; at most
 * one per VIDEO_KEYREQ_MIN ms per source, so a PLI flood from
 * receivers costs the source nothing more).
 *
 * A 100 ms timer drives the active speaker (main channel), measures
 * each source's rate, applies receivers' limits, repeats key frame
 * requests for receivers still waiting, and sends RTCP reports.
 */
#include <string.h>
#include <time.h>
#include <re.h>
#include "media/media.h"
#include "media/video.h"
#include "media/rtpp_int.h"
#include "media/srtp_int.h"
#include "media/consent_int.h"
#include "media/video_int.h"


#define DEBUG_MODULE "vrelay"
#define DEBUG_LEVEL 6
#include <re_dbg.h>


enum {
	TICK          = 100,       /* ms */
	SPEAKER_HOLD  = 2000,      /* ms a speaker keeps the view at least */
	SPEAKER_WIN   = 300,       /* ms a challenger must stay louder */
	SPEAKER_MIN   = 150,       /* level: below it nobody is speaking */
	KEYREQ_RETRY  = 1000,      /* ms: repeat for receivers still waiting*/
	LIMIT_REPORT  = 1000,      /* ms between REMB/TMMBR to a source */
	RTCP_REPORT   = 5000,      /* ms between our own reports */
	LAT_BUCKET_US = 10,
	LAT_BUCKETS   = 2000,      /* up to 20 ms */
};

struct vchan {
	struct list streams;       /* struct video */
	struct video *src;         /* slides: the floor holder */
	enum video_codec codec;
	char fmtp[128];
};

struct video_relay {
	struct vchan ch[VIDEO_NCHAN];
	video_level_h *levelh;
	struct tmr tmr;
	struct mbuf *mb;           /* the outgoing packet being built */

	/* main channel: the active speaker */
	bool pinned;
	struct video *speaker, *prev;
	uint64_t speaker_since;
	struct video *chal;
	uint64_t chal_since;

	uint64_t forwarded, switches, pli_sent, fir_sent;
	uint64_t lat_n, lat_max;
	uint32_t lat[LAT_BUCKETS + 1];
};


static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000;
}


static void tick(void *arg);


static void destructor(void *arg)
{
	struct video_relay *vr = arg;
	size_t i;

	tmr_cancel(&vr->tmr);

	for (i = 0; i < VIDEO_NCHAN; i++) {
		struct le *le = vr->ch[i].streams.head;

		while (le) {
			struct video *v = le->data;

			le = le->next;
			list_unlink(&v->le);
			v->vr = NULL;
			v->sel = NULL;
		}
	}

	mem_deref(vr->mb);
}


int video_relay_alloc(struct video_relay **vrp, video_level_h *levelh)
{
	struct video_relay *vr;

	if (!vrp)
		return EINVAL;

	vr = mem_zalloc(sizeof(*vr), destructor);
	if (!vr)
		return ENOMEM;

	vr->levelh = levelh;
	tmr_init(&vr->tmr);
	vr->mb = mbuf_alloc(VIDEO_MAX_PKT + 64);
	if (!vr->mb) {
		mem_deref(vr);
		return ENOMEM;
	}

	*vrp = vr;
	return 0;
}


static bool live(const struct video *v, uint64_t now)
{
	return v && v->started && v->recv && v->rx_locked &&
		now - v->rx_last < VIDEO_LIVE;
}


/* Ask a source for a key frame: PLI (RFC 4585 6.3.1) or FIR (RFC 5104
 * 4.3.1), as it offered; one per VIDEO_KEYREQ_MIN ms, the rest wait
 * for the timer.  Neither offered: none is sent (and the receivers
 * start at the next key frame, or after VIDEO_KEY_WAIT). */
static void keyreq_src(struct video_relay *vr, struct video *s, uint64_t now)
{
	int err;

	if (!s || !s->started || !(s->fb & (VIDEO_FB_PLI | VIDEO_FB_FIR)))
		return;

	if (s->keyreq_last && now - s->keyreq_last < VIDEO_KEYREQ_MIN) {
		s->keyreq_pending = true;
		return;
	}

	if (s->fb & VIDEO_FB_PLI) {
		err = video_send_rtcp(s, VIDEO_RTCP_PLI, s->rx_ssrc, 0, 0, 0);
		if (!err) {
			++vr->pli_sent;
			++s->st.pli_tx;
		}
	}
	else {
		err = video_send_rtcp(s, VIDEO_RTCP_FIR, s->rx_ssrc, 0, 0, 0);
		if (!err) {
			++vr->fir_sent;
			++s->st.fir_tx;
		}
	}

	if (!err) {
		s->keyreq_last = now;
		s->keyreq_pending = false;
	}
	else
		s->keyreq_pending = true;
}


/* The speaker gets the previous speaker, or anybody else who sends. */
static struct video *other_than(struct video_relay *vr, struct video *r,
				uint64_t now)
{
	struct le *le;

	if (vr->prev && vr->prev != r && vr->prev->started)
		return vr->prev;

	for (le = vr->ch[VIDEO_MAIN].streams.head; le; le = le->next) {
		struct video *v = le->data;

		if (v != r && live(v, now))
			return v;
	}

	return NULL;
}


static void select_chan(struct video_relay *vr, enum video_chan ch)
{
	const uint64_t now = tmr_jiffies();
	struct le *le;

	for (le = vr->ch[ch].streams.head; le; le = le->next) {
		struct video *r = le->data;
		struct video *sel;

		if (ch == VIDEO_SLIDES)
			sel = vr->ch[ch].src;
		else
			sel = vr->speaker;

		if (sel == r)
			sel = ch == VIDEO_SLIDES ? NULL
				: other_than(vr, r, now);

		if (!r->started || !r->send)
			sel = NULL;

		if (sel == r->sel)
			continue;

		r->sel = sel;
		++vr->switches;
		if (sel && !r->paused)
			keyreq_src(vr, sel, now);
	}
}


void video_relay_set_source(struct video_relay *vr, enum video_chan ch,
			    struct video *src)
{
	if (!vr || ch >= VIDEO_NCHAN)
		return;
	if (src && src->ch != ch)
		return;

	if (vr->ch[ch].src != src)
		DEBUG_INFO("%s source: %s\n",
			   ch == VIDEO_SLIDES ? "slides" : "main",
			   src ? src->cname : "none");

	vr->ch[ch].src = src;
	select_chan(vr, ch);
}


static void set_speaker(struct video_relay *vr, struct video *v,
			uint64_t now)
{
	if (v == vr->speaker)
		return;

	DEBUG_INFO("active speaker: %s\n", v ? v->cname : "none");

	if (vr->speaker)
		vr->prev = vr->speaker;
	vr->speaker = v;
	vr->speaker_since = now;
	vr->chal = NULL;
	select_chan(vr, VIDEO_MAIN);
}


void video_relay_pin_speaker(struct video_relay *vr, bool pinned,
			     struct video *src)
{
	if (!vr)
		return;
	if (src && src->ch != VIDEO_MAIN)
		return;

	vr->pinned = pinned;
	if (pinned && src)
		set_speaker(vr, src, tmr_jiffies());
}


const struct video *video_relay_speaker(const struct video_relay *vr)
{
	return vr ? vr->speaker : NULL;
}


enum video_codec video_relay_codec(const struct video_relay *vr,
				   enum video_chan ch, const char **fmtp)
{
	if (!vr || ch >= VIDEO_NCHAN)
		return VIDEO_NONE;

	if (fmtp)
		*fmtp = vr->ch[ch].fmtp;

	return vr->ch[ch].codec;
}


int video_relay_set_codec(struct video_relay *vr, enum video_chan ch,
			  enum video_codec codec, const char *fmtp)
{
	if (!vr || ch >= VIDEO_NCHAN)
		return EINVAL;

	vr->ch[ch].codec = codec;
	str_ncpy(vr->ch[ch].fmtp, fmtp ? fmtp : "", sizeof(vr->ch[ch].fmtp));
	return 0;
}


void vrelay_attach(struct video_relay *vr, struct video *v)
{
	list_append(&vr->ch[v->ch].streams, &v->le, v);
	v->vr = vr;

	if (!tmr_isrunning(&vr->tmr))
		tmr_start(&vr->tmr, TICK, tick, vr);
}


void vrelay_detach(struct video_relay *vr, struct video *v)
{
	struct vchan *c = &vr->ch[v->ch];
	struct le *le;

	list_unlink(&v->le);
	v->vr = NULL;
	v->sel = NULL;

	if (c->src == v)
		c->src = NULL;
	if (vr->prev == v)
		vr->prev = NULL;
	if (vr->chal == v)
		vr->chal = NULL;
	if (vr->speaker == v) {
		vr->speaker = NULL;
		vr->speaker_since = 0;
	}

	/* nobody keeps numbering against a stream that is gone (its
	 * memory may come back as another stream) */
	for (le = c->streams.head; le; le = le->next) {
		struct video *r = le->data;

		if (r->rw.src == v)
			media_vrw_reset(&r->rw);
	}

	if (list_isempty(&c->streams))
		c->codec = VIDEO_NONE;

	select_chan(vr, v->ch);

	if (list_isempty(&vr->ch[VIDEO_MAIN].streams) &&
	    list_isempty(&vr->ch[VIDEO_SLIDES].streams))
		tmr_cancel(&vr->tmr);
}


void vrelay_started(struct video_relay *vr, struct video *v)
{
	select_chan(vr, v->ch);
}


static void lat_sample(struct video_relay *vr, uint64_t us)
{
	const size_t b = MIN(us / LAT_BUCKET_US, (uint64_t)LAT_BUCKETS);

	++vr->lat[b];
	++vr->lat_n;
	if (us > vr->lat_max)
		vr->lat_max = us;
}


void vrelay_rtp(struct video_relay *vr, struct video *src, uint8_t *p,
		size_t len, uint64_t t_us)
{
	struct vchan *c = &vr->ch[src->ch];
	struct media_rtpp pkt;
	const uint64_t now = tmr_jiffies();
	struct mbuf *mb = vr->mb;
	int key = -1;
	struct le *le;

	if (media_rtpp_decode(&pkt, p, len))
		return;

	/* the channel's codec only (a late joiner's other codec was
	 * refused in SDP; this is the packet-level guard) */
	if (src->codec != c->codec)
		return;

	for (le = c->streams.head; le; le = le->next) {
		struct video *r = le->data;
		uint16_t seq;
		uint32_t ts;

		if (r->sel != src || r->paused)
			continue;
		if (!media_consent_rtp_dst(&r->consent))
			continue;

		if (key < 0)
			key = media_video_keyframe(c->codec, pkt.pld,
						   pkt.pld_len);

		if (media_vrw_map(&r->rw, src, src->rx_gen, pkt.seq, pkt.ts,
				  key, now, &seq, &ts))
			continue;

		mbuf_rewind(mb);
		(void)mbuf_write_u8(mb, 2 << 6);
		(void)mbuf_write_u8(mb, (uint8_t)((pkt.marker ? 0x80 : 0) |
						  r->pt));
		(void)mbuf_write_u16(mb, htons(seq));
		(void)mbuf_write_u32(mb, htonl(ts));
		(void)mbuf_write_u32(mb, htonl(r->ssrc));
		if (mbuf_write_mem(mb, pkt.pld, pkt.pld_len))
			continue;

		video_forward(r, mb, pkt.pld_len);
		++vr->forwarded;
		lat_sample(vr, now_us() - t_us);
	}
}


/* A receiver's PLI or FIR: to the source it gets now. */
void vrelay_keyreq(struct video_relay *vr, struct video *from)
{
	if (from->sel && !from->paused)
		keyreq_src(vr, from->sel, tmr_jiffies());
}


/* A receiver's NACK: in the source's numbers, to the source, which
 * retransmits to everybody (receivers drop what they have). */
void vrelay_nack(struct video_relay *vr, struct video *from, uint16_t pid,
		 uint16_t blp)
{
	struct video *s = from->sel;
	const uint64_t now = tmr_jiffies();
	uint16_t spid;
	(void)vr;

	if (!s || !(s->fb & VIDEO_FB_NACK))
		return;
	if (!media_vrw_unmap(&from->rw, s, pid, &spid))
		return;
	if (s->nack_last && now - s->nack_last < VIDEO_NACK_MIN)
		return;

	if (!video_send_rtcp(s, VIDEO_RTCP_NACK, s->rx_ssrc, 0, spid, blp))
		s->nack_last = now;
}


static uint64_t limit_of(const struct video *r)
{
	uint64_t l = r->limit_bps;

	if (r->sdp_bps && (!l || r->sdp_bps < l))
		l = r->sdp_bps;

	return l;
}


/* A receiver whose limit is below its source's rate is paused rather
 * than flooded; it comes back (at a key frame) when the rate fits
 * again with a 10% margin.  Each source hears the lowest limit among
 * its receivers (REMB or TMMBR, as it offered). */
void vrelay_limits(struct video_relay *vr)
{
	const uint64_t now = tmr_jiffies();
	size_t i;

	for (i = 0; i < VIDEO_NCHAN; i++) {
		struct le *le;

		for (le = vr->ch[i].streams.head; le; le = le->next) {
			struct video *r = le->data;
			const uint64_t l = limit_of(r);
			const uint64_t rate = r->sel ? r->sel->rx_bps : 0;

			if (!r->paused && l && rate > l) {
				r->paused = true;
				DEBUG_INFO("%s paused: %llu bit/s over its "
					   "limit %llu\n", r->cname,
					   (unsigned long long)rate,
					   (unsigned long long)l);
			}
			else if (r->paused && (!l || rate * 10 <= l * 9)) {
				r->paused = false;
				media_vrw_reset(&r->rw);
				if (r->sel)
					keyreq_src(vr, r->sel, now);
			}
		}
	}
}


static void report_limits(struct video_relay *vr, struct video *s,
			  uint64_t now)
{
	struct le *le;
	uint64_t min = 0;

	if (!(s->fb & (VIDEO_FB_REMB | VIDEO_FB_TMMBR)))
		return;

	for (le = vr->ch[s->ch].streams.head; le; le = le->next) {
		const struct video *r = le->data;
		const uint64_t l = limit_of(r);

		if (r->sel == s && l && (!min || l < min))
			min = l;
	}

	if (!min || (s->rtcp_last && now - s->rtcp_last < LIMIT_REPORT))
		return;

	if (!video_send_rtcp(s, s->fb & VIDEO_FB_REMB ? VIDEO_RTCP_REMB :
			     VIDEO_RTCP_TMMBR, s->rx_ssrc, min, 0, 0))
		s->rtcp_last = now;
}


static void speaker_tick(struct video_relay *vr, uint64_t now)
{
	struct video *loudest = NULL, *first = NULL;
	int lmax = -1, lspk = -1;
	struct le *le;

	if (vr->pinned)
		return;

	for (le = vr->ch[VIDEO_MAIN].streams.head; le; le = le->next) {
		struct video *v = le->data;
		int lvl;

		if (!live(v, now))
			continue;
		if (!first)
			first = v;

		lvl = vr->levelh ? vr->levelh(v->arg) : -1;
		if (v == vr->speaker)
			lspk = lvl;
		if (lvl > lmax) {
			lmax = lvl;
			loudest = v;
		}
	}

	if (lmax < SPEAKER_MIN)
		loudest = NULL;

	if (!vr->speaker || !live(vr->speaker, now)) {
		if (loudest || first)
			set_speaker(vr, loudest ? loudest : first, now);
		return;
	}

	/* hysteresis: louder by a quarter, for SPEAKER_WIN, and not
	 * before the speaker held the view SPEAKER_HOLD */
	if (!loudest || loudest == vr->speaker ||
	    (int64_t)lmax * 4 <= (int64_t)MAX(lspk, 0) * 5) {
		vr->chal = NULL;
		return;
	}

	if (vr->chal != loudest) {
		vr->chal = loudest;
		vr->chal_since = now;
		return;
	}

	if (now - vr->chal_since >= SPEAKER_WIN &&
	    now - vr->speaker_since >= SPEAKER_HOLD)
		set_speaker(vr, loudest, now);
}


static void tick(void *arg)
{
	struct video_relay *vr = arg;
	const uint64_t now = tmr_jiffies();
	size_t i;

	tmr_start(&vr->tmr, TICK, tick, vr);

	for (i = 0; i < VIDEO_NCHAN; i++) {
		struct le *le;

		for (le = vr->ch[i].streams.head; le; le = le->next) {
			struct video *v = le->data;

			if (now - v->rate_t0 >= 1000) {
				v->rx_bps = v->rate_t0 ? v->rate_bytes * 8000 /
					(now - v->rate_t0) : 0;
				v->rate_t0 = now;
				v->rate_bytes = 0;
			}
		}
	}

	speaker_tick(vr, now);
	vrelay_limits(vr);

	for (i = 0; i < VIDEO_NCHAN; i++) {
		struct le *le;

		for (le = vr->ch[i].streams.head; le; le = le->next) {
			struct video *v = le->data;

			if (!v->started)
				continue;

			/* a receiver still waiting for its key frame */
			if (v->sel && !v->paused &&
			    (v->rw.src != v->sel || v->rw.waiting) &&
			    now - v->sel->keyreq_last >= KEYREQ_RETRY)
				keyreq_src(vr, v->sel, now);

			if (v->keyreq_pending &&
			    now - v->keyreq_last >= VIDEO_KEYREQ_MIN)
				keyreq_src(vr, v, now);

			if (live(v, now))
				report_limits(vr, v, now);

			if (now - v->rtcp_last >= RTCP_REPORT &&
			    !video_send_rtcp(v, VIDEO_RTCP_REPORT, 0, 0, 0, 0))
				v->rtcp_last = now;
		}
	}
}


void video_relay_stats(const struct video_relay *vr,
		       struct video_relay_stats *st)
{
	uint64_t n = 0, p50, p99;
	size_t i;

	if (!vr || !st)
		return;

	memset(st, 0, sizeof(*st));
	st->forwarded = vr->forwarded;
	st->switches = vr->switches;
	st->pli_sent = vr->pli_sent;
	st->fir_sent = vr->fir_sent;
	st->lat_n = vr->lat_n;
	st->lat_max_us = (uint32_t)vr->lat_max;

	p50 = (vr->lat_n + 1) / 2;
	p99 = (vr->lat_n * 99 + 99) / 100;
	for (i = 0; i <= LAT_BUCKETS && vr->lat_n; i++) {
		const uint64_t before = n;

		n += vr->lat[i];
		if (before < p50 && n >= p50)
			st->lat_p50_us = (uint32_t)((i + 1) * LAT_BUCKET_US);
		if (before < p99 && n >= p99)
			st->lat_p99_us = (uint32_t)((i + 1) * LAT_BUCKET_US);
	}
}
