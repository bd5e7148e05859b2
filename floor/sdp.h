/**
 * @file sdp.h  Values of the BFCP SDP attributes (RFC 8856, and RFC
 * 4583's older forms) -- pure string functions for the focus, which
 * puts them on its libre sdp_media.  The answer confd gives is:
 *
 *   m=application <floor_part_port()> TCP/TLS/BFCP *   (TCP/BFCP if plain)
 *   a=setup:passive              (tcpsetup_answer(), keying/tcpsetup.h)
 *   a=connection:new
 *   a=fingerprint:sha-256 <cert_fingerprint()>         (TLS only)
 *   a=floorctrl:s-only           (floor_sdp_floorctrl_answer())
 *   a=confid:<floor_conf_id()>
 *   a=userid:<floor_part_userid()>
 *   a=floorid:1 mstrm:<slides label>   (floor_sdp_floorid_encode())
 *   a=floorid:2 mstrm:<audio label>    (moderated audio)
 *   a=bfcpver:1
 * and a=label:<token> on each controlled m= line: the offerer's own
 * label where it gave one, else confd's (floor_sdp_label_answer()).
 */

struct pl;

/* proto of the m= line: "TCP/TLS/BFCP" or "TCP/BFCP" */
const char *floor_sdp_proto(bool tls);
int  floor_sdp_proto_decode(const struct pl *proto, bool *tls);

/* a=floorctrl: roles offered; confd is the server, so the answer is
 * "s-only" when the offerer can be a client (c-only or c-s). */
enum {
	FLOOR_ROLE_C_ONLY = 1,
	FLOOR_ROLE_S_ONLY = 2,
	FLOOR_ROLE_C_S    = 4,
};
int  floor_sdp_floorctrl_decode(const struct pl *v, unsigned *roles);
int  floor_sdp_floorctrl_answer(unsigned offered, const char **ans);

/* a=confid: and a=userid: (1*DIGIT, range-checked) */
int  floor_sdp_confid_decode(const struct pl *v, uint32_t *confid);
int  floor_sdp_userid_decode(const struct pl *v, uint16_t *userid);

/* a=floorid:<id> mstrm:<label> *(SP label); "m-stream:" accepted */
int  floor_sdp_floorid_decode(const struct pl *v, uint16_t *floorid,
			      struct pl *labelv, size_t *labelc);
int  floor_sdp_floorid_encode(char *buf, size_t size, uint16_t floorid,
			      const char *label);

/*
 * The label the answer gives a floor-controlled stream, for its
 * a=floorid mstrm: and its a=label.  RFC 8856 section 11: the answer
 * names the offerer's label (a=floorid:1 mstrm:10 for an offered
 * a=label:10), so the offerer finds the stream it labelled.  offered
 * is the offered m= line's a=label value (NULL if none); it is used
 * when it is a valid RFC 4574 label (an SDP token of at most
 * FLOOR_SDP_LABEL_MAX bytes), otherwise own is.
 */
enum { FLOOR_SDP_LABEL_MAX = 64 };
const char *floor_sdp_label_answer(const char *offered, const char *own);

/* a=connection: new | existing */
int  floor_sdp_connection_decode(const struct pl *v, bool *is_new);

/* a=bfcpver: versions offered; confd speaks 1 (reliable transport).
 * An absent attribute means version 1 (RFC 8856 5.5). */
int  floor_sdp_bfcpver_decode(const struct pl *v, bool *has_v1);
