#!/usr/bin/env bash
# Sharing: clone, remote, pull, push, sync, as a user relies on them.
# A leader gathers three unrelated school repositories; stock git and spiral
# pull agree; conflicts are kept and settled; a rejected push says to pull
# first; a remote that is not a spiral repository, or of a newer format, is
# refused with nothing changed; hostile incoming files are skipped with a
# warning; status counts commits to push and pull per remote; a clock a year
# ahead on one laptop reorders nobody else's work.
# Every failure is checked to leave HEAD, the index, the work tree and the
# list as they were.
. "$(dirname "$0")/lib.sh"

json() { json_check "$@"; }

# snap; ...; unchanged DESC: HEAD, index and work tree (git status), and
# what spiral lists, as before.
snap() {
	SNAP_HEAD=$(git rev-parse HEAD 2>&1)
	SNAP_STATUS=$(git status --porcelain 2>&1)
	SNAP_INDEX=$(git ls-files --stage 2>&1 | sha1sum)
	SNAP_LIST=$(spiral list --status all --format json 2>&1)
}
unchanged() {
	same "$1: HEAD as before" "$SNAP_HEAD" "$(git rev-parse HEAD 2>&1)"
	same "$1: index as before" "$SNAP_INDEX" "$(git ls-files --stage 2>&1 | sha1sum)"
	same "$1: git status as before" "$SNAP_STATUS" "$(git status --porcelain 2>&1)"
	same "$1: list as before" "$SNAP_LIST" "$(spiral list --status all --format json 2>&1)"
}

# A line of stdout ($OUT) that matches REGEX, for the messages about one
# inquiry or one school.
line_of() { printf '%s\n' "$OUT" | grep -E -- "$1" | head -n 1; }

# enter DIR: cd, or end the test here (what follows would run elsewhere).
enter() {
	cd "$1" 2>/dev/null || {
		fail "cd $1: no such folder"
		finish
		exit 1
	}
}

# 32 random hex digits, as spiral's IDs.
hex32() { od -An -N16 -tx1 /dev/urandom | tr -d ' \n'; }

# ---------------------------------------------------------------- remote
new_repo remotes
ok "remote with no remotes" spiral remote
same "lists nothing" "" "$OUT"
ok "remote add" spiral remote add hub "$SANDBOX/hub.git"
ok "remote add another" spiral remote add school2 "https://git.example.nz/school2.git"
ok "remote lists names" spiral remote
same "one name a line" "hub
school2" "$OUT"
ok "remote -v" spiral remote -v
same "-v: NAME<TAB>URL (fetch) and (push), as git prints" "hub	$SANDBOX/hub.git (fetch)
hub	$SANDBOX/hub.git (push)
school2	https://git.example.nz/school2.git (fetch)
school2	https://git.example.nz/school2.git (push)" "$OUT"
same "git sees the remote" "$SANDBOX/hub.git" "$(git config remote.hub.url)"
snap
fails "remote add of a name that exists" 1 "hub" spiral remote add hub /elsewhere
same "the existing remote keeps its URL" "$SANDBOX/hub.git" "$(git config remote.hub.url)"
ok "remote rename" spiral remote rename school2 totara
ok "remote after rename" spiral remote
same "renamed" "hub
totara" "$OUT"
same "the URL follows the new name" "https://git.example.nz/school2.git" "$(git config remote.totara.url)"
fails "rename of an unknown remote" 1 "nosuch" spiral remote rename nosuch other
fails "rename onto a name that exists" 1 "" spiral remote rename totara hub
fails "remove of an unknown remote" 1 "nosuch" spiral remote remove nosuch
ok "remote remove" spiral remote remove totara
ok "remote rm" spiral remote rm hub
ok "remote after removing both" spiral remote
same "no remotes left" "" "$OUT"
for args in "add" "add onlyname" "remove" "rename onlyone" "frobnicate" "add a b c" "-x"; do
	# shellcheck disable=SC2086
	fails "remote $args: usage error" 2 "" spiral remote $args
done
fails "pull with no remote at all" 1 "no remote" spiral pull
fails "push with no remote at all" 1 "no remote" spiral push
fails "pull from an unknown remote" 1 "nosuch" spiral pull nosuch
fails "push to an unknown remote" 1 "nosuch" spiral push nosuch
fails "sync with an unknown remote" 1 "nosuch" spiral sync nosuch
fails "pull with an unknown option" 2 "" spiral pull --bogus
fails "push with an unknown option" 2 "" spiral push --bogus
fails "pull with two remotes" 2 "" spiral pull a b
fails "pull with a remote and --all" 2 "" spiral pull a --all
unchanged "remote commands and failed pulls"
commits "remote commands commit nothing" 1
clean "clean after remote commands"

# ---------------------------------------------------------------- clone
new_repo src "Kōwhai Intermediate"
src_id=$(spiral new "Year 9 writing" --tag writing -q)
spiral scan -m "Most Year 9 boys do not finish a piece of writing." >/dev/null
spiral new "Attendance" -q >/dev/null
git clone -q --bare . "$SANDBOX/hub.git"
enter "$SANDBOX"
ok "clone with the default folder" spiral clone "$SANDBOX/hub.git"
same "says what it cloned" "Cloned $SANDBOX/hub.git into hub: 2 inquiries." "$(line_of '^Cloned')"
matches "and, with no --school, how to set one" "^Set the school you log for: spiral config school" "$OUT"
ok "clone into a folder, with school and cluster" \
	spiral clone "file://$SANDBOX/hub.git" mine --school "Tōtara College" --cluster "Awa Kāhui Ako"
