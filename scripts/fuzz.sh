#!/usr/bin/env bash
# Runs each libFuzzer target for SECONDS seconds. Seeds: fuzz/seeds/<target>/
# (committed, Tern-made) plus the files matched by the globs listed in
# fuzz/<target>.seeds (paths relative to the project root, typically reference
# data under ../shared/data, which is read in place and never copied into the
# repository). The working corpus lives in build-fuzz/corpus/<target>/.
set -u
secs=$1; shift
status=0
for bin in "$@"; do
  name=$(basename "$bin")
  corpus=build-fuzz/corpus/$name
  seeds=build-fuzz/seeds/$name
  mkdir -p "$corpus" "$seeds"
  if [ -f "fuzz/$name.seeds" ]; then
    while read -r glob; do
      case "$glob" in ''|'#'*) continue;; esac
      for f in $glob; do [ -f "$f" ] && ln -sf "$(realpath "$f")" "$seeds/$(echo "$f" | tr '/' '_')"; done
    done < "fuzz/$name.seeds"
  fi
  dirs="$corpus $seeds"
  [ -d "fuzz/seeds/$name" ] && dirs="$dirs fuzz/seeds/$name"
  echo "== fuzz $name for ${secs}s"
  # shellcheck disable=SC2086
  if "$bin" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
        -artifact_prefix=build-fuzz/ $dirs 2> "build-fuzz/$name.log"; then
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "build-fuzz/$name.log" | grep -o '[0-9]*$')
    echo "fuzz $name: ${runs:-?} executions, no finding"
  else
    echo "fuzz $name: FINDING (see build-fuzz/$name.log)"; tail -40 "build-fuzz/$name.log"; status=1
  fi
done
exit $status
