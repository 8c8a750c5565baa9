#!/usr/bin/env bash
# Sharing, model-based (storage.md 5, 6 and 10): a hub and SPIRAL_MODEL_CLONES
# clones with skewed clocks do SPIRAL_MODEL_OPS random writes, pulls, pushes
# and syncs chosen by SPIRAL_MODEL_SEED; after a final full sync every clone
# must show the same bytes, nothing written may be lost or misordered, and
# concurrent changes must be kept or surfaced as conflicts.  The work is in
# tests/model/model.py (python3, standard library only), which prints
# "N passed, N failed".  Knobs: SPIRAL_MODEL_SEED (20261201),
# SPIRAL_MODEL_CLONES (5), SPIRAL_MODEL_OPS (300; 150 under ASan, where
# every call costs six times the CPU), SPIRAL_MODEL_LOG (a file for every
# command run), VERBOSE.
. "$(dirname "$0")/lib.sh"
: "${INI_CHECK:?INI_CHECK must name the ini_check program}"
mkdir "$SANDBOX/model" || exit 1
if [ -z "${SPIRAL_MODEL_OPS:-}" ]; then
	SPIRAL_MODEL_OPS=300
	[ -n "${ASAN_OPTIONS:-}" ] && SPIRAL_MODEL_OPS=150
fi
export SPIRAL_MODEL_OPS
SPIRAL=$SPIRAL INI_CHECK=$INI_CHECK python3 "$(dirname "$0")/../model/model.py" "$SANDBOX/model"
