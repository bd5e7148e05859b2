/**
 * @file media_int.h  Between mixer.c and audio.c (internal to media/)
 *
 * The mixer keeps a list of streams but holds no reference to them, and
 * streams hold none to the mixer: whichever goes first unlinks itself
 * (audio destructor: mixer_detach; mixer destructor: audio_mixer_gone),
 * so any order of mem_deref is safe.
 */

void mixer_attach(struct mixer *mx, struct le *le, struct audio *a);
void mixer_detach(struct mixer *mx, struct le *le);

struct media_enc_cfg;
struct media_talk;

/* Called by the mixer, once per tick and stream, in this order:
 * srate/talk, pull, own, sending, then send (a payload shared by a
 * group) or encode (our own), and tick. */
uint32_t audio_mix_srate(const struct audio *a);
struct media_talk *audio_mix_talk(struct audio *a);
const int16_t *audio_mix_pull(struct audio *a, uint32_t srate);

/* media_level.c: the next smoothed level (-dBov) from the last one and
 * a frame (NULL: no audio this tick, the level falls off) */
uint8_t media_level_update(uint8_t prev, const int16_t *pcm, size_t n);
const int16_t *audio_mix_own(const struct audio *a);
bool audio_mix_sending(const struct audio *a,
		       const struct media_enc_cfg **cfg);
void audio_mix_send(struct audio *a, const uint8_t *pld, size_t n);
int  audio_mix_encode(struct audio *a, const int16_t *pcm, uint32_t srate);
void audio_mix_tick(struct audio *a);
void audio_mixer_gone(struct audio *a);
