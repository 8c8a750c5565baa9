#!/usr/bin/env bash
# Every write command of the contract and each of its options, on real
# repositories checked with stock git: one commit a write, a message that
# reads well in git log, a clean and fsck-clean repository after it, and the
# result seen through `show --format json`.
. "$(dirname "$0")/lib.sh"

# pycheck DESC CODE: CODE runs with d = the JSON in $J and prints problems.
pycheck() {
	local out
	out=$(printf '%s' "$J" | python3 -c "import json, sys
d = json.load(sys.stdin)
$2" 2>&1)
	same "$1" "" "$out"
}
# py EXPR: EXPR of d = the JSON in $J, printed (strings bare, else as JSON).
py() {
	printf '%s' "$J" | python3 -c "import json, sys
d = json.load(sys.stdin)
r = $1
print(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False))"
}
json() { J=$(spiral show --format json); }
N=1 # the init commit of the first repository
# wrote DESC VERB [TITLE]: the last command was one commit named
# VERB(<8 hex>): TITLE, and left the repository clean.
wrote() {
	N=$((N + 1))
	commits "$1: exactly one commit" "$N"
	same "$1: commit message" "$2(${ID:0:8}): ${3:-$TITLE}" \
		"$(git log -1 --format=%s)"
	clean "$1: clean and fsck-clean"
}
# nothing DESC: the last command wrote no commit and left nothing behind.
nothing() {
	commits "$1: no commit" "$N"
	clean "$1: still clean"
}

# ---- init ----------------------------------------------------------------
cd "$SANDBOX" || exit 1
ok "init creates a new folder" spiral init "$SANDBOX/one" --school "Kōwhai Intermediate" \
	--cluster "Kāhui Ako o Ōtautahi"
matches "init says where" "Started a spiral repository in .*/one" "$OUT"
cd "$SANDBOX/one" || exit 1
commits "init is one commit" 1
clean "clean after init"
same "init tracks spiral.ini and .gitattributes" ".gitattributes spiral.ini" \
	"$(git ls-files | tr '\n' ' ' | sed 's/ $//')"
matches "init commit message" '^init: ' "$(git log -1 --format=%s)"
same "--school is in .git/config" "Kōwhai Intermediate" "$(git config spiral.school)"
same "--cluster is in .git/config" "Kāhui Ako o Ōtautahi" "$(git config spiral.cluster)"
same "no tracked file names the school or cluster" "" \
	"$(git grep -l -e Kōwhai -e Kāhui HEAD -- . || true)"
matches "spiral.ini records the format" '^format = [0-9]+$' "$(grep '^format' spiral.ini)"
matches ".gitattributes registers the merge driver" 'merge=spiral' "$(cat .gitattributes)"

ok "init a second repository elsewhere" spiral init "$SANDBOX/two" --school "Tōtara Primary"
ok "spiral.ini is identical in two repositories" cmp spiral.ini "$SANDBOX/two/spiral.ini"
same "spiral.ini is the same blob in both" "$(git rev-parse HEAD:spiral.ini)" \
	"$(git -C "$SANDBOX/two" rev-parse HEAD:spiral.ini)"
same ".gitattributes is the same blob in both" "$(git rev-parse HEAD:.gitattributes)" \
	"$(git -C "$SANDBOX/two" rev-parse HEAD:.gitattributes)"

ini_before=$(git rev-parse HEAD:spiral.ini)
ok "init again is harmless" spiral init
matches "init again says it is one already" "already a spiral repository" "$OUT"
commits "init again writes no commit" 1
clean "clean after init again"
same "init again leaves spiral.ini" "$ini_before" "$(git hash-object spiral.ini)"
ok "init again with --school updates the setting" spiral init . --school "Kōwhai School"
same "the new school is set" "Kōwhai School" "$(git config spiral.school)"
commits "changing the school writes no commit" 1
clean "clean after changing the school"
same "the cluster is kept" "Kāhui Ako o Ōtautahi" "$(git config spiral.cluster)"
git config spiral.school "Kōwhai Intermediate"

# Adopting a git repository with history and its own .gitattributes.
mkdir "$SANDBOX/old" && cd "$SANDBOX/old" || exit 1
git init -q .
printf 'Our planning\n' >README.md
printf '*.png binary\n*.md text\n' >.gitattributes
git add README.md .gitattributes && git commit -qm "Planning notes"
printf 'more\n' >>README.md && git commit -qam "More planning"
ok "init adopts an existing git repository" spiral init --school "Rimu College"
commits "history is kept, plus one commit" 3
same "the old commits are still there" "More planning|Planning notes" \
	"$(git log --format=%s HEAD~1 | tr '\n' '|' | sed 's/|$//')"