matches "names the folder" "into mine: 2 inquiries\.$" "$OUT"
enter "$SANDBOX/mine"
same "the school is this clone's" "Tōtara College" "$(git config spiral.school)"
same "and the cluster" "Awa Kāhui Ako" "$(git config spiral.cluster)"
same "the remote is origin" "file://$SANDBOX/hub.git" "$(git config remote.origin.url)"
same "the branch tracks origin's default branch" "origin/main" "$(git rev-parse --abbrev-ref '@{u}')"
same "the merge driver is registered" "spiral merge-file %O %A %B %P" "$(git config merge.spiral.driver)"
same "the same commits as the hub" "$(git --git-dir="$SANDBOX/hub.git" rev-parse main)" "$(git rev-parse HEAD)"
ok "list in the clone" spiral list --status all --format json
json "the clone lists the hub's inquiries" "
assert sorted(x['title'] for x in d)==['Attendance','Year 9 writing'], d"
clean "the clone is clean"
spiral switch "$src_id" >/dev/null
ok "a clone with a school can log" spiral act -m "From the clone"
enter "$SANDBOX/hub"
same "the default clone has no school of its own" "" "$(git config spiral.school)"
fails "the default clone has no school to log with" 1 "school" spiral note "$src_id" -m x
enter "$SANDBOX"

# Refused clones leave no folder behind.
git init -q plain
git -C plain commit -q --allow-empty -m "a plain git repository"
printf 'notes\n' >plain/README
git -C plain add README && git -C plain commit -q -m "readme"
spiral init newer --school "Future School" >/dev/null
sed -i 's/^format *= *1$/format = 99/' newer/spiral.ini
git -C newer commit -q -am "format 99"
git init -q --bare empty.git
mkdir -p clones full
printf 'keep me\n' >full/keep
enter clones
fails "clone of a plain git repository" 1 "not a spiral repository" spiral clone "$SANDBOX/plain"
same "no folder left behind" "" "$(ls -A)"
fails "clone of a plain git repository into DIR" 1 "not a spiral repository" spiral clone "$SANDBOX/plain" p2
fails "clone of a newer format" 1 "upgrade" spiral clone "$SANDBOX/newer"
fails "clone of a newer format into DIR" 1 "upgrade" spiral clone "$SANDBOX/newer" n2
fails "clone of an empty repository" 1 "is empty" spiral clone "$SANDBOX/empty.git"
fails "clone of a missing repository" 1 "" spiral clone "$SANDBOX/nowhere.git"
same "no folder left behind by any refused clone" "" "$(ls -A)"
fails "clone into a folder that is not empty" 1 "already exists" spiral clone "$SANDBOX/hub.git" "$SANDBOX/full"
same "the folder is left as it was" "keep" "$(ls -A "$SANDBOX/full")"
same "and its file" "keep me" "$(cat "$SANDBOX/full/keep")"
fails "clone with no URL" 2 "" spiral clone
fails "clone with an unknown option" 2 "" spiral clone --bogus "$SANDBOX/hub.git"
same "still nothing left behind" "" "$(ls -A)"
mkdir "$SANDBOX/full-empty"
ok "clone into an empty folder that exists" spiral clone "$SANDBOX/hub.git" "$SANDBOX/full-empty"
same "it holds the clone" "$(git --git-dir="$SANDBOX/hub.git" rev-parse main)" \
	"$(git -C "$SANDBOX/full-empty" rev-parse HEAD 2>&1)"

# ---------------------------------------------------------------- leader
# Three unrelated school repositories, each made by spiral init with its own
# school; a leader's repository pulls them all.
make_school() { # DIR SCHOOL N: N inquiries, each with two entries and a note
	local n
	new_repo "$1" "$2"
	for n in $(seq "$3"); do
		spiral new "$2 inquiry $n" --tag writing --learners "Year $n" -q >/dev/null
		spiral scan -m "$2 scans $n" --measure writing=$((40 + n)) >/dev/null
		spiral act -m "$2 acts $n" >/dev/null
		spiral note -m "$2 notes $n" >/dev/null
	done
}
make_school kowhai "Kōwhai Intermediate" 2
make_school totara "Tōtara College" 1
make_school awa "Awa Primary" 3
spiral close >/dev/null # one closed inquiry: list --status all shows it
expected=$(for s in kowhai totara awa; do
	spiral -C "$SANDBOX/$s" list --status all --format json |
		python3 -c "import json,sys
for x in json.load(sys.stdin): print(x['id'], x['school'], x['title'])"
done)

new_repo leader "Awa Kāhui Ako office"
own=$(spiral new "Cluster moderation of writing" --tag writing -q)
spiral scan -m "The leader's own scan." >/dev/null
spiral note -m "The leader's own note." >/dev/null
ok "the leader's own inquiry" spiral show "$own" --format json
own_json=$OUT
expected=$(printf '%s\n%s Awa Kāhui Ako office Cluster moderation of writing' "$expected" "$own" | sort)
ok "remote add kowhai" spiral remote add kowhai "$SANDBOX/kowhai"
ok "remote add totara" spiral remote add totara "$SANDBOX/totara"
ok "remote add awa" spiral remote add awa "file://$SANDBOX/awa"
ok "pull --all from three unrelated schools" spiral pull --all
pull_out=$OUT
matches "From each URL: kowhai" "^From $SANDBOX/kowhai\$" "$OUT"
matches "From each URL: totara" "^From $SANDBOX/totara\$" "$OUT"
matches "From each URL: awa" "^From file://$SANDBOX/awa\$" "$OUT"
matches "names Kōwhai with its counts" \
	"^  Kōwhai Intermediate: 2 new inquiries, 4 entries, 2 notes\$" "$OUT"
matches "names Tōtara with its counts" \
	"^  Tōtara College: 1 new inquiry, 2 entries, 1 note\$" "$OUT"
matches "names Awa with its counts" \
	"^  Awa Primary: 3 new inquiries, 6 entries, 3 notes, 1 change\$" "$OUT"
