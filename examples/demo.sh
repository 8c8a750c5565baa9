#!/usr/bin/env bash
# The README's first command.  Installs what is missing (tests/deps.sh),
# builds spiral in build/, builds the example Kāhui Ako of
# examples/cluster.tsv afresh in build/demo-cluster, and shows where its
# inquiries stand.
#
#   bash examples/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== Installing what is missing"
bash tests/deps.sh

echo "== Building spiral"
[ -f build/build.ninja ] || meson setup build >/dev/null
if ! ninja -C build >build/demo-ninja.log 2>&1; then
	cat build/demo-ninja.log
	exit 1
fi
spiral=$PWD/build/cmd/spiral
"$spiral" --version

demo=build/demo-cluster
echo "== Building the example cluster in $demo"
rm -rf "$demo"
SPIRAL=$spiral bash examples/cluster.sh "$demo"

echo "== One inquiry in full: spiral show (the last one logged in)"
PAGER="cat" "$spiral" -C "$demo" show
echo
echo "== Where the cluster's inquiries stand: spiral list --status all"
PAGER="cat" "$spiral" -C "$demo" list --status all

cat <<EOF

Try some more (an ID is in the first column of the list; 4 of its digits will do):
  export PATH="$PWD/build/cmd:\$PATH"
  cd $demo
  spiral list --school "Tōtara Primary"
  spiral list --stalled 60
  spiral list --tag attendance --status all
  spiral log --phase check --since 2026-10-01
  spiral show ID
  git log --oneline | head
EOF
