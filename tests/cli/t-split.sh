#!/usr/bin/env bash
# git's split index (lib/index.c): an index of more than 16,384 entries is
# written split (the old index becomes .git/sharedindex.<checksum>, the
# index holds what was written since), so that a write does not rewrite an
# index of megabytes.  git reads and writes it as its own; spiral reads what
# git writes into it (its replace and delete bitmaps); libgit2, which cannot
# read it, is given it whole; nothing is lost on the way.
. "$(dirname "$0")/lib.sh"

# Whether .git/index names a shared index (has git's link extension): the
# shared index's name, or nothing.
linked() {
	python3 - <<'PY'
import struct
d = open(".git/index", "rb").read()
n = struct.unpack(">I", d[8:12])[0]
p = 12
ver = struct.unpack(">I", d[4:8])[0]
for _ in range(n):
    flags = struct.unpack(">H", d[p + 60:p + 62])[0]
    fixed = 62 + (2 if flags & 0x4000 else 0)
    end = d.index(b"\0", p + fixed)
    p += (fixed + (end - p - fixed) + 8) & ~7
while p < len(d) - 20:
    sig, size = d[p:p + 4], struct.unpack(">I", d[p + 4:p + 8])[0]
    if sig == b"link":
        print("sharedindex." + d[p + 8:p + 28].hex())
    p += 8 + size
PY
}
shared_count() { find .git -maxdepth 1 -name 'sharedindex.*' | wc -l; }

new_repo
A=$(spiral new "Writing in Year 7" -q)
spiral scan -m "Only 4 of 18 finish a story" >/dev/null
same "a small index is not split" "" "$(linked)"
same "no shared index" "0" "$(shared_count)"

# A large index: git's 20,000 files, then spiral's write splits it.
mkdir bulk && (cd bulk && seq -f 'f%05g.txt' 1 20000 | xargs touch -d '1 hour ago')
git add bulk && git commit -qm "20,000 files"
before=$(stat -c %s .git/index)
old_sum=$(tail -c 20 .git/index | od -An -tx1 | tr -d ' \n')
spiral note -m "Into a large index" >/dev/null
same "a large index is split by the next write" "sharedindex.$old_sum" "$(linked)"
same "the shared index is the index as it was" "$before" "$(stat -c %s ".git/sharedindex.$old_sum")"
small=$(stat -c %s .git/index)
[ "$small" -lt $((before / 20)) ] && pass "the index is small ($small of $before bytes)" ||
	fail "the index is small" "$small of $before"
index_right "split by spiral"
same "every file still in it" "20000" "$(git ls-files bulk | wc -l)"
# (git's own commands may put entries they refresh into the index, and
# past 4,096 of them spiral's next write makes it whole: none here.)
l0=$(linked) n0=$(shared_count)
for i in 1 2 3; do spiral note -m "Note $i" >/dev/null; done
same "later writes keep the same shared index" "$l0" "$(linked)"
same "and make no other" "$n0" "$(shared_count)"
index_right "three writes into a split index"
same "spiral status reads it: nothing to report" "" \
	"$(spiral status --format json | python3 -c 'import json,sys; print(*json.load(sys.stdin)["changed"])')"

# git writes into the split index (a file changed, one removed, one added:
# its replace and delete bitmaps); spiral reads and writes it as git
# would, and keeps what git staged.
note=$(git ls-files 'inquiries/*/notes/*.ini' | head -1)
entry=$(git ls-files 'inquiries/*/entries/*.ini' | head -1)
printf '; a teacher was here\n' >>"$note"
git add "$note"
git rm -q "$entry"
mkdir -p inquiries/zz && printf '[x]\n' >inquiries/zz/new.ini
git add inquiries/zz/new.ini
printf 'changed\n' >bulk/f00007.txt
git add bulk/f00007.txt
[ -n "$(linked)" ] && pass "git kept the index split" || fail "git kept the index split"
staged=$(git status --porcelain)
git ls-files -s >"$SANDBOX/ls.split"
spiral status --format json >"$SANDBOX/st.split" 2>&1
rm -rf "$SANDBOX/whole" && cp -a . "$SANDBOX/whole" && (cd "$SANDBOX/whole" && git update-index --no-split-index &&
	git ls-files -s >"$SANDBOX/ls.whole" && "$SPIRAL" status --format json >"$SANDBOX/st.whole" 2>&1)
same "made whole by git, git sees the same entries" "$(cat "$SANDBOX/ls.whole")" "$(cat "$SANDBOX/ls.split")"
same "spiral status the same split as whole" "$(cat "$SANDBOX/st.whole")" "$(cat "$SANDBOX/st.split")"
json_changed() { python3 -c 'import json,sys; print(" ".join(sorted(json.load(sys.stdin)["changed"])))' <"$1"; }
same "spiral status sees what git staged" "$(printf '%s\n' "$entry" "$note" inquiries/zz/new.ini | sort | tr '\n' ' ' | sed 's/ $//')" \
	"$(json_changed "$SANDBOX/st.split")"
