#!/bin/bash
# search and match: a phrase planted in a pulled repository is found
# whatever its case and macrons, best first, in every format; match ranks a
# near-duplicate inquiry of another school first, with the shared tag and
# words as its reasons; match --schools ranks whole schools.
. "$(dirname "$0")/lib.sh"

# ------------------------------------------------------------ two schools
# Tōtara College: the planted phrase, and the near-duplicate of Kōwhai's
# oral language inquiry.
new_repo totara "Tōtara College"
dup=$(spiral new "Oral language through talk partners" --tag oral-language \
	--tag writing --learners "Year 7 Pasifika boys" -q)
spiral scan -m "Our Year 7 boys rarely talk in class discussions; talk partners \
might give them rehearsal before writing." >/dev/null
spiral focus -m "Oral language: structured talk partners before every writing task." >/dev/null
spiral hunch -m "We talk too much ourselves and leave no room for partners to rehearse." \
	--evidence "Recorded lessons: teacher talk 80% of the time" >/dev/null
planted_entry=$(spiral learn -m "We visited the marae to learn about Kaupapa MĀORI \
pedagogy with our whānau." >/dev/null && spiral show --format json |
	python3 -c "import json,sys; print(json.load(sys.stdin)['entries'][-1]['id'])")
other=$(spiral new "Numeracy with place value" --tag maths --learners "Year 3" -q)
spiral scan -m "Place value gaps in Year 3; fractions too." >/dev/null
spiral note "$other" -m "Ask the maths lead about kaupapa." >/dev/null

# Awa Primary: a third school with little in common.
new_repo awa "Awa Primary"
spiral new "Attendance after lunch" --tag attendance --learners "Year 5" -q >/dev/null
spiral scan -m "Attendance drops after lunch on Fridays." >/dev/null

# Kōwhai Intermediate pulls both.
new_repo kowhai "Kōwhai Intermediate"
ours=$(spiral new "Talk partners for oral language" --tag oral-language \
	--learners "Year 7 boys" -q)
spiral scan -m "Our Year 7 boys seldom talk in discussions; talk partners could \
help them rehearse ideas before writing." >/dev/null
spiral focus -m "Oral language, with talk partners before writing." >/dev/null
spiral hunch -m "Our own talk leaves little room for partners to rehearse." >/dev/null
spiral remote add totara "$SANDBOX/totara" >/dev/null
spiral remote add awa "$SANDBOX/awa" >/dev/null
ok "pull the other schools" spiral pull --all

