#!/usr/bin/env bash
# Atomic writes (storage.md 7): kill -9 a write, or a pull, at random instants; after the
# next spiral command (any command) the repository is as before the write or
# as after it: git status clean, git fsck clean, every note on disk is
# committed and every committed note is on disk.
. "$(dirname "$0")/lib.sh"
# A write that fails before the branch moves leaves objects nothing refers
# to (git gc prunes them): fsck is asked about corruption, not those.
FSCK_FAULTS=1

new_repo
spiral new "Kill me softly" -q >/dev/null
rounds=${ATOMIC_ROUNDS:-40}
JOURNALS=0
# A note takes some milliseconds; kill inside that window, at spread instants.
for i in $(seq 1 "$rounds"); do
	# The binary itself, not the spiral() function: $! must be its pid.
	"$SPIRAL" note -m "note $i" >/dev/null 2>&1 &
	pid=$!
	sleep "0.0$(( (i * 7) % 10 ))$(( RANDOM % 10 ))"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	[ -e .git/spiral-journal ] && JOURNALS=$((JOURNALS + 1))
	spiral status >/dev/null 2>&1 # any command finishes or forgets it
	status=$(git status --porcelain)
	fsck=$(git fsck --strict --no-dangling 2>&1)
	on_disk=$(find inquiries -path '*/notes/*' -type f | wc -l)
	committed=$(git ls-files 'inquiries/*/notes/*' | wc -l)
	in_log=$(git log --oneline | grep -c ' note(')
	if [ -n "$status" ] || [ -n "$fsck" ] || [ "$on_disk" != "$committed" ] ||
		[ "$committed" != "$in_log" ]; then
		fail "round $i: as before or as after" "status: $status" "fsck: $fsck" \
			"on disk $on_disk, committed $committed, note commits $in_log"
	else
		pass "round $i: as before or as after"
	fi
done
echo "note: $(git ls-files 'inquiries/*/notes/*' | wc -l) of $rounds killed writes were committed; $JOURNALS were killed inside the journal window"
ok "a write after all that" spiral note -m "still here"
same "show sees every committed note" "$(git ls-files 'inquiries/*/notes/*' | wc -l)" \
	"$(spiral show --format json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["notes"]))')"
clean "clean at the end"
ok "fsck at the end" spiral fsck

# A write killed after the branch moved: the journal is finished by the next
# command, whatever it is.  Simulated exactly: the commit is in, the work
# tree and index are not, a stale index.lock and a temporary file lie about.
spiral note -m "the last one" >/dev/null
last=$(git ls-files 'inquiries/*/notes/*' | sort | tail -1)
rm -- "$last"
git rm -q --cached -- "$last"
printf 'old %s\nnew %s\npath %s\n' "$(git rev-parse HEAD~1)" "$(git rev-parse HEAD)" "$last" >.git/spiral-journal
: >.git/index.lock
: >"$last.spiral-tmp-abcdef"
ok "a reading command after the kill" spiral list
ok "the record is back" test -f "$last"
ok "the journal is gone" test ! -e .git/spiral-journal
ok "the stale index.lock is gone" test ! -e .git/index.lock
clean "as after the write"

# Killed before the branch moved: the journal names a commit HEAD never
# reached; the next command forgets it and the repository is as before.
head=$(git rev-parse HEAD)
printf 'old %s\nnew %s\npath inquiries/xx/never.ini\n' "$head" "$(git rev-parse HEAD~1)" >.git/spiral-journal
ok "a command after an early kill" spiral status
same "HEAD did not move" "$head" "$(git rev-parse HEAD)"
ok "the journal is gone" test ! -e .git/spiral-journal
clean "as before the write"

# A pull killed at spread instants: the merge of another school's
# repository is published like any write, so after the next command the
# leader's repository holds none of it or all of it.
new_repo school "Tōtara Primary"
for i in $(seq 1 25); do
	spiral new "School inquiry $i" -q >/dev/null
	spiral scan -m "scan $i" >/dev/null
done
school_files=$(git ls-files 'inquiries/*' | wc -l)
new_repo leader-template "Kōwhai Intermediate"
spiral new "The leader's own" -q >/dev/null
spiral remote add school "$SANDBOX/school"
own_files=$(git ls-files 'inquiries/*' | wc -l)
pull_rounds=${ATOMIC_PULL_ROUNDS:-20}
merged=0 scale=1
[ -n "${ASAN_OPTIONS:-}" ] && scale=4
for i in $(seq 1 "$pull_rounds"); do
	rm -rf "$SANDBOX/leader"
	cp -a "$SANDBOX/leader-template" "$SANDBOX/leader"
	cd "$SANDBOX/leader" || exit 1
	before=$(git rev-parse HEAD)
	"$SPIRAL" pull school >/dev/null 2>&1 &
	pid=$!
	# Spread over 0-200 ms (four times that under ASan, six times slower).
	ms=$(( ((i * 37) % 200 + RANDOM % 10) * scale ))
	sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	spiral status >/dev/null 2>&1 # any command finishes or forgets it
	status=$(git status --porcelain)
	fsck=$(git fsck --strict --no-dangling 2>&1)
	on_disk=$(find inquiries -type f | wc -l)
	committed=$(git ls-files 'inquiries/*' | wc -l)
	if [ "$(git rev-parse HEAD)" = "$before" ]; then
		expect=$own_files
	else
		expect=$((own_files + school_files))
		merged=$((merged + 1))
	fi
	if [ -n "$status" ] || [ -n "$fsck" ] || [ "$on_disk" != "$committed" ] ||
		[ "$committed" != "$expect" ]; then
		fail "pull round $i: none of it or all of it" "status: $status" \
			"fsck: $fsck" "on disk $on_disk, committed $committed, expected $expect"
	else
		pass "pull round $i: none of it or all of it"
	fi
done
echo "note: $merged of $pull_rounds killed pulls had merged"
ok "a pull after all that" spiral pull school
same "then everything is there" "$((own_files + school_files))" \
	"$(git ls-files 'inquiries/*' | wc -l)"
clean "clean after the last pull"
finish
