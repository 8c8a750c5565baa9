#!/usr/bin/env bash
# Resources (issue 13): a read-only repository, a missing or unwritable
# home, a file-size limit, a full disk during a pull and a clone.  Every
# outcome is success, or one clear `spiral: error:` line with exit 1 and
# nothing changed; once the resource is back, writes work again.
# (A full disk during a local write is t-diskfull.sh.)
. "$(dirname "$0")/lib.sh"
# A write that fails before the branch moves leaves objects nothing refers
# to (git gc prunes them): fsck is asked about corruption, not those.
FSCK_FAULTS=1
ROOT=0
[ "$(id -u)" = 0 ] && ROOT=1
MOUNTS=()
cleanup() {
	cd /
	for m in "${MOUNTS[@]}"; do umount "$m" 2>/dev/null; done
	chmod -R u+w "$SANDBOX" 2>/dev/null
	rm -rf "$SANDBOX"
}
trap cleanup EXIT

# What "nothing changed" is checked against: HEAD, the files, the index.
snapshot() {
	git rev-parse HEAD
	git ls-files -s
	find . -path ./.git -prune -o -print | sort
	# A fetch may leave FETCH_HEAD and remote-tracking refs: not records.
	[ -z "${1:-}" ] && ls -a .git
	return 0
}
# failed_cleanly DESC CMD...: exit 1, one clear line, nothing changed (before
# any other command runs), and the repository clean.
failed_cleanly() {
	local desc=$1 before
	shift
	before=$(snapshot)
	fails "$desc" 1 '^spiral: error: ' "$@" </dev/null
	same "$desc: one line on stderr" 1 "$(printf '%s\n' "$ERR" | wc -l)"
	same "$desc: nothing changed" "$before" "$(snapshot)"
}
# works_or_fails_cleanly DESC CMD...: success, or failed_cleanly.
works_or_fails_cleanly() {
	local desc=$1 before rc=0
	shift
	before=$(snapshot)
	"$@" >/dev/null 2>"$SANDBOX/err" </dev/null || rc=$?
	if [ "$rc" = 0 ]; then
		pass "$desc: works"
	elif [ "$rc" = 1 ] && [ "$(wc -l <"$SANDBOX/err")" = 1 ] &&
		grep -q '^spiral: error: ' "$SANDBOX/err"; then
		same "$desc: a clear error and nothing changed" "$before" "$(snapshot)"
	else
		fail "$desc: success or one clear error" "exit $rc" "$(cat "$SANDBOX/err")"
	fi
}
# known DESC: a bug found here that belongs to another part of issue 13,
# reported and skipped (STRICT=1 makes it a failure).
KNOWN=0
known() {
	KNOWN=$((KNOWN + 1))
	echo "note: KNOWN, skipped: $1"
	[ -n "${STRICT:-}" ] && fail "$1"
	return 0
}
# The files on disk are exactly HEAD's and git sees nothing wrong.
as_committed() {
	local disk tree
	clean "$1: clean"
	disk=$(find . -path ./.git -prune -o -type f -print | sed 's|^\./||' | sort)
	tree=$(git ls-tree -r --name-only HEAD | sort)
	same "$1: the files on disk are HEAD's" "$tree" "$disk"
	ok "$1: spiral fsck" spiral fsck
}

new_repo repo
ID=$(spiral new "Resources" --learners "Year 9" -q)
OTHER=$(spiral new "Another" -q)
spiral switch "$ID" >/dev/null
spiral scan -m "A first scan" --measure writing=40 >/dev/null
git init -q --bare "$SANDBOX/hub.git"
spiral remote add hub "$SANDBOX/hub.git"
spiral push hub >/dev/null 2>&1
spiral note -m "Not pushed yet" >/dev/null

# ---- a read-only repository ----------------------------------------------