same "no conflict between unrelated schools" "" "$(line_of '^conflict:')"
same "no warning" "" "$(cat "$SANDBOX/stderr")"
ok "list after pull --all" spiral list --status all --format json
same "every inquiry of the three schools and the leader's, with their schools" "$expected" \
	"$(python3 -c "import json,sys
for x in json.load(sys.stdin): print(x['id'], x['school'], x['title'])" <<<"$OUT" | sort)"
json "entries and notes came with them" "
t={x['title']:x for x in d}
assert t['Awa Primary inquiry 3']['status']=='closed'
assert all(x['entries']==2 for x in d if x['title']!='Cluster moderation of writing'), d"
ok "the leader's own inquiry after the pull" spiral show "$own" --format json
same "the leader's own data intact" "$own_json" "$OUT"
ok "one of Tōtara's inquiries in full" spiral show "$(spiral -C "$SANDBOX/totara" list --format json |
	python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')" --format json
json "its entries and note, with their school" "
assert [e['text'] for e in d['entries']]==['Tōtara College scans 1','Tōtara College acts 1'], d['entries']
assert all(e['school']=='Tōtara College' for e in d['entries'])
assert [n['text'] for n in d['notes']]==['Tōtara College notes 1'], d['notes']
assert d['measures']['writing']['baseline']==41, d['measures']"
same "each pull is one merge commit" 3 "$(git rev-list --merges --count HEAD)"
for s in kowhai totara awa; do
	ok "the history holds $s's" git merge-base --is-ancestor "$(git -C "$SANDBOX/$s" rev-parse HEAD)" HEAD
done
clean "the leader's repository is clean and fsck-clean"
inih_reads "every file in the leader's repository parses with inih"
ok "spiral fsck after the pull" spiral fsck
ok "pull --all again" spiral pull --all
same "Already up to date, once per remote" 3 "$(printf '%s\n' "$OUT" | grep -c '^Already up to date\.$')"
same "and no school line" "" "$(line_of '^  ')"
same "no merge commit the second time" 3 "$(git rev-list --merges --count HEAD)"
ok "pull one remote by name" spiral pull totara
matches "already up to date" "^Already up to date\.\$" "$OUT"
clean "still clean"
ok "status after pull --all" spiral status
for r in kowhai totara awa; do
	lr=$(git rev-list --left-right --count "HEAD...refs/remotes/$r/main" 2>&1)
	matches "status: $r with its commits to push and pull" \
		"^  $r: ${lr%%	*} to push, ${lr##*	} to pull\$" "$OUT"
done
ok "status --format json after pull --all" spiral status --format json
json "status JSON lists each remote" "
r={x['name']:x for x in d['remotes']}
assert sorted(r)==['awa','kowhai','totara'], r
assert r['awa']['url']=='file://$SANDBOX/awa', r
assert all(x['behind']==0 and x['ahead']>0 for x in r.values()), r"

# The leader sends the merged view to the cluster's hub, a bare repository
# on a shared drive; a school pulls the hub and sees the others' inquiries.
git init -q --bare "$SANDBOX/cluster.git"
ok "remote add the hub" spiral remote add origin "$SANDBOX/cluster.git"
ok "sync --all: pull every remote, push to the hub" spiral sync --all
matches "the empty hub is said to be empty" "^Already up to date \(the remote is empty\)\.\$" "$OUT"
matches "pushed to the hub" "^Pushed to $SANDBOX/cluster.git\.\$" "$OUT"
same "the hub has the merged view" "$(git rev-parse HEAD)" "$(git --git-dir="$SANDBOX/cluster.git" rev-parse main 2>&1)"
enter "$SANDBOX/totara"
ok "a school adds the hub" spiral remote add cluster "$SANDBOX/cluster.git"
ok "and pulls it" spiral pull cluster
matches "the other schools' inquiries arrive" "^  Kōwhai Intermediate: 2 new inquiries" "$OUT"
ok "list at the school" spiral list --status all --format json
same "the school sees every inquiry of the cluster" "$expected" \
	"$(python3 -c "import json,sys
for x in json.load(sys.stdin): print(x['id'], x['school'], x['title'])" <<<"$OUT" | sort)"
same "a fast-forward: no merge commit of its own" 3 "$(git rev-list --merges --count HEAD)"
clean "the school's repository is clean"
same "the school keeps its own school" "Tōtara College" "$(spiral config school)"
enter "$SANDBOX/leader"

# ---------------------------------------------------------------- stock git agrees
# Two identical pairs of clones of one hub change the same inquiries on both
# sides; one pair merges with plain git and no spiral configuration, the
# other with spiral pull: the same inquiries, field for field.
new_repo agree-src "Kōwhai Intermediate"
a1=$(spiral new "Year 9 writing" --tag writing --tag boys --team Aroha -q)
spiral scan -m "start" --measure writing=42 >/dev/null
a2=$(spiral new "Attendance" --tag attendance -q)
spiral scan -m "attendance start" >/dev/null
git clone -q --bare . "$SANDBOX/agree-hub.git"
git clone -q "$SANDBOX/agree-hub.git" "$SANDBOX/agree-a"
git clone -q "$SANDBOX/agree-hub.git" "$SANDBOX/agree-b"
same "git clone configures no merge driver" "" "$(git -C "$SANDBOX/agree-b" config merge.spiral.driver)"
enter "$SANDBOX/agree-a"
spiral config school "School A" >/dev/null
spiral edit "$a1" --title "Writing in Year 9 (A)" --untag boys --tag oral-language >/dev/null
spiral act "$a1" -m "A acts" --measure writing=47 >/dev/null
spiral note "$a2" -m "A notes" >/dev/null
spiral edit "$a2" --tag wellbeing >/dev/null
spiral new "A's own inquiry" --tag reading -q >/dev/null
git push -q origin HEAD:main
enter "$SANDBOX/agree-b"
spiral config school "School B" >/dev/null
spiral edit "$a1" --title "Year 9 writing (B)" --untag boys --team Mere >/dev/null
spiral edit "$a1" --tag boys >/dev/null
spiral learn "$a1" -m "B learns" >/dev/null
spiral check "$a2" -m "B checks" --verdict partly >/dev/null
spiral edit "$a2" --untag attendance >/dev/null
spiral note "$a1" -m "B notes" >/dev/null
cp -a "$SANDBOX/agree-b" "$SANDBOX/agree-b2"
ok "plain git pull, no spiral configuration" git pull -q --no-rebase --no-edit
same "no textual conflict" "" "$(git diff --name-only --diff-filter=U)"
clean "git's merge is clean"
enter "$SANDBOX/agree-b2"
ok "spiral pull in the identical clone" spiral pull
matches "the concurrent title is reported" "^conflict: ${a1:0:8}[0-9a-f]* .*title is" "$OUT"
clean "spiral's merge is clean"
same "the same files as git's merge" "$(git -C "$SANDBOX/agree-b" rev-parse 'HEAD^{tree}')" \
	"$(git rev-parse 'HEAD^{tree}')"
