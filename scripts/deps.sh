#!/bin/sh
# scripts/deps.sh run|test -- install the Debian packages confd needs.
#   run   to build and run confd (`make run`)
#   test  that, plus the test tools: real SIP peers, capture, sanitizers
#         (`make test`, `make asan`, `make bench`)
# Does nothing when they are all present, so `make run` stays quick.
RUN="build-essential pkg-config libre-dev librem-dev libssl-dev
libxml2-dev libsqlite3-dev libpq-dev libopus-dev libspandsp-dev
libspeexdsp-dev openssl"
TEST="$RUN clang libclang-rt-14-dev libxml2-utils sqlite3 baresip-core
sip-tester tshark sox python3 curl procps iproute2 chromium wrk
postgresql kamailio linphone-cli"
# linphone-cli (linphonec) is the second real SIP client beside baresip
# (tests/integ/linphonec.sh).
# postgresql and kamailio are for the scale-out tests (issue 16): the
# store tests against PostgreSQL and two confd nodes behind Kamailio;
# the tests run their own server on loopback ports.  libpq-dev is
# always needed: confd links libpq for `store postgresql://...`.
# chromium and wrk are for tests only: the web interface's browser test
# (tests/browser/, with npm's playwright-core) and bench/web.sh.
# playwright-core drives Debian's chromium in the browser test; npm puts
# it in tests/browser/node_modules (ignored by git).  Without npm the
# browser test says so and is skipped.
browser_deps() {
	[ "$PKGS" = "$TEST" ] || return 0
	_d=$(cd "$(dirname "$0")/.." && pwd)/tests/browser
	[ -d "$_d/node_modules/playwright-core" ] && return 0
	if ! command -v npm >/dev/null 2>&1; then
		echo "deps: no npm: the browser test will be skipped" >&2
		return 0
	fi
	(cd "$_d" && npm install --no-audit --no-fund --no-package-lock --silent) ||
		echo "deps: npm install failed: the browser test will be skipped" >&2
	return 0
}

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
if [ -z "$missing" ]; then
	browser_deps
	exit 0
fi
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
apt-get install -y -q --no-install-recommends $missing || exit 1
browser_deps
