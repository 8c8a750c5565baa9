#!/usr/bin/env bash
# A cluster hub that accepts only additions: spiral verify-push installed as
# the pre-receive hook of a bare repository, pushed to with stock git (by
# path: git runs receive-pack and its hooks) and with spiral push (over
# git://, where the hub's git daemon runs them).  Additions pass, merges of
# other schools pass; each kind of bad push is refused with its reason shown
# to the pusher as "remote: spiral: refused: ...", and the hub's branch does
# not move.  spiral.allowEdits (or --allow-edits) takes hand edits that
# still parse and still refuses deletions.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/servers.sh"

# 32 random hex digits, as spiral's IDs.
hex32() { od -An -N16 -tx1 /dev/urandom | tr -d ' \n'; }
blob() { git hash-object -w --stdin; }

HUB=$SANDBOX/srv/hub.git
hub_head() { git -C "$HUB" rev-parse --verify -q refs/heads/main || echo none; }

# pushed DESC: a stock git push of main to the hub is accepted and the
# hub's branch is the pusher's.
pushed() {
	ok "$1" git push -q hub main
	same "$1: the hub has it" "$(git rev-parse HEAD)" "$(hub_head)"
}

# refused DESC REGEX [PUSH-ARGS...]: a stock git push is refused; git's
# output shows the hub's reason as "remote: spiral: refused: ... REGEX"; the
# hub's branch has not moved.  Then the pusher's branch goes back to the
# hub's, for the next case.
refused() {
	local desc=$1 regex=$2 before
	shift 2
	before=$(hub_head)
	fails "$desc: refused" 1 "^remote: spiral: refused: .*$regex" \
		git push hub "${@:-main}"
	matches "$desc: git says the hook declined" "pre-receive hook declined" "$ERR"
	same "$desc: the hub's branch did not move" "$before" "$(hub_head)"
	git reset -q --hard "$before"
}

# A commit of the index (after update-index), as stock git plumbing makes it.
commit_index() { git commit -q -m "$1"; }

# ---------------------------------------------------------------- install
mkdir -p "$SANDBOX/srv"
git init -q --bare "$HUB"
ok "install into a bare repository by path" spiral verify-push --install "$HUB"
matches "says where the hook went" "$HUB/hooks/pre-receive" "$OUT"
hook=$HUB/hooks/pre-receive
if [ -x "$hook" ]; then pass "the hook is executable"; else fail "the hook is executable"; fi
same "a shell script" "#!/bin/sh" "$(head -n 1 "$hook")"
matches "runs this spiral by its absolute path" \
	"^exec '$(readlink -f "$SPIRAL")' verify-push\$" "$(tail -n 1 "$hook")"
ok "installing again replaces spiral's own hook" spiral verify-push --install "$HUB"
( cd "$HUB" && spiral verify-push --install >/dev/null ) &&
	pass "in the hub's folder, GIT-DIR defaults to it" ||
	fail "in the hub's folder, GIT-DIR defaults to it"
git init -q --bare "$SANDBOX/other.git"
printf '#!/bin/sh\necho mine\n' >"$SANDBOX/other.git/hooks/pre-receive"
fails "a hook spiral did not write stays" 1 "exists and is not spiral's" \
	spiral verify-push --install "$SANDBOX/other.git"
same "and is untouched" "echo mine" "$(tail -n 1 "$SANDBOX/other.git/hooks/pre-receive")"
fails "install into a folder that is not a repository" 1 "not a git repository" \
	spiral verify-push --install "$SANDBOX/nowhere"
fails "install with two folders" 2 "" spiral verify-push --install a b
fails "OLD NEW without REF" 2 "" spiral -C "$HUB" verify-push a b
fails "an OLD that is not a commit id" 2 "not a commit id" \
	spiral -C "$HUB" verify-push nothex "$(printf '%040d' 0)" refs/heads/main
fails "outside any repository" 1 "not in a git repository" \
	env GIT_CEILING_DIRECTORIES="$SANDBOX" "$SPIRAL" -C "$SANDBOX" verify-push
fails "a line on stdin that is not OLD NEW REF" 1 "not a pre-receive line" \
	spiral -C "$HUB" verify-push <<<"garbage"

