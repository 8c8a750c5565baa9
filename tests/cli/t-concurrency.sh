#!/usr/bin/env bash
# A team logging at once: concurrent writers on one repository all land, one
# commit each, and a writer that cannot get the lock in time says so and
# writes nothing.
. "$(dirname "$0")/lib.sh"

new_repo
ID=$(spiral new "Year 9 writing" -q)
N=$(git rev-list --count HEAD)

# 20 notes at once.
pids=()
for i in $(seq 1 20); do
	spiral note -m "note $i" >"$SANDBOX/note-$i.out" 2>"$SANDBOX/note-$i.err" &
	pids+=($!)
done
failed=0
for p in "${pids[@]}"; do wait "$p" || failed=$((failed + 1)); done
same "20 concurrent notes all succeed" 0 "$failed"
same "no writer complained" "" "$(cat "$SANDBOX"/note-*.err)"
N=$((N + 20))
commits "20 notes are 20 commits" "$N"
clean "clean after 20 concurrent notes"
same "git log is linear" 0 "$(git rev-list --min-parents=2 --count HEAD)"
same "each commit adds one file" "20" \
	"$(git log -20 --format=%H | while read -r c; do
		git show --name-only --format= "$c" | grep -c '/notes/'
	done | grep -c '^1$')"
ok "show after the notes" spiral show --format json
notes=$(printf '%s' "$OUT" | python3 -c "
import json, sys
d = json.load(sys.stdin)
print(' '.join(sorted(n['text'] for n in d['notes'])))")
same "all 20 notes are in show" \
	"$(for i in $(seq 1 20); do printf 'note %s\n' "$i"; done | sort | tr '\n' ' ' | sed 's/ $//')" \
	"$notes"
ok "spiral fsck after the notes" spiral fsck

# Phase entries from several writers at once, on one inquiry, with measures.
phases=(scan focus hunch learn act check)
pids=()
for i in $(seq 0 11); do
	p=${phases[$((i % 6))]}
	spiral "$p" "${ID:0:6}" -m "$p by writer $i" --measure "w$i=$i" \
		--evidence "evidence $i" >/dev/null 2>"$SANDBOX/phase-$i.err" &
	pids+=($!)
done
failed=0
for p in "${pids[@]}"; do wait "$p" || failed=$((failed + 1)); done
same "12 concurrent entries all succeed" 0 "$failed"
same "no entry writer complained" "" "$(cat "$SANDBOX"/phase-*.err)"
N=$((N + 12))
commits "12 entries are 12 commits" "$N"
clean "clean after concurrent entries"
ok "show after the entries" spiral show --format json
same "all 12 entries are in show" "0 1 2 3 4 5 6 7 8 9 10 11" \
	"$(printf '%s' "$OUT" | python3 -c "
import json, sys
d = json.load(sys.stdin)
e = d['entries']
assert all(x['text'] == '%s by writer %s' % (x['phase'], x['evidence'][0].split()[1]) for x in e)
print(' '.join(str(n) for n in sorted(int(x['evidence'][0].split()[1]) for x in e)))")"
ok "spiral fsck after the entries" spiral fsck

# Writers on different inquiries at once, and a new inquiry among them.
ID2=$(spiral new "Numeracy" -q)
N=$((N + 1))
pids=()
for i in $(seq 1 5); do
	spiral act "$ID" -m "act $i" >/dev/null 2>&1 &
	pids+=($!)
	spiral act "$ID2" -m "act $i" >/dev/null 2>&1 &
	pids+=($!)
done
spiral new "Third at once" -q >"$SANDBOX/third" 2>&1 &
pids+=($!)
failed=0
for p in "${pids[@]}"; do wait "$p" || failed=$((failed + 1)); done
same "11 writers on three inquiries all succeed" 0 "$failed"
N=$((N + 11))
commits "11 commits" "$N"
clean "clean after writers on three inquiries"
ok "list after" spiral list --format json
same "three inquiries" 3 "$(printf '%s' "$OUT" | python3 -c "
import json, sys
print(len(json.load(sys.stdin)))")"
ok "spiral fsck after writers on three inquiries" spiral fsck

# A lock held elsewhere, and no patience: fail at once, write nothing.  The
# holder keeps the lock until $SANDBOX/release appears (30 s at most).
flock .git/spiral.lock sh -c 'i=0
while [ ! -e "$0" ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done' "$SANDBOX/release" &
holder=$!
for _ in $(seq 1 100); do
	flock -n .git/spiral.lock true 2>/dev/null || break
	sleep 0.05
done
start=$(date +%s)
fails "SPIRAL_LOCK_TIMEOUT=0 with the lock held" 1 \
	"^spiral: error: another spiral command has held .*spiral.lock.*nothing was written" \
	env SPIRAL_LOCK_TIMEOUT=0 "$SPIRAL" note -m "impatient"
took=$(($(date +%s) - start))
matches "it fails at once" '^[012]$' "$took"
fails "a phase entry with the lock held" 1 "nothing was written" \
	env SPIRAL_LOCK_TIMEOUT=0 "$SPIRAL" scan -m "impatient"
fails "new with the lock held" 1 "nothing was written" \
	env SPIRAL_LOCK_TIMEOUT=0 "$SPIRAL" new "Impatient"
commits "nothing committed while the lock was held" "$N"
clean "clean while the lock is held"
ok "reading does not need the lock" env SPIRAL_LOCK_TIMEOUT=0 "$SPIRAL" show --format json
# A patient writer waits for the holder and then lands.
SPIRAL_LOCK_TIMEOUT=30 spiral note -m "patient" >/dev/null 2>"$SANDBOX/patient.err" &
patient=$!
sleep 0.5
same "the patient writer is still waiting" "" "$(git log -1 --format=%s | grep -F note || true)$(
	kill -0 "$patient" 2>/dev/null || echo finished)"
touch "$SANDBOX/release"
rc=0
wait "$patient" || rc=$?
wait "$holder"
same "the patient writer lands once the lock is free" 0 "$rc"
same "the patient writer said nothing on stderr" "" "$(cat "$SANDBOX/patient.err")"
N=$((N + 1))
commits "the patient writer committed" "$N"
clean "clean at the end"
ok "spiral fsck at the end" spiral fsck

# A pull and writers at once: the pull takes the same lock, so every note
# lands and so does the other school's work, in one clean history.
cur=$PWD
new_repo other-school "Tōtara Primary"
for i in $(seq 1 10); do spiral new "Other $i" -q >/dev/null; done
cd "$cur" || exit 1
spiral remote add other "$SANDBOX/other-school"
before=$(git ls-files 'inquiries/*/notes/*' | wc -l)
pids=()
for i in $(seq 1 8); do
	SPIRAL_LOCK_TIMEOUT=60 "$SPIRAL" note -m "beside a pull $i" >/dev/null 2>&1 &
	pids+=($!)
	[ "$i" = 4 ] && { SPIRAL_LOCK_TIMEOUT=60 "$SPIRAL" pull other >/dev/null 2>&1 & pids+=($!); }
done
rcs=
for p in "${pids[@]}"; do wait "$p"; rcs="$rcs$?"; done
same "the pull and eight notes all succeed" 000000000 "$rcs"
same "every note landed" $((before + 8)) "$(git ls-files 'inquiries/*/notes/*' | wc -l)"
ok "list after" spiral list --status all --format json
same "and the other school's ten inquiries" 10 \
	"$(python3 -c 'import json,sys; print(sum(1 for x in json.load(sys.stdin) if x["school"]=="Tōtara Primary"))' <<<"$OUT")"
clean "clean after a pull among writers"

# WRITERS at once (32 by default), WRITES each (2 by default): notes and
# phase entries on two inquiries, tags and team members added, learners and
# title set, new inquiries, and a pull of another school's repository in the
# middle of them.  Every writer succeeds, every record lands exactly once,
# and the history is one clean line with the pull's merge in it.
WRITERS=${WRITERS:-32}
WRITES=${WRITES:-2}
cur=$PWD
new_repo far-school "Rimu College"
for i in $(seq 1 6); do spiral new "Far $i" -q >/dev/null; done
spiral note -m "from afar" >/dev/null
far_commits=$(git rev-list --count HEAD)
cd "$cur" || exit 1
spiral remote add far "$SANDBOX/far-school"
A=$(spiral new "Writers A" -q)
B=$(spiral new "Writers B" -q)
C=$(spiral new "Writers C" -q)
N=$(git rev-list --count HEAD)
MERGES=$(git rev-list --min-parents=2 --count HEAD)
# writer I: its WRITES writes, one kind by I.
writer() {
	local i=$1 r kind phases=(scan focus hunch learn act check)
	kind=$((i % 8))
	for r in $(seq 1 "$WRITES"); do
		case $kind in
		0) "$SPIRAL" note "$A" -m "w$i n$r" ;;
		1) "$SPIRAL" "${phases[$(((i + r) % 6))]}" "$A" -m "w$i e$r" \
			--measure "m$i=$r" --evidence "w$i e$r" ;;
		2) "$SPIRAL" edit "$A" --tag "tag-$i-$r" ;;
		3) "$SPIRAL" edit "$B" --team "Member $i $r" ;;
		4) "$SPIRAL" new "New $i $r" -q ;;
		5) "$SPIRAL" note "$B" -m "w$i n$r" ;;
		6) "$SPIRAL" "${phases[$(((i + r) % 6))]}" "$B" -m "w$i e$r" ;;
		7) if [ $((r % 2)) = 1 ]; then
			"$SPIRAL" edit "$C" --learners "learners $i $r"
		   else
			"$SPIRAL" edit "$C" --title "Title $i $r"
		   fi ;;
		esac >/dev/null || return 1
	done
}
export SPIRAL_LOCK_TIMEOUT=300
start=$(date +%s)
pids=()
for i in $(seq 0 $((WRITERS - 1))); do
	writer "$i" 2>"$SANDBOX/w-$i.err" &
	pids+=($!)
	if [ "$i" = $((WRITERS / 2)) ]; then
		"$SPIRAL" pull far >/dev/null 2>"$SANDBOX/far.err" &
		pids+=($!)
	fi
