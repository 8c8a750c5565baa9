#!/usr/bin/env bash
# Hostile colleagues: repositories built with stock git plumbing (anything
# can be committed that way), pulled by a leader with spiral pull and cloned
# with spiral clone.  Symlinks where files and folders should be (at a
# secret in the sandbox, at another repository's inquiries), path tricks
# (.git-like names, "..", names with escapes and newlines, case twins, long
# names), a submodule, a .gitattributes asking for a filter, oversized files,
# escape sequences and HTML in every text field, invalid UTF-8, an ID of the
# leader's claimed by another file, records of a missing inquiry, a future
# format, a flood of tiny files.  For each: the outcome spiral(5) "Incoming
# files" documents; no secret in any output; no raw ESC, BEL or C1 in any
# table, csv or md output of list, show, log, status or fsck, valid JSON;
# markup carried as text; the leader's own data intact and the repository
# clean and fsck-clean.
#
# Knobs: HOSTILE_FLOOD tiny files in the flood (20000; 2000 under ASan,
# where a pull is ten times slower); the seconds it took are printed.
. "$(dirname "$0")/lib.sh"

hex32() { od -An -N16 -tx1 /dev/urandom | tr -d ' \n'; }
blob() { git hash-object -w --stdin; }
put() { git update-index --add --cacheinfo "$1,$2,$3"; }

json() { json_check "$@"; }

