#!/usr/bin/env bash
# The cache of parsed inquiries (.git/spiral/cache): never the source of
# truth.  Deleted, damaged or stale it changes no output; HEAD moved by
# spiral or by stock git is seen at once; hand edits not committed are seen
# by show, status and fsck, and by list, log and report once committed.
. "$(dirname "$0")/lib.sh"
GEN="$(cd "$(dirname "$0")/../.." && pwd)/bench/gen.py"

CACHE=.git/spiral/cache
# Every reading command's output, one file per command.
snapshot() {
	local d=$SANDBOX/snap-$1
	rm -rf "$d" && mkdir -p "$d"
	spiral list --status all --format json >"$d/list" 2>"$d/list.err"
	spiral list --status all >"$d/table" 2>/dev/null
	spiral log --format json >"$d/log" 2>"$d/log.err"
	spiral report --format json 2>/dev/null | sed 's/"generated":"[^"]*"//' >"$d/report"
	spiral search writing --format json >"$d/search" 2>/dev/null
	spiral export >"$d/export" 2>/dev/null
	spiral status --format json >"$d/status" 2>/dev/null
	# show's lineage (--continues both ways) reads the cache's links.
	spiral show "$A" --format json >"$d/show-a" 2>/dev/null
	spiral show "$C" --format json >"$d/show-c" 2>/dev/null
	spiral show "$D" >"$d/show-d" 2>/dev/null
}
same_snap() { # DESC A B
	if diff -r "$SANDBOX/snap-$2" "$SANDBOX/snap-$3" >"$SANDBOX/diff"; then
		pass "$1"
	else
		fail "$1" "$(head -20 "$SANDBOX/diff")"
	fi
}
new_repo
A=$(spiral new "Boys' writing in Year 7" -q --tag writing --learners "Year 7 boys")
spiral scan -m "Only 4 of 18 boys finish a story." --measure stories=4 >/dev/null
spiral act -m "Daily free writing, ten minutes" --target stories=12 >/dev/null
B=$(spiral new "Māori whānau and attendance" -q --tag attendance)
spiral note -m "Kia ora, he pai" >/dev/null
spiral edit "$A" --title "Writing: Year 7 boys" >/dev/null
C=$(spiral new "Writing in Year 8" -q --continues "$A")
D=$(spiral new "Writing in Year 9" -q --continues "$C")
spiral new "Writing, Year 8 too" -q --continues "$A" >/dev/null
export SPIRAL_NOW=2026-12-01T00:00:00Z

# ---- made, kept, rebuilt ------------------------------------------------------
rm -rf .git/spiral
snapshot cold
[ -f "$CACHE" ] && pass "a reading command makes the cache" || fail "a reading command makes the cache" "$(ls -la .git)"
snapshot warm
same_snap "the cache changes no output (cold = warm)" cold warm
rm -rf .git/spiral
snapshot deleted
same_snap "deleting the cache loses nothing" cold deleted
ok "git sees a clean repository with a cache" true
clean "the cache is not tracked, git status is clean"

# ---- damaged caches: ignored and rebuilt ------------------------------------
for damage in truncate garbage empty magic; do
	case $damage in
	truncate) head -c 300 "$CACHE" >"$CACHE.x" && mv "$CACHE.x" "$CACHE" ;;
	garbage) head -c 5000 /dev/urandom >"$CACHE" ;;
	empty) : >"$CACHE" ;;
	magic) printf 'spiral-cache 1\n\0' | cat - /dev/zero | head -c 4096 >"$CACHE" ;;
	esac
	snapshot "damaged-$damage"
	same_snap "a $damage cache reads as none" cold "damaged-$damage"
done
# Slots pointing past the end: a cache whose body was cut.
size=$(stat -c %s "$CACHE")
head -c $((size - 100)) "$CACHE" >"$CACHE.x" && mv "$CACHE.x" "$CACHE"
snapshot cut
same_snap "a cache cut short reads as none" cold cut

# A cache that cannot be written: commands still work, same output.
rm -rf .git/spiral && printf 'not a folder\n' >.git/spiral
snapshot unwritable
same_snap "a cache that cannot be written changes nothing" cold unwritable
same "the file in its way is left alone" "not a folder" "$(cat .git/spiral)"
rm -f .git/spiral
# A link in its place is neither followed nor written through.
mkdir -p .git/spiral && printf 'precious\n' >"$SANDBOX/precious"
ln -s "$SANDBOX/precious" "$CACHE"
snapshot linked
same_snap "a cache that is a link is not read" cold linked
same "nor written through" "precious" "$(cat "$SANDBOX/precious")"

