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
finish