matches "the adopted .gitattributes keeps its lines" '^\*\.png binary' "$(cat .gitattributes)"
matches "the adopted .gitattributes keeps its last line" '\*\.md text' "$(cat .gitattributes)"
matches "and gains the merge driver" 'merge=spiral' "$(cat .gitattributes)"
same "README is untouched" "Our planning
more" "$(git show HEAD:README.md)"
clean "clean after adopting"
ok "spiral.ini of an adopted repository is the same too" cmp spiral.ini "$SANDBOX/one/spiral.ini"
ok "init again in the adopted repository" spiral init
commits "still three commits" 3
same "the merge driver line is not added twice" 1 "$(grep -c 'merge=spiral' .gitattributes)"

# ---- config ----------------------------------------------------------------
cd "$SANDBOX/one" || exit 1
ok "config lists the settings" spiral config
matches "list has the school" '^school=Kōwhai Intermediate$' "$OUT"
matches "list has the cluster" '^cluster=Kāhui Ako o Ōtautahi$' "$OUT"
ok "config KEY reads" spiral config school
same "config school" "Kōwhai Intermediate" "$OUT"
ok "config KEY VALUE sets" spiral config cluster "Waitaha"
same "it is in .git/config" "Waitaha" "$(git config --local spiral.cluster)"
ok "config reads it back" spiral config cluster
same "the value read back" "Waitaha" "$OUT"
ok "config --unset" spiral config --unset cluster
fails "get of an unset key exits 1" 1 "" spiral config cluster
same "... and prints nothing" "" "$OUT"
ok "unset of an unset key is fine" spiral config --unset cluster
ok "config editor" spiral config editor "nano -w"
same "editor is spiral.editor" "nano -w" "$(git config spiral.editor)"
ok "config --unset editor" spiral config --unset editor
ok "config user.name sets the clone's identity" spiral config user.name "Hemi Walker"
same "user.name in .git/config" "Hemi Walker" "$(git config --local user.name)"
git config --local --unset user.name
fails "config of an unknown key" 2 "not a setting" spiral config colour blue
fails "reading an unknown key" 2 "not a setting" spiral config colour
commits "config writes no commit" 1
clean "clean after config"
same "no tracked file changed" "" "$(git diff HEAD --stat)"

# ---- new -------------------------------------------------------------------
TITLE="Year 9 writing"
ok "new with every option" spiral new "$TITLE" --learners "Year 9 boys" \
	--tag writing --tag "boys' engagement" --team "Aroha Ngata" --team "Hemi Walker"
matches "new prints the short id and title" '^[0-9a-f]{8,} Year 9 writing' "$OUT"
ID=$(git config spiral.current)
matches "new makes it the current inquiry" '^[0-9a-f]{32}$' "$ID"
wrote "new" new
same "the commit adds inquiry.ini in the fanned-out folder" \
	"A	inquiries/${ID:0:2}/$ID/inquiry.ini" \
	"$(git show --name-status --format= HEAD)"
json
pycheck "new: the fields" "
want = {'id': '$ID', 'title': 'Year 9 writing', 'learners': 'Year 9 boys',
        'school': 'Kōwhai Intermediate', 'status': 'active', 'phase': None,
        'cycle': 1, 'continues': None, 'tags': ['boys\' engagement', 'writing'],
        'team': ['Aroha Ngata', 'Hemi Walker'], 'entries': [], 'notes': [],
        'measures': {}, 'conflicts': {}}
for k, v in want.items():
    if d.get(k, 'MISSING') != v:
        print(k, repr(d.get(k, 'MISSING')), '!=', repr(v))"

ok "new -q" spiral new "Second inquiry" -q --tag numeracy
ID2=$OUT
matches "new -q prints the full id alone" '^[0-9a-f]{32}$' "$ID2"
ID_SAVE=$ID ID=$ID2
wrote "new -q" new "Second inquiry"
ID=$ID_SAVE
same "new -q makes it current" "$ID2" "$(git config spiral.current)"
ok "new --continues with a 4-character prefix" spiral new "Year 10 writing" \
	--continues "${ID:0:4}" -q
