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
finish