SECRET=secret-$(hex32)
printf '%s\n' "$SECRET" >"$SANDBOX/secret.txt"
MARKER=$SANDBOX/filter-ran
# The text put in every field: clear screen, OSC 52 (set the clipboard),
# BEL, C1 CSI (U+009B), a bidi override, and a script.
PAYLOAD=$'T\e[2J\e]52;c;SGk=\a\xc2\x9b31m<script>alert(1)</script>\xe2\x80\xaeZ'
# git refuses angle brackets in an identity: the author's has none.
AUTHOR=${PAYLOAD//[<>]/}

# checker MODE FILE: what is wrong with one output (nothing when fine).
# MODE text: valid UTF-8, no control character but newline and tab, no raw
# C1; json: also parses.  Bidi controls are reported as "bidi".
cat >"$SANDBOX/checker.py" <<'EOF'
import json, sys, unicodedata
mode, path, secret = sys.argv[1], sys.argv[2], sys.argv[3]
data = open(path, 'rb').read()
bad = []
if secret.encode() in data:
    bad.append('the secret')
try:
    text = data.decode('utf-8')
except UnicodeDecodeError as e:
    bad.append('invalid UTF-8 at byte %d' % e.start)
    text = data.decode('utf-8', 'replace')
for ch in sorted(set(text)):
    o = ord(ch)
    if (o < 0x20 and ch not in '\n\t') or 0x7f <= o <= 0x9f:
        bad.append('raw U+%04X' % o)
    elif 0x202a <= o <= 0x202e or 0x2066 <= o <= 0x2069:
        bad.append('bidi U+%04X' % o)
if mode == 'csv':
    bad = [b for b in bad if b != 'raw U+000D']  # RFC 4180 line ends
if mode == 'json':
    try:
        json.loads(text)
    except ValueError as e:
        bad.append('invalid JSON: %s' % e)
print('; '.join(bad))
EOF

# outputs_safe DESC: every reading command in every format, in $PWD; one
# check per command and format.
outputs_safe() {
	local desc=$1 ids cmd fmt out why n=0
	ids=$(spiral list --status all --format json | python3 -c \
		'import json,sys; print(" ".join(i["id"] for i in json.load(sys.stdin)))')
	for cmd in "list --status all" "log" "status" $(for i in $ids; do echo "show:$i"; done); do
		for fmt in table csv md json; do
			n=$((n + 1))
			out=$SANDBOX/out.$n
			# shellcheck disable=SC2086
			spiral ${cmd/:/ } --format "$fmt" >"$out" 2>"$out.err"
			why=$(python3 "$SANDBOX/checker.py" "$fmt" "$out" "$SECRET")
			why+="; $(python3 "$SANDBOX/checker.py" text "$out.err" "$SECRET")"
			check_why "$desc: ${cmd%%:*} --format $fmt" "$why" "$out"
		done
	done
	spiral fsck >"$SANDBOX/out.fsck" 2>&1
	why=$(python3 "$SANDBOX/checker.py" text "$SANDBOX/out.fsck" "$SECRET")
	check_why "$desc: fsck" "$why" "$SANDBOX/out.fsck"
}
check_why() {
	local rest
	rest=$(printf '%s' "$2" | tr ';' '\n' | grep -v '^ *$')
	if [ -n "$rest" ]; then
		fail "$1" "$2" "$(head -c 600 "$3" | od -c | head -n 8)"
	else
		pass "$1"
	fi
}

# graft TREE PATH MODE OID: TREE with PATH (components split at '/',
# anything else allowed: ".git", "..", escapes) set to MODE OID; prints the
# new tree.  Stock git's mktree checks no names.
graft() {
	python3 - "$@" <<'EOF'
import subprocess, sys
tree, path, mode, oid = sys.argv[1:5]
def ls(t):
    out = subprocess.run(['git', 'ls-tree', '-z', t], capture_output=True, check=True).stdout
    return [e for e in out.split(b'\0') if e]
def mk(entries):
    return subprocess.run(['git', 'mktree', '-z'], input=b'\0'.join(entries) + b'\0',
                          capture_output=True, check=True).stdout.strip().decode()
def put(t, parts):
    entries = ls(t) if t else []
    name = parts[0].encode('utf-8', 'surrogateescape')
    keep = [e for e in entries if e.split(b'\t', 1)[1] != name]
    if len(parts) == 1:
        kind = {'040000': 'tree', '160000': 'commit'}.get(mode, 'blob')
        new = ('%s %s %s\t' % (mode, kind, oid)).encode() + name
    else:
        sub = [e for e in entries if e.split(b'\t', 1)[1] == name]
        subtree = sub[0].split(b' ')[2].split(b'\t')[0].decode() if sub else None
        new = b'040000 tree ' + put(subtree, parts[1:]).encode() + b'\t' + name
    return mk(keep + [new])
print(put(tree, sys.argv[2].split('/')))
EOF
}
# commit_tree TREE MESSAGE: a commit of TREE on HEAD, HEAD moved to it.
commit_tree() {
	local c
	c=$(git commit-tree "$1" -p HEAD -m "$2") && git update-ref HEAD "$c"
}

# ---------------------------------------------------------------- the leader
new_repo elsewhere "Elsewhere School"
spiral new "Elsewhere's private inquiry" -q >/dev/null
spiral scan -m "Private: $SECRET" >/dev/null
new_repo leader "Leader School"
git config filter.evil.smudge "touch '$MARKER'; cat"
git config filter.evil.clean "touch '$MARKER'; cat"
git config filter.evil.required true
git config merge.evil.driver "touch '$MARKER'"
git config diff.evil.textconv "touch '$MARKER'; cat"
own=$(spiral new "Leader's own inquiry" --tag writing --team Aroha -q)
spiral scan -m "Our scan" --measure words=10 >/dev/null
spiral note -m "Our note" >/dev/null
ok "the leader's own inquiry" spiral show "$own" --format json
own_json=$OUT
own_files=$(git ls-tree -r HEAD -- "inquiries/${own:0:2}/$own" | sha1sum)

# ---------------------------------------------------------------- evil: one pull, many tricks
new_repo evil "Evil School"
gid=$(spiral new "A good inquiry" --tag writing -q)
spiral scan -m "A good scan" >/dev/null
g=inquiries/${gid:0:2}/$gid
note_blob=$(git rev-parse "HEAD:$(git ls-files "$g/notes/" "$g/entries/" | head -n 1)")
inquiry_blob=$(git rev-parse "HEAD:$g/inquiry.ini")
entry_file=$(git ls-files "$g/entries/" | head -n 1)
entry_blob=$(git rev-parse "HEAD:$entry_file")
declare -A WHY # path -> the reason the pull must give

# Links: a record at the secret, folders at another repository.
p=$g/notes/20260101T000000Z-$(hex32).ini
put 120000 "$(printf '%s' "$SANDBOX/secret.txt" | blob)" "$p"; WHY[$p]="a symbolic link"
x=$(hex32)
p=inquiries/${x:0:2}/$x
put 120000 "$(printf '%s' "$SANDBOX/elsewhere/inquiries" | blob)" "$p"; WHY[$p]="a symbolic link"
p=$g/entries/20260101T000000Z-scan-$(hex32).ini
put 120000 "$(printf '../../../../../secret.txt' | blob)" "$p"; WHY[$p]="a symbolic link"
# A submodule, with a .gitmodules naming a URL it would fetch.
p=$g/entries/20260102T000000Z-scan-$(hex32).ini
put 160000 "$(git rev-parse HEAD)" "$p"; WHY[$p]="a submodule"
p=.gitmodules
put 100644 "$(printf '[submodule "x"]\n\tpath = %s\n\turl = %s\n' "$g/entries/x" "$SANDBOX/elsewhere" | blob)" "$p"
WHY[$p]="outside spiral's layout"
# Sizes.
p=$g/notes/20260103T000000Z-$(hex32).ini
put 100644 "$( {
	git cat-file blob "$note_blob"
	head -c 1100000 /dev/zero | tr '\0' 'x' | fold -w 100 | sed 's/^/; /'
} | blob)" "$p"; WHY[$p]="larger than 1 MiB"
long=$(printf 'x%.0s' $(seq 1 200))
p=$g/notes/20260104T000000Z-$long-$(hex32).ini
put 100644 "$note_blob" "$p"; WHY[$p]="longer than 255 bytes"
# Names: case twins, not-an-ID folders, escapes in names.
p=inquiries/${gid:0:2}/$(printf '%s' "$gid" | tr a-f A-F)/inquiry.ini
put 100644 "$inquiry_blob" "$p"; WHY[$p]="not under inquiries/XX/ID/"
p=$g/entries/20260105t000000z-scan-$(hex32).ini
put 100644 "$entry_blob" "$p"; WHY[$p]="not an entry file name"
p=$g/notes/$'20260106T000000Z-\e[2J-'$(hex32).ini
put 100644 "$note_blob" "$p"; WHY[$p]="not a record file name"
# Invalid UTF-8 in a record.
p=$g/notes/20260107T000000Z-$(hex32).ini
put 100644 "$(git cat-file blob "$note_blob" | sed $'s/^p = .*/p = bad \xff\xfe byte/' | blob)" "$p"
WHY[$p]="does not parse"
# Records of an inquiry that is not there.
x=$(hex32)
p=inquiries/${x:0:2}/$x/entries/20260108T000000Z-scan-$(hex32).ini
put 100644 "$entry_blob" "$p"; WHY[$p]="a record of an inquiry that is not here"
# An inquiry folder under the wrong fan-out folder (the same ID twice).
p=inquiries/00/$gid/inquiry.ini
[ "${gid:0:2}" = 00 ] && p=inquiries/01/$gid/inquiry.ini
put 100644 "$inquiry_blob" "$p"; WHY[$p]="not under inquiries/XX/ID/"
# An inquiry.ini claiming the leader's own ID.
p=inquiries/${own:0:2}/$own/inquiry.ini
put 100644 "$(printf '[inquiry]\ntitle = Stolen\ncreated = 2026-01-01T00:00:00+00:00\nauthor = Evil\n' | blob)" "$p"
WHY[$p]="already here with other contents"
# A filter, a merge driver and a diff driver, configured in the leader's
# clone (as git-lfs would be): never run, since .gitattributes stays ours.
p=.gitattributes
put 100644 "$(printf '* filter=evil merge=evil diff=evil\n' | blob)" "$p"
WHY[$p]="not as spiral writes it"
git commit -q -m "hostile" || exit 1

