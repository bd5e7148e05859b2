/**
 * @file jb_int.h  Jitter buffer for one RTP source (pure code)
 *
 * Buffers decoded PCM samples, placed by timestamp in units of the
 * decoded rate (8 kHz by default, 16 kHz after media_jb_set_rate(); the
 * receive path maps a codec's RTP clock onto it), so packets of any
 * duration (10, 20, 30 ms ...) fill the same sample ring and are played
 * out in 20 ms frames.  The limits below are in 8 kHz samples; at 16 kHz
 * each is doubled, so they stay the same in milliseconds.  Duplicates are detected per sample, late
 * data is dropped, an SSRC change or a timeline jump restarts the buffer.
 *
 * Include after re.h.
 */

enum {
	JB_RING     = 4096,   /* storage: JB_CAP at the highest rate */
	JB_CAP      = 2048,   /* ring size in samples (256 ms), power of 2 */
	JB_MAXPKT   = 480,    /* longest packet accepted: 60 ms */
	JB_TARGET   = 320,    /* prebuffer before playing: 2 frames */
	JB_MAXDEPTH = 1280,   /* above this, drop back to JB_TARGET */
	JB_RESYNC   = 25,     /* consecutive late packets that restart */
};

struct media_jb_stats {
	uint64_t put;         /* packets stored */
	uint64_t dup;         /* dropped: every sample already held */
	uint64_t late;        /* dropped: behind the playout point */
	uint64_t bad;         /* dropped: empty or oversized */
	uint64_t resets;      /* SSRC change or timeline jump */
	uint64_t underruns;   /* buffer ran dry while playing */
	uint64_t trimmed;     /* samples dropped to bound the delay */
	uint64_t concealed;   /* samples played as silence (loss) */
};

struct media_jb;

int  media_jb_alloc(struct media_jb **jbp);
int  media_jb_set_rate(struct media_jb *jb, uint32_t srate);
uint32_t media_jb_rate(const struct media_jb *jb);
int  media_jb_put(struct media_jb *jb, uint32_t ssrc, uint16_t seq, uint32_t ts,
		  const int16_t *pcm, size_t n);
bool media_jb_get(struct media_jb *jb, int16_t *frame, size_t n);
void media_jb_reset(struct media_jb *jb);
unsigned media_jb_depth(const struct media_jb *jb);
void media_jb_stats(const struct media_jb *jb, struct media_jb_stats *st);