ids=$(spiral list --status all --format json | python3 -c "import json,sys
for x in json.load(sys.stdin): print(x['id'])")
same "three inquiries" 3 "$(printf '%s\n' "$ids" | wc -l)"
for id in $ids; do
	ok "show ${id:0:8} after spiral pull" spiral show "$id" --format json
	mine=$OUT
	ok "show ${id:0:8} after git pull" spiral -C "$SANDBOX/agree-b" show "$id" --format json
	same "show ${id:0:8}: git and spiral agree" "$OUT" "$mine"
done
ok "show the inquiry changed on both sides" spiral show "$a1" --format json
json "both sides' changes are in it" "
assert sorted(e['text'] for e in d['entries'])==['A acts','B learns','start'], d['entries']
assert sorted(d['conflicts']['title'])==['Writing in Year 9 (A)','Year 9 writing (B)'], d['conflicts']
assert d['tags']==['boys','oral-language','writing'], d['tags']
assert d['team']==['Aroha','Mere'], d['team']
assert [n['text'] for n in d['notes']]==['B notes'], d['notes']"
ok "show the other" spiral show "$a2" --format json
json "tags added and removed on either side" "
assert d['tags']==['wellbeing'], d['tags']
assert [n['text'] for n in d['notes']]==['A notes']
assert [e['verdict'] for e in d['entries']]==[None,'partly']"

# ---------------------------------------------------------------- conflicts
new_repo conf-src "Kōwhai Intermediate"
cid=$(spiral new "Year 9 writing" --learners "Year 9" -q)
spiral scan -m "start" >/dev/null
git clone -q --bare . "$SANDBOX/conf-hub.git"
enter "$SANDBOX"
# Cloned from a relative path, as a user types it: pull and push work later
# from inside the clone.
ok "clone from a relative path" spiral clone conf-hub.git conf-one --school "School One"
ok "and another" spiral clone ./conf-hub.git conf-two --school "School Two"
enter "$SANDBOX/conf-one"
spiral edit "$cid" --title "Writing (One)" >/dev/null
ok "push the first title" spiral push
enter "$SANDBOX/conf-two"
spiral edit "$cid" --title "Writing (Two)" >/dev/null
ok "a pull that brings a conflict exits 0" spiral pull
cl=$(line_of '^conflict:')
matches "prints the conflict line with the command that settles it" \
	"^conflict: ${cid:0:8}[0-9a-f]* .*: title is '.*' or '.*' \(spiral resolve ${cid:0:8}[0-9a-f]* title VALUE\)\$" "$cl"
matches "naming one value" "'Writing \(One\)'" "$cl"
matches "and the other" "'Writing \(Two\)'" "$cl"
clean "clean after a conflicting pull"
ok "status lists the conflict" spiral status
matches "status: the field and its values count" "${cid:0:8}[0-9a-f]* title \(2 values\): spiral resolve" "$OUT"
ok "status JSON" spiral status --format json
json "status JSON holds both values" "
c=[x for x in d['conflicts'] if x['inquiry']=='$cid']
assert len(c)==1 and c[0]['field']=='title', d['conflicts']
assert sorted(c[0]['values'])==['Writing (One)','Writing (Two)'], c"
ok "show table" spiral show "$cid"
cl=$(line_of 'conflict:')
matches "show: a conflict line" "title has 2 values" "$cl"
matches "show: with one value" "Writing \(One\)" "$cl"
matches "show: and the other" "Writing \(Two\)" "$cl"
ok "show JSON" spiral show "$cid" --format json
json "show JSON conflicts holds both values" "
assert sorted(d['conflicts']['title'])==['Writing (One)','Writing (Two)'], d['conflicts']"
ok "resolve settles it" spiral resolve "$cid" title "Year 9 writing"
matches "says it settled it" "^Settled title of ${cid:0:8}[0-9a-f]*: Year 9 writing\$" "$OUT"
ok "show after resolve" spiral show "$cid" --format json
json "settled" "assert d['conflicts']=={} and d['title']=='Year 9 writing', d"
ok "status after resolve" spiral status --format json
json "no conflict left" "assert d['conflicts']==[], d['conflicts']"
# resolve on a field that is not in conflict: it is a plain edit (one commit,
# the new value), and the same value again writes nothing.
n=$(git rev-list --count HEAD)
ok "resolve on a field with no conflict" spiral resolve "$cid" learners "Year 9 boys"
matches "says it was recorded as a plain edit" "^learners of ${cid:0:8}[0-9a-f]* was not in conflict: recorded as a plain edit" "$OUT"
same "acts as a plain edit: one commit" $((n + 1)) "$(git rev-list --count HEAD)"
ok "show after" spiral show "$cid" --format json
json "the new value, no conflict" "assert d['learners']=='Year 9 boys' and d['conflicts']=={}, d"
snap
ok "resolve to the value it already has" spiral resolve "$cid" learners "Year 9 boys"
matches "says so" "not in conflict; nothing was written" "$OUT"
unchanged "resolve to the same value"
ok "push the settled title" spiral push
enter "$SANDBOX/conf-one"
ok "the other clone pulls the settlement" spiral pull
same "no conflict line there" "" "$(line_of '^conflict:')"
ok "show there" spiral show "$cid" --format json
one_json=$OUT
ok "show here" spiral -C "$SANDBOX/conf-two" show "$cid" --format json
same "both clones agree" "$OUT" "$one_json"
clean "clean in the other clone"

# A record deleted with stock git on one side is kept by the other's pull,
# with a warning; hand edits of different keys of one file on both sides
# are merged key by key.
enter "$SANDBOX/conf-one"
spiral pull >/dev/null
spiral note "$cid" -m "A note someone will delete" >/dev/null
ok "push the note" spiral push
enter "$SANDBOX/conf-two"
ok "pull the note" spiral pull
note_file=$(git ls-files "inquiries/${cid:0:2}/$cid/notes")
inq_file=inquiries/${cid:0:2}/$cid/inquiry.ini
enter "$SANDBOX/conf-one"
spiral pull >/dev/null
git rm -q "$note_file"
sed -i 's/^learners = .*/learners = Year 9 (edited by hand in one)/' "$inq_file"
git commit -q -am "hand edits in one"
git push -q origin HEAD
enter "$SANDBOX/conf-two"
printf 'tag = oral-language\n' >>"$inq_file"
git commit -q -am "hand edit in two"
ok "pull a deletion and a hand edit" spiral pull
pull_out=$OUT
matches "the deletion is reported" "^spiral: warning: origin deleted $note_file; kept here" "$(cat "$SANDBOX/stderr")"
same "the deleted note is still here" "$note_file" "$(git ls-files -- "$note_file")"
ok "show after the deletion" spiral show "$cid" --format json
json "the note is still in the inquiry" "assert [n['text'] for n in d['notes']]==['A note someone will delete'], d['notes']"
matches "the file changed on both sides is merged by key" "merged by key \(changed on both sides\): $inq_file" "$pull_out"
matches "with one side's key" "^learners = Year 9 \(edited by hand in one\)\$" "$(cat "$inq_file")"
matches "and the other's" "^tag = oral-language\$" "$(cat "$inq_file")"
clean "clean after the hand-edit merge"
ok "spiral fsck after the hand-edit merge" spiral fsck

# ---------------------------------------------------------------- push, sync
new_repo pusher "Kōwhai Intermediate"
pid=$(spiral new "Reading" -q)
git init -q --bare "$SANDBOX/push-hub.git"
spiral remote add origin "$SANDBOX/push-hub.git" >/dev/null
ok "first push to an empty hub" spiral push
same "says where" "Pushed to $SANDBOX/push-hub.git." "$(line_of '^Pushed')"
matches "and that the branch now tracks it" "^Your branch now tracks origin\.\$" "$OUT"
same "the hub has our branch" "$(git rev-parse HEAD)" "$(git --git-dir="$SANDBOX/push-hub.git" rev-parse main 2>&1)"
same "the upstream is set" "origin/main" "$(git rev-parse --abbrev-ref '@{u}' 2>&1)"
ok "push again" spiral push
same "nothing to push" "Everything up to date in $SANDBOX/push-hub.git." "$OUT"
git clone -q "$SANDBOX/push-hub.git" "$SANDBOX/push-other"
git -C "$SANDBOX/push-other" config spiral.school "Tōtara College"
spiral -C "$SANDBOX/push-other" note "$pid" -m "From the other clone" >/dev/null
git -C "$SANDBOX/push-other" push -q origin main
spiral scan "$pid" -m "Ours, not pushed" >/dev/null
hub_before=$(git --git-dir="$SANDBOX/push-hub.git" rev-parse main)
snap
fails "a rejected push" 1 "pull first" spiral push
unchanged "a rejected push"
same "the hub is as it was" "$hub_before" "$(git --git-dir="$SANDBOX/push-hub.git" rev-parse main)"
clean "clean after a rejected push"
ok "pull" spiral pull
matches "the other's note came" "1 note" "$OUT"
ok "then push" spiral push
same "the hub has our merge" "$(git rev-parse HEAD)" "$(git --git-dir="$SANDBOX/push-hub.git" rev-parse main)"
ok "show after push" spiral show "$pid" --format json
json "both sides' records" "
assert [n['text'] for n in d['notes']]==['From the other clone']
assert [e['text'] for e in d['entries']]==['Ours, not pushed']"
# sync: both sides have something new.
spiral -C "$SANDBOX/push-other" pull >/dev/null
spiral -C "$SANDBOX/push-other" act "$pid" -m "The other acts" >/dev/null
spiral -C "$SANDBOX/push-other" push >/dev/null
spiral check "$pid" -m "We check" >/dev/null
ok "sync pulls, then pushes" spiral sync
same "the hub has everything" "$(git rev-parse HEAD)" "$(git --git-dir="$SANDBOX/push-hub.git" rev-parse main)"
ok "show after sync" spiral show "$pid" --format json
json "with both sides' entries" "
assert sorted(e['text'] for e in d['entries'])==['Ours, not pushed','The other acts','We check'], d['entries']"
ok "sync again" spiral sync
matches "nothing to pull" "Already up to date\." "$OUT"
matches "nothing to push" "^Everything up to date in $SANDBOX/push-hub.git\.\$" "$OUT"
clean "clean after sync"

# ---------------------------------------------------------------- refused remotes
new_repo refuser "Kōwhai Intermediate"
spiral new "Ours" -q >/dev/null
spiral scan -m "ours" >/dev/null
spiral remote add plain "$SANDBOX/plain" >/dev/null
spiral remote add newer "$SANDBOX/newer" >/dev/null
spiral remote add gone "$SANDBOX/gone.git" >/dev/null
spiral remote add kowhai "$SANDBOX/kowhai" >/dev/null
snap
fails "pull from a plain git repository" 1 "not a spiral repository" spiral pull plain
unchanged "pull from a plain git repository"
fails "pull from a newer format" 1 "upgrade" spiral pull newer
unchanged "pull from a newer format"
fails "pull from a repository that is not there" 1 "cannot reach" spiral pull gone
unchanged "pull from a repository that is not there"
fails "pull --all: the failures are reported, exit 1" 1 "plain" spiral pull --all
matches "the newer one too" "newer" "$ERR"
matches "and the missing one" "gone" "$ERR"
matches "the good remote is still pulled" "Kōwhai Intermediate: 2 new inquiries" "$OUT"
ok "list after pull --all with failures" spiral list --format json
same "ours and the good remote's" 3 "$(python3 -c 'import json,sys; print(len(json.load(sys.stdin)))' <<<"$OUT")"
same "nothing from the plain repository" "" "$(git ls-files README)"
# The refused remotes' commits were fetched, then let go: dangling objects,
# as a failed git pull leaves them, are allowed.
FSCK_FAULTS=1 clean "clean after refused remotes"
# sync --all: the failing remotes do not keep the merged work from the hub.
git init -q --bare "$SANDBOX/refuser-hub.git"
spiral remote add origin "$SANDBOX/refuser-hub.git" >/dev/null
fails "sync --all with failing remotes exits 1" 1 "plain" spiral sync --all
matches "and still pushes what it merged" "Pushed to .*refuser-hub.git" "$OUT"
same "the hub has it all" "$(git rev-parse HEAD)" "$(git -C "$SANDBOX/refuser-hub.git" rev-parse main)"

# ---------------------------------------------------------------- hostile data
# The other side's commit, made with stock git plumbing: a good new inquiry
# beside a symlink, a submodule, an executable, a 2 MiB file, paths outside
# the layout, a folder that is not an ID, a name that is not a record's, and
# a record that does not parse.
new_repo evil "Evil School"
gid=$(spiral new "A good inquiry" --tag writing -q)
spiral scan -m "A good scan" >/dev/null
spiral note -m "A good note" >/dev/null
gbase=inquiries/${gid:0:2}/$gid
note_blob=$(git rev-parse "HEAD:$(git ls-files "$gbase/notes/")")
entry_blob=$(git rev-parse "HEAD:$(git ls-files "$gbase/entries/")")
inquiry_blob=$(git rev-parse "HEAD:$gbase/inquiry.ini")
blob() { git hash-object -w --stdin; }
link_path=$gbase/notes/20260101T000000Z-$(hex32).ini
sub_path=$gbase/entries/20260101T000000Z-scan-$(hex32).ini
exec_path=$gbase/notes/20260102T000000Z-$(hex32).ini
big_path=$gbase/notes/20260103T000000Z-$(hex32).ini
bad_path=$gbase/entries/20260104T000000Z-scan-$(hex32).ini
name_path=$gbase/entries/hello.ini
notid_path=inquiries/zz/not-an-id/inquiry.ini
out_path=evil.sh
top_path=inquiries/README.ini
git update-index --add --cacheinfo "120000,$(printf /etc/passwd | blob),$link_path"
git update-index --add --cacheinfo "160000,$(git rev-parse HEAD),$sub_path"
git update-index --add --cacheinfo "100755,$note_blob,$exec_path"
git update-index --add --cacheinfo "100644,$( {
	git cat-file blob "$note_blob"
	head -c 2097152 /dev/zero | tr '\0' 'x' | fold -w 100 | sed 's/^/; /'
} | blob),$big_path"
git update-index --add --cacheinfo "100644,$(printf 'this line has no equals sign\n[entry\n' | blob),$bad_path"
git update-index --add --cacheinfo "100644,$entry_blob,$name_path"
git update-index --add --cacheinfo "100644,$inquiry_blob,$notid_path"
git update-index --add --cacheinfo "100755,$(printf '#!/bin/sh\necho pwned >/tmp/pwned\n' | blob),$out_path"
git update-index --add --cacheinfo "100644,$note_blob,$top_path"
git commit -q -m "hostile"

