#!/usr/bin/env bash
# make demo: Tern's main job on the embedded default. Grows with the project.
set -eu
cd "$(dirname "$0")/.."
build/bin/tern version