# ---------------------------------------------------------------- additions
new_repo school "Kōwhai Intermediate"
git remote add hub "$HUB"
id=$(spiral new "Year 9 writing" --tag writing --team Aroha -q)
spiral scan -m "Boys write less" --measure words=120 >/dev/null
pushed "the first push to an empty hub (a new branch)"
spiral focus -m "Boys' writing" >/dev/null
spiral note -m "Good start" >/dev/null
spiral edit --title "Year 9 boys' writing" --tag boys >/dev/null
pushed "entries, a note, field changes"
id2=$(spiral new "Maths talk" -q)
spiral hunch -m "We talk too much" >/dev/null
pushed "a new inquiry"
ok "the hook, by hand, on what the hub has" spiral -C "$HUB" verify-push \
	"$(printf '%040d' 0)" "$(hub_head)" refs/heads/main
ok "stdin lines: a push of nothing new" spiral -C "$HUB" verify-push \
	<<<"$(hub_head) $(hub_head) refs/heads/main"

# Another school, unrelated history, merged by the leader's spiral pull.
new_repo totara "Tōtara School"
spiral new "Reading for pleasure" --tag reading -q >/dev/null
spiral scan -m "Few read at home" >/dev/null
cd "$SANDBOX/school" || exit 1
spiral remote add totara "$SANDBOX/totara" >/dev/null
ok "the leader pulls another school" spiral pull totara
pushed "a merge of two schools' histories"
ok "clone of the hub" spiral clone "$HUB" "$SANDBOX/clone"
cd "$SANDBOX/clone" || exit 1
ok "the clone reads what the hub took" spiral list --format csv
same "three inquiries" 4 \
	"$(printf '%s' "$OUT" | python3 -c 'import csv, sys; print(len(list(csv.reader(sys.stdin))))')"
ok "fsck of the clone" spiral fsck
cd "$SANDBOX/school" || exit 1

# ---------------------------------------------------------------- refusals
base=inquiries/${id:0:2}/$id
entry=$(git ls-files "$base/entries" | grep -- -scan- | head -n 1)
entry_blob=$(git rev-parse "HEAD:$entry")

git rm -q "$entry"
commit_index "delete an entry"
refused "a deleted record" "$entry: deleted"

git mv "$entry" "$base/entries/20200101T000000Z-scan-$(hex32).ini"
commit_index "rename an entry"
refused "a renamed record (a deletion)" "deleted"

sed -i 's/^p = Boys write less/p = Boys write much less/' "$entry"
git commit -q -am "hand edit"
refused "a rewritten record" "$entry: rewrites a file the hub has"

sed -i 's/^p = Boys write less/p = Boys write much less/' "$entry"
git commit -q -am "hand edit"
spiral focus -m "A good entry after it" >/dev/null
refused "a rewrite hidden before a good commit" "rewrites a file the hub has"

bad=$base/entries/20260101T000000Z-scan-$(hex32).ini
git update-index --add --cacheinfo "100644,$(printf 'no equals here\n[entry\n' | blob),$bad"
commit_index "unparsable"
refused "a record that does not parse" "$bad: does not parse \(line"

nokey=$base/notes/20260101T000000Z-$(hex32).ini
git update-index --add --cacheinfo "100644,$(printf '[note]\nauthor = X\n[text]\np = hi\n' | blob),$nokey"
commit_index "note without a date"
refused "a record missing a required key" "$nokey: does not parse"

git update-index --add --cacheinfo "100644,$(printf 'hello\n' | blob),README.md"
commit_index "readme"
refused "a file outside the layout" "README.md: outside spiral's layout"

link=$base/notes/20260102T000000Z-$(hex32).ini
git update-index --add --cacheinfo "120000,$(printf /etc/passwd | blob),$link"
commit_index "link"
refused "a symbolic link" "$link: a symbolic link"

exe=$base/notes/20260103T000000Z-$(hex32).ini
git update-index --add --cacheinfo "100755,$(git rev-parse "HEAD:$(git ls-files "$base/notes" | head -n 1)"),$exe"
commit_index "exec"
refused "an executable" "$exe: an executable file"

git update-index --chmod=+x "$entry"
commit_index "chmod"
refused "a record made executable" "$entry: an executable file"

sub=$base/entries/20260104T000000Z-scan-$(hex32).ini
git update-index --add --cacheinfo "160000,$(git rev-parse HEAD),$sub"
commit_index "submodule"
refused "a submodule" "$sub: a submodule"

big=$base/notes/20260105T000000Z-$(hex32).ini
git update-index --add --cacheinfo "100644,$( {
	printf '[note]\ndate = 2026-01-05T00:00:00+00:00\nauthor = X\n[text]\np = big\n'
	head -c 1100000 /dev/zero | tr '\0' 'x' | fold -w 100 | sed 's/^/; /'
} | blob),$big"
commit_index "big"
refused "a file over 1 MiB" "$big: larger than 1 MiB"