# Root ignores permissions: a read-only bind mount stands in for them.
ro=
if [ "$ROOT" = 1 ]; then
	mkdir -p "$SANDBOX/ro"
	if mount --bind "$SANDBOX/repo" "$SANDBOX/ro" 2>/dev/null; then
		MOUNTS=("$SANDBOX/ro" "${MOUNTS[@]}")
		if mount -o remount,bind,ro "$SANDBOX/ro" 2>/dev/null; then
			ro=$SANDBOX/ro
		fi
	fi
else
	chmod -R a-w "$SANDBOX/repo"
	ro=$SANDBOX/repo
fi
if [ -z "$ro" ]; then
	echo "note: cannot make a read-only repository here (root without bind mounts): skipped"
else
	cd "$ro" || exit 1
	for cmd in status list show log fsck "config school" "remote -v" \
		"list --format json" "show --format json" "status --format json" \
		"log --format csv"; do
		read -ra words <<<"$cmd"
		ok "read-only: $cmd works" spiral "${words[@]}"
	done
	failed_cleanly "read-only: note" spiral note -m "Cannot"
	failed_cleanly "read-only: scan" spiral scan -m "Cannot" --measure writing=41
	failed_cleanly "read-only: check" spiral check -m "Cannot" --verdict partly
	failed_cleanly "read-only: new" spiral new "Cannot"
	failed_cleanly "read-only: edit" spiral edit --title "Cannot"
	failed_cleanly "read-only: close" spiral close
	failed_cleanly "read-only: switch" spiral switch "$OTHER"
	failed_cleanly "read-only: config" spiral config school "Elsewhere"
	failed_cleanly "read-only: remote add" spiral remote add other "$SANDBOX/hub.git"
	failed_cleanly "read-only: pull" spiral pull hub
	hub_before=$(git -C "$SANDBOX/hub.git" rev-parse main)
	failed_cleanly "read-only: push" spiral push hub
	same "read-only: the hub did not move" "$hub_before" \
		"$(git -C "$SANDBOX/hub.git" rev-parse main)"
	cd "$SANDBOX" || exit 1
	if [ "$ROOT" = 1 ]; then
		umount "$SANDBOX/ro"
		MOUNTS=()
	else
		chmod -R u+w "$SANDBOX/repo"
	fi
fi
cd "$SANDBOX/repo" || exit 1
ok "writable again: a note" spiral note -m "Writable again"
as_committed "writable again"

# ---- no home, or one that cannot be written --------------------------------

N=$(git rev-list --count HEAD)
for home in none missing unwritable; do
	case $home in
	none) run() { env -u HOME "$@"; } ;;
	missing) run() { HOME=/nonexistent/home "$@"; } ;;
	unwritable)
		mkdir -p "$SANDBOX/locked-home"
		run() { HOME=$SANDBOX/locked-home "$@"; }
		if [ "$ROOT" = 1 ]; then
			# Not a home root cannot write to: an ordinary file.
			rm -rf "$SANDBOX/locked-home"
			: >"$SANDBOX/locked-home"
		else
			chmod a-w "$SANDBOX/locked-home"
		fi ;;
	esac
	ok "home $home: list works" run "$SPIRAL" list
	ok "home $home: show works" run "$SPIRAL" show
	# No global identity: a write says how to set one, and writes nothing.
	failed_cleanly "home $home: a write without an identity" run "$SPIRAL" note -m "Who?"
	matches "home $home: it says how to set one" "user.name" "$ERR"
	failed_cleanly "home $home: the global configuration cannot be set" \
		run "$SPIRAL" config --global user.name "Nobody"
	ok "home $home: no .gitconfig left in the work tree" test ! -e .gitconfig
	ok "home $home: GIT_AUTHOR_* give the identity" \
		run env GIT_AUTHOR_NAME="Mere Tipene" GIT_AUTHOR_EMAIL=mere@kowhai.school.nz \
		"$SPIRAL" note -m "From the environment"
	same "home $home: the note is Mere's" "Mere Tipene <mere@kowhai.school.nz>" \
		"$(git log -1 --format='%an <%ae>')"
	ok "home $home: the repository's own identity works" \
		run sh -c 'git config user.name "Hemi Walker" && git config user.email hemi@kowhai.school.nz &&
			"$0" scan -m "From the repository" --measure writing=42 &&
			git config --unset user.name && git config --unset user.email' "$SPIRAL"
	same "home $home: the scan is Hemi's" "Hemi Walker" "$(git log -1 --format=%an)"
	works_or_fails_cleanly "home $home: a pull without an identity" run "$SPIRAL" pull hub
	ok "home $home: a pull with GIT_AUTHOR_* works" run env GIT_AUTHOR_NAME="Mere Tipene" \
		GIT_AUTHOR_EMAIL=mere@kowhai.school.nz "$SPIRAL" pull hub
	ok "home $home: a push works" run "$SPIRAL" push hub
