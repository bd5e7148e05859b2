#!/bin/sh
# scripts/baresip-client.sh DIR USER [options] -- a baresip configuration
# for one headless conference participant: no sound card needed.
#
# Writes DIR/config and DIR/accounts (and DIR/rec/, where baresip's
# sndfile module records what the client hears as dump-*-dec.wav and what
# it sends as dump-*-enc.wav), then prints the command that dials in.
# The README's recipe and tests/integ (lib.sh baresip_setup) both use it.
#
#   --confd IP:PORT     confd's SIP address (default 127.0.0.1:5060)
#   --domain DOMAIN     host part of the AOR and room (default localhost)
#   --port PORT         this client's own SIP port (default 5070; one
#                       client per port)
#   --rtp MIN-MAX       this client's RTP ports (default 40000-40019)
#   --tone HZ           microphone: a sine tone (ausine; the default,
#                       440 Hz)
#   --wav FILE          microphone: a WAV file instead (aufile; 16-bit
#                       mono, 8 kHz for PCMU)
#   --password PW       digest password (confctl part passwd) for a
#                       closed conference: ;auth_pass= in the account
#   --srtp mand|opt|off SDES-SRTP mandatory (default), offered, or none
#   --params ';a=b...'  more account parameters, appended as given
#   --room URI          what the printed command dials (default
#                       sip:room@DOMAIN)
set -e
usage() {
	sed -n '2,/^set -e/p' "$0" | sed -e '/^set -e/d' -e 's/^# \{0,1\}//'
	exit "${1:-2}"
}
[ "$1" = "-h" ] || [ "$1" = "--help" ] && usage 0
[ $# -ge 2 ] || usage
dir=$1 user=$2
shift 2
confd=127.0.0.1:5060 domain=localhost port=5070 rtp=40000-40019
tone=440 wav="" password="" srtp=mand params="" room=""
while [ $# -gt 0 ]; do
	[ $# -ge 2 ] || usage
	case $1 in
	--confd) confd=$2 ;;
	--domain) domain=$2 ;;
	--port) port=$2 ;;
	--rtp) rtp=$2 ;;
	--tone) tone=$2 ;;
	--wav) wav=$2 ;;
	--password) password=$2 ;;
	--srtp) srtp=$2 ;;
	--params) params=$2 ;;
	--room) room=$2 ;;
	*) usage ;;
	esac
	shift 2
done
: "${room:=sip:room@$domain}"
case $confd in
\[*) ip=${confd%%]*}; ip=${ip#[} ;;
*) ip=${confd%:*} ;;
esac

mkdir -p "$dir/rec"

# The microphone.  ausine makes 48 kHz stereo only: without ausrc_srate
# and ausrc_channels baresip fails to open it.  aufile plays a WAV.
if [ -n "$wav" ]; then
	src="audio_source		aufile,$wav
audio_alert		aufile,$wav
ausrc_format		s16"
	srcmod=aufile.so
else
	src="audio_source		ausine,$tone
ausrc_srate		48000
ausrc_channels		2
ausrc_format		s16"
	srcmod=ausine.so
fi

# Debian's generated config has "#module srtp.so": without srtp.so the
# account's mediaenc=srtp-mand is unknown, baresip offers plain RTP/AVP
# and confd answers 488.  net_interface pins the client to confd's
# address (loopback), so that SDP never names another interface.
cat >"$dir/config" <<EOF
# written by scripts/baresip-client.sh for $user
poll_method		epoll
sip_listen		$ip:$port
net_interface		$ip
call_local_timeout	30
call_max_calls		4
$src
auplay_format		s16
rtp_ports		$rtp
rtcp_mux		no
jitter_buffer_delay	1-10
module_path		/usr/lib/baresip/modules
module			g711.so
module			$srcmod
module			sndfile.so
module			srtp.so
module_tmp		account.so
module_app		menu.so
snd_path		$dir/rec
EOF

case $srtp in
mand) enc=";mediaenc=srtp-mand" ;;
opt) enc=";mediaenc=srtp" ;;
off) enc="" ;;
*) usage ;;
esac
auth=""
[ -n "$password" ] && auth=";auth_pass=$password"

# regint=0: no REGISTER; outbound: every request goes to confd
echo "<sip:$user@$domain>;regint=0;outbound=\"sip:$confd\";audio_codecs=PCMU;answermode=auto$enc$auth$params" \
	>"$dir/accounts"
chmod 600 "$dir/accounts"

echo "baresip -f $dir -e \"/dial $room\""
