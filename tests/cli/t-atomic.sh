#!/usr/bin/env bash
# Atomic writes (storage.md 7): a write killed after the branch moved, or
# before, simulated exactly; the next spiral command (any command) finishes
# or forgets it.  Kills at random instants of every kind of write, and
# power-cut copies, are t-crash.sh.
. "$(dirname "$0")/lib.sh"
# A write that fails before the branch moves leaves objects nothing refers
# to (git gc prunes them): fsck is asked about corruption, not those.
FSCK_FAULTS=1

new_repo
spiral new "Kill me softly" -q >/dev/null
# Writes and pulls killed at random instants are t-crash.sh; here, the
# journal's two cases, made by hand.
spiral note -m "a first note" >/dev/null

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

finish
