#!/usr/bin/env bash
# Crash safety (storage.md 7): every kind of write is killed with SIGKILL at
# random instants spread over the whole command, and frozen mid-write while
# the repository is copied (a power cut).  After the next spiral command the
# repository is as before the write or as after it, never between: stock
# git and spiral fsck find nothing wrong, the files on disk are exactly
# those of HEAD, and the records are the old set or the new set.
#
# Knobs: KILLS (default 200; 70 under ASan), COPIES (default 50; 25 under
# ASan), CRASH_KINDS (some of the kinds below only).  The random delays follow each command's own measured duration, so
# a slower build is killed at the same spread of instants.
. "$(dirname "$0")/lib.sh"
# A write killed before the branch moves leaves objects nothing refers to
# (git gc prunes them): fsck is asked about corruption, not those.
FSCK_FAULTS=1

asan=0
if [ -n "${ASAN_OPTIONS:-}" ] || ldd "$SPIRAL" 2>/dev/null | grep -q libasan ||
	nm "$SPIRAL" 2>/dev/null | grep -q __asan_init; then
	asan=1
fi
if [ "$asan" = 1 ]; then
	KILLS=${KILLS:-70} COPIES=${COPIES:-25}
else
	KILLS=${KILLS:-200} COPIES=${COPIES:-50}
fi

now_ms() { local t; t=$(date +%s%N); echo $((t / 1000000)); }
sleep_ms() {
	[ "$1" -gt 0 ] && sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))"
	return 0
}

# ---- the repositories ---------------------------------------------------

# The hub: a bare repository every push goes to.
git init -q --bare "$SANDBOX/hub.git"

# main: the repository the local writes and the pushes run in.
new_repo main
MAIN_ID=$(spiral new "Crash test" --learners "Year 9 writers" -q)
spiral scan -m "Where we start" --measure writing=40 --target writing=70 >/dev/null
spiral remote add hub "$SANDBOX/hub.git"
spiral push hub >/dev/null 2>&1 || { echo "setup: the first push failed"; exit 1; }

# school: another school's repository.  ff-tpl is an older clone of it, so
# pulling into a copy of ff-tpl fast-forwards; leader-tpl is a third
# school's repository with its own inquiry, so pulling into a copy of it
# makes a merge commit of two unrelated histories.
new_repo school "Tōtara Primary"
for i in $(seq 1 12); do
	spiral new "School inquiry $i" --tag "t$i" -q >/dev/null
	spiral scan -m "scan $i" --evidence "survey $i" --measure "m$i=$i" >/dev/null
done
spiral clone "$SANDBOX/school" "$SANDBOX/ff-tpl" >/dev/null 2>&1 ||
	{ echo "setup: clone failed"; exit 1; }
for i in $(seq 13 24); do
	spiral new "School inquiry $i" -q >/dev/null
	spiral act -m "act $i" >/dev/null
done
SCHOOL_HEAD=$(git rev-parse HEAD)
new_repo leader-tpl "Kōwhai Intermediate"
spiral new "The leader's own" -q >/dev/null
spiral remote add school "$SANDBOX/school"

# conflicts: one title conflict per inquiry, one inquiry per resolve round.
new_repo conf-a
CONFLICTS=()
for i in $(seq 1 $((KILLS / 14 + 2))); do
	CONFLICTS+=("$(spiral new "Title $i" -q)")
done
spiral clone "$SANDBOX/conf-a" "$SANDBOX/conf" >/dev/null 2>&1 ||
	{ echo "setup: clone failed"; exit 1; }
for id in "${CONFLICTS[@]}"; do
	spiral edit "$id" --title "A's title" >/dev/null
	spiral -C "$SANDBOX/conf" edit "$id" --title "B's title" >/dev/null
