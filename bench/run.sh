#!/bin/sh
# Run every benchmark against BUILD (default build).
BUILD=${1:-build}
"$BUILD/bench/bfcp_bench" -n 100 -c 20000 && \
"$BUILD/bench/bfcp_bench" -n 100 -c 20000 --tls -p 48500
