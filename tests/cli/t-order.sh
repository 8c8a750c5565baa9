#!/usr/bin/env bash
# Ordered by what was seen, not by clocks (storage.md 10): every record
# carries seq, one more than the largest its writer had loaded of its
# inquiry; records sort by (seq, date, id).  Dates are stored as given.
# A wrong clock, a back-dated entry or quick writes within one second cannot
# reorder anyone's work, and list, status and show agree on the phase.
. "$(dirname "$0")/lib.sh"

# An ISO 8601 instant this many seconds from now (UTC).
from_now() {
	python3 -c "import datetime, sys
t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=int(sys.argv[1]))
print(t.strftime('%Y-%m-%dT%H:%M:%S+00:00'))" "$1"
}
# show JSON of an inquiry: J; py EXPR prints EXPR of d = J.
# (stderr is dropped: K's broken files make every read warn.)
json() { J=$(spiral show "$1" --format json 2>/dev/null); }
py() {
	printf '%s' "$J" | python3 -c "import json, sys
d = json.load(sys.stdin)
r = $1
print(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False))"
}
phases() { json "$1"; py '" ".join(e["phase"] for e in d["entries"])'; }
# The entry file whose text is TEXT, in inquiry ID (one line of text).
entry_file() {
	grep -l -x "p = $2" "inquiries/${1:0:2}/$1"/entries/*.ini
}
key() { sed -n "s/^$2 = //p" "$1"; }
# agree DESC ID PHASE NEXT: show, list and status (text and JSON) give the
# same current phase, and status the same next one.
agree() {
	local desc=$1 id=$2 phase=$3 next=$4 list_phase st
	json "$id"
	same "$desc: show's phase" "$phase" "$(py 'd["phase"]')"
	list_phase=$(spiral list --status all --format json | python3 -c "import json, sys
print([q['phase'] for q in json.load(sys.stdin) if q['id'] == sys.argv[1]][0])" "$id")
	same "$desc: list's phase" "$phase" "$list_phase"
	git config spiral.current "$id"
	st=$(spiral status --format json)
	same "$desc: status's phase and next (JSON)" "$phase $next" \
		"$(printf '%s' "$st" | python3 -c "import json, sys
d = json.load(sys.stdin); print(d['inquiry']['phase'], d['next']['phase'])")"
	st=$(spiral status)
	matches "$desc: status says the phase" "^Phase: $phase, " "$st"
	matches "$desc: status says what is next" "^Next: $next: " "$st"
}
n_commits() { git rev-list --count HEAD; }

new_repo

# ---- a clock a year ahead, for one write ------------------------------------
A=$(spiral new "A wrong clock" -q)
ahead=$(from_now $((366 * 86400)))
ok "a write with the clock a year ahead" env GIT_AUTHOR_DATE="$ahead" \
	"$SPIRAL" scan "$A" -m "from the future"
f_scan=$(entry_file "$A" "from the future")
same "it is stored with its own date" "$ahead" "$(key "$f_scan" date)"
same "and seq 1 (the inquiry counts as 0)" 1 "$(key "$f_scan" seq)"
before=$(date -u +%s)
ok "focus with the clock right" spiral focus "$A" -m "focus now"
ok "hunch with the clock right" spiral hunch "$A" -m "hunch now"
matches "hunch names learn as next" "^Next: learn: " "$OUT"
after=$(date -u +%s)
for text in "focus now" "hunch now"; do
	f=$(entry_file "$A" "$text")
	stored=$(python3 -c "import datetime, sys
print(int(datetime.datetime.fromisoformat(sys.argv[1]).timestamp()))" "$(key "$f" date)")
	if [ "$stored" -ge "$before" ] && [ "$stored" -le "$after" ]; then
		pass "'$text' is stored with the clock's date, not after the future one"
	else
		fail "'$text' is stored with the clock's date" "stored $(key "$f" date)," \
			"clock between $before and $after"
	fi
	stamp=$(python3 -c "import datetime, sys
print(datetime.datetime.fromtimestamp(int(sys.argv[1]), datetime.timezone.utc).strftime('%Y%m%dT%H%M%SZ'))" "$stored")
	matches "'$text': the file name carries its own date" "/${stamp}-" "$f"
done
same "seq counts the writes" "2 3" \
	"$(key "$(entry_file "$A" "focus now")" seq) $(key "$(entry_file "$A" "hunch now")" seq)"
same "later entries sort after the future one" "scan focus hunch" "$(phases "$A")"
agree "after a future-dated scan" "$A" hunch learn
json "$A"
same "updated is the latest date, the future one" "$ahead" "$(py 'd["updated"]')"
# The report this replaces: a back-dated check after future-dated entries
# said "Next: scan" while list said act.  (A check that starts a new
# cycle leads to its scan; one without a verdict asks for it: t-cycles.)
ok "check --date in the past after it" spiral check "$A" -m "checked" \
	--verdict partly --new-cycle --date 2026-11-30
matches "check names scan as next" "^Next: scan: " "$OUT"
same "stored as given" "2026-11-30T00:00:00+00:00" \
	"$(key "$(entry_file "$A" "checked")" date)"
agree "after a back-dated check" "$A" check scan

# ---- --date far ahead is a typo; GIT_AUTHOR_DATE is not checked ------------
B=$(spiral new "B dates" -q)
n=$(n_commits)
fails "--date two days ahead is a usage error" 2 "24 hours ahead.*a typo\?" \
	spiral scan "$B" -m "too far" --date "$(from_now $((2 * 86400)))"
fails "--date a year ahead as a day, on check" 2 "a typo\?" \
	spiral check "$B" -m "too far" --date "$(from_now $((366 * 86400)) | cut -c1-10)"
same "nothing was written" "$n" "$(n_commits)"
clean "and nothing left behind"
in23h=$(from_now $((23 * 3600)))
ok "--date 23 hours ahead is taken (time zones)" spiral scan "$B" -m "tomorrow" \
	--date "$in23h"
same "and stored as given" "$in23h" "$(key "$(entry_file "$B" "tomorrow")" date)"
ok "GIT_AUTHOR_DATE two days ahead is taken (a wrong clock is allowed)" \
	env GIT_AUTHOR_DATE="$(from_now $((2 * 86400)))" "$SPIRAL" focus "$B" -m "clock"

# ---- a back-dated entry still follows what its writer had seen --------------
C=$(spiral new "C back-dated" -q)
spiral scan "$C" -m "scan C" >/dev/null
spiral focus "$C" -m "focus C" >/dev/null
spiral hunch "$C" -m "hunch C" >/dev/null
ok "act --date 2020-01-01 after hunch" spiral act "$C" -m "act C" --date 2020-01-01
matches "act names check as next" "^Next: check: " "$OUT"
same "stored as given" "2020-01-01T00:00:00+00:00" "$(key "$(entry_file "$C" "act C")" date)"
same "it sorts after hunch" "scan focus hunch act" "$(phases "$C")"
agree "after a back-dated act" "$C" act check
ok "log of the inquiry" spiral log "$C" --format json
same "log: newest first in causal order, the back-dated act on top" \
	"act hunch focus scan" \
	"$(python3 -c 'import json,sys; print(" ".join(e["phase"] for e in json.load(sys.stdin)))' <<<"$OUT")"
ok "log of the whole repository" spiral log --format json
same "there too, act above hunch" "act C,hunch C" \
	"$(python3 -c 'import json,sys; print(",".join(t for t in (e["text"] for e in json.load(sys.stdin)) if t in ("act C","hunch C")))' <<<"$OUT")"
ok "a note back-dated by the clock" env GIT_AUTHOR_DATE=2019-06-01T00:00:00+00:00 \
	"$SPIRAL" note "$C" -m "old note"
ok "and an edit" env GIT_AUTHOR_DATE=2019-06-02T00:00:00+00:00 \
	"$SPIRAL" edit "$C" --title "C, renamed"
json "$C"
same "the edit applies although its date is older" "C, renamed" "$(py 'd["title"]')"
same "note, then change: each the next seq" "5 6" \
	"$(key "inquiries/${C:0:2}/$C"/notes/*.ini seq) $(key "inquiries/${C:0:2}/$C"/changes/*title*.ini seq)"
ok "close, reopen and resolve write seq too" spiral close "$C"
ok "reopen" spiral reopen "$C"
same "close and reopen: 7 then 8" "7 8" "$(for v in closed active; do
	key "$(grep -l -x "value = $v" "inquiries/${C:0:2}/$C"/changes/*status*.ini)" seq
done | tr '\n' ' ' | sed 's/ $//')"
ok "a phase with --tag and --close: one seq for the write" spiral check "$C" \
	-m "done" --tag order --close
same "seq 9: the check entry, the tag and the status changes" \
	"changes/status changes/tag entries/check" \
	"$(grep -l -r -x "seq = 9" "inquiries/${C:0:2}/$C" |
		sed 's|.*/\([a-z]*\)/[0-9TZ]*-\([a-z]*\)-.*|\1/\2|' | sort | tr '\n' ' ' | sed 's/ $//')"
json "$C"
same "the last write wins: closed" closed "$(py 'd["status"]')"

# ---- six phases within one second -------------------------------------------
D=$(spiral new "D quick" -q)
for p in scan focus hunch learn act check; do
	GIT_AUTHOR_DATE=2026-06-01T09:00:00+12:00 spiral "$p" "$D" -m "quick $p" >/dev/null
done
same "six phases in one second keep their order" "scan focus hunch learn act check" \
	"$(phases "$D")"
same "all six keep the date they were given" "2026-06-01T09:00:00+12:00" \
	"$(sed -n 's/^date = //p' "inquiries/${D:0:2}/$D"/entries/*.ini | sort -u)"
# A check without a verdict: next, its verdict (a check).
agree "six quick phases" "$D" check check
E=$(spiral new "E quick, clock" -q)
for p in scan focus hunch learn act check; do spiral "$p" "$E" -m "clock $p" >/dev/null; done
same "and with the clock" "scan focus hunch learn act check" "$(phases "$E")"

# ---- hand-written records without seq ---------------------------------------
H=$(spiral new "H by hand" -q)
dir="inquiries/${H:0:2}/$H"
mkdir -p "$dir/entries"
hand() { # DATE PHASE ID TEXT
	printf '[entry]\nphase = %s\ndate = %s\nauthor = Hand Editor\ncycle = 1\n[text]\np = %s\n' \
		"$2" "$1" "$4" >"$dir/entries/$(echo "$1" | tr -d ':-' | cut -c1-15)Z-$2-$3.ini"
}
hand 2026-03-01T00:00:00Z learn "$(printf '%032d' 0 | tr 0 b)" "hand learn"
hand 2026-02-01T00:00:00Z focus "$(printf '%032d' 0 | tr 0 c)" "hand focus"
hand 2026-02-01T00:00:00Z scan "$(printf '%032d' 0 | tr 0 a)" "hand scan"
git add "$dir" && git commit -q -m "entries by hand"
ok "fsck takes entries without seq" spiral fsck
same "they sort by date, then id" "scan focus learn" "$(phases "$H")"
agree "hand-written only" "$H" learn act
ok "a spiral entry dated before them" spiral act "$H" -m "act H" --date 2025-01-01
same "its seq is 1" 1 "$(key "$(entry_file "$H" "act H")" seq)"
same "it sorts after every record without seq" "scan focus learn act" "$(phases "$H")"
agree "after the hand-written ones" "$H" act check

# ---- a bad seq is a problem with file and line ------------------------------
K=$(spiral new "K broken" -q)
dir="inquiries/${K:0:2}/$K"
mkdir -p "$dir/entries" "$dir/notes" "$dir/changes"
i=0
for bad in 0 -1 1.5 9007199254740993 abc "" " 7x"; do
	i=$((i + 1))
	printf '[entry]\nphase = scan\ndate = 2026-01-01T00:00:00+00:00\nseq = %s\nauthor = Hand\ncycle = 1\n[text]\np = bad %s\n' \
		"$bad" "$i" >"$dir/entries/20260101T000000Z-scan-$(printf '%032x' "$i").ini"
done
printf '[note]\ndate = 2026-01-01T00:00:00+00:00\nauthor = Hand\nseq = two\n[text]\np = bad note\n' \
	>"$dir/notes/20260101T000000Z-$(printf '%032x' 20).ini"
printf '[change]\n\ndate = 2026-01-01T00:00:00+00:00\nseq = 1e3\nauthor = Hand\nfield = title\nop = set\nvalue = x\n' \
	>"$dir/changes/20260101T000000Z-title-$(printf '%032x' 21).ini"
printf '[entry]\nphase = focus\ndate = 2026-01-01T00:00:00+00:00\nseq = 9007199254740992\nauthor = Hand\ncycle = 1\n[text]\np = at the ceiling\n' \
	>"$dir/entries/20260101T000000Z-focus-$(printf '%032x' 30).ini"
fails "fsck finds the bad seqs" 1 "" spiral fsck
fsck_out=$OUT
for i in 1 2 3 4 5 6 7; do
	matches "fsck: bad seq $i, with file and line" \
		"^$dir/entries/20260101T000000Z-scan-$(printf '%032x' "$i")\.ini:4: seq: " "$fsck_out"
done
matches "fsck: a note's bad seq" "^$dir/notes/20260101T000000Z-$(printf '%032x' 20)\.ini:4: seq: 'two'" "$fsck_out"
matches "fsck: a change's bad seq" "^$dir/changes/20260101T000000Z-title-$(printf '%032x' 21)\.ini:4: seq: '1e3'" "$fsck_out"
same "fsck: nine problems, the ceiling is not one" 9 "$(grep -c "^$dir/" <<<"$fsck_out")"
ok "the rest still reads" spiral show "$K" --format json
same "only the good entry" "at the ceiling" \
	"$(printf '%s' "$OUT" | python3 -c "import json, sys; print(' '.join(e['text'] for e in json.load(sys.stdin)['entries']))")"
ok "a write at the ceiling still works" spiral act "$K" -m "past the ceiling"
same "it stays at 2^53 (a tie, then by date)" 9007199254740992 \
	"$(key "$(entry_file "$K" "past the ceiling")" seq)"
same "and sorts by date" "focus act" "$(phases "$K")"

# ---- two clones write without seeing each other -----------------------------
new_repo hub-src
M=$(spiral new "M shared" -q)
GIT_AUTHOR_DATE=2026-06-01T09:00:00+12:00 spiral scan -m "scan M" >/dev/null
git clone -q --bare . "$SANDBOX/hub.git"
for side in a b; do
	git clone -q "$SANDBOX/hub.git" "$SANDBOX/$side"
	git -C "$SANDBOX/$side" config spiral.school "School $side"
	git -C "$SANDBOX/$side" config spiral.current "$M"
done
cd "$SANDBOX/a"
GIT_AUTHOR_DATE=2026-06-10T09:00:00+12:00 spiral focus -m "A focus" >/dev/null
GIT_AUTHOR_DATE=2026-06-12T09:00:00+12:00 spiral act -m "A act" >/dev/null
GIT_AUTHOR_DATE=2026-06-30T09:00:00+12:00 spiral check -m "A check" >/dev/null
git push -q origin HEAD:a
cd "$SANDBOX/b"
# B's clock is behind for the first write, ahead for the second.
GIT_AUTHOR_DATE=2026-06-05T09:00:00+12:00 spiral hunch -m "B hunch" >/dev/null
GIT_AUTHOR_DATE=2026-06-20T09:00:00+12:00 spiral learn -m "B learn" >/dev/null
GIT_AUTHOR_DATE=2026-06-30T09:00:00+12:00 spiral check -m "B check" >/dev/null
git push -q origin HEAD:b
same "A's seqs" "2 3 4" "$(cd "$SANDBOX/a" && for t in "A focus" "A act" "A check"; do
	key "$(entry_file "$M" "$t")" seq; done | tr '\n' ' ' | sed 's/ $//')"