enter "$SANDBOX/leader"
snap
ok "the leader's own inquiry before" spiral show "$own" --format json
own_json=$OUT
ok "remote add evil" spiral remote add evil "$SANDBOX/evil"
ok "pull from a hostile repository merges what is good" spiral pull evil
for p in "$link_path" "$sub_path" "$exec_path" "$big_path" "$bad_path" "$name_path" \
	"$notid_path" "$out_path" "$top_path"; do
	matches "warns: skipped $p" "^spiral: warning: evil: skipped $p: " "$(cat "$SANDBOX/stderr")"
	same "$p is not tracked" "" "$(git ls-files -- "$p")"
	if [ -e "$p" ] || [ -L "$p" ]; then fail "$p is not in the work tree"; else pass "$p is not in the work tree"; fi
done
matches "names Evil School with the good records only" \
	"^  Evil School: 1 new inquiry, 1 entry, 1 note\$" "$OUT"
ok "show the good inquiry" spiral show "$gid" --format json
json "the good records, and nothing else" "
assert [e['text'] for e in d['entries']]==['A good scan'], d['entries']
assert [n['text'] for n in d['notes']]==['A good note'], d['notes']"
ok "the leader's own inquiry after" spiral show "$own" --format json
same "the leader's own data intact" "$own_json" "$OUT"
ok "list after" spiral list --status all --format json
same "one inquiry more than before" \
	$(($(python3 -c 'import json,sys; print(len(json.load(sys.stdin)))' <<<"$SNAP_LIST") + 1)) \
	"$(python3 -c 'import json,sys; print(len(json.load(sys.stdin)))' <<<"$OUT")"