done
spiral -C "$SANDBOX/conf" pull >/dev/null 2>&1
cd "$SANDBOX/conf" || exit 1
matches "the resolve repository has its conflicts" "title" \
	"$(spiral show "${CONFLICTS[0]}" --format json | python3 -c \
		'import json,sys; print(" ".join(json.load(sys.stdin).get("conflicts", {})))' 2>&1)"

# ---- one write, and what may follow it ----------------------------------

KINDS=(note scan focus hunch learn act check new edit close resolve pull-ff pull-merge push)
# CRASH_KINDS="pull-ff push" kills only those (to chase one).
[ -n "${CRASH_KINDS:-}" ] && read -ra KINDS <<<"$CRASH_KINDS"
CLOSED=0 RESOLVED=0
declare -A DIR EXPECT DURATION N_BEFORE N_AFTER N_LANDED
for k in "${KINDS[@]}"; do
	N_BEFORE[$k]=0 N_AFTER[$k]=0 N_LANDED[$k]=0
done
JOURNALS=0 DEBRIS=0 FETCH_LOCKS=0

# Where each kind runs, and the command line of its round $2.  Pulls run
# in a fresh copy of their template, made here.
prepare() {
	local k=$1 i=$2
	case $k in
	pull-ff | pull-merge)
		local tpl=ff-tpl
		[ "$k" = pull-merge ] && tpl=leader-tpl
		rm -rf "$SANDBOX/$k"
		cp -a "$SANDBOX/$tpl" "$SANDBOX/$k"
		DIR[$k]=$SANDBOX/$k ;;
	resolve) DIR[$k]=$SANDBOX/conf ;;
	*) DIR[$k]=$SANDBOX/main ;;
	esac
	case $k in
	note) CMD=(note -m "A note $i" -m "with a second paragraph") ;;
	scan) CMD=(scan -m "Scan $i" --evidence "survey $i" --evidence "talk $i"
		--measure "writing=$((40 + i))" --measure "reading=$i" --tag "s$i") ;;
	focus | hunch | learn | act)
		CMD=("$k" -m "${k^} $i" --evidence "notes $i" --measure "writing=$((41 + i))") ;;
	check) CMD=(check -m "Check $i" --measure "writing=$((42 + i))"
		--target "writing=$((80 + i))" --verdict partly --new-cycle) ;;
	new) CMD=(new "Inquiry $i" --learners "Year $((i % 13 + 1))" --tag "n$i"
		--team "Team $i" -q) ;;
	edit) CMD=(edit "$MAIN_ID" --title "Crash test $i" --learners "Group $i"
		--tag "e$i") ;;
	close) # close, or reopen once closed
		if [ "$CLOSED" = 1 ]; then CMD=(reopen "$MAIN_ID"); else CMD=(close "$MAIN_ID"); fi ;;
	resolve) CMD=(resolve "${CONFLICTS[$RESOLVED]}" title "Settled $i") ;;
	pull-ff) CMD=(pull) ;;
	pull-merge) CMD=(pull school) ;;
	push) CMD=(push hub) ;;
	esac
}

# What a round's starting point is: HEAD and its files (and the hub's
# branch, for a push).
BEFORE_HEAD= BEFORE_TREE=$SANDBOX/before-tree HUB_BEFORE= HUB_NOW= HUB_FSCK=
remember() {
	BEFORE_HEAD=$(git rev-parse HEAD)
	git ls-tree -r HEAD | sort >"$BEFORE_TREE"
	[ "$1" = push ] && HUB_BEFORE=$(git -C "$SANDBOX/hub.git" rev-parse main)
	return 0
}

