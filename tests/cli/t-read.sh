#!/usr/bin/env bash
# The reading commands' filters and orders, on a small repository whose
# expected answers are written out here by hand.
. "$(dirname "$0")/lib.sh"

new_repo
at() { GIT_AUTHOR_DATE="$1" GIT_COMMITTER_DATE="$1" "${@:2}"; }
# A: Kōwhai, writing, started Feb, scan in Feb and act in Mar by Aroha.
A=$(at 2026-02-02T09:00:00+13:00 spiral new "A writing" --tag writing -q)
at 2026-02-10T09:00:00+13:00 spiral scan "$A" -m "scan A" >/dev/null
at 2026-03-10T09:00:00+13:00 spiral act "$A" -m "act A" >/dev/null
# B: Tōtara, numeracy, by Mere, one focus in Apr; later closed.
git config spiral.school "Tōtara Primary"
B=$(GIT_AUTHOR_NAME="Mere Tāwhai" GIT_AUTHOR_EMAIL=mere@totara.school.nz \
	at 2026-04-01T09:00:00+12:00 spiral new "B numeracy" --tag numeracy -q)
GIT_AUTHOR_NAME="Mere Tāwhai" GIT_AUTHOR_EMAIL=mere@totara.school.nz \
	at 2026-04-02T09:00:00+12:00 spiral focus "$B" -m "focus B" >/dev/null
at 2026-04-03T09:00:00+12:00 spiral close "$B" >/dev/null
# C: Tōtara, writing, no entries, created in May.
C=$(at 2026-05-05T09:00:00+12:00 spiral new "C writing" --tag writing -q)

ids() { python3 -c "import json,sys; print(' '.join(x['title'][0] for x in json.load(sys.stdin)))"; }
logs() { python3 -c "import json,sys; print(' '.join(x['text'] for x in json.load(sys.stdin)))"; }
list() { spiral list --format json "$@" | ids; }
log() { spiral log --format json "$@" | logs; }

same "list: active only by default, most recent first" "C A" "$(list)"
same "list --status all" "C B A" "$(list --status all)"
same "list --status closed" "B" "$(list --status closed)"
same "list --school (case-insensitive)" "C" "$(list --school 'tōtara primary')"
same "list --school with all" "C B" "$(list --school 'Tōtara Primary' --status all)"
same "list --tag" "C A" "$(list --tag writing)"
same "list --phase: the current phase" "A" "$(list --phase act)"
same "list --phase focus finds the closed one with --status all" "B" "$(list --phase focus --status all)"
same "list --author: started it or logged in it" "B" "$(list --author mere --status all)"
same "list --author matches email too" "B" "$(list --author totara.school --status all)"
same "list --since: touched since" "C B" "$(list --since 2026-04-01 --status all)"
same "list --until: started by (the day is included)" "B A" "$(list --until 2026-04-01 --status all)"
same "list --stalled counts from creation when there is no entry" "C B A" "$(list --stalled 30 --status all)"
same "list --stalled 100000 selects none" "" "$(list --stalled 100000 --status all)"

same "log: newest first, every status" "focus B act A scan A" "$(log)"
same "log INQUIRY" "act A scan A" "$(log "${A:0:6}")"
same "log --phase selects by the entry's phase" "scan A" "$(log --phase scan)"
same "log --author selects by the entry's author" "focus B" "$(log --author Tāwhai)"
same "log --since by the entry's date" "focus B act A" "$(log --since 2026-03-01)"
same "log --until includes the whole day" "act A scan A" "$(log --until 2026-03-10)"
same "log --until an instant" "scan A" "$(log --until 2026-03-10T08:00:00+13:00)"
same "log --school by the entry's inquiry" "focus B" "$(log --school 'Tōtara Primary')"
same "log --tag by the entry's inquiry" "act A scan A" "$(log --tag writing)"
same "log --status active by the entry's inquiry" "act A scan A" "$(log --status active)"
same "log --status closed" "focus B" "$(log --status closed)"

# Equal dates keep the order they were written in: each entry follows what
# its writer had seen (storage property 10), whatever the dates say.
D=$(at 2026-06-01T09:00:00+12:00 spiral new "D same day" -q)
for i in 1 2 3 4; do spiral scan "$D" -m "same $i" --date 2026-06-02 >/dev/null; done
same "show: equal dates in the order written" "same 1 same 2 same 3 same 4" \
	"$(spiral show "$D" --format json | python3 -c "
