#!/usr/bin/env bash
# Runs every benchmark binary in BUILD/bench. Benchmarks print their own
# figures; none of them pass or fail.
set -u
build=${1:-build}
for b in "$build"/bench/bench_*; do
  [ -x "$b" ] || continue
  echo "== $(basename "$b")"
  "$b" || echo "benchmark $(basename "$b") exited with $?"
done