# Checks the repository in $PWD after a kill (or in a copy after a freeze)
# and the next spiral command; sets STATE to before or after, or reports
# what is wrong and sets STATE to broken.  $1 is the kind, $2 a label,
# $3 the hub to check for a push.
check_state() {
	local k=$1 label=$2 hub=${3:-} problems=() head status fsck disk tree added
	head=$(git rev-parse HEAD 2>&1)
	status=$(git status --porcelain 2>&1)
	[ -n "$status" ] && problems+=("git status: $status")
	fsck=$(git fsck --strict --no-dangling 2>&1)
	[ -n "$fsck" ] && problems+=("git fsck: $fsck")
	spiral fsck >"$SANDBOX/fsck.out" 2>&1 ||
		problems+=("spiral fsck: $(head -c 1000 "$SANDBOX/fsck.out")")
	# The files on disk are exactly HEAD's: nothing half written, nothing
	# left beside them, nothing committed missing.
	disk=$(find . -path ./.git -prune -o \( -type f -o -type l \) -print | sed 's|^\./||' | sort)
	tree=$(git ls-tree -r --name-only HEAD | sort)
	[ "$disk" != "$tree" ] && problems+=("files on disk are not HEAD's:"
		"$(diff <(echo "$tree") <(echo "$disk") | head -20)")
	# No lock left to stop the next write (spiral.lock is the flock file).
	# A fetch killed while indexing leaves objects/pack/pack_git2_*.lock:
	# a temporary of a random name that stops nothing, counted apart.
	locks=$(find .git -name '*.lock' ! -name spiral.lock ! -path '.git/objects/pack/*')
	find .git/objects/pack -name 'pack_git2_*' -newer "$BEFORE_TREE" 2>/dev/null | grep -q . &&
		DEBRIS=$((DEBRIS + 1))
	if [ -n "$locks" ] && [ "${k#pull-}" != "$k" ]; then
		# A fetch killed while it writes the remote-tracking refs leaves
		# their locks: .git/spiral-fetch must name each, for the next
		# pull to remove (checked after the next pull, in the loop).
		local lock unnamed=()
		for lock in $locks; do
			lock=${lock#.git/}
			grep -qxF "lock ${lock%.lock}" .git/spiral-fetch 2>/dev/null ||
				unnamed+=("$lock")
		done
		if [ ${#unnamed[@]} -gt 0 ]; then
			problems+=("locks left behind that .git/spiral-fetch does not name: ${unnamed[*]}")
		else
			FETCH_LOCKS=$((FETCH_LOCKS + 1))
		fi
	elif [ -n "$locks" ]; then
		problems+=("locks left behind: $locks")
	fi
	[ -e .git/spiral-journal ] && problems+=("the journal is still there")
	if [ "$k" = push ]; then
		# HUB_NOW and HUB_FSCK were taken right after the kill; the next
		# command was a push, which must have cleared what the killed one
		# left and landed.
		[ "$head" != "$BEFORE_HEAD" ] && problems+=("a push moved HEAD")
		[ -n "$HUB_FSCK" ] && problems+=("the hub's git fsck: $HUB_FSCK")
		[ "$(git -C "$hub" rev-parse main 2>&1)" != "$head" ] &&
			problems+=("the next push did not land")
		locks=$(find "$hub/refs" "$hub/packed-refs.lock" -name '*.lock' 2>/dev/null)
		[ -n "$locks" ] && problems+=("ref locks left in the hub: $locks")
		if [ "$HUB_NOW" = "$HUB_BEFORE" ]; then
			STATE=before
		elif [ "$HUB_NOW" = "$head" ]; then
			STATE=after
		else
			problems+=("the hub's branch was $HUB_NOW: neither $HUB_BEFORE nor $head")
		fi
	elif [ "$head" = "$BEFORE_HEAD" ]; then
		STATE=before
	else
		STATE=after
		case $k in
		pull-*)
			if [ "$(git rev-parse HEAD^{tree})" != "${EXPECT[$k]}" ]; then
				problems+=("HEAD's tree after the pull is not the tree a whole pull makes")
			fi
			git merge-base --is-ancestor "$BEFORE_HEAD" HEAD ||
				problems+=("the old HEAD is not in the new history")
			;;
		*)
			[ "$(git rev-parse HEAD^ 2>&1)" != "$BEFORE_HEAD" ] &&
				problems+=("HEAD moved by more than one commit")
			# Only additions, all of them: the old records unchanged.
			changed=$(git ls-tree -r HEAD | sort | comm -23 "$BEFORE_TREE" -)
			[ -n "$changed" ] && problems+=("records changed or gone: $changed")
			added=$(git diff --name-only --diff-filter=A "$BEFORE_HEAD" HEAD | wc -l)
			[ "$added" != "${EXPECT[$k]}" ] &&
				problems+=("$added records added, a whole $k adds ${EXPECT[$k]}")
			;;
		esac
	fi
	if [ ${#problems[@]} -gt 0 ]; then
		STATE=broken
		fail "$label: as before or as after" "${problems[@]}"
	else
		pass "$label: as before or as after"
	fi
}

# Each kind once, whole: how many records it adds, how long it takes.
for k in "${KINDS[@]}"; do
	prepare "$k" 0
	cd "${DIR[$k]}" || exit 1
	remember "$k"
	t0=$(now_ms)
	rc=0
	"$SPIRAL" "${CMD[@]}" >/dev/null 2>"$SANDBOX/err" || rc=$?
	DURATION[$k]=$(($(now_ms) - t0))
	[ "$rc" -eq 0 ] || fail "a whole $k works" "exit $rc" "$(cat "$SANDBOX/err")"
	case $k in
	pull-*) EXPECT[$k]=$(git rev-parse HEAD^{tree}) ;;
	push) EXPECT[$k]=0 ;;
	*) EXPECT[$k]=$(git diff --name-only --diff-filter=A "$BEFORE_HEAD" HEAD | wc -l) ;;
	esac
	[ "$k" = close ] && CLOSED=1
	[ "$k" = resolve ] && RESOLVED=1
	[ "$k" = push ] && spiral note -m "for the next push" >/dev/null