spiral note -m "After git's own writes" >/dev/null
same "what git staged is still staged" "$staged" "$(git status --porcelain)"
git commit -qm "git's changes"
index_right "spiral's write after git's, then git's commit"
same "every file git meant" "20000" "$(git ls-files bulk | wc -l)"

# The index's own entries past the limit (SPIRAL_TEST_SPLIT_INDEX sets it
# low here): made whole, then split again.
export SPIRAL_TEST_SPLIT_INDEX=16384,3
spiral note -m "Whole again" >/dev/null
same "past the limit, the next write makes it whole" "" "$(linked)"
index_right "made whole"
spiral note -m "Split anew" >/dev/null
[ -n "$(linked)" ] && pass "the write after splits it anew" || fail "the write after splits it anew"
index_right "split anew"
unset SPIRAL_TEST_SPLIT_INDEX

# A shared index no index has named for two weeks is removed when spiral
# next splits (as git does); a younger one is kept.
touch -d '20 days ago' .git/sharedindex.$old_sum
cp .git/sharedindex.$old_sum .git/sharedindex.0000000000000000000000000000000000000000
touch .git/sharedindex.0000000000000000000000000000000000000000
export SPIRAL_TEST_SPLIT_INDEX=16384,0
spiral note -m "Whole" >/dev/null
spiral note -m "Split, old shared index gone" >/dev/null
unset SPIRAL_TEST_SPLIT_INDEX
[ ! -e .git/sharedindex.$old_sum ] && pass "a shared index unnamed for two weeks is removed" ||
	fail "a shared index unnamed for two weeks is removed"
[ -e .git/sharedindex.0000000000000000000000000000000000000000 ] &&
	pass "a younger one is kept" || fail "a younger one is kept"
rm -f .git/sharedindex.0000000000000000000000000000000000000000
index_right "after the shared indexes expired"

# A pull that updates a file this clone has: libgit2 looks at the index
# (is the file changed here?), and is given a whole copy of it.
note=$(git ls-files 'inquiries/*/notes/*.ini' | head -1)
git clone -q --bare . "$SANDBOX/hub.git"
spiral remote add hub "$SANDBOX/hub.git" >/dev/null
git clone -q "$SANDBOX/hub.git" "$SANDBOX/other"
(cd "$SANDBOX/other" && printf '; edited elsewhere\n' >>"$note" &&
	git commit -qam "an edit at the other school" && git push -q origin HEAD:main)
spiral note -m "Ours meanwhile" >/dev/null
[ -n "$(linked)" ] && pass "split before the pull" || fail "split before the pull"
ok "a pull into a split index that updates a file here" spiral pull hub
matches "the other school's edit is here" "edited elsewhere" "$(cat "$note")"
index_right "after the pull"
printf '; edited here\n' >>"$note"
(cd "$SANDBOX/other" && printf '; edited there again\n' >>"$note" &&
	git commit -qam "another edit there" && git push -q origin HEAD:main)
fails "a pull that would overwrite an edit not committed refuses, split" 1 \
	"has changes you have not committed" spiral pull hub
matches "the edit is kept" "edited here" "$(cat "$note")"
git checkout -q -- "$note"
ok "then the pull goes through" spiral pull hub
index_right "after the second pull"

# The shared index gone: a clear error, the commit kept, nothing lost.
spiral note -m "Split again" >/dev/null
shared=$(linked)
mv ".git/$shared" "$SANDBOX/shared.bak"
head_before=$(git rev-parse HEAD)
OUT=$(spiral note -m "Without the shared index" 2>&1) && code=0 || code=$?
matches "a missing shared index: committed, and a warning names it" \
	"committed [0-9a-f]+, but .*sharedindex.*missing.* code=0" "$OUT code=$code"
[ "$(git rev-list --count "$head_before"..HEAD)" = 1 ] && pass "the note was committed" ||
	fail "the note was committed"
fails "spiral status says what is wrong" 1 "sharedindex" spiral status
mv "$SANDBOX/shared.bak" ".git/$shared"
spiral note -m "With it back" >/dev/null
index_right "the shared index back: the next write finishes the last"

# A shared index damaged far into it: a write into the split index does
# not read it (that is the point) and goes through; status, which reads
# it, says what is wrong and how to mend it; put back, all is as it was.
shared=$(linked)
cp ".git/$shared" "$SANDBOX/shared.good"
size=$(stat -c %s ".git/$shared")
printf 'garbage' | dd of=".git/$shared" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
ok "a write with the shared index damaged" spiral note -m "Shared part damaged"
fails "status says the shared part is damaged, and what to do" 1 \
	"sharedindex.*damaged.*git reset" spiral status
cp "$SANDBOX/shared.good" ".git/$shared"
index_right "the shared index put back"

# A damaged split index: said so, nothing lost; git reset makes it anew.
printf 'garbage' | dd of=.git/index bs=1 seek=40 conv=notrunc 2>/dev/null
OUT=$(spiral note -m "After damage" 2>&1) && code=0 || code=$?
matches "a damaged split index: committed, and a warning names it" \
	"committed [0-9a-f]+, but .*index.*split.* code=0" "$OUT code=$code"
git reset -q
index_right "damaged, then reset"

finish