same "B's seqs" "2 3 4" "$(for t in "B hunch" "B learn" "B check"; do
	key "$(entry_file "$M" "$t")" seq; done | tr '\n' ' ' | sed 's/ $//')"
for side in a b; do
	other=$([ "$side" = a ] && echo b || echo a)
	cd "$SANDBOX/$side"
	git fetch -q origin
	ok "$side: stock git merges the other side" git merge -q --no-edit "origin/$other"
	clean "$side: clean after the merge"
done
# Same seq: by date, then id.  A check and B check share seq and date.
cd "$SANDBOX/a"
J=$(spiral show --format json)
checks=$(py '"|".join(e["text"] for e in d["entries"] if e["phase"] == "check")')
want=$(py '"|".join(t for i, t in sorted((e["id"], e["text"]) for e in d["entries"] if e["phase"] == "check"))')
same "concurrent records with equal seq and date sort by id" "$want" "$checks"
same "each after what its writer saw, concurrent ones by date" \
	"scan M|B hunch|A focus|A act|B learn|$checks" \
	"$(py '"|".join(e["text"] for e in d["entries"])')"
show_a=$(spiral show --format json)
list_a=$(spiral list --format json)
cd "$SANDBOX/b"
same "show --format json is byte-identical in both clones" "$show_a" \
	"$(spiral show --format json)"
same "and list" "$list_a" "$(spiral list --format json)"
agree "b after merging" "$M" check check
# B, having seen everything, writes with a clock years behind.
ok "b writes after the merge, with an old clock" env \
	GIT_AUTHOR_DATE=2020-01-01T00:00:00+00:00 "$SPIRAL" scan -m "B after all"
same "its seq follows everything it saw" 5 "$(key "$(entry_file "$M" "B after all")" seq)"
git push -q origin HEAD:b
cd "$SANDBOX/a"
git fetch -q origin
ok "a merges it with stock git" git merge -q --no-edit origin/b
same "it sorts last in a too" "B after all" \
	"$(spiral show --format json | python3 -c "import json, sys; print(json.load(sys.stdin)['entries'][-1]['text'])")"
agree "a after merging the old-clock scan" "$M" scan focus
same "a and b agree" "$(spiral show --format json)" "$(cd "$SANDBOX/b" && spiral show --format json)"

finish
