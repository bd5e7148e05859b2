#!/bin/sh
# bench/video.sh [BUILD] -- the video relay under one presentation, with
# build/bench/video_load (bench/video_load.c): a relay in a child
# process, one presenter at 2 Mbit/s (30 frames/s of 1200-byte VP8
# packets) and N receivers, every stream SDES-SRTP with its own keys.
#
# Results: bench.video.{receivers, cpu_pct_core, cpu_user_pct_core,
# pkts_out_per_s, p50_us, p99_us, max_us, kb_per_receiver, rx_pct,
# e2e_p50_us, e2e_p99_us, decrypt_fail}.  p50/p99 are the relay's own
# arrival-to-departure times (from the receive handler to each
# receiver's udp_send); e2e is send-to-arrival at the last receiver,
# load generator included.  Targets: < 5% of a core, p99 < 2 ms.
#
# Environment: VIDEO_RECEIVERS (default 100), VIDEO_RATE (bit/s, default
# 2000000), VIDEO_DURATION (s, default 20).
BUILD=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
. bench/lib.sh
N=${VIDEO_RECEIVERS:-100}
R=${VIDEO_RATE:-2000000}
D=${VIDEO_DURATION:-20}

bench_need "$BUILD/bench/video_load"
"$BUILD/bench/video_load" -n "$N" -r "$R" -d "$D" ||
	echo "video: run failed" >&2
exit 0