# The good records, with the payload in every text field, written by
# spiral itself (escaped in the files, decoded on reading) ...
pid=$(GIT_AUTHOR_NAME="$AUTHOR" spiral new "$PAYLOAD" --learners "$PAYLOAD" \
	--team "Aroha <b>Ngata</b>" -q) || fail "spiral new with the payload"
GIT_AUTHOR_NAME="$AUTHOR" spiral scan "$pid" -m "$PAYLOAD" --evidence "$PAYLOAD" \
	--measure words=1 >/dev/null || fail "spiral scan with the payload"
GIT_AUTHOR_NAME="$AUTHOR" spiral note "$pid" -m "$PAYLOAD" >/dev/null || fail "note with the payload"
GIT_AUTHOR_NAME="$AUTHOR" spiral edit "$pid" --title "2$PAYLOAD" >/dev/null || fail "edit with the payload"
# ... and raw bytes, by hand: tags, school, a measure name.
rid=$(hex32)
r=inquiries/${rid:0:2}/$rid
mkdir -p "$r/entries" "$r/notes"
printf '[inquiry]\ntitle = R%s\nlearners = %s\ncreated = 2026-02-01T00:00:00+00:00\nauthor = %s\nemail = %s\nschool = %s\ntag = %s\ntag = <b>bold</b>\nteam = %s\n' \
	"$PAYLOAD" "$PAYLOAD" "$PAYLOAD" "$PAYLOAD" "$PAYLOAD" "$PAYLOAD" "$PAYLOAD" >"$r/inquiry.ini"
