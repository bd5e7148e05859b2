#!/bin/sh
# make install (issue 17):
#  - DESTDIR=$TMP/x PREFIX=/usr: the list of files (programs in sbin, man
#    pages, unit, default configuration, example);
#  - PREFIX=$TMP/p: the installed confd finds PREFIX/etc/confd/confd.conf
#    with no -f, and keeps store, certificate and control socket in its
#    state_dir, not in the directory it was started from; the installed
#    confctl reaches it there; the unit passes systemd-analyze verify.
# The build is copied first, so that only confd's and confctl's main
# objects are rebuilt (with the new paths) and BUILD is left alone.
. "$(dirname "$0")/lib.sh"
lib_init install
need make install ss
need_build confd confctl kmsd

B=$TMP/build
mkdir -p "$B"
if nm "$BUILD/obj/confd/main.o" 2>/dev/null | grep -q __asan_; then
	# an instrumented build: make a plain one of our own (slower)
	MK="make -s -C $TOP BUILD=$B OPT=-O0 SAN= CC=cc"
else
	cp -a "$BUILD/obj" "$BUILD/libconfd.a" "$B/"
	MK="make -s -C $TOP BUILD=$B"
fi

# -- staged install: what goes where -------------------------------------
if $MK DESTDIR="$TMP/x" PREFIX=/usr install >"$TMP/make1.log" 2>&1; then
	pass "make install DESTDIR=... PREFIX=/usr"
else
	fail "make install DESTDIR=... PREFIX=/usr"
	show_log "$TMP/make1.log"
	lib_done
fi
(cd "$TMP/x" && find . -type f | sort) >"$TMP/files"
sed 's/^/    | /' "$TMP/files"
for f in ./usr/sbin/confd ./usr/sbin/confctl ./usr/sbin/kmsd \
	 ./usr/share/man/man8/confd.8 ./usr/share/man/man8/confctl.8 \
	 ./usr/share/man/man5/confd.conf.5 ./usr/etc/confd/confd.conf \
	 ./usr/share/confd/confd.conf.example \
	 ./usr/lib/systemd/system/confd.service; do
	check "installs $f" grep -qx "$f" "$TMP/files"
done
check "the unit starts the installed confd with the installed config" \
	grep -qx "ExecStart=/usr/sbin/confd -f /usr/etc/confd/confd.conf" \
	"$TMP/x/usr/lib/systemd/system/confd.service"
check "the installed config keeps state in /var/lib/confd" \
	grep -q "^state_dir[[:space:]]*/var/lib/confd$" \
	"$TMP/x/usr/etc/confd/confd.conf"
"$TMP/x/usr/sbin/confd" -t >"$TMP/t0.out" 2>&1
check "an installed confd looks for PREFIX/etc/confd/confd.conf" \
	grep -q "/usr/etc/confd/confd.conf" "$TMP/t0.out"

# a second install keeps a changed configuration
echo "# changed by the admin" >>"$TMP/x/usr/etc/confd/confd.conf"
$MK DESTDIR="$TMP/x" PREFIX=/usr install >"$TMP/make2.log" 2>&1
check "reinstall keeps the admin's confd.conf" \
	grep -q "changed by the admin" "$TMP/x/usr/etc/confd/confd.conf"
check "and puts the new one beside it" \
	test -f "$TMP/x/usr/etc/confd/confd.conf.dist"

# -- a real install under a prefix of our own -----------------------------
P=$TMP/p
if $MK PREFIX="$P" STATEDIR="$TMP/state" install >"$TMP/make3.log" 2>&1
then
	pass "make install PREFIX=$P"
else
	fail "make install PREFIX=$P"
	show_log "$TMP/make3.log"
	lib_done
fi
mkdir -p "$TMP/elsewhere"
cd "$TMP/elsewhere" || lib_done
"$P/sbin/confd" -t >"$TMP/t1.out" 2>&1
rc=$?
check "installed confd -t finds its config (no -f)" test $rc = 0
check "confd -t names $P/etc/confd/confd.conf" \
	grep -qx "# $P/etc/confd/confd.conf" "$TMP/t1.out"
check "state_dir from the installed config" \
	grep -q "^state_dir *$TMP/state$" "$TMP/t1.out"

# start it (loopback ports of our own) from another directory
SIPP=$(free_port)
R=$(free_range 20)
sed -i -e "s/^sip_listen.*/sip_listen	127.0.0.1:$SIPP/" \
	-e "s/^sip_tls_listen.*/sip_tls_listen	off/" \
	-e "s/^rtp_ports.*/rtp_ports	$R/" "$P/etc/confd/confd.conf"
bg_start installed "$P/sbin/confd"
CONFD_PID=$BG_PID
CONFD_SIP_PORT=$SIPP
if wait_for 15 confd_listening; then
	pass "installed confd starts with no arguments"
else
	fail "installed confd starts with no arguments"
	show_log "$TMP/installed.log"
	lib_done
fi
for f in confd.db confd.pem confd.ctl; do
	check "$f in the state directory" test -e "$TMP/state/$f"
done
check "nothing in the directory it was started from" \
	test -z "$(ls -A "$TMP/elsewhere")"
check "installed confctl reaches it with its defaults" \
	sh -c "'$P/sbin/confctl' status >'$TMP/st.out' 2>&1 &&
	       '$P/sbin/confctl' reload | grep -q 'conference(s)'"
confd_stop 10 || fail "installed confd exits 0" "status $?"

if command -v systemd-analyze >/dev/null 2>&1; then
	# MANPATH: Documentation= names our man pages, which verify opens
	check "systemd-analyze verify confd.service" \
		env MANPATH="$P/share/man" systemd-analyze verify \
		"$P/lib/systemd/system/confd.service"
else
	note "systemd-analyze not installed: unit not verified"
fi
lib_done
