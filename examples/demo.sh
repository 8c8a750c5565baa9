#!/usr/bin/env bash
# The README's first command.  Installs what is missing (tests/deps.sh),
# builds spiral in build/, builds the example Kāhui Ako of
# examples/cluster.tsv afresh (three schools' repositories in
# build/demo-cluster-schools, merged by the leader into build/demo-cluster
# and shared through the hub build/demo-cluster-hub.git), and shows where its
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
rm -rf "$demo" "$demo-schools" "$demo-hub.git"
SPIRAL=$spiral bash examples/cluster.sh "$demo"

# The most recently active inquiry: the first row of list's CSV.
latest=$("$spiral" -C "$demo" list --status all --format csv | sed -n 2p | cut -d, -f1)
echo "== One inquiry in full: spiral show ${latest:0:8} (the most recently active)"
PAGER="cat" "$spiral" -C "$demo" show "$latest"
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
  spiral report
  spiral report --digest
  spiral search "te reo maori"
  spiral match ID
  spiral status
  git log --oneline --graph | head -20
  spiral -C ../demo-cluster-schools/tp list --status all
EOF