done
commits "two writes for each home" $((N + 6))
[ "$ROOT" = 1 ] || chmod u+w "$SANDBOX/locked-home"
as_committed "after the homes"

# ---- a file-size limit -----------------------------------------------------

# SIGXFSZ ignored, as a shell or daemon may have it: a write past the limit
# fails with EFBIG.  The text does not compress much, so the limit meets it
# in the object, in the journal or in the work tree, depending on its size.
trap '' XFSZ
head -c 150000 /dev/urandom | base64 -w 76 >"$SANDBOX/big"
size_kb=$(( $(wc -c <"$SANDBOX/big") / 1024 ))
limits="1 4 16 64 96 128 160 $((size_kb - 20)) $((size_kb - 4)) $size_kb $((size_kb + 4)) $((size_kb + 16))"
known=0 wrote=0
for kb in $limits; do
	before=$(snapshot) head=$(git rev-parse HEAD) rc=0
	(ulimit -f "$kb" && exec "$SPIRAL" note -F "$SANDBOX/big") \
		>/dev/null 2>"$SANDBOX/err" || rc=$?
	if [ "$rc" = 0 ]; then
		# Committed; a work tree the limit kept from being written is
		# said in a warning and finished by the next command.
		wrote=$((wrote + 1))
		commits "limit $kb KB: the note is committed" $(( $(git rev-list --count "$head") + 1 ))
		spiral status >/dev/null 2>&1
		as_committed "limit $kb KB"
		continue
	fi
	same "limit $kb KB: exit 1" 1 "$rc"
	matches "limit $kb KB: one clear line" '^spiral: error: .*(File too large|too large)' \
		"$(cat "$SANDBOX/err")"
	same "limit $kb KB: one line" 1 "$(wc -l <"$SANDBOX/err")"
	if [ "$(git rev-parse HEAD)" != "$head" ]; then
		# The branch moved, then the work tree could not be written: the
		# write happened, yet it said it failed (issue 13, item 0: a
		# failed work-tree update after the branch moved).  H3's fix.
		known=$((known + 1))
		known "limit $kb KB: 'spiral note -F' exited 1 ($(cat "$SANDBOX/err")) after the branch moved"
	else
		same "limit $kb KB: nothing changed" "$before" "$(snapshot)"
	fi
	spiral status >/dev/null 2>&1 # the next command finishes a half write
	as_committed "limit $kb KB"
done
echo "note: file-size limits $limits KB: $wrote writes were committed (exit 0); $known failed after the branch moved"
ok "the limit lifted: a big note" spiral note -F "$SANDBOX/big"
ok "the limit lifted: a scan" spiral scan -m "After the limit" --measure writing=43
same "show has the big note, byte for byte" "$(cat "$SANDBOX/big")" \
	"$(spiral show --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["notes"][-1]["text"])')"
as_committed "after the limits"
trap - XFSZ

# ---- a full disk during a pull, and a clone --------------------------------