same "no symlink, executable or submodule in the work tree" "" \
	"$(find . -path ./.git -prune -o \( -type l -o -perm -u+x -type f -o -type d -name not-an-id \) -print)"
same "nothing but regular files in the index" "" "$(git ls-files -s | grep -v '^100644 ')"
clean "clean and fsck-clean after the hostile pull"
ok "spiral fsck after the hostile pull" spiral fsck
ok "pull evil again" spiral pull evil
matches "already up to date" "^Already up to date\.\$" "$OUT"
# The other side mends the record that did not parse: the next pull takes it.
enter "$SANDBOX/evil"
git update-index --cacheinfo "100644,$entry_blob,$bad_path"
git commit -q -m "mend the record"
enter "$SANDBOX/leader"
ok "pull the mended record" spiral pull evil
same "the mended record is merged" "$bad_path" "$(git ls-files -- "$bad_path")"
ok "show the good inquiry again" spiral show "$gid" --format json
json "with the mended entry" "assert [e['text'] for e in d['entries']]==['A good scan','A good scan'], d['entries']"
clean "clean after the mended record"

# A clone checks the same way.
enter "$SANDBOX"
ok "clone of the hostile repository" spiral clone "$SANDBOX/evil" evil-copy --school "Awa Primary"
for p in "$link_path" "$sub_path" "$exec_path" "$big_path" "$name_path" \
	"$notid_path" "$out_path" "$top_path"; do
	matches "clone warns: skipped $p" "^spiral: warning: origin: skipped $p: " "$(cat "$SANDBOX/stderr")"