ID3=$OUT
N=$((N + 1))
commits "new --continues: one commit" "$N"
clean "new --continues: clean"
J=$(spiral show "$ID3" --format json)
same "continues holds the full id" "$ID" "$(py 'd["continues"]')"
ok "new --continues with the full id" spiral new "Year 11 writing" --continues "$ID3" -q
ID4=$OUT
N=$((N + 1))
J=$(spiral show "$ID4" --format json)
same "continues a full id" "$ID3" "$(py 'd["continues"]')"
fails "new --continues an unknown inquiry" 1 "no inquiry" spiral new "X" --continues ffffffff
commits "a failed new writes nothing" "$N"
clean "clean after a failed new"

# ---- switch ----------------------------------------------------------------
ok "switch by prefix" spiral switch "${ID:0:6}"
matches "switch names it" "Now on ${ID:0:8}.* Year 9 writing" "$OUT"
same "switch sets the current inquiry" "$ID" "$(git config spiral.current)"
commits "switch writes no commit" "$N"
clean "clean after switch"
json
same "show follows the current inquiry" "$ID" "$(py 'd["id"]')"
# Two inquiries whose ids share the first four hex digits: copy one under a
# constructed id (the fifth digit differs) and commit it with stock git.
fifth=${ID:4:1}
[ "$fifth" = 0 ] && other=1 || other=0
TWIN="${ID:0:4}${other}$(printf '%s' "$ID" | cut -c6- | tr 0-9a-f 1-9a-f0)"
mkdir -p "inquiries/${TWIN:0:2}/$TWIN"
sed 's/^title = .*/title = Twin/' "inquiries/${ID:0:2}/$ID/inquiry.ini" \
	>"inquiries/${TWIN:0:2}/$TWIN/inquiry.ini"
git add inquiries && git commit -qm "a twin by hand"
N=$((N + 1))
fails "switch with an ambiguous prefix" 1 "ambiguous" spiral switch "${ID:0:4}"
matches "the error lists the first candidate, with its title" "^  ${ID:0:8} Year 9 writing$" "$ERR"
matches "the error lists the second candidate, with its title" "^  ${TWIN:0:8} Twin$" "$ERR"
same "a failed switch keeps the current inquiry" "$ID" "$(git config spiral.current)"
ok "five digits tell them apart" spiral switch "${TWIN:0:5}"
same "switched to the twin" "$TWIN" "$(git config spiral.current)"
unknown=$(printf '%s' "${ID:0:8}" | tr 0-9a-f 1-9a-f0 | tr 0-9a-f 1-9a-f0 | tr 0-9a-f 1-9a-f0)
fails "switch to an unknown prefix" 1 "no inquiry" spiral switch "$unknown"
fails "switch with a 3-character prefix" 1 "at least 4" spiral switch "${ID:0:3}"
ok "switch back by full id" spiral switch "$ID"
commits "switching writes no commit" "$N"
clean "clean after switching"

# ---- edit ------------------------------------------------------------------
ok "edit --title" spiral edit --title "Year 9 writing for boys"
TITLE="Year 9 writing for boys"
wrote "edit --title" edit
ok "edit --learners" spiral edit "${ID:0:6}" --learners "Year 9 boys in 9K"
wrote "edit --learners" edit
ok "edit --tag and --untag" spiral edit --tag "oral language" --untag writing
wrote "edit --tag/--untag (one commit for both)" edit
ok "edit --team and --unteam" spiral edit --team "Mere Tāwhai" --unteam "Hemi Walker"
wrote "edit --team/--unteam" edit
json
pycheck "edit: the new fields" "
want = {'title': 'Year 9 writing for boys', 'learners': 'Year 9 boys in 9K',
        'tags': ['boys\' engagement', 'oral language'],
        'team': ['Aroha Ngata', 'Mere Tāwhai'], 'conflicts': {}}
for k, v in want.items():
    if d.get(k) != v:
        print(k, repr(d.get(k)), '!=', repr(v))"
ok "edit with nothing new" spiral edit --title "Year 9 writing for boys" --tag "oral language"
matches "edit says nothing changed" "Nothing changed" "$OUT"
nothing "edit with no change"
fails "edit --untag of a tag it does not have" 1 "no tag" spiral edit --untag science
nothing "a failed edit"
fails "edit --title with an empty title" 1 "empty" spiral edit --title ""
nothing "an empty title"