done
failed=0
for p in "${pids[@]}"; do wait "$p" || failed=$((failed + 1)); done
unset SPIRAL_LOCK_TIMEOUT
took=$(($(date +%s) - start))
echo "note: $WRITERS writers x $WRITES writes and a pull: $took s"
same "$WRITERS writers and a pull all succeed" 0 "$failed"
same "nobody complained" "" "$(cat "$SANDBOX"/w-*.err "$SANDBOX/far.err")"
WRITES_TOTAL=$((WRITERS * WRITES))
commits "one commit a write, the other school's history and one merge" \
	$((N + WRITES_TOTAL + far_commits + 1))
same "one merge more in the history (the pull's)" $((MERGES + 1)) \
	"$(git rev-list --min-parents=2 --count HEAD)"
clean "clean after $WRITERS writers"
ok "spiral fsck after $WRITERS writers" spiral fsck
# What each writer wrote, exactly once; and nothing else.
ok "show A" spiral show "$A" --format json
SHOW_A=$OUT
ok "show B" spiral show "$B" --format json
SHOW_B=$OUT
ok "show C" spiral show "$C" --format json
SHOW_C=$OUT
ok "list" spiral list --status all --format json
LIST=$OUT
same "every record landed exactly once" "" "$(WRITERS=$WRITERS WRITES=$WRITES \
	A="$SHOW_A" B="$SHOW_B" C="$SHOW_C" L="$LIST" python3 -c '
