#!/usr/bin/env bash
# make demo: Tern's main job on the embedded default. Grows with the project.
# For now: the image pipeline on Tern's own synthetic test pattern - write it,
# convert it to every format Tern writes, decode each back and say how close
# it came - then read a reference fingerprint whose file has no resolution.
# Work happens in build/demo/ (a fresh temporary directory each run).
set -eu
cd "$(dirname "$0")/.."
tern=$PWD/build/bin/tern
data=$(realpath -m "${TERN_SHARED_DATA:-../shared/data}")
$tern version
mkdir -p build/demo
work=$(mktemp -d build/demo/run.XXXXXX)
cd "$work"
echo
echo "== Image pipeline (work directory: $work)"
$tern image pattern "pattern.png" --size 512x512 --ppi 500
$tern image info "pattern.png" | sed 's/^/   /'
echo
echo "-- convert to each format, decode back, compare with the original"
convert_and_compare() { # OUT [convert options...]
  local out=$1; shift
  local msg
  if msg=$($tern image convert "pattern.png" "$out" "$@" 2>&1); then
    echo "   $msg"
    echo "      decoded back: $($tern image compare "pattern.png" "$out")"
  else
    echo "   $out: not written: ${msg#tern: }"
  fi
}
convert_and_compare pattern.pgm
convert_and_compare pattern-lossless.jp2
convert_and_compare pattern-15to1.jp2 --ratio 15
convert_and_compare pattern.j2k --ratio 10
convert_and_compare pattern.jpg --quality 90
convert_and_compare pattern.wsq --bitrate 0.75
if [ -f pattern.wsq ]; then
  echo
  echo "-- what the WSQ file says about itself (NISTCOM comment written by Tern)"
  $tern image info pattern.wsq | sed -n '/wsq bitrate/,$p' | sed 's/^/   /'
fi
echo
echo "-- resolution survives the round trip; resampling changes it"
$tern image convert "pattern.png" "pattern-1000ppi.png" --resample 1000 | sed 's/^/   /'
$tern image info "pattern-1000ppi.png" | grep -E 'size|resolution' | sed 's/^/   /'
wsq=$data/wsq/sample.wsq
if [ -f "$wsq" ]; then
  echo
  echo "-- a reference WSQ fingerprint, decoded by Tern and compared with NIST's decoder (NBIS dwsq)"
  $tern image info "$wsq" | grep -E 'size|resolution|wsq bitrate' | sed 's/^/   /'
  echo "   against sample.nbis.pgm: $($tern image compare "$wsq" "$data/wsq/sample.nbis.pgm")"
fi
tif=$data/fvc2002/DB2_B/101_1.tif
if [ -f "$tif" ]; then
  echo
  echo "-- a reference fingerprint (FVC2002 DB2): its TIFF carries no resolution"
  $tern image info "$tif" | grep -E 'format|size|resolution' | sed 's/^/   /'
  echo "   supplied from the database's ppi file ($(cat "$(dirname "$tif")/ppi") ppi) and resampled to 500 ppi:"
  $tern image convert "$tif" "fvc-db2-101_1-500ppi.png" --ppi "$(cat "$(dirname "$tif")/ppi")" \
      --resample 500 | sed 's/^/   /'
fi
echo
echo "demo: done (outputs in $work)"
