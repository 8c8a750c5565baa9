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
# tree and index are not, spiral's half-written index copy and a temporary
# file lie about.
spiral note -m "the last one" >/dev/null
last=$(git ls-files 'inquiries/*/notes/*' | sort | tail -1)
rm -- "$last"
git rm -q --cached -- "$last"
printf 'old %s\nnew %s\npath %s\n' "$(git rev-parse HEAD~1)" "$(git rev-parse HEAD)" "$last" >.git/spiral-journal
: >.git/spiral-index
: >"$last.spiral-tmp-abcdef"
ok "a reading command after the kill" spiral list
ok "the record is back" test -f "$last"
ok "the journal is gone" test ! -e .git/spiral-journal
ok "spiral's index copy is gone" test ! -e .git/spiral-index
ok "the temporary file is gone" test ! -e "$last.spiral-tmp-abcdef"
clean "as after the write"

# The same kill while a git process holds index.lock: git's lock is never
# removed; the work tree is finished, the index waits for git to let go.
spiral note -m "one more" >/dev/null
last=$(git ls-files 'inquiries/*/notes/*' | sort | tail -1)
rm -- "$last"
git rm -q --cached -- "$last"
printf 'old %s\nnew %s\npath %s\n' "$(git rev-parse HEAD~1)" "$(git rev-parse HEAD)" "$last" >.git/spiral-journal
: >.git/index.lock
SPIRAL_LOCK_TIMEOUT=1 spiral list >/dev/null 2>&1
ok "git's index.lock is left alone" test -e .git/index.lock
ok "the record is back in the work tree" test -f "$last"
ok "the journal waits for the index" test -e .git/spiral-journal
rm .git/index.lock
ok "a command once git let go" spiral list
ok "then the journal is gone" test ! -e .git/spiral-journal
clean "as after the write, index too"

# Killed before the branch moved: the journal names a commit HEAD never
# reached; the next command forgets it and the repository is as before.
head=$(git rev-parse HEAD)
printf 'old %s\nnew %s\npath inquiries/xx/never.ini\n' "$head" "$(git rev-parse HEAD~1)" >.git/spiral-journal
ok "a command after an early kill" spiral status
same "HEAD did not move" "$head" "$(git rev-parse HEAD)"
ok "the journal is gone" test ! -e .git/spiral-journal
clean "as before the write"

# Killed while it held the branch's lock: the lock is the killed write's
# when empty or holding the commit its journal names, and is removed; a
# lock holding any other commit is a running git command's and stays.
branch_lock=.git/$(git symbolic-ref HEAD).lock
for content in empty new; do
	head=$(git rev-parse HEAD)
	new=$(git commit-tree -p HEAD -m never "$(git rev-parse 'HEAD^{tree}')")
	printf 'old %s\nnew %s\npath inquiries/xx/never.ini\n' "$head" "$new" >.git/spiral-journal
	if [ $content = empty ]; then : >"$branch_lock"; else echo "$new" >"$branch_lock"; fi
	ok "a command after a kill that left the branch lock ($content)" spiral status
	ok "that lock is gone ($content)" test ! -e "$branch_lock"
	same "HEAD did not move ($content)" "$head" "$(git rev-parse HEAD)"
done
head=$(git rev-parse HEAD)
printf 'old %s\nnew %s\npath inquiries/xx/never.ini\n' "$head" "$(git rev-parse HEAD~1)" >.git/spiral-journal
git rev-parse HEAD~2 >"$branch_lock"
ok "a command while another program holds the branch lock" spiral status
ok "its lock is left alone" test -e "$branch_lock"
fails "a write then fails, naming the lock" 1 "main.lock" spiral note -m "blocked"
same "nothing was committed" "$head" "$(git rev-parse HEAD)"
rm -f "$branch_lock"
ok "a write once it is gone" spiral note -m "unblocked"
clean "clean after the branch locks"

# Killed while it wrote git's configuration (spiral.current, a remote, an
# upstream): .git/spiral-config says a spiral command was writing it, so
# the config.lock left is that command's and the next command removes it.
# A config.lock with no marker is a running git command's and stays.
current=$(git config spiral.current)
echo "lock config" >.git/spiral-config
: >.git/config.lock
ok "a command after a kill that left the configuration's lock" spiral status
ok "that lock is gone" test ! -e .git/config.lock
ok "and the marker" test ! -e .git/spiral-config
ok "the configuration can be written again" spiral switch "$current"
ok "git can write it too" git config spiral.probe yes
git config --unset spiral.probe
: >.git/config.lock
fails "with git's own lock, a configuration write fails, naming it" 1 "config.lock" spiral config school "Kōwhai"
ok "its lock is left alone" test -e .git/config.lock
ok "no marker is left by the failed write" test ! -e .git/spiral-config
rm -f .git/config.lock
ok "it works once the lock is gone" spiral config school "Kōwhai"
same "and wrote" "Kōwhai" "$(git config spiral.school)"
same "the current inquiry is kept" "$current" "$(git config spiral.current)"
clean "clean after the configuration's locks"

finish