import json, os
from collections import Counter
W, R = int(os.environ["WRITERS"]), int(os.environ["WRITES"])
a, b, c = (json.loads(os.environ[k]) for k in "ABC")
inquiries = json.loads(os.environ["L"])
want = {k: Counter() for k in ("a_notes", "a_entries", "b_notes", "b_entries",
                                "tags", "team", "new")}
for i in range(W):
    for r in range(1, R + 1):
        kind = i % 8
        if kind == 0: want["a_notes"]["w%d n%d" % (i, r)] += 1
        if kind == 1: want["a_entries"]["w%d e%d" % (i, r)] += 1
        if kind == 2: want["tags"]["tag-%d-%d" % (i, r)] += 1
        if kind == 3: want["team"]["Member %d %d" % (i, r)] += 1
        if kind == 4: want["new"]["New %d %d" % (i, r)] += 1
        if kind == 5: want["b_notes"]["w%d n%d" % (i, r)] += 1
        if kind == 6: want["b_entries"]["w%d e%d" % (i, r)] += 1
have = {
    "a_notes": Counter(n["text"] for n in a["notes"]),
    "a_entries": Counter(e["text"] for e in a["entries"]),
    "b_notes": Counter(n["text"] for n in b["notes"]),
    "b_entries": Counter(e["text"] for e in b["entries"]),
    "tags": Counter(a["tags"]),
    "team": Counter(m for m in b["team"] if m.startswith("Member ")),
    "new": Counter(x["title"] for x in inquiries if x["title"].startswith("New ")),
}
for k in want:
    if want[k] != have[k]:
        print(k, "missing", sorted(want[k] - have[k]), "extra", sorted(have[k] - want[k]))
for e in a["entries"]:
    i, r = (int(x[1:]) for x in e["text"].split())
    if e["evidence"] != [e["text"]] or e["measures"] != {"m%d" % i: r}:
        print("entry", e["text"], "holds", e["evidence"], e["measures"])
if c.get("conflicts"):
    print("C has conflicts:", c["conflicts"])
setc = [(i, r) for i in range(W) for r in range(1, R + 1) if i % 8 == 7]
if setc and c["title"] != "Writers C" and not c["title"].startswith("Title "):
    print("C title", c["title"])
if setc and not c["learners"].startswith("learners "):
    print("C learners", c["learners"])
far = sum(1 for x in inquiries if x["school"] == "Rimu College")
if far != 6:
    print("the other school has", far, "inquiries here, not 6")
')"
finish