# ---- close and reopen ------------------------------------------------------
ok "close" spiral close
wrote "close" close
json
same "status is closed" "closed" "$(py 'd["status"]')"
ok "close twice" spiral close
matches "close twice says so" "already closed" "$OUT"
nothing "closing twice"
ok "reopen by prefix" spiral reopen "${ID:0:5}"
wrote "reopen" reopen
json
same "status is active" "active" "$(py 'd["status"]')"
ok "reopen an active inquiry" spiral reopen
nothing "reopening an active inquiry"

# ---- the six phases --------------------------------------------------------
ok "scan with -m twice, evidence, a measure and a target" spiral scan \
	-m "Boys write little." -m "They say it is boring." \
	--evidence "e-asTTle writing, term 1" --evidence "Student voice survey" \
	--measure writing=40 --target writing=60 --measure voice=3 --target voice=3 \
	--date 2026-02-10
matches "scan prints what was logged" "Logged scan in ${ID:0:8}" "$OUT"
matches "scan names the next phase and its question" "Next: focus: Where will" "$OUT"
wrote "scan" scan
matches "the commit message carries the text" "Boys write little" "$(git log -1 --format=%b)"
same "the commit adds one entry file" 1 "$(git show --name-only --format= HEAD | grep -c '/entries/')"
printf 'Writing for a real audience.\nAt least weekly.\n' >"$SANDBOX/focus.txt"
ok "focus -F FILE" spiral focus -F "$SANDBOX/focus.txt" --measure writing=45 --date 2026-03-01
wrote "focus" focus
ok "hunch -F - reads stdin" spiral hunch -F - --tag "teacher modelling" \
	--date "2026-03-15T09:30:00+13:00" <<'EOF'
We choose topics the boys do not care about.
EOF
wrote "hunch" hunch
ok "learn at an instant with another offset" spiral learn -m "PLD with the literacy lead" \
	--date "2026-03-20T14:05:06-05:30"
wrote "learn" learn
ok "act with a later measure and a new target" spiral act -m "Weekly blog posts" \
	--measure writing=50 --target writing=70 --date 2026-04-01
wrote "act" act
ok "check --verdict" spiral check -m "Better, not yet enough" --verdict partly \
	--measure writing=55 --date 2026-05-01
wrote "check" check
json
pycheck "phases: the entries, oldest first" "
e = d['entries']
assert [x['phase'] for x in e] == ['scan', 'focus', 'hunch', 'learn', 'act', 'check'], [x['phase'] for x in e]
s = e[0]
want = {'text': 'Boys write little.\n\nThey say it is boring.',
        'evidence': ['e-asTTle writing, term 1', 'Student voice survey'],
        'measures': {'writing': 40, 'voice': 3}, 'targets': {'writing': 60, 'voice': 3},
        'date': '2026-02-10T00:00:00+00:00', 'cycle': 1, 'verdict': None,
        'author': 'Aroha Ngata', 'email': 'aroha@kowhai.school.nz',
        'school': 'Kōwhai Intermediate'}
for k, v in want.items():
    if s.get(k) != v:
        print('scan', k, repr(s.get(k)), '!=', repr(v))
if e[1]['text'] != 'Writing for a real audience.\nAt least weekly.':
    print('focus -F text', repr(e[1]['text']))
if e[2]['text'] != 'We choose topics the boys do not care about.':
    print('hunch -F - text', repr(e[2]['text']))
if e[2]['date'] != '2026-03-15T09:30:00+13:00':
    print('hunch date', e[2]['date'])
if e[3]['date'] != '2026-03-20T14:05:06-05:30':
    print('learn date', e[3]['date'])
if e[5]['verdict'] != 'partly':
    print('check verdict', e[5]['verdict'])
for x in e[:5]:
    if x['verdict'] is not None:
        print(x['phase'], 'has a verdict')
if 'teacher modelling' not in d['tags']:
    print('--tag on hunch did not add the tag', d['tags'])
if d['phase'] != 'check':
    print('phase', d['phase'])"
pycheck "measures: baseline first, latest last, target last, progress" "
m = d['measures']
w = m['writing']
assert w['baseline'] == 40 and w['latest'] == 55 and w['target'] == 70, w
assert abs(w['progress'] - (55 - 40) / (70 - 40)) < 1e-9, w
v = m['voice']
assert v == {'baseline': 3, 'target': None, 'latest': 3, 'progress': None}, v"

# GIT_AUTHOR_DATE and identity from the environment.
ok "GIT_AUTHOR_DATE dates the entry and the commit" env \
	GIT_AUTHOR_DATE="2026-05-02T10:11:12+12:00" "$SPIRAL" act -m "dated by git"