done
enter "$SANDBOX/evil-copy"
same "the clone has no skipped file" "" "$(find . -path ./.git -prune -o \( -type l -o -perm -u+x -type f -o -name evil.sh -o -name README.ini -o -type d -name not-an-id \) -print)"
ok "list in the clone" spiral list --format json
json "the good inquiry is there" "assert [x['title'] for x in d]==['A good inquiry'], d"
clean "the clone of the hostile repository is clean"
ok "spiral fsck in the clone" spiral fsck
# A tree entry named "..": inquiries/zz/../x.
enter "$SANDBOX/evil"
x_tree=$(printf '100644 blob %s\tx\n' "$note_blob" | git mktree)
zz_tree=$({
	git ls-tree HEAD:inquiries/zz
	printf '040000 tree %s\t..\n' "$x_tree"
} | git mktree)
inq_tree=$({
	git ls-tree HEAD:inquiries | grep -v '	zz$'
	printf '040000 tree %s\tzz\n' "$zz_tree"
} | git mktree)
root_tree=$({
	git ls-tree HEAD | grep -v '	inquiries$'
	printf '040000 tree %s\tinquiries\n' "$inq_tree"
} | git mktree)
git update-ref refs/heads/main "$(git commit-tree "$root_tree" -p HEAD -m dotdot)"
enter "$SANDBOX/leader"
snap
fails "a history with a path with .. in it is refused whole" 1 \
	"holds a path that git itself refuses \(inquiries/zz/\.\./x: " spiral pull evil
same "no x anywhere in the work tree" "" "$(find . -path ./.git -prune -o -name x -print)"
same "nothing new tracked" "" "$(git ls-files inquiries/x inquiries/zz x)"
same "git status clean" "" "$(git status --porcelain)"
same "the list as before" "$SNAP_LIST" "$(spiral list --status all --format json)"

# ---------------------------------------------------------------- ahead, behind
new_repo ab-src "Kōwhai Intermediate"
abid=$(spiral new "Numeracy" -q)
git clone -q --bare . "$SANDBOX/ab-hub.git"
enter "$SANDBOX"
spiral clone "$SANDBOX/ab-hub.git" ab-one --school "School One" >/dev/null
spiral clone "$SANDBOX/ab-hub.git" ab-two --school "School Two" >/dev/null
enter "$SANDBOX/ab-one"
ok "status just after clone" spiral status
matches "nothing to push or pull" "^  origin: 0 to push, 0 to pull\$" "$OUT"
spiral scan "$abid" -m "one" >/dev/null
spiral act "$abid" -m "two" >/dev/null
ok "status after two commits" spiral status
matches "two to push" "^  origin: 2 to push, 0 to pull\$" "$OUT"
ok "status JSON after two commits" spiral status --format json
json "remotes in JSON" "
r=[{k:x.get(k) for k in ('name','url','ahead','behind')} for x in d['remotes']]
assert r==[{'name':'origin','url':'$SANDBOX/ab-hub.git','ahead':2,'behind':0}], r"
spiral -C "$SANDBOX/ab-two" note "$abid" -m "from two" >/dev/null
spiral -C "$SANDBOX/ab-two" push >/dev/null
ok "status before a fetch" spiral status
matches "counts against the last fetch" "^  origin: 2 to push, 0 to pull\$" "$OUT"
git fetch -q origin
ok "status after a fetch" spiral status
matches "one to pull" "^  origin: 2 to push, 1 to pull\$" "$OUT"
spiral remote add two "$SANDBOX/ab-two" >/dev/null
git fetch -q two
ok "status with a second remote" spiral status
matches "a line for each remote: origin" "^  origin: 2 to push, 1 to pull\$" "$OUT"
matches "a line for each remote: two" "^  two: 2 to push, 1 to pull\$" "$OUT"
ok "status JSON with two remotes" spiral status --format json
json "both remotes in JSON" "
r={x['name']:(x['ahead'],x['behind']) for x in d['remotes']}
assert r=={'origin':(2,1),'two':(2,1)}, r"
ok "sync" spiral sync
ok "status after sync" spiral status
matches "nothing to push or pull against origin" "^  origin: 0 to push, 0 to pull\$" "$OUT"