done
[ -d "$SANDBOX/pull-ff" ] && same "a fast-forward pull lands on the school's commit" \
	"$SCHOOL_HEAD" "$(git -C "$SANDBOX/pull-ff" rev-parse HEAD)"
[ -d "$SANDBOX/pull-merge" ] && same "a pull of an unrelated school makes a merge commit" 3 \
	"$(git -C "$SANDBOX/pull-merge" rev-list --parents -1 HEAD | wc -w)"
echo "note: whole commands took (ms): $(for k in "${KINDS[@]}"; do printf '%s %s, ' "$k" "${DURATION[$k]}"; done | sed 's/, $//')"

# ---- 1. SIGKILL at random instants --------------------------------------

READERS=(status list log "log --format json" "list --format csv")
for i in $(seq 1 "$KILLS"); do
	k=${KINDS[$(((i - 1) % ${#KINDS[@]}))]}
	prepare "$k" "$i"
	cd "${DIR[$k]}" || exit 1
	remember "$k"
	# The binary itself, not the spiral() function: $! must be its pid.
	"$SPIRAL" "${CMD[@]}" >/dev/null 2>"$SANDBOX/err" &
	pid=$!
	sleep_ms $((RANDOM % (DURATION[$k] * 4 / 5 + 1)))
	kill -9 "$pid" 2>/dev/null
	rc=0
	wait "$pid" 2>/dev/null || rc=$?
	if [ "$rc" -eq 137 ]; then
		N_LANDED[$k]=$((N_LANDED[$k] + 1))
	elif [ "$rc" -ne 0 ]; then
		fail "kill $i ($k): the command failed by itself" "exit $rc" "$(cat "$SANDBOX/err")"
	fi
	[ -e .git/spiral-journal ] && JOURNALS=$((JOURNALS + 1))
	# The next spiral command, whatever it is, finishes or forgets the
	# write; after a push, the natural next one: push again.
	read -ra next <<<"${READERS[$((i % ${#READERS[@]}))]}"
	if [ "$k" = push ]; then
		HUB_NOW=$(git -C "$SANDBOX/hub.git" rev-parse main)
		HUB_FSCK=$(git -C "$SANDBOX/hub.git" fsck --strict --no-dangling 2>&1)
		next=(push hub)
	fi
	ok "kill $i ($k): the next command (${next[*]}) works" spiral "${next[@]}"
	check_state "$k" "kill $i ($k)" "$SANDBOX/hub.git"
	case $STATE in
	before) N_BEFORE[$k]=$((N_BEFORE[$k] + 1)) ;;
	after)
		N_AFTER[$k]=$((N_AFTER[$k] + 1))
		[ "$k" = close ] && CLOSED=$((1 - CLOSED))
		[ "$k" = resolve ] && RESOLVED=$((RESOLVED + 1))
		;;
	esac
	# A push needs something new to push next time.
	[ "$k" = push ] && spiral note -m "for the next push" >/dev/null
	# The pull after a killed pull: it removes what the killed fetch
	# left, and lands.
	if [ "${k#pull-}" != "$k" ]; then
		ok "kill $i ($k): the next pull works" spiral "${CMD[@]}"
		same "kill $i ($k): the next pull lands" "${EXPECT[$k]}" \
			"$(git rev-parse HEAD^{tree})"
		same "kill $i ($k): no lock left after the next pull" "" \
			"$(find .git -name '*.lock' ! -name spiral.lock ! -path '.git/objects/pack/*')"
		same "kill $i ($k): no fetch marker after the next pull" "" \
			"$(find .git -maxdepth 1 -name 'spiral-fetch*')"
	fi
done
before=0 after=0 landed=0 by=
for k in "${KINDS[@]}"; do
	before=$((before + N_BEFORE[$k])) after=$((after + N_AFTER[$k]))
	landed=$((landed + N_LANDED[$k]))
	by="$by $k ${N_BEFORE[$k]}/${N_AFTER[$k]},"
done
echo "note: $KILLS kills: $before before, $after after, by command (before/after):${by%,}"
echo "note: $landed kills landed while the command ran, $((KILLS - landed)) after it had finished; $JOURNALS left a journal for the next command; $FETCH_LOCKS left remote-tracking ref locks that the next pull removed; $DEBRIS left a temporary pack file of libgit2's (harmless: git gc removes it)"

# After all that, every kind of write still works.
cd "$SANDBOX/main" || exit 1
ok "a write after the kills" spiral note -m "still here"
ok "a push after the kills" spiral push hub
same "the hub has it" "$(git rev-parse HEAD)" "$(git -C "$SANDBOX/hub.git" rev-parse main)"
same "show sees every committed note" \
	"$(git ls-files "inquiries/*/$MAIN_ID/notes/*" | wc -l)" \
	"$(spiral show "$MAIN_ID" --format json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["notes"]))')"
clean "main is clean at the end"
inih_reads "main's records all parse with inih"
ok "spiral fsck at the end" spiral fsck
# A lock no spiral fetch named (a git command of the user's, killed) is
# left alone, and the pull that fails on it names it and says what to do.
if [ -d "$SANDBOX/pull-ff" ]; then
	prepare pull-ff 0
	cd "$SANDBOX/pull-ff" || exit 1
	: >.git/refs/remotes/origin/main.lock
	fails "a pull with a stray tracking-ref lock" 1 \
		"refs/remotes/origin/main\.lock is in the way .*if none is running, remove it and try again\)?$" \
		spiral pull
	same "the stray lock is left alone" yes "$([ -e .git/refs/remotes/origin/main.lock ] && echo yes)"
	rm .git/refs/remotes/origin/main.lock
	ok "once it is removed, the pull works" spiral pull
	cd "$SANDBOX/main" || exit 1
fi
rm -rf "$SANDBOX/pull-ff" "$SANDBOX/pull-merge"

# ---- 2. Power cut: the repository copied mid-write ----------------------

# Freezes the writer at a random instant, copies the repository (and the
# hub, for a push) as a power cut would leave the disk, lets it go.
POWER_KINDS=(note scan new edit check close pull-ff pull-merge push)
declare -A P_BEFORE P_AFTER
for k in "${POWER_KINDS[@]}"; do P_BEFORE[$k]=0 P_AFTER[$k]=0; done
frozen=0 pending=0
for i in $(seq 1 "$COPIES"); do
	k=${POWER_KINDS[$(((i - 1) % ${#POWER_KINDS[@]}))]}
	prepare "$k" $((1000 + i))
	cd "${DIR[$k]}" || exit 1
	remember "$k"
	copy=$SANDBOX/copy
	rm -rf "$copy" "$copy-hub.git"
	"$SPIRAL" "${CMD[@]}" >/dev/null 2>"$SANDBOX/err" &
	pid=$!
	sleep_ms $((RANDOM % (DURATION[$k] * 4 / 5 + 1)))
	if kill -STOP "$pid" 2>/dev/null; then
		# Stopped for sure before anything is read.
		for _ in $(seq 1 200); do
			state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || break
			[ "$state" = T ] || [ "$state" = Z ] && break
			sleep 0.005
		done
		[ "$state" = T ] && frozen=$((frozen + 1))
	fi
	cp -a "${DIR[$k]}" "$copy"
	[ "$k" = push ] && cp -a "$SANDBOX/hub.git" "$copy-hub.git"
	kill -CONT "$pid" 2>/dev/null
	rc=0
	wait "$pid" 2>/dev/null || rc=$?
	[ "$rc" -eq 0 ] || fail "copy $i ($k): the frozen command finished" "exit $rc" "$(cat "$SANDBOX/err")"
	# The copy, opened after the "power cut".
	cd "$copy" || exit 1
	[ -e .git/spiral-journal ] && pending=$((pending + 1))
	next=(status)
	if [ "$k" = push ]; then
		git config remote.hub.url "$copy-hub.git"
		HUB_NOW=$(git -C "$copy-hub.git" rev-parse main)
		HUB_FSCK=$(git -C "$copy-hub.git" fsck --strict --no-dangling 2>&1)
		next=(push hub)
	fi
	ok "copy $i ($k): the first command on the copy works" spiral "${next[@]}"
	check_state "$k" "copy $i ($k)" "$copy-hub.git"
	ok "copy $i ($k): list works" spiral list --status all
	id=$(git ls-files 'inquiries/*/inquiry.ini' | head -1 | xargs dirname | xargs basename)
	ok "copy $i ($k): show works" spiral show "$id"
	case $STATE in
	before) P_BEFORE[$k]=$((P_BEFORE[$k] + 1)) ;;
	after) P_AFTER[$k]=$((P_AFTER[$k] + 1)) ;;
	esac
	if [ "${k#pull-}" != "$k" ]; then
		ok "copy $i ($k): a pull on the copy works" spiral "${CMD[@]}"
		same "copy $i ($k): no lock left after it" "" \
			"$(find .git -name '*.lock' ! -name spiral.lock ! -path '.git/objects/pack/*')"
	fi
	# The original went on to finish: it is after, and clean.
	cd "${DIR[$k]}" || exit 1
	[ "$k" = close ] && CLOSED=$((1 - CLOSED))
	[ "$k" = push ] && spiral note -m "for the next push" >/dev/null
done
before=0 after=0 by=
for k in "${POWER_KINDS[@]}"; do
	before=$((before + P_BEFORE[$k])) after=$((after + P_AFTER[$k]))
	by="$by $k ${P_BEFORE[$k]}/${P_AFTER[$k]},"
done
echo "note: $COPIES power-cut copies: $before before, $after after, by command (before/after):${by%,}"
echo "note: $frozen copies were taken with the writer frozen mid-command, $pending held a pending journal"
cd "$SANDBOX/main" || exit 1
clean "main is clean after the copies"
ok "spiral fsck after the copies" spiral fsck
finish
