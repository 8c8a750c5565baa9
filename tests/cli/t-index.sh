#!/usr/bin/env bash
# A write puts its files into git's index without loading it (lib/index.c):
# git must see exactly what it would after `git add`, whatever git wrote
# into the index before (its cache-tree, an index version 3 with flags,
# version 4, an untracked cache, a damaged index), and a write that can
# not be done this way is done by libgit2, with the same result.
. "$(dirname "$0")/lib.sh"

new_repo
A=$(spiral new "Writing in Year 7" -q --tag writing)
spiral scan -m "Only 4 of 18 finish a story" --measure stories=4 >/dev/null
index_right "spiral's writes alone"

# git's commit writes a cache-tree (TREE): spiral's next write must mark
# the folders it touches invalid, or git would commit a stale tree.
printf 'notes by hand\n' >README.txt
git add README.txt && git commit -qm "by git"
grep -q TREE .git/index && pass "git wrote a cache-tree" || fail "git wrote a cache-tree"
spiral act -m "Ten minutes of free writing" >/dev/null
grep -q TREE .git/index && pass "the cache-tree is kept" || fail "the cache-tree is kept"
index_right "after git's commit and spiral's write"
printf 'more\n' >>README.txt
git commit -qam "by git again"
same "git's next commit: the tree git makes is the one it should" \
	"$(git ls-tree -r --name-only HEAD | wc -l)" "$(git ls-files | wc -l)"
spiral new "Reading in Year 3" -q >/dev/null
index_right "a new inquiry (new folders) after git's commit"

# Version 3: an entry with extended flags (skip-worktree) is kept as it is.
git update-index --skip-worktree README.txt
same "git wrote version 3" "3" "$(python3 -c 'import sys; d=open(".git/index","rb").read(); print(int.from_bytes(d[4:8],"big"))')"
spiral note -m "Kia ora" >/dev/null
matches "skip-worktree is kept" '^S README.txt' "$(git ls-files -v README.txt)"
git update-index --no-skip-worktree README.txt
index_right "index version 3"

# Version 4 (prefix-compressed paths): written by libgit2.
git update-index --index-version 4
spiral learn -m "Read the research" >/dev/null
index_right "index version 4"
git update-index --index-version 2

# git's untracked cache (UNTR) is left out, and git still sees new files.
git config core.untrackedCache true
git update-index --untracked-cache
git status --porcelain >/dev/null
grep -q UNTR .git/index && pass "git wrote an untracked cache" || fail "git wrote an untracked cache"
spiral check -m "Eleven finish now" --measure stories=11 >/dev/null
index_right "after an untracked cache"
printf 'x\n' >untracked.txt
matches "an untracked file is still seen" 'untracked.txt' "$(git status --porcelain)"
rm untracked.txt
git config --unset core.untrackedCache

# Many files in one write (an import): the index still right.
for i in $(seq 1 40); do printf 'Note %s\n' "$i"; done >"$SANDBOX/notes.txt"
while read -r line; do spiral note -m "$line" >/dev/null; done <"$SANDBOX/notes.txt"
index_right "forty writes in a row"

# A damaged index: libgit2 reads it, and says so; nothing is lost.
damaged() { # WHAT OFFSET: garbage at OFFSET of the index, a note, the index put back
	cp .git/index "$SANDBOX/index.good"
	printf 'garbage' | dd of=.git/index bs=1 seek="$2" conv=notrunc 2>/dev/null
	spiral note -m "After damage" >"$SANDBOX/out" 2>"$SANDBOX/err"
	code=$?
	matches "$1: committed, and a warning names the index" \
		"committed [0-9a-f]+, but .*index.*checksum.* code=0" "$(cat "$SANDBOX/err") code=$code"
	cp "$SANDBOX/index.good" .git/index
	git reset -q
	index_right "$1, put back and reset"
}
before=$(git rev-parse HEAD)
damaged "a damaged index" 100
[ "$(git rev-list --count "$before"..HEAD)" -ge 1 ] && pass "the note was committed" ||
	fail "the note was committed"

# An index of several megabytes (30,000 files): read and written a
# megabyte at a time, its pages let go behind; the same index either way,
# and damage far into it still seen before anything is written.
mkdir bulk && (cd bulk && seq -f 'f%05g.txt' 1 30000 | xargs touch)
git add bulk && git commit -qm "30,000 files"
size=$(stat -c %s .git/index)
[ "$size" -gt 2000000 ] && pass "a large index ($size bytes)" || fail "a large index" "$size"
spiral note -m "Into a large index" >/dev/null
index_right "a large index"
same "every file still in it" "30000" "$(git ls-files bulk | wc -l)"
damaged "damage far into a large index" $((size - 300000))

finish