# ---------------------------------------------------------------- other branches, hand edits
# A school whose repository's branch is "master": pull takes its default
# branch, and status counts against it.
git config --global init.defaultBranch master
new_repo master-school "Rātā School"
spiral new "On master" -q >/dev/null
git config --global init.defaultBranch main
enter "$SANDBOX/ab-one"
ok "remote add a school on master" spiral remote add rata "$SANDBOX/master-school"
ok "pull a remote whose branch is master" spiral pull rata
matches "its inquiry came" "^  Rātā School: 1 new inquiry" "$OUT"
ok "status after pulling it" spiral status
lr=$(git rev-list --left-right --count "HEAD...refs/remotes/rata/master" 2>&1)
matches "status counts against the remote's default branch" \
	"^  rata: ${lr%%	*} to push, ${lr##*	} to pull\$" "$OUT"
clean "clean after pulling a master branch"

# A hand edit not committed, in a file the pull would change: refused, with
# nothing changed and the edit kept; one in a file the pull leaves alone is
# kept through the pull.
enter "$SANDBOX/ab-two"
spiral pull >/dev/null
abfile=inquiries/${abid:0:2}/$abid/inquiry.ini
printf 'tag = from-two\n' >>"$abfile"
git commit -q -am "hand edit in two"
git push -q origin HEAD
enter "$SANDBOX/ab-one"
printf '; a note to myself, not committed\n' >>"$abfile"
snap
fails "pull over an uncommitted hand edit of the same file" 1 "$abfile.*commit" spiral pull
unchanged "pull over an uncommitted hand edit"
matches "the hand edit is kept" "; a note to myself, not committed" "$(cat "$abfile")"
git checkout -q -- "$abfile"
ok "pull once the edit is undone" spiral pull
matches "the other side's hand edit came" "^tag = from-two\$" "$(cat "$abfile")"
other=$(git ls-files "inquiries/*/inquiry.ini" | grep -v "$abid" | head -1)
printf '; a note to myself, not committed\n' >>"$other"
spiral -C "$SANDBOX/ab-two" note "$abid" -m "one more" >/dev/null
spiral -C "$SANDBOX/ab-two" push >/dev/null
ok "pull with an uncommitted hand edit elsewhere" spiral pull
same "that edit is kept, uncommitted" " M $other" "$(git status --porcelain)"
git checkout -q -- "$other"
clean "clean once it is undone"

# ---------------------------------------------------------------- wrong clocks
# A laptop whose clock is a year ahead logs an entry; the other clone pulls
# it and logs two more: they keep today's dates, and sort after it.
new_repo clock-src "Kōwhai Intermediate"
kid=$(spiral new "Oral language" -q)
spiral scan -m "first" >/dev/null
git clone -q --bare . "$SANDBOX/clock-hub.git"
enter "$SANDBOX"
spiral clone clock-hub.git clock-fast --school "School Fast" >/dev/null
spiral clone clock-hub.git clock-right --school "School Right" >/dev/null
enter "$SANDBOX/clock-fast"
future=$(date -u -d '+1 year' +%Y-%m-%dT%H:%M:%S+00:00)
GIT_AUTHOR_DATE=$future GIT_COMMITTER_DATE=$future spiral focus "$kid" -m "from the future" >/dev/null
ok "push the future-dated entry" spiral push
enter "$SANDBOX/clock-right"
spiral hunch "$kid" -m "concurrent, today" >/dev/null
ok "pull the future-dated entry" spiral pull
spiral learn "$kid" -m "later one" >/dev/null
spiral act "$kid" -m "later two" >/dev/null
ok "show after" spiral show "$kid" --format json
json "later entries sort after what their writer had seen" "
t=[e['text'] for e in d['entries']]
assert t==['first','concurrent, today','from the future','later one','later two'], t"
json "and keep their own dates" "
e={x['text']:x['date'] for x in d['entries']}
assert e['from the future'][:4]=='${future:0:4}', e
assert e['later one'][:4]!='${future:0:4}' and e['later two'][:4]!='${future:0:4}', e"
json "the current phase is the latest entry's" "assert d['phase']=='act', d['phase']"
right_json=$OUT
ok "push them" spiral push
enter "$SANDBOX/clock-fast"
ok "the fast laptop pulls" spiral pull
ok "show there" spiral show "$kid" --format json
same "both clones order them the same way" "$right_json" "$OUT"
clean "clean on the fast laptop"
inih_reads "every file written here parses with inih"

# A hub made by hand with another default branch than the one pushed to it
# (git init --bare -b trunk): its HEAD names no branch, yet clone and pull
# find the branch named as ours (else main, master, or its only one).
git init -q --bare -b trunk "$SANDBOX/trunk.git"
new_repo trunk-a "Tōtara School"
ok "an inquiry" spiral new "Year 3 maths" -q
tid=$OUT
ok "remote add" spiral remote add origin "$SANDBOX/trunk.git"
ok "push to a hub whose HEAD is refs/heads/trunk" spiral push
ok "clone it" spiral clone "$SANDBOX/trunk.git" "$SANDBOX/trunk-b" --school "Rimu School"
cd "$SANDBOX/trunk-b" || exit 1
ok "the clone has the inquiry" spiral show "$tid" --format json
ok "a note there" spiral note "$tid" -m "From Rimu."
ok "push it" spiral push
cd "$SANDBOX/trunk-a" || exit 1
ok "pull from that hub" spiral pull
ok "show" spiral show "$tid" --format json
json "the note arrived" "assert [n['text'] for n in d['notes']] == ['From Rimu.'], d['notes']"

finish
