#!/usr/bin/env bash
# status: where am I, what next, what is uncommitted, what is unshared.
. "$(dirname "$0")/lib.sh"

new_repo
ok "status with no inquiry" spiral status
matches "says how to start" 'No current inquiry: spiral new' "$OUT"
spiral new "Year 9 writing" -q >/dev/null
ok "status on a new inquiry" spiral status
matches "names the inquiry" 'On inquiry [0-9a-f]{8} Year 9 writing \(Kōwhai Intermediate\)' "$OUT"
matches "no phase yet; next is scan with its question" "Next: scan: What's going on for our learners\\?" "$OUT"
spiral scan -m "noticing" >/dev/null
ok "status after a scan" spiral status
matches "phase and cycle" 'Phase: scan, cycle 1' "$OUT"
matches "the next phase is focus, with its guiding question" \
	'Next: focus: Where will concentrating our energies make the most difference\?' "$OUT"
spiral check -m "done" --new-cycle >/dev/null
ok "status after check --new-cycle" spiral status --format json
python3 -c "import json,sys; d=json.load(sys.stdin); assert d['inquiry']['cycle']==2 and d['next']['phase']=='scan', d" <<<"$OUT" &&
	pass "new cycle; after check comes scan" || fail "new cycle; after check comes scan" "$OUT"

# Hand edits that are not committed are listed, by path.
file=$(git ls-files 'inquiries/*/inquiry.ini' | head -1)
printf '; a teacher was here\n' >>"$file"
mkdir -p inquiries/zz && printf '[x]\n' >inquiries/zz/new.ini
ok "status with hand edits" spiral status
matches "lists the edited file" "$file" "$OUT"
matches "lists the new file" 'inquiries/zz/new.ini' "$OUT"
matches "under a heading" 'Uncommitted hand edits' "$OUT"
ok "status json lists them" spiral status --format json
python3 -c "import json,sys; d=json.load(sys.stdin); assert sorted(d['changed'])==sorted([sys.argv[1],'inquiries/zz/new.ini']), d['changed']" "$file" <<<"$OUT" &&
	pass "changed in json" || fail "changed in json" "$OUT"
git checkout -q -- "$file"
rm -r inquiries/zz
ok "status clean again" spiral status --format json
python3 -c "import json,sys; assert json.load(sys.stdin)['changed']==[]" <<<"$OUT" && pass "nothing changed" || fail "nothing changed" "$OUT"

# Commits to push and to pull against each remote (set up with stock git
# here; t-share does it with spiral's own commands).
git clone -q --bare . "$SANDBOX/hub.git"
git remote add origin "$SANDBOX/hub.git"
git fetch -q origin
git branch -q --set-upstream-to=origin/main
ok "status in step with upstream" spiral status
matches "nothing to push or pull" 'origin: 0 to push, 0 to pull' "$OUT"
spiral act -m "more" >/dev/null
spiral note -m "and more" >/dev/null
ok "status ahead" spiral status --format json
python3 -c "import json,sys; d=json.load(sys.stdin); assert (d['upstream'],d['ahead'],d['behind'])==('origin/main',2,0), d" <<<"$OUT" &&
	pass "two commits to push" || fail "two commits to push" "$OUT"
git clone -q "$SANDBOX/hub.git" "$SANDBOX/other"
(cd "$SANDBOX/other" && git config spiral.school "Tōtara" && "$SPIRAL" switch "$(git -C "$SANDBOX/repo" config spiral.current)" >/dev/null &&
	"$SPIRAL" learn -m "theirs" >/dev/null && git push -q origin HEAD:main)
git fetch -q origin
ok "status ahead and behind" spiral status
matches "counts both ways" 'origin: 2 to push, 1 to pull' "$OUT"
ok "status json per remote" spiral status --format json
python3 -c "import json,sys; d=json.load(sys.stdin); r=d['remotes']; assert [(x['name'],x['ahead'],x['behind']) for x in r]==[('origin',2,1)] and r[0]['url'].endswith('hub.git'), r" <<<"$OUT" &&
	pass "remotes in json" || fail "remotes in json" "$OUT"