# ---- HEAD moves: seen at once -------------------------------------------------
snapshot before
spiral learn "$B" -m "Whānau hui on Thursday" >/dev/null
ok "log after a write" spiral log --format json
json_check "the new entry is in log at once" "assert any(e['text']=='Whānau hui on Thursday' for e in d), d"
ok "list after a write" spiral list --status all --format json
json_check "its inquiry's phase is updated" "assert [q['phase'] for q in d if q['id']=='$B']==['learn'], d"
git reset -q --hard HEAD~1
snapshot reset
same_snap "git reset --hard back: the cache follows HEAD" before reset
# The cache notes the commit it was last found to be of (bytes 60-79 of
# its head): a commit that changes nothing under inquiries/ is noted there
# at the next read, and HEAD moved back to an older commit is still seen.
cache_commit() { od -An -tx1 -j60 -N20 "$CACHE" | tr -d ' \n'; }
same "the cache names HEAD's commit" "$(git rev-parse HEAD)" "$(cache_commit)"
printf 'outside inquiries/\n' >notes.txt && git add notes.txt && git commit -qm "not an inquiry"
snapshot outside
same_snap "a commit outside inquiries/: the same output" before outside
same "and the cache names that commit now" "$(git rev-parse HEAD)" "$(cache_commit)"
spiral learn "$B" -m "Whānau hui on Friday" >/dev/null
git reset -q --hard HEAD~2
snapshot reset2
same_snap "HEAD moved back two commits: the cache follows it" before reset2
same "and names the commit it is of" "$(git rev-parse HEAD)" "$(cache_commit)"
# A stock git pull of another clone's work.
git clone -q . "$SANDBOX/other"
(cd "$SANDBOX/other" && git config spiral.school "Ōtaki School" &&
	"$SPIRAL" check "$A" -m "Eleven finish now" --measure stories=11 --verdict partly >/dev/null &&
	"$SPIRAL" new "Numeracy in Year 4" -q --tag numeracy >/dev/null)
git pull -q --no-rebase --no-edit "$SANDBOX/other" main
ok "log after git pull" spiral log --format json
json_check "the pulled entry is there" "assert any(e['text']=='Eleven finish now' for e in d), d"
ok "list after git pull" spiral list --status all --format json
json_check "the pulled inquiry is there" "assert any(q['title']=='Numeracy in Year 4' for q in d), d"
snapshot pulled
rm -rf .git/spiral
snapshot pulled-cold
same_snap "after a pull, cached = read afresh" pulled pulled-cold

# ---- hand edits -----------------------------------------------------------------
file=$(git ls-files "inquiries/*/$A/inquiry.ini")
sed -i 's/^learners = .*/learners = Year 7 and 8 boys/' "$file"
ok "show sees a hand edit" spiral show "$A" --format json
json_check "show: the edited learners" "assert d['learners']=='Year 7 and 8 boys', d['learners']"
ok "status names it" spiral status
matches "status: uncommitted, and who does not see it" "Uncommitted hand edits.*list, log, report" "$(tr -d '\n' <<<"$OUT")"
matches "status: the file" "$file" "$OUT"
ok "list: what is committed" spiral list --status all --format json
json_check "list does not see it yet" "assert [q['learners'] for q in d if q['id']=='$A']==['Year 7 boys'], d"
git commit -qam "learners, by hand"
ok "list after the commit" spiral list --status all --format json
json_check "list sees it once committed" "assert [q['learners'] for q in d if q['id']=='$A']==['Year 7 and 8 boys'], d"

# A malformed file committed: the same problem, cold and warm.
dir=$(dirname "$file")
printf '[entry]\nphase = act\nno equals sign here\n' >"$dir/entries/20260101T000000Z-act-$(printf '%032x' 7).ini"
git add -A && git commit -qm "a broken entry"
rm -rf .git/spiral
spiral list --status all >/dev/null 2>"$SANDBOX/cold.err"
spiral list --status all >/dev/null 2>"$SANDBOX/warm.err"
matches "cold: the problem is reported" "spiral fsck" "$(cat "$SANDBOX/cold.err")"
same "warm: the same report" "$(cat "$SANDBOX/cold.err")" "$(cat "$SANDBOX/warm.err")"

# ---- a log larger than the output buffer: streamed whole ---------------------
# 1,500 entries (about 750 KB of CSV) go out in pieces as they are made.
python3 "$GEN" "$SANDBOX/gen" --schools 3 --inquiries 90 --entries 1500 \
	--notes 100 --force >/dev/null 2>&1 || fail "bench/gen.py makes a cluster" "exit $?"