wrote "act (GIT_AUTHOR_DATE)" act
same "the commit's author date" "2026-05-02T10:11:12+12:00" \
	"$(git log -1 --format=%ad --date=iso-strict)"
json
same "the entry's date" "2026-05-02T10:11:12+12:00" "$(py 'd["entries"][-1]["date"]')"
ok "GIT_AUTHOR_DATE as git's raw form, with GIT_COMMITTER_DATE" env \
	GIT_AUTHOR_DATE="@1778000000 +1200" GIT_COMMITTER_DATE="@1778000100 +1200" \
	"$SPIRAL" act -m "raw date"
wrote "act (raw GIT_AUTHOR_DATE)" act
same "raw: the commit's author date" "1778000000 +1200" "$(git log -1 --format=%ad --date=raw)"
same "raw: the commit's committer date" "1778000100 +1200" "$(git log -1 --format=%cd --date=raw)"
json
same "raw: the entry's date" "2026-05-06T04:53:20+12:00" "$(py 'd["entries"][-1]["date"]')"
ok "GIT_AUTHOR_NAME and GIT_AUTHOR_EMAIL win over config" env \
	GIT_AUTHOR_NAME="Mere Tāwhai" GIT_AUTHOR_EMAIL="mere@totara.school.nz" \
	"$SPIRAL" act -m "by Mere" --date 2026-05-07
wrote "act (GIT_AUTHOR_NAME)" act
same "the commit's author" "Mere Tāwhai <mere@totara.school.nz>" "$(git log -1 --format='%an <%ae>')"
json
same "the entry's author" "Mere Tāwhai mere@totara.school.nz" \
	"$(py 'd["entries"][-1]["author"] + " " + d["entries"][-1]["email"]')"
ok "--date YYYY-MM-DD in another time zone" env TZ=Pacific/Auckland \
	"$SPIRAL" act -m "local day" --date 2026-05-08
wrote "act (TZ)" act
json
same "a day is midnight local time with the offset" "2026-05-08T00:00:00+12:00" \
	"$(py 'd["entries"][-1]["date"]')"

# An entry logged late with an earlier date keeps that date, but sorts after
# every entry its writer had seen (storage property 10): it is the current
# phase, and the others keep their order.
ok "a late scan dated earlier" spiral scan -m "Found an older survey" --date 2026-01-15
wrote "scan (back-dated)" scan
json
pycheck "a back-dated entry sorts after what its writer had seen" "
e = d['entries']
assert e[-1]['text'] == 'Found an older survey', e[-1]['text']
assert e[-1]['date'] == '2026-01-15T00:00:00+00:00', e[-1]['date']
import datetime
t = [datetime.datetime.fromisoformat(x['date']) for x in e[:-1]]
assert t == sorted(t), [x['date'] for x in e]
assert d['phase'] == 'scan', d['phase']"

# A new cycle, then closing with the last check.
ok "check --new-cycle" spiral check -m "Not enough yet" --verdict not-enough --new-cycle \
	--date 2026-06-01
matches "check says a cycle starts" "Cycle 2 starts" "$OUT"
wrote "check --new-cycle" check
json
same "the inquiry is in cycle 2" 2 "$(py 'd["cycle"]')"
same "the check itself is cycle 1" 1 "$(py 'd["entries"][-1]["cycle"]')"
same "no measures yet in cycle 2" "{}" "$(py 'd["measures"]')"
ok "scan in cycle 2" spiral scan -m "Second look" --measure writing=52 --target writing=62 \
	--date 2026-06-10
wrote "scan (cycle 2)" scan
ok "act in cycle 2" spiral act -m "More blogging" --measure writing=57 --date 2026-07-01
wrote "act (cycle 2)" act
json
pycheck "cycle 2: entries and measures start afresh" "
e = d['entries']
assert [x['cycle'] for x in e[-2:]] == [2, 2], [x['cycle'] for x in e]
w = d['measures']['writing']
assert w['baseline'] == 52 and w['latest'] == 57 and w['target'] == 62, w
assert abs(w['progress'] - 0.5) < 1e-9, w
assert 'voice' not in d['measures'], d['measures']"
ok "check --verdict enough --close" spiral check -m "Enough" --verdict enough --close \
	--date 2026-08-01
matches "check says it closed" "closed" "$OUT"
wrote "check --close" check
same "--close and the entry are one commit" 2 \
	"$(git show --name-only --format= HEAD | grep -c "$ID")"
