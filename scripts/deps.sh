#!/bin/sh
# scripts/deps.sh run|test -- install the Debian packages confd needs.
#   run   to build and run confd (`make run`)
#   test  that, plus the test tools: real SIP peers, capture, sanitizers
#         (`make test`, `make asan`, `make bench`)
# Does nothing when they are all present, so `make run` stays quick.
RUN="build-essential pkg-config libre-dev librem-dev libssl-dev
libxml2-dev libsqlite3-dev openssl"
TEST="$RUN clang libclang-rt-14-dev libxml2-utils sqlite3 baresip-core
sip-tester tshark sox python3 curl procps iproute2"
case ${1:-test} in
run)  PKGS=$RUN ;;
test) PKGS=$TEST ;;
*)    echo "usage: scripts/deps.sh run|test" >&2; exit 2 ;;
esac
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages:$missing (run as root to install)" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no.
echo "wireshark-common wireshark-common/install-setuid boolean false" |
	debconf-set-selections
apt-get update -q || true
apt-get install -y -q --no-install-recommends $missing