orphan_id=$(hex32)
orphan=inquiries/${orphan_id:0:2}/$orphan_id/entries/20260106T000000Z-scan-$(hex32).ini
git update-index --add --cacheinfo "100644,$entry_blob,$orphan"
commit_index "orphan"
refused "a record of an inquiry that is not there" "$orphan: a record of an inquiry that has no inquiry.ini"

printf '; A spiral repository: collaborative inquiry, see spiral(5).\n[repository]\nformat = 2\n' >spiral.ini
git commit -q -am "format 2"
refused "a newer format" "spiral.ini: format 2 is newer"

printf '[repository]\nformat = x\n' >spiral.ini
git commit -q -am "format x"
refused "a spiral.ini that does not parse" "spiral.ini.*does not parse"

printf '*.ini filter=evil\n' >.gitattributes
git commit -q -am "attributes"
refused "a .gitattributes asking for a filter" ".gitattributes: not as spiral writes it"

git rm -q spiral.ini
commit_index "no spiral.ini"
refused "spiral.ini removed" "not a spiral repository|spiral.ini: deleted"

# Another line of history from the hub's last commit but one.
git reset -q --hard HEAD~1
spiral act -m "Another line of history" >/dev/null
refused "a non-fast-forward (forced)" "not a fast-forward" +main

refused "deleting the branch" "deleting a branch is refused" :main
git tag -a -m "v1" v1
refused "a tag" "only branches" v1
git tag -d v1 >/dev/null

spiral learn -m "On a new branch, with a deletion" >/dev/null
git rm -q "$entry"
commit_index "delete on a branch"
before=$(hub_head)
fails "a new branch whose commits delete a record" 1 "remote: spiral: refused: refs/heads/side .*deleted" \
	git push hub HEAD:refs/heads/side
same "no branch side on the hub" "" "$(git -C "$HUB" for-each-ref refs/heads/side)"
git reset -q --hard "$before"
spiral learn -m "On a new branch" >/dev/null
ok "a new branch of good commits" git push -q hub HEAD:refs/heads/side2
same "the hub has it" "$(git rev-parse HEAD)" "$(git -C "$HUB" rev-parse side2)"
git reset -q --hard "$before"

# A flood of bad files in one push: refused, the list capped.
n=${HUB_FLOOD:-400}
{
	git ls-files -s
	nb=$(printf 'x\n' | blob)
	for i in $(seq 1 "$n"); do
		printf '100644 %s 0\tjunk/%05d.ini\n' "$nb" "$i"
	done
} | git update-index --index-info
commit_index "flood"
before=$(hub_head)
fails "a flood of $n files outside the layout" 1 "more problems not listed" git push hub main
same "at most 201 problem lines" 201 "$(grep -c '^remote: spiral: refused:' <<<"$ERR")"
same "the hub's branch did not move" "$before" "$(hub_head)"
git reset -q --hard "$before"

same "the hub's objects: fsck-clean" "" "$(git -C "$HUB" fsck --strict --no-dangling 2>&1)"

# ---------------------------------------------------------------- allow edits
git -C "$HUB" config spiral.allowEdits true
sed -i 's/^p = Boys write less/p = Boys write much less/' "$entry"
git commit -q -am "hand edit that parses"
pushed "spiral.allowEdits: a hand edit that still parses"
printf '[entry\n' >"$entry"
git commit -q -am "hand edit that breaks it"
refused "spiral.allowEdits: a hand edit that does not parse" "$entry: does not parse"
git rm -q "$entry"
commit_index "delete"
refused "spiral.allowEdits: a deletion" "$entry: deleted"
git -C "$HUB" config --unset spiral.allowEdits
sed -i 's/^p = Boys write much less/p = Boys write far less/' "$entry"
git commit -q -am "another hand edit"
refused "without spiral.allowEdits: the edit is refused again" "rewrites"
ok "install with --allow-edits" spiral verify-push --install --allow-edits "$HUB"
matches "the hook passes it on" "verify-push --allow-edits\$" "$(tail -n 1 "$hook")"
sed -i 's/^p = Boys write much less/p = Boys write far less/' "$entry"
git commit -q -am "another hand edit"
pushed "--allow-edits: a hand edit that still parses"
git rm -q "$entry"
commit_index "delete"
refused "--allow-edits: a deletion" "deleted"
ok "back to the default hook" spiral verify-push --install "$HUB"