json
same "check --close closes the inquiry" closed "$(py 'd["status"]')"
same "its verdict" enough "$(py 'd["entries"][-1]["verdict"]')"
ok "reopen after --close" spiral reopen
wrote "reopen after --close" reopen

# Targets equal to the baseline; negative and fractional numbers.
ok "measures with fractions and negatives" spiral focus -m "Numbers" \
	--measure gap=-2.5 --target gap=-2.5 --measure attendance=0.875 --date 2026-08-02
wrote "focus (numbers)" focus
json
pycheck "numbers round-trip" "
e = d['entries'][-1]
assert e['measures'] == {'gap': -2.5, 'attendance': 0.875}, e['measures']
assert e['targets'] == {'gap': -2.5}, e['targets']
g = d['measures']['gap']
assert g['target'] is None and g['progress'] is None, g"

# ---- note ------------------------------------------------------------------
ok "note -m" spiral note -m "Lovely work, team." -m "Share it at the hui?"
wrote "note" note
ok "note on another inquiry by prefix" spiral note "${ID2:0:6}" -m "Numeracy note"
N=$((N + 1))
commits "note INQUIRY: one commit" "$N"
same "note INQUIRY: message" "note(${ID2:0:8}): Second inquiry" "$(git log -1 --format=%s)"
clean "note INQUIRY: clean"
json
pycheck "notes in show" "
n = d['notes']
assert len(n) == 1, n
assert n[0]['text'] == 'Lovely work, team.\n\nShare it at the hui?', n[0]
assert n[0]['author'] == 'Aroha Ngata', n[0]
assert isinstance(n[0]['date'], str), n[0]"

# ---- show --format json: every key with its type ----------------------------
pycheck "show json: keys and types" "
import re
def t(v):
    return {str: 'str', int: 'int', float: 'num', list: 'list', dict: 'dict',
            type(None): 'null', bool: 'bool'}[type(v)]
top = {'id': 'str', 'title': 'str', 'school': 'str', 'status': 'str',
       'phase': 'str', 'cycle': 'int', 'created': 'str', 'updated': 'str',
       'tags': 'list', 'team': 'list', 'learners': 'str', 'continues': 'null',
       'entries': 'list', 'notes': 'list', 'measures': 'dict', 'conflicts': 'dict'}
for k, ty in top.items():
    if k not in d:
        print('missing', k)
    elif t(d[k]) != ty:
        print(k, t(d[k]), '!=', ty)
if not re.fullmatch('[0-9a-f]{32}', d['id']):
    print('id', d['id'])
iso = '[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[+-][0-9]{2}:[0-9]{2}'
for k in ('created', 'updated'):
    if not re.fullmatch(iso, d[k]):
        print(k, d[k])
ek = {'id': 'str', 'phase': 'str', 'date': 'str', 'author': 'str', 'email': 'str',
      'school': 'str', 'cycle': 'int', 'text': 'str', 'evidence': 'list',
      'measures': 'dict', 'targets': 'dict'}
for e in d['entries']:
    for k, ty in ek.items():
        if k not in e or t(e[k]) != ty:
            print('entry', k, repr(e.get(k, 'MISSING')))
    if 'verdict' not in e or t(e['verdict']) not in ('null', 'str'):
        print('entry verdict', e.get('verdict', 'MISSING'))
    if (e['verdict'] is not None) != (e['phase'] == 'check'):
        print('verdict on', e['phase'], e['verdict'])
    if not re.fullmatch('[0-9a-f]{32}', e['id']) or not re.fullmatch(iso, e['date']):
        print('entry id/date', e['id'], e['date'])
    for v in list(e['measures'].values()) + list(e['targets'].values()):
        if t(v) not in ('int', 'num'):
            print('measure value', v)
for n in d['notes']:
    for k in ('date', 'author', 'text'):
        if k not in n or t(n[k]) != 'str':
            print('note', k, n.get(k, 'MISSING'))
for name, m in d['measures'].items():
    if sorted(m) != ['baseline', 'latest', 'progress', 'target']:
        print('measure keys', name, sorted(m))
    for k, v in m.items():
        if t(v) not in ('int', 'num', 'null'):
            print('measure', name, k, v)
for x in d['tags'] + d['team']:
    if t(x) != 'str':
        print('tag/team', x)"

# Nothing a write did left the work tree different from HEAD.
same "every file is committed" "" "$(git status --porcelain --ignored -- inquiries)"
ok "spiral fsck is happy" spiral fsck
inih_reads "every file written here parses with inih, lines within 160 bytes"
finish
