#!/bin/sh
# Install the Debian packages confd needs to build and test.  Does
# nothing when they are all present, so `make run` stays quick.
PKGS="build-essential clang pkg-config libre-dev librem-dev libssl-dev
libxml2-dev libxml2-utils libsqlite3-dev libopus-dev libspandsp-dev
libspeexdsp-dev sqlite3 openssl baresip-core
sip-tester tshark sox python3 curl libclang-rt-14-dev procps iproute2"
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