clean "status changed nothing"
# ---- the changed files are what git sees, whatever the change ---------------
# status walks the work tree itself (lib/status.c); each case is checked
# against git status --porcelain -uall of the same paths.
new_repo
Q=$(spiral new "Attendance in Year 5" -q --tag attendance)
spiral scan -m "Twelve of 30 miss a day a week" --measure days=12 >/dev/null
spiral act -m "Walking school bus" >/dev/null
spiral note -m "Whānau hui on Thursday" >/dev/null
R=$(spiral new "Reading in Year 2" -q)
spiral scan -m "Book levels flat since May" >/dev/null
dirq=$(dirname "$(git ls-files "inquiries/*/$Q/inquiry.ini")")
dirr=$(dirname "$(git ls-files "inquiries/*/$R/inquiry.ini")")
entry=$(git ls-files "$dirq/entries/" | head -1)
note=$(git ls-files "$dirq/notes/" | head -1)
as_git() {
	git status --porcelain -z -uall --no-renames -- inquiries spiral.ini .gitattributes |
		python3 -c 'import sys,json; d=sys.stdin.buffer.read().split(b"\0"); print(json.dumps(sorted({x[3:].decode() for x in d if x})))'
}
same_as_git() { # DESC
	local want got
	want=$(as_git)
	got=$(spiral status --format json | python3 -c 'import sys,json; print(json.dumps(sorted(json.load(sys.stdin)["changed"])))')
	same "$1" "$want" "$got"
}
same_as_git "clean: nothing changed"
touch "$entry" "$dirq/inquiry.ini"
same_as_git "touched, content the same: nothing changed"
same "(git agrees: none)" "[]" "$(as_git)"
# The same size, the same time: only the content tells.
stamp=$(stat -c %Y "$entry")
sed -i 's/Twelve/Eleven/' "$entry"
touch -d "@$stamp" "$entry"
same_as_git "content changed, size and time kept"
printf 'x\n' >"$dirq/entries/untracked.ini"
mkdir -p "$dirr/notes/deep/deeper" && printf 'y\n' >"$dirr/notes/deep/deeper/z.ini"
same_as_git "untracked files, and files in untracked folders"
printf '*.tmp\n' >inquiries/.gitignore
printf 't\n' >"$dirq/scratch.tmp"
same_as_git "an ignored file is not listed (its .gitignore is)"
rm "$note"
same_as_git "a deleted file"
chmod +x "$dirr/inquiry.ini"
same_as_git "a file made executable"
git add "$entry" && git checkout -q HEAD -- "$dirr/inquiry.ini"
same_as_git "a change staged by hand"
git stash -q && git stash drop -q
printf '; by hand\n' >>spiral.ini
rm -f .gitattributes
same_as_git "spiral.ini changed, .gitattributes deleted"
git checkout -q -- spiral.ini .gitattributes
rm -rf "$dirr/entries" && printf 'now a file\n' >"$dirr/entries"
same_as_git "a folder become a file"
rm "$dirq/inquiry.ini" && mkdir "$dirq/inquiry.ini" && printf 'q\n' >"$dirq/inquiry.ini/inside.ini"
same_as_git "a file become a folder"
git checkout -q -- . 2>/dev/null; rm -rf "$dirq/inquiry.ini" && git checkout -q -- .
ln -sf /etc/hostname "$entry"
same_as_git "a file become a link"
git checkout -q -- . && git clean -qfdx inquiries
same_as_git "all put back: nothing changed"
mkfifo "$dirr/.gitignore"
fails "a FIFO as an inquiry's .gitignore: an error that names it" 1 \
	"$dirr/\\.gitignore is a FIFO" spiral status
rm "$dirr/.gitignore"
rm -rf inquiries && ln -s /tmp inquiries
same_as_git "inquiries/ a link (libgit2 decides)"
rm inquiries && git checkout -q -- inquiries
same_as_git "and back"

finish