cd "$SANDBOX/gen/cluster"
spiral list --status all --format json >"$SANDBOX/gl.json"
want=$(python3 -c 'import json,sys; print(sum(q["entries"] for q in json.load(open(sys.argv[1]))))' "$SANDBOX/gl.json")
spiral log --format csv >"$SANDBOX/log-cold.csv"
spiral log --format csv >"$SANDBOX/log-warm.csv"
size=$(stat -c %s "$SANDBOX/log-warm.csv")
[ "$size" -gt 600000 ] && pass "the log is larger than the buffer ($size bytes)" || fail "the log is larger than the buffer" "$size"
same "a streamed log: cold = warm" "$(md5sum <"$SANDBOX/log-cold.csv")" "$(md5sum <"$SANDBOX/log-warm.csv")"
got=$(python3 -c 'import csv,sys; print(len(list(csv.reader(open(sys.argv[1], newline=""))))-1)' "$SANDBOX/log-warm.csv")
same "every entry once in the streamed CSV" "$want" "$got"
spiral log --format json >"$SANDBOX/log.json"
got=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d), len({(e["inquiry"], e["id"]) for e in d}))' "$SANDBOX/log.json")
same "every entry once in the streamed JSON" "$want $want" "$got"
got=$(spiral log --format json -n 7 | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
same "log -n 7 streamed" "7" "$got"
"$SPIRAL" log --format csv 2>"$SANDBOX/pipe.err" | head -c 1000 >/dev/null
same "a reader that goes away: exit 0, quietly" "0 " "${PIPESTATUS[0]} $(cat "$SANDBOX/pipe.err")"

# ---- a first read: the cache made an inquiry at a time ------------------------
# Its parts go to files as they grow (64 KB at a time: this cluster's texts
# are several times that), the cache is written, then read as any other.
rm -rf .git/spiral
spiral export >"$SANDBOX/export-cold"
spiral export >"$SANDBOX/export-warm"
same "a cache made in pieces: cold = warm" "$(md5sum <"$SANDBOX/export-cold")" "$(md5sum <"$SANDBOX/export-warm")"
same "no piece is left beside the cache" "cache" "$(ls .git/spiral)"
rm -rf .git/spiral && printf 'not a folder\n' >.git/spiral
spiral export >"$SANDBOX/export-nocache"
same "read straight from git when no cache can be made: the same" "$(md5sum <"$SANDBOX/export-cold")" "$(md5sum <"$SANDBOX/export-nocache")"
rm -f .git/spiral
# One inquiry changed: the others are taken from the old cache as they are.
first=$(spiral list --status all --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
spiral note "$first" -m "One more note" >/dev/null
spiral export >"$SANDBOX/export-one"
rm -rf .git/spiral
spiral export >"$SANDBOX/export-one-cold"
same "a cache rebuilt around one changed inquiry: as made afresh" "$(md5sum <"$SANDBOX/export-one-cold")" "$(md5sum <"$SANDBOX/export-one")"
# ---- a first read from the work tree ------------------------------------------
# (90 inquiries: more than the 64 a first read hands to its reader threads
# on a machine of two processors or more.)
# An inquiry folder that the work tree has exactly as HEAD has it (the tree
# ID of what is there says so) is read from its files, not from git's packs;
# any other from git.  Whatever is not committed is never seen by the cache.
spiral export >"$SANDBOX/export-head"
rm -rf .git/spiral
spiral export >"$SANDBOX/export-clean"
same "a first read from a clean work tree: as read from git" "$(md5sum <"$SANDBOX/export-head")" "$(md5sum <"$SANDBOX/export-clean")"
mapfile -t qd < <(git ls-files 'inquiries/*/inquiry.ini' | head -8 | xargs -n1 dirname)
sed -i 's/^title = .*/title = Edited, not committed/' "${qd[0]}/inquiry.ini"
ls "${qd[1]}"/entries/*.ini >/dev/null && printf '[entry]\nphase = act\n' >"${qd[1]}/entries/20300101T000000Z-act-$(printf '%032x' 9).ini"
chmod +x "${qd[2]}/inquiry.ini"
rm -f "$(ls "${qd[3]}"/entries/*.ini | head -1)"
victim=$(ls "${qd[4]}"/entries/*.ini | head -1)
rm -f "$victim" && ln -s /etc/passwd "$victim"
mkdir "${qd[5]}/pictures" && printf 'x\n' >"${qd[5]}/pictures/a.txt"
mkdir "${qd[6]}/entries/old" && printf 'x\n' >"${qd[6]}/entries/old/a.ini"
printf '[entry]\nphase = act\n' >"${qd[7]}/entries/.swap.ini" && chmod 000 "${qd[7]}/entries/.swap.ini"
rm -rf .git/spiral
spiral export >"$SANDBOX/export-dirty" 2>"$SANDBOX/export-dirty.err"
same "edits, new files, modes, links and folders not committed: a first read sees HEAD" \
	"$(md5sum <"$SANDBOX/export-head") " "$(md5sum <"$SANDBOX/export-dirty") $(cat "$SANDBOX/export-dirty.err")"
same "and the next read the same" "$(md5sum <"$SANDBOX/export-head")" "$(spiral export | md5sum)"
git checkout -q -- . && git clean -qfd
same "the work tree put back: clean again" "" "$(git status --porcelain)"
# A file larger than spiral reads, committed: read from git, which says so.
big="${qd[0]}/entries/20300101T000000Z-act-$(printf '%032x' 10).ini"
head -c 1100000 /dev/zero | tr '\0' 'a' >"$big"
git add "$big" && git commit -qm "a file too large"
rm -rf .git/spiral
spiral list --status all >/dev/null 2>"$SANDBOX/big-cold.err"
spiral list --status all >/dev/null 2>"$SANDBOX/big-warm.err"
matches "a file too large: a problem on a first read" "larger than 1 MiB" "$(cat "$SANDBOX/big-cold.err")"
same "and the same on the next" "$(cat "$SANDBOX/big-cold.err")" "$(cat "$SANDBOX/big-warm.err")"
git rm -q "$big" && git commit -qm "too large: gone"
before_pieces=$(git rev-parse HEAD^{tree})
# What the work tree gives is taken only when it hashes to HEAD's tree: a
# file git has as executable, files of 16 KB and more (read in pieces), and
# a record folder of 1,200 files (more names than one getdents64 call
# gives) each read cold as git has them.  The reference: a read with no
# cache, straight from git.
from_git() { rm -rf .git/spiral && printf 'no cache\n' >.git/spiral && spiral export && rm -f .git/spiral; }
git update-index --chmod=+x "${qd[1]}/inquiry.ini" && git checkout -q -- "${qd[1]}/inquiry.ini"
mkdir -p "${qd[2]}/notes" "${qd[3]}/notes"
python3 - "${qd[2]}/notes" "${qd[3]}/notes" <<'PY'
import sys
head = "[note]\ndate = 2030-01-01T00:00:00Z\nauthor = T\n[text]\np = Kia ora\n"
for size in (16383, 16384, 16385, 50000):
    body = head
    while len(body) < size:  # continuation lines of 60 bytes, then one to fit
        body += "  " + "k" * min(57, size - len(body) - 3) + "\n"
    assert len(body) == size, (size, len(body))
    open("%s/20300101T000000Z-%032x.ini" % (sys.argv[1], size), "w").write(body)
for i in range(1, 1201):
    open("%s/20300102T000000Z-%032x.ini" % (sys.argv[2], i), "w").write(
        "[note]\ndate = 2030-01-02T00:00:00Z\nauthor = T\n[text]\np = Note %d, kia ora\n" % i)
PY
git add "${qd[2]}/notes"
git add "${qd[3]}/notes" && git commit -qm "an executable file, large files, a large folder"
same "those files are committed as made" "100755 $(stat -c %s "${qd[2]}/notes/20300101T000000Z-$(printf '%032x' 16384).ini")" \
	"$(git ls-files -s "${qd[1]}/inquiry.ini" | cut -c1-6) 16384"
from_git >"$SANDBOX/export-git"
rm -rf .git/spiral
spiral export >"$SANDBOX/export-pieces-cold"
same "executable, large files, a large folder: a first read as git has them" \
	"$(md5sum <"$SANDBOX/export-git")" "$(md5sum <"$SANDBOX/export-pieces-cold")"
same "and the next read the same" "$(md5sum <"$SANDBOX/export-git")" "$(spiral export | md5sum)"
same "every note of them read, without a problem" "1200 4 " \
	"$(grep -o 'Note [0-9]*, kia ora' "$SANDBOX/export-pieces-cold" | sort -u | wc -l) $(grep -o '"text":"Kia ora kkkk' "$SANDBOX/export-pieces-cold" | wc -l) $(spiral list --status all 2>&1 >/dev/null)"
git rm -q "${qd[2]}/notes/20300101T"* "${qd[3]}/notes/20300102T"* && git update-index --chmod=-x "${qd[1]}/inquiry.ini" &&
	git commit -qm "put back" && git checkout -q -- .
same "put back as it was" "$before_pieces" "$(git rev-parse HEAD^{tree})"

# A disk that fills while the cache is made (as root, on a tiny tmpfs):
# the command reads git instead and says nothing of it.
rm -rf .git/spiral && mkdir .git/spiral
if mount -t tmpfs -o size=64k tmpfs .git/spiral 2>/dev/null; then
	spiral export >"$SANDBOX/export-full" 2>"$SANDBOX/export-full.err"
	same "a full disk while the cache is made: the same output, no error" \
		"$(md5sum <"$SANDBOX/export-one-cold") " \
		"$(md5sum <"$SANDBOX/export-full") $(cat "$SANDBOX/export-full.err")"
	umount .git/spiral
else
	echo "note: cannot mount a tmpfs here (not root?): the full-disk case is skipped"
fi

finish
