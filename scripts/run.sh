#!/bin/sh
# scripts/run.sh BUILD -- what `make run` starts: confd in the
# foreground with ./confd.conf.  SIP_PORT and SIP_TLS_PORT (or
# SIP_TLS_PORT=off) in the environment override the ports of
# confd.conf, for a machine where 5060/5061 are taken:
#     SIP_PORT=5080 SIP_TLS_PORT=5081 make run
BUILD=${1:-build}
conf=confd.conf
if [ -n "$SIP_PORT" ] || [ -n "$SIP_TLS_PORT" ]; then
	conf="$BUILD/run.conf"
	sed -e "${SIP_PORT:+s/^\(sip_listen[[:space:]]*[^[:space:]]*:\)[0-9]*/\1$SIP_PORT/}" \
	    -e "${SIP_TLS_PORT:+s/^\(sip_tls_listen[[:space:]]*\).*/\1TLSVAL/}" \
		confd.conf >"$conf" || exit 1
	if [ -n "$SIP_TLS_PORT" ]; then
		case $SIP_TLS_PORT in
		off) v=off ;;
		*)   v=$(sed -n 's/^sip_listen[[:space:]]*\(.*\):[0-9]*$/\1/p' "$conf"):$SIP_TLS_PORT ;;
		esac
		sed -i "s/TLSVAL/$v/" "$conf"
	fi
	echo "run: $conf: $(grep -E '^sip_(tls_)?listen' "$conf" | tr '\n' ' ')"
fi
# Before `make install` the web page is only in the source tree: serve
# it from there unless confd.conf names its own http_root.
if ! grep -q '^http_root' "$conf" && [ -f confd/web/static/index.html ]; then
	if [ "$conf" = confd.conf ]; then
		conf="$BUILD/run.conf"
		cp confd.conf "$conf" || exit 1
	fi
	printf 'http_root\t%s\n' "$(pwd)/confd/web/static" >>"$conf"
fi
exec "$BUILD/confd" -f "$conf"