import json,sys; print(' '.join(x['text'] for x in json.load(sys.stdin)['entries']))")"
# Records that saw the same (here: none, being hand-written without seq)
# with equal dates are ordered by id, the same in every clone.
Dn=$(at 2026-06-01T09:00:00+12:00 spiral new "Dn same day, by hand" -q)
mkdir -p "inquiries/${Dn:0:2}/$Dn/entries"
for i in 1 2 3 4; do
	id=$(printf '%032x' $((i * 5 % 7))) # 5 3 1 6: not in the order written
	printf '[entry]\nphase = scan\ndate = 2026-06-02T00:00:00+00:00\nauthor = Aroha\ncycle = 1\n[text]\np = hand %s\n' "$i" \
		>"inquiries/${Dn:0:2}/$Dn/entries/20260602T000000Z-scan-$id.ini"
done
git add inquiries && git commit -qm "Dn: entries by hand"
order=$(spiral show "$Dn" --format json | python3 -c "
import json,sys; e=json.load(sys.stdin)['entries']
print(' '.join(x['text'] for x in e) if [x['id'] for x in e]==sorted(x['id'] for x in e) else 'unsorted')")
same "show: equal dates, no seq, ordered by id" "hand 3 hand 2 hand 1 hand 4" "$order"
order=$(spiral log "$Dn" --format json | python3 -c "
import json,sys; print(' '.join(x['text'] for x in json.load(sys.stdin)))")
same "log: equal dates, newest first means the reverse order" \
	"hand 4 hand 1 hand 2 hand 3" "$order"

# show takes the entry filters: they choose which entries and notes it lists.
texts() { python3 -c "import json,sys; d=json.load(sys.stdin); print(' '.join([e['text'] for e in d['entries']]+['note:'+n['text'] for n in d['notes']]))"; }
at 2026-03-11T09:00:00+13:00 spiral note "$A" -m "noted" >/dev/null
same "show lists everything" "scan A act A note:noted" "$(spiral show "$A" --format json | texts)"
same "show --phase" "act A" "$(spiral show "$A" --phase act --format json | texts)"
same "show --since" "act A note:noted" "$(spiral show "$A" --since 2026-03-01 --format json | texts)"
same "show --until" "scan A" "$(spiral show "$A" --until 2026-02-28 --format json | texts)"
same "show --author" "" "$(spiral show "$A" --author nobody --format json | texts)"

# Quick successive writes keep their order (no --date, no GIT_AUTHOR_DATE).
E=$(spiral new "E quick" -q)
for p in scan focus hunch learn act check; do spiral "$p" "$E" -m "quick $p" >/dev/null; done
same "six phases logged within a second stay in order" \
	"quick scan quick focus quick hunch quick learn quick act quick check" \
	"$(spiral show "$E" --format json | python3 -c "import json,sys; print(' '.join(e['text'] for e in json.load(sys.stdin)['entries']))")"
same "and the current phase is the last one logged" check \
	"$(spiral show "$E" --format json | python3 -c "import json,sys; print(json.load(sys.stdin)['phase'])")"

# A stray file where an inquiry folder belongs is a problem, not a failure.
printf 'x\n' >inquiries/zz
ok "list still works beside a stray file" spiral list --status all
matches "and says so on stderr" 'could not be read|not a' "$(spiral list 2>&1 >/dev/null; spiral fsck)"
fails "fsck names it" 1 "" spiral fsck
matches "with its path" 'inquiries/zz' "$OUT"
rm inquiries/zz

fails "bad --phase" 2 "phase" spiral list --phase plan
fails "bad --status" 2 "status" spiral list --status open
fails "bad --since" 2 "since" spiral log --since fortnight
fails "bad --stalled" 2 "stalled" spiral list --stalled soon
fails "list takes no arguments" 2 "no arguments" spiral list extra
fails "unknown inquiry for log" 1 "no inquiry" spiral log ffffffff
ok "table output names columns" spiral list --status all
matches "list header" '^ID +TITLE +SCHOOL +PHASE +CYCLE +STATUS +LAST ACTIVITY' "$OUT"
ok "log table" spiral log
matches "log header" '^DATE +INQUIRY +TITLE +PHASE +AUTHOR +SCHOOL +TEXT' "$OUT"
finish