tiny=$SANDBOX/tiny
mkdir -p "$tiny"
if [ "$ROOT" != 1 ] || ! mount -t tmpfs -o size=3m tmpfs "$tiny" 2>/dev/null; then
	echo "note: cannot mount a tmpfs here (not root?): full-disk pulls skipped"
	finish
	exit
fi
MOUNTS=("$tiny" "${MOUNTS[@]}")
new_repo school "Tōtara Primary"
for i in $(seq 1 20); do
	spiral new "School inquiry $i" -q >/dev/null
	spiral scan -m "$(head -c 3000 /dev/urandom | base64)" >/dev/null
done
school_files=$(git ls-files 'inquiries/*' | wc -l)
spiral init "$tiny/leader" --school "Kōwhai Intermediate" >/dev/null
cd "$tiny/leader" || exit 1
spiral new "The leader's own" -q >/dev/null
spiral remote add school "$SANDBOX/school"
own_files=$(git ls-files 'inquiries/*' | wc -l)
cp -a "$tiny/leader" "$SANDBOX/leader-tpl"
free_kb() { df -k --output=avail "$tiny" | tail -1 | tr -d ' '; }
merged=0
for left in 0 8 16 32 64 96 128 192 256 384 512; do
	cd "$SANDBOX" || exit 1
	rm -rf "$tiny/leader"
	cp -a "$SANDBOX/leader-tpl" "$tiny/leader"
	cd "$tiny/leader" || exit 1
	avail=$(free_kb)
	fill=$((avail > left ? avail - left : 0))
	head -c "${fill}k" /dev/zero >"$tiny/filler" 2>/dev/null
	before=$(snapshot records) head=$(git rev-parse HEAD) rc=0
	spiral pull school >/dev/null 2>"$SANDBOX/err" || rc=$?
	if [ "$rc" != 0 ]; then
		same "$left KB free: exit 1" 1 "$rc"
		matches "$left KB free: one clear line" '^spiral: error: .*No space left' \
			"$(cat "$SANDBOX/err")"
		same "$left KB free: one line" 1 "$(wc -l <"$SANDBOX/err")"
		if [ "$(git rev-parse HEAD)" != "$head" ]; then
			# The same failure after the branch moved, in a pull.
			known "$left KB free: 'spiral pull school' exited 1 ($(cat "$SANDBOX/err")) after the branch moved"
		else
			same "$left KB free: nothing changed" "$before" "$(snapshot records)"
		fi
	fi
	rm -f "$tiny/filler"
	spiral status >/dev/null 2>&1
	as_committed "$left KB free"
	if [ "$(git rev-parse HEAD)" = "$head" ]; then
		expect=$own_files
	else
		expect=$((own_files + school_files))
		merged=$((merged + 1))
	fi
	same "$left KB free: none of the pull or all of it" "$expect" \
		"$(git ls-files 'inquiries/*' | wc -l)"
	ok "$left KB free: with room, the pull works" spiral pull school
	same "$left KB free: then everything is there" "$((own_files + school_files))" \
		"$(git ls-files 'inquiries/*' | wc -l)"
done
echo "note: $merged of 11 pulls into a nearly full disk merged whole; the others failed cleanly"

# A clone that does not fit: a clear error and no half repository left.
cd "$SANDBOX" || exit 1
rm -rf "$tiny/leader"
avail=$(free_kb)
head -c "$((avail - 64))k" /dev/zero >"$tiny/filler" 2>/dev/null
fails "a clone into a full disk fails" 1 '^spiral: error: .*No space left' \
	spiral clone "$SANDBOX/school" "$tiny/clone"
same "a clone into a full disk: one line" 1 "$(printf '%s\n' "$ERR" | wc -l)"
ok "a clone into a full disk: nothing left" test ! -e "$tiny/clone"
rm -f "$tiny/filler"
echo "note: $KNOWN known failures of other parts skipped (STRICT=1 to fail them)"
ok "with room, the clone works" spiral clone "$SANDBOX/school" "$tiny/clone"
cd "$tiny/clone" || exit 1
as_committed "the clone"
finish