# ------------------------------------------------------------------ search
ok "search without case or macrons" spiral search "kaupapa maori" --format json
json_check "the planted entry is the first hit, with the contract's keys" "
h = d[0]
assert set(h) >= {'inquiry','title','school','entry','phase','score','snippet'}, h
assert h['inquiry'] == '$dup' and h['entry'] == '$planted_entry', h
assert h['school'] == 'Tōtara College' and h['phase'] == 'learn', h
assert isinstance(h['score'], (int, float)) and h['score'] > 0, h
assert 'Kaupapa MĀORI' in h['snippet'] and '\n' not in h['snippet'], h
assert len(d) == 1, d  # the note says kaupapa but not maori"
ok "one word finds the entry and the note" spiral search KAUPAPA --format json
json_check "both, each once, the note with no entry or phase" "
kinds = sorted((h['entry'] is None, h['phase']) for h in d)
assert len(d) == 2, d
assert [h for h in d if h['entry'] is None][0]['phase'] is None, d
assert [h for h in d if h['entry'] is None][0]['inquiry'] == '$other', d"
ok "decomposed accents in the query" spiral search "$(printf 'ma\xcc\x84ori')" --format json
json_check "found too" "assert len(d) == 1 and d[0]['entry'] == '$planted_entry', d"
ok "a title is found" spiral search "place VALUE" --format json
json_check "the inquiry itself ranks first, entry null" "
assert d[0]['inquiry'] == '$other', d
assert d[0]['entry'] is None and d[0]['phase'] is None, d
assert d[0]['score'] >= d[-1]['score'], d"
ok "evidence is searched" spiral search "recorded lessons" --format json
json_check "the hunch with that evidence" "assert len(d) == 1 and d[0]['phase'] == 'hunch', d"
ok "filters apply" spiral search kaupapa --school "kōwhai intermediate" --format json
same "nothing at Kōwhai" "[]" "$OUT"
ok "--phase keeps entries of that phase" spiral search kaupapa --phase learn --format json
json_check "only the learn entry" "assert [h['phase'] for h in d] == ['learn'], d"
ok "-n limits the hits" spiral search talk -n 1 --format json
json_check "one hit" "assert len(d) == 1, d"
ok "nothing found" spiral search zebra --format json
same "an empty array" "[]" "$OUT"
ok "search as a table" spiral search "kaupapa maori"
matches "a header and the hit" "^SCORE +INQUIRY +TITLE.*
.*Tōtara College +learn .*Kaupapa MĀORI" "$OUT"
ok "search as CSV" spiral search "kaupapa maori" --format csv
printf '%s' "$OUT" >"$SANDBOX/search.csv"
same "CSV parses, with the contract's columns" "inquiry title school entry phase score snippet kind
$dup $planted_entry learn" "$(python3 -c "import csv,sys
r = list(csv.reader(open(sys.argv[1], newline='')))
print(*r[0]); print(r[1][0], r[1][3], r[1][4])" "$SANDBOX/search.csv")"
ok "search as Markdown" spiral search "kaupapa maori" --format md
matches "a Markdown table" "^\| SCORE \|" "$OUT"
fails "an empty query is a usage error" 2 "QUERY" spiral search ""
fails "no query is a usage error" 2 "" spiral search
fails "a query of no words is a usage error" 2 "no word" spiral search "!!"
fails "two queries are a usage error" 2 "" spiral search a b
fails "an unknown option" 2 "" spiral search x --bogus

# ------------------------------------------------------------------- match
ok "match the current inquiry" spiral match --format json
json_check "the near-duplicate first, with its shared tag and words" "
m = d[0]
assert set(m) >= {'id','title','school','score','reasons'}, m
assert m['id'] == '$dup' and m['school'] == 'Tōtara College', d
assert 'shared tag: oral-language' in m['reasons'], m
w = [r for r in m['reasons'] if r.startswith('shared words: ')][0]
assert 'talk' in w and 'partners' in w, m
assert all(x['school'] != 'Kōwhai Intermediate' for x in d), d
assert all(d[i]['score'] >= d[i+1]['score'] for i in range(len(d)-1)), d"
ok "match names an inquiry" spiral match "${ours:0:8}" --format json
first=$(printf '%s' "$OUT" | python3 -c "import json,sys; print(json.load(sys.stdin)[0]['id'])")
same "the same first" "$dup" "$first"
ok "match as a table" spiral match
matches "reasons shown" "shared tag: oral-language" "$OUT"
ok "match as CSV" spiral match --format csv
matches "CSV header" "^id,title,school,score,reasons" "$OUT"
ok "match from the other side" spiral -C "$SANDBOX/totara" match "$dup" --format json
same "nothing pulled there: no other school" "[]" "$OUT"
ok "match --schools" spiral match --schools --format json
json_check "Tōtara first, Kōwhai not listed, with reasons" "
assert set(d[0]) >= {'school','score','reasons'}, d
assert d[0]['school'] == 'Tōtara College', d
assert 'shared tag: oral-language' in d[0]['reasons'], d
assert all(x['school'] != 'Kōwhai Intermediate' for x in d), d"
ok "match --schools as a table" spiral match --schools
matches "a row for Tōtara" "Tōtara College" "$OUT"
fails "match takes one inquiry" 2 "" spiral match a b
fails "match an unknown inquiry" 1 "" spiral match ffffffff

# ------------------------------------------------- hostile text in a table
new_repo hostile "Kōwhai Intermediate"
spiral new "Bell $(printf '\033[31m') red" -q >/dev/null
spiral scan -m "$(printf 'ring the bell\033]0;pwned\007 now')" >/dev/null
ok "search hostile text" spiral search bell
if printf '%s' "$OUT" | grep -q "$(printf '\033')"; then
	fail "no escape character reaches the terminal" "$OUT"
else
	pass "no escape character reaches the terminal"
fi
matches "shown as visible escapes" '\\x1b' "$OUT"
ok "JSON keeps the exact text" spiral search bell --format json
json_check "the escape is in the JSON string" "assert any('\x1b' in h['snippet'] for h in d), d"

finish
