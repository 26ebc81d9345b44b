#!/usr/bin/env bash
# Runs every test binary in BUILD/tests, then prints one closing line
# "N passed, N failed" counting test binaries (suites). Exits non-zero if any
# suite failed. Criterion prints its own per-test synthesis for each suite.
set -u
build=${1:-build}
pass=0; fail=0; failed=""
for t in "$build"/tests/test_*; do
  [ -x "$t" ] || continue
  name=$(basename "$t")
  echo "== $name ($build)"
  if "$t" --jobs 2 ${CRITERION_ARGS:-}; then pass=$((pass+1)); else fail=$((fail+1)); failed="$failed $name"; fi
done
[ -n "$failed" ] && echo "failed suites ($build):$failed"
echo "tests: $pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
