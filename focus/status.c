/**
 * @file status.c  The live state for the control socket (confd/ctl.c):
 * who is in which conference with which media and keying
 * (focus_status), and removing a participant (focus_kick).
 *
 * Everything is read from what the participant's SDP session negotiated
 * (libre's sdp_media accessors), so no stream's internals are needed;
 * only the audio keying comes from sdp_audio.c.  Keys are never shown.
 */
#include <string.h>
#include <re.h>
#include "focus/confdef.h"
#include "focus/focus.h"
#include "focus/focus_int.h"


#define DEBUG_MODULE "status"
#define DEBUG_LEVEL 7
#include <re_dbg.h>


static const char *state_name(const struct participant *p)
{
	if (p->estab)
		return "established";
	if (p->joined)
		return "answered";
	return "connecting";
}


/* "audio sendrecv PCMU RTP/SAVP SDES AES_CM_128_HMAC_SHA1_80 peer
 * 127.0.0.1:4000 local 127.0.0.1:10000" */
static int media_print(struct re_printf *pf, const struct participant *p,
		       const struct sdp_media *m)
{
	const struct sdp_format *fmt;
	const char *proto = sdp_media_proto(m);
	struct sa local;
	int err;

	err = re_hprintf(pf, "    %s", sdp_media_name(m));
	if (!sdp_media_rport(m) || !sdp_media_laddr(m) ||
	    !sa_port(sdp_media_laddr(m)))
		return err | re_hprintf(pf, " declined\n");

	err |= re_hprintf(pf, " %s", sdp_dir_name(sdp_media_dir(m)));
	fmt = sdp_media_rformat(m, NULL);
	if (fmt && fmt->name)
		err |= re_hprintf(pf, " %s", fmt->name);
	err |= re_hprintf(pf, " %s", proto);

	if (m == stream_audio_m(p->audio))
		err |= re_hprintf(pf, " keys %H", stream_audio_keying_print,
				  p->audio);
	else if (strstr(proto, "TLS"))
		err |= re_hprintf(pf, " keys %s",
				  p->mikey ? "TLS-PSK (MIKEY-TICKET)"
				  : "TLS (a=fingerprint)");
	else if (strstr(proto, "SAVP"))
		err |= re_hprintf(pf, " keys %s",
				  p->mikey ? "MIKEY-TICKET" : "SDES");
	else
		err |= re_hprintf(pf, " keys none");

	/* an m-line's own laddr holds only its port: the address is the
	 * session's, ours for this call */
	local = p->maddr;
	sa_set_port(&local, sa_port(sdp_media_laddr(m)));
	err |= re_hprintf(pf, " peer %J local %J\n", sdp_media_raddr(m),
			  &local);
	if (m == stream_audio_m(p->audio))
		err |= stream_audio_rtcp(pf, p->audio);
	return err;
}


static int part_print(struct re_printf *pf, const struct participant *p)
{
	const struct le *le;
	int err;

	err = re_hprintf(pf, "  %s %s%s\n", p->uri, state_name(p),
			 p->anonymous ? " anonymous" : "");

	if (!p->sdp)
		return err;

	/* libre keeps the m-lines the offer matched in one list and ours
	 * that it did not in the other */
	for (le = list_head(sdp_session_medial(p->sdp, false)); le;
	     le = le->next)
		err |= media_print(pf, p, le->data);
	for (le = list_head(sdp_session_medial(p->sdp, true)); le;
	     le = le->next)
		err |= media_print(pf, p, le->data);

	return err;
}


static bool conf_match(const struct conference *conf, const char *uri)
{
	return !uri || confdef_uri_match(conf->def->uri, uri);
}


/**
 * Print the conferences (all, or the one named conf_uri) and their
 * participants: one line a conference, one a participant, one a stream.
 *
 * @return 0, or ENOENT when conf_uri names no conference
 */
int focus_status(struct re_printf *pf, const struct focus *f,
		 const char *conf_uri)
{
	const struct le *le;
	bool found = false;
	int err = 0;

	if (!f)
		return EINVAL;

	for (le = f->confs.head; le; le = le->next) {
		const struct conference *conf = le->data;
		const struct le *pe;

		if (!conf_match(conf, conf_uri))
			continue;
		found = true;

		err |= re_hprintf(pf, "%s %u in%s\n", conf->def->uri,
				  list_count(&conf->parts),
				  conf->removed ? " (deleted, ends with its"
				  " last participant)" : "");
		for (pe = conf->parts.head; pe; pe = pe->next)
			err |= part_print(pf, pe->data);
	}

	if (err)
		return err;

	return conf_uri && !found ? ENOENT : 0;
}