printf '[entry]\nphase = scan\ndate = 2026-02-02T00:00:00+00:00\nseq = 1\nauthor = %s\nschool = %s\ncycle = 1\n[text]\np = %s\n[evidence]\nitem = %s\n[measures]\nwords = 5\n' \
	"$PAYLOAD" "$PAYLOAD" "$PAYLOAD" "$PAYLOAD" >"$r/entries/20260202T000000Z-scan-$(hex32).ini"
printf '[note]\ndate = 2026-02-03T00:00:00+00:00\nseq = 2\nauthor = %s\n[text]\np = %s\n' \
	"$PAYLOAD" "$PAYLOAD" >"$r/notes/20260203T000000Z-$(hex32).ini"
badm=$r/entries/20260204T000000Z-scan-$(hex32).ini
printf '[entry]\nphase = scan\ndate = 2026-02-04T00:00:00+00:00\nauthor = X\ncycle = 1\n[text]\np = x\n[measures]\n%s = 1\n' \
	"$PAYLOAD" >"$badm"
WHY[$badm]="does not parse"
git add -- "$r" && git commit -q -m "raw bytes" || exit 1

# A name with a newline, which stock git refuses to put in an index: made
# with mktree.
t=$(graft "$(git rev-parse 'HEAD^{tree}')" "$g/notes/"$'x\nnewline.ini' 100644 "$note_blob")
commit_tree "$t" "a newline in a name" || exit 1

cd "$SANDBOX/leader" || exit 1
ok "remote add evil" spiral remote add evil "$SANDBOX/evil"
ok "pull from the hostile repository merges what is good" spiral pull evil
PULL_ERR=$(cat "$SANDBOX/stderr")
[ -n "${HOSTILE_DEBUG:-}" ] && printf '%s\n' "$PULL_ERR" >"$HOSTILE_DEBUG"
for p in "${!WHY[@]}"; do
	shown=$(printf '%s' "$p" | sed $'s/\e/\\\\x1b/g')
	if grep -Fq -- "evil: skipped $shown: " <<<"$PULL_ERR" &&
		grep -F -- "evil: skipped $shown: " <<<"$PULL_ERR" | grep -Eq -- "${WHY[$p]}"; then
		pass "skipped, with its reason: $shown"
	else
		fail "skipped, with its reason: $shown" "want /${WHY[$p]}/" "$(grep -F -- "$shown" <<<"$PULL_ERR" | head -n 3)"
	fi
done
matches "the name with a newline is skipped, shown on one line" \
	'skipped inquiries/.*/notes/x\\nnewline\.ini: ' "$PULL_ERR"
same "no raw escape in pull's messages" "" \
	"$(python3 "$SANDBOX/checker.py" text <(printf '%s\n%s' "$OUT" "$PULL_ERR") "$SECRET")"
same "nothing but regular files at layout paths in the index" "" \
	"$(git ls-files -s | grep -v '^100644 ' ; git ls-files | grep -Ev '^(spiral\.ini|\.gitattributes|inquiries/[0-9a-f]{2}/[0-9a-f]{32}/(inquiry\.ini|(entries|notes|changes)/[0-9A-Za-z._-]+\.ini))$')"
same "no link, .git or submodule in the work tree" "" \
	"$(find . -path ./.git -prune -o \( -type l -o -name '.git*' ! -name .gitattributes -o -name '.GIT' \) -print)"