# ---------------------------------------------------------------- spiral push
start_git_daemon "$SANDBOX/srv" || exit 1
ok "spiral clone over git://" spiral clone "$GIT_DAEMON_URL/hub.git" "$SANDBOX/teacher"
cd "$SANDBOX/teacher" || exit 1
spiral config school "Kōwhai Intermediate" >/dev/null
spiral check "$id" -m "Boys write more" --measure words=180 >/dev/null
ok "spiral push of an entry" spiral push
same "the hub has it" "$(git rev-parse HEAD)" "$(hub_head)"
before=$(hub_head)
git rm -q "$(git ls-files "$base/notes" | head -n 1)"
commit_index "delete a note"
fails "spiral push of a deletion is refused" 1 \
	"^spiral: error: the hub refused the push: refs/heads/main: pre-receive hook declined" \
	spiral push
same "spiral push: the hub's branch did not move" "$before" "$(hub_head)"
matches "spiral push shows the hook's reason as 'remote:' lines" \
	"^remote: spiral: refused: refs/heads/main [0-9a-f]+: inquiries/.*: deleted" "$ERR"
same "spiral push: a refusal is not 'pull first'" "" "$(grep -i "pull first" <<<"$ERR")"
git reset -q --hard "$before"

# A hub that has commits the pusher lacks: that one is "pull first".
spiral -C "$SANDBOX/school" pull hub >/dev/null 2>&1
spiral -C "$SANDBOX/school" note "$id" -m "The leader's note" >/dev/null
ok "another clone pushes first" spiral -C "$SANDBOX/school" push hub
spiral note "$id" -m "The teacher's note" >/dev/null
before=$(hub_head)
fails "spiral push behind the hub" 1 "has changes you do not have.*pull first" spiral push
same "spiral push behind the hub: no 'hub refused'" "" "$(grep "refused" <<<"$ERR")"
same "spiral push behind the hub: the hub's branch did not move" "$before" "$(hub_head)"
ok "pull, then push" spiral sync
same "the hub has it" "$(git rev-parse HEAD)" "$(hub_head)"

# What a hub's hook says reaches the pusher whole and harmless: \r\n ends
# a line, escape sequences are made visible, a last line without an end
# still shows.  The remote's progress (a meter redrawn with \r, or a line
# as git's progress writes one) shows only at a terminal, its last state.
git init -q --bare "$SANDBOX/srv/loud.git"
cat >"$SANDBOX/srv/loud.git/hooks/pre-receive" <<-'HOOK'
	#!/bin/sh
	printf 'first line\r\nmeter 1%%\rmeter 50%%\rmeter 100%%, done.\n'
	printf 'a \033[2Jclear\033]52;c;eA==\007 and a bell\n'
	printf 'no end'
	exit 1
HOOK
chmod +x "$SANDBOX/srv/loud.git/hooks/pre-receive"
spiral remote add loud "$GIT_DAEMON_URL/loud.git" >/dev/null
fails "a hook that declines with its own words" 1 \
	"^spiral: error: the hub refused the push: refs/heads/main: pre-receive hook declined .*'remote:' lines above" \
	spiral push loud
same "its lines, in order, made visible, no progress" "remote: first line
remote: a \x1b[2Jclear\x1b]52;c;eA==\x07 and a bell
remote: no end" "$(grep '^remote:' <<<"$ERR")"
same "no raw control byte reaches the terminal" "" "$(tr -d '\n' <<<"$ERR" | tr -d '[:print:]')"
OUT=$(script -qec "'$SPIRAL' push loud" /dev/null </dev/null | tr -d '\r')
same "at a terminal, the meter's last state too" "remote: first line
remote: meter 100%, done.
remote: a \x1b[2Jclear\x1b]52;c;eA==\x07 and a bell
remote: no end" "$(grep '^remote:' <<<"$OUT" | grep -v '^remote: Resolving deltas')"

# By path, libgit2 writes the hub's objects and refs itself and runs no
# hook (anyone who can write the hub's folder can bypass any hook): a hub
# is reached over ssh, https or git://.  See spiral-verify-push(1).
cd "$SANDBOX/school" || exit 1
git fetch -q hub && git reset -q --hard hub/main
before=$(hub_head)
git rm -q "$(git ls-files "$base/notes" | head -n 1)"
commit_index "delete a note"
spiral push hub >/dev/null 2>&1
if [ "$(hub_head)" = "$before" ]; then
	pass "spiral push by path: refused"
else
	echo "known: spiral push to a hub by path runs no hook (libgit2's local transport): documented in spiral-verify-push(1)"
	git -C "$HUB" update-ref refs/heads/main "$before"
fi

finish