same ".gitattributes is spiral's" "$(git show HEAD^1:.gitattributes)" "$(cat .gitattributes)"
[ -e .git/modules ] && fail "no submodule fetched (.git/modules)" || pass "no submodule fetched"
same "the secret is nowhere in the leader's tree" "" "$(git grep -l -- "$SECRET" HEAD || true)"
ok "the leader's own inquiry after" spiral show "$own" --format json
same "the leader's own data intact" "$own_json" "$OUT"
same "the leader's own files untouched" "" \
	"$(git diff --stat HEAD~1 HEAD -- "inquiries/${own:0:2}/$own")"
ok "the payload inquiry came in" spiral show "$pid" --format json
json "every field carries the exact text, markup as text" "
P = '''$PAYLOAD'''
assert d['title'] == '2' + P, repr(d['title'])
assert d['learners'] == P and d['team'] == ['Aroha <b>Ngata</b>']
e = d['entries'][0]
A = '''$AUTHOR'''
assert e['text'] == P and e['evidence'] == [P] and e['author'] == A, e
assert d['notes'][0]['text'] == P and d['notes'][0]['author'] == A"
ok "the raw-byte inquiry came in" spiral show "$rid" --format json
json "raw bytes in the file: the same text" "
P = '''$PAYLOAD'''
assert d['title'] == 'R' + P and d['school'] == P and P in d['tags'], d
assert '<b>bold</b>' in d['tags']
assert [x['text'] for x in d['entries']] == [P] and d['notes'][0]['text'] == P"
ok "csv carries the markup as text" spiral list --status all --format csv
matches "csv: <script> as text" '<script>alert\(1\)</script>' "$OUT"
ok "md carries the markup as text" spiral show "$pid" --format md
matches "md: <script> as text (no HTML built)" '\\?<script\\?>alert\(1\)\\?</script\\?>|&lt;script&gt;' "$OUT"
outputs_safe "after the hostile pull"
[ -e "$MARKER" ] && fail "no filter, merge driver or hook of theirs ran" || pass "no filter, merge driver or hook of theirs ran"
clean "clean and fsck-clean after the hostile pull"
[ -e "$MARKER" ] && fail "stock git status ran no filter either" || pass "stock git status ran no filter either"
ok "spiral fsck after the hostile pull" spiral fsck
inih_reads "every file inih reads"

# A clone of the hostile repository: the same outcome.
git config --global filter.evil.smudge "touch '$MARKER'; cat"
git config --global filter.evil.required true
ok "clone of the hostile repository" spiral clone "$SANDBOX/evil" "$SANDBOX/clone"
git config --global --unset filter.evil.smudge
git config --global --unset filter.evil.required
cd "$SANDBOX/clone" || exit 1
matches "clone warns of what it left out" "origin: skipped .*a symbolic link" "$(cat "$SANDBOX/stderr")"
same "clone: no link or .git in the work tree" "" \
	"$(find . -path ./.git -prune -o \( -type l -o -name '.git*' ! -name .gitattributes \) -print)"
same "clone: .gitattributes is spiral's" "$(git -C "$SANDBOX/leader" show HEAD~1:.gitattributes)" "$(cat .gitattributes)"
outputs_safe "the clone"
[ -e "$MARKER" ] && fail "clone: no filter ran" || pass "clone: no filter ran"
clean "the clone is clean and fsck-clean"
ok "spiral fsck of the clone" spiral fsck

# ---------------------------------------------------------------- whole pulls refused
# refused_pull NAME REGEX DESC: spiral pull NAME fails, nothing changes.
refused_pull() {
	local before_head before_status
	cd "$SANDBOX/leader" || exit 1
	before_head=$(git rev-parse HEAD)
	before_status=$(git status --porcelain)
	spiral remote add "$1" "$SANDBOX/$1" >/dev/null
	fails "$3: refused" 1 "$2" spiral pull "$1"
	same "$3: HEAD as before" "$before_head" "$(git rev-parse HEAD)"
	same "$3: work tree as before" "$before_status" "$(git status --porcelain)"
	same "$3: no remote-tracking branch left" "" "$(git for-each-ref "refs/remotes/$1")"
}
new_repo future "Future School"
spiral new "From the future" -q >/dev/null
printf '[repository]\nformat = 99\n' >spiral.ini && git commit -q -am "format 99"
refused_pull future "format 99, newer than this spiral understands.*upgrade" "a future format"
new_repo inilink "Link School"
put 120000 "$(printf '%s' "$SANDBOX/secret.txt" | blob)" spiral.ini && git commit -q -m "link"
refused_pull inilink "not a spiral repository" "spiral.ini a symbolic link"
[ "${ERR/$SECRET/}" = "$ERR" ] && pass "no secret in the error" || fail "no secret in the error" "$ERR"
# Names stock git's fsck refuses anywhere in a history: merging it would
# make the leader's repository fail git fsck for good.  Made with mktree.
n=0
for p in ".git/config" "inquiries/.git/config" "inquiries/ab/.GIT/hooks/post-checkout" \
	"inquiries/.." "inquiries/git~1" "inquiries/.git. /x"; do
	n=$((n + 1))
	new_repo "dotgit$n" "Dot School"
	spiral new "Fine" -q >/dev/null
	t=$(graft "$(git rev-parse 'HEAD^{tree}')" "$p" 100644 "$(printf '[core]\n\tfsmonitor = touch %s\n' "$MARKER" | blob)")
	commit_tree "$t" "trick" || exit 1
	spiral new "After the trick" -q >/dev/null 2>&1 || git commit -q --allow-empty -m "after"
	refused_pull "dotgit$n" "holds a path that git itself refuses" "$p in their history"
done
cd "$SANDBOX/leader" || exit 1
ok "refused pulls leave no object git fsck refuses" git fsck --strict --no-dangling
clean "clean and fsck-clean after the refused pulls"
fails "clone of such a history is refused" 1 "holds a path that git itself refuses" \
	spiral clone "$SANDBOX/dotgit1" "$SANDBOX/clone-dotgit"
[ -e "$SANDBOX/clone-dotgit" ] && fail "nothing left of that clone" || pass "nothing left of that clone"
[ -e "$MARKER" ] && fail "no configuration of theirs ran" || pass "no configuration of theirs ran"
fails "clone of a future format" 1 "upgrade" spiral clone "$SANDBOX/future" "$SANDBOX/clone-future"
[ -e "$SANDBOX/clone-future" ] && fail "nothing left of a refused clone" || pass "nothing left of a refused clone"

# ---------------------------------------------------------------- a flood
n=${HOSTILE_FLOOD:-20000}
[ -n "${ASAN_OPTIONS:-}" ] && [ -z "${HOSTILE_FLOOD:-}" ] && n=2000
new_repo flood "Flood School"
fid=$(spiral new "Many tiny files" -q)
f=inquiries/${fid:0:2}/$fid
nb=$(git rev-parse "HEAD:$f/inquiry.ini")
tiny=$(printf 'x\n' | blob)
python3 - "$n" "$f" "$nb" "$tiny" <<'EOF' | git update-index --index-info
import os, sys
n, f, nb, tiny = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
for i in range(n // 2):
    print('100644 %s\tjunk/%02x/%06d.ini' % (tiny, i % 256, i))
for i in range(n - n // 2):
    print('100644 %s\t%s/notes/20260101T000000Z-%s.ini' % (tiny, f, os.urandom(16).hex()))
EOF
git commit -q -m "flood" || exit 1
cd "$SANDBOX/leader" || exit 1
spiral remote add flood "$SANDBOX/flood" >/dev/null
start=$(date +%s)
ok "pull a flood of $n tiny files" spiral pull flood
took=$(($(date +%s) - start))
echo "note: the flood of $n files took ${took}s"
same "the first 100 skipped files named, one warning each" 100 "$(grep -c '^spiral: warning: flood: skipped ' "$SANDBOX/stderr")"
matches "then a count of the rest" "^spiral: warning: flood: and $((n - 100)) more files left out$" "$(tail -n 1 "$SANDBOX/stderr")"
same "none of them tracked" "" "$(git ls-files junk "$f/notes" | head -n 3)"
ok "the flood's one good inquiry came in" spiral show "$fid" --format json
ok "the leader's own inquiry after the flood" spiral show "$own" --format json
same "the leader's own data intact after the flood" "$own_json" "$OUT"
clean "clean and fsck-clean after the flood"
ok "spiral fsck after everything" spiral fsck
same "the leader's own files as they were" "$own_files" \
	"$(git ls-tree -r HEAD -- "inquiries/${own:0:2}/$own" | sha1sum)"

finish
