#!/usr/bin/env bash
# examples/cluster.sh DIR: builds the example Kāhui Ako in the new folder DIR,
# with spiral itself, from examples/cluster.tsv (its header says what is in it).
#
#   bash examples/cluster.sh /tmp/cluster
#   SPIRAL=build/cmd/spiral bash examples/cluster.sh /tmp/cluster
#
# spiral is $SPIRAL, else `spiral` on PATH, else build/cmd/spiral of this
# project.  Nothing comes from your git or spiral configuration: HOME is a
# temporary folder while it runs, each command's author, committer and date
# are the data's (GIT_AUTHOR_*, GIT_COMMITTER_* and --date), so every commit
# carries the date of what it records.  DIR must not exist, or be empty.
# CLUSTER_DATA=FILE replays another data file of the same format.
#
# As a cluster shares (spiral(7), SHARING IN A CLUSTER): each school keeps
# its own repository, DIR-schools/KEY; the Kahui Ako leader's repository, DIR,
# has one remote per school and merges them all with `spiral pull --all`
# (unrelated histories: each school started its own), adds her notes, and
# pushes the whole cluster to the hub, DIR-hub.git (a bare repository, as on
# a shared drive); then every school pulls the hub and sees the others'
# inquiries.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
data=${CLUSTER_DATA:-$here/cluster.tsv}

die() {
	printf 'cluster.sh: %s\n' "$*" >&2
	exit 1
}

[ $# -eq 1 ] || {
	echo "usage: bash examples/cluster.sh DIR" >&2
	exit 2
}
dir=$1
case $dir in /*) ;; *) dir=$PWD/$dir ;; esac

# ---- which spiral ------------------------------------------------------------

if [ -n "${SPIRAL:-}" ]; then
	spiral_bin=$SPIRAL
elif command -v spiral >/dev/null 2>&1; then
	spiral_bin=$(command -v spiral)
else
	spiral_bin=$here/../build/cmd/spiral
fi
[ -x "$spiral_bin" ] || die "no spiral binary at '$spiral_bin': build it (ninja -C build) or set SPIRAL"
case $spiral_bin in /*) ;; *) spiral_bin=$PWD/$spiral_bin ;; esac
[ -r "$data" ] || die "cannot read the data file $data"
data=$(cd "$(dirname "$data")" && pwd)/$(basename "$data")

# ---- a clean environment -----------------------------------------------------

tmp_home=$(mktemp -d "${TMPDIR:-/tmp}/spiral-cluster.XXXXXX")
trap 'rm -rf "$tmp_home"' EXIT
export HOME=$tmp_home XDG_CONFIG_HOME=$tmp_home/.config GIT_CONFIG_NOSYSTEM=1
export NO_COLOR=1
unset SPIRAL_DIR GIT_DIR GIT_WORK_TREE VISUAL EDITOR PAGER

spiral() { "$spiral_bin" "$@" </dev/null; }

# ---- dates: New Zealand time -------------------------------------------------

# Day of the week, 0 for Sunday (Sakamoto's method).
dow() {
	local y=$1 m=$2 d=$3 t=(0 3 2 5 0 3 5 1 4 6 2 4)
	((m < 3)) && ((y -= 1))
	echo $(((y + y / 4 - y / 100 + y / 400 + t[m - 1] + d) % 7))
}

# iso WHEN: sets ISO to WHEN (YYYY-MM-DD[THH:MM], 15:30 by default) in ISO 8601
# with New Zealand's offset that day: daylight time (+13:00) from the last
# Sunday of September to the first Sunday of April, standard time (+12:00)
# between.  No one meets at 2am on those Sundays, so the day decides.
declare -A dst_cache
iso() {
	local when=$1 day=${1:0:10} time=${1:11:5} y off
	[[ $when =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2})?$ ]] ||
		die "$data:$lineno: '$when' is not YYYY-MM-DD or YYYY-MM-DDTHH:MM"
	[ -n "$time" ] || time=15:30
	y=${day:0:4}
	if [ -z "${dst_cache[$y]:-}" ]; then
		local apr=$((1 + (7 - $(dow $((10#$y)) 4 1)) % 7))
		local sep=$((30 - $(dow $((10#$y)) 9 30)))
		dst_cache[$y]=$(printf '%s-04-%02d %s-09-%02d' "$y" "$apr" "$y" "$sep")
	fi
	local ends=${dst_cache[$y]% *} starts=${dst_cache[$y]#* }
	if [[ $day < $ends || ! $day < $starts ]]; then off=+13:00; else off=+12:00; fi
	ISO=${day}T$time:00$off
}

# ---- the data ----------------------------------------------------------------

declare -A school_name person_name person_email person_school ID
schools=() items=()
cluster_name='' cluster_when='' leader=''

# split_items DETAILS: sets items to the " | "-separated items of DETAILS.
split_items() {
	local rest=$1
	items=()
	[ "$rest" != - ] || return 0
	while [[ $rest == *' | '* ]]; do
		items+=("${rest%% | *}")
		rest=${rest#* | }
	done
	items+=("$rest")
}

# text_args: adds the text to args, one -m per paragraph (" ¶ " between).
text_args() {
	local rest=$text
	while [[ $rest == *' ¶ '* ]]; do
		args+=(-m "${rest%% ¶ *}")
		rest=${rest#* ¶ }
	done
	args+=(-m "$rest")
}

# rows: "LINE<TAB>row" for every record, comments and blank lines left out.
rows() { awk '{ sub(/\r$/, "") } !/^#/ && !/^[ \t]*$/ { print NR "\t" $0 }' "$data"; }

lineno=0
rows >"$tmp_home/rows.tsv"
while IFS=$'\t' read -r lineno when part who what key text details; do
	if [ -z "$details" ] || [[ $details == *$'\t'* ]]; then
		die "$data:$lineno: not seven tab-separated columns"
	fi
	case $what in
	cluster)
		cluster_name=$text cluster_when=$when leader=$who ;;
	school)
		school_name[$part]=$text
		schools+=("$part") ;;
	person)
		person_name[$who]=$text
		person_school[$who]=$part
		split_items "$details"
		for item in ${items[@]+"${items[@]}"}; do
			[[ $item != email=* ]] || person_email[$who]=${item#email=}
		done
		[ -n "${person_email[$who]:-}" ] || die "$data:$lineno: a person needs email=" ;;
	esac
done <"$tmp_home/rows.tsv"
[ -n "$cluster_name" ] || die "$data: no cluster row"
[ ${#schools[@]} -gt 0 ] || die "$data: no school rows"
[ -n "${person_name[$leader]:-}" ] || die "$data: the leader '$leader' is not a person"

# rows_of PART: that part's records in date order (equal times in file order).
rows_of() {
	rows | awk -F'\t' -v part="$1" '
		$3 == part && $2 != "-" && $5 != "cluster" {
			when = $2
			if (length(when) == 10) when = when "T15:30"
			print when "\t" $0
		}' | LC_ALL=C sort -s -t$'\t' -k1,1 | cut -f2-
}

# ---- replaying a record --------------------------------------------------------

# as PERSON WHEN: the identity and clock of the next command.
as() {
	local who=$1
	[ -n "${person_name[$who]:-}" ] || die "$data:$lineno: unknown person '$who'"
	iso "$2"
	export GIT_AUTHOR_NAME=${person_name[$who]} GIT_AUTHOR_EMAIL=${person_email[$who]}
	export GIT_COMMITTER_NAME=$GIT_AUTHOR_NAME GIT_COMMITTER_EMAIL=$GIT_AUTHOR_EMAIL
	export GIT_AUTHOR_DATE=$ISO GIT_COMMITTER_DATE=$ISO
}

# lookup KEY: sets inq to the ID of the inquiry KEY of the data.
lookup() {
	[ -n "${ID[$1]:-}" ] || die "$data:$lineno: no inquiry '$1' before this line"
	inq=${ID[$1]}
}

ninquiries=0 nentries=0 nnotes=0 ncloses=0

# replay LINE WHEN PART WHO WHAT KEY TEXT DETAILS
replay() {
	local when=$2 who=$4 what=$5 key=$6 text=$7 details=$8 item name value inq
	local -a args=() items=()
	lineno=$1
	as "$who" "$when"
	split_items "$details"
	case $what in
	new)
		[ -z "${ID[$key]:-}" ] || die "$data:$lineno: inquiry '$key' is created twice"
		args=(new "$text" -q)
		for item in ${items[@]+"${items[@]}"}; do
			name=${item%%=*} value=${item#*=}
			case $name in
			learners) args+=(--learners "$value") ;;
			tag) args+=(--tag "$value") ;;
			team)
				[ -n "${person_name[$value]:-}" ] ||
					die "$data:$lineno: unknown person '$value'"
				args+=(--team "${person_name[$value]}") ;;
			continues)
				lookup "$value"
				args+=(--continues "$inq") ;;
			*) die "$data:$lineno: '$item' is not a detail of new" ;;
			esac
		done
		ID[$key]=$(spiral "${args[@]}") || die "$data:$lineno: spiral new failed"
		ninquiries=$((ninquiries + 1)) ;;
	scan | focus | hunch | learn | act | check)
		lookup "$key"
		args=("$what" "$inq" --date "$ISO")
		text_args
		for item in ${items[@]+"${items[@]}"}; do
			name=${item%%=*} value=${item#*=}
			case $name in
			evidence) args+=(--evidence "$value") ;;
			measure) args+=(--measure "$value") ;;
			target) args+=(--target "$value") ;;
			tag) args+=(--tag "$value") ;;
			verdict) args+=(--verdict "$value") ;;
			new-cycle) args+=(--new-cycle) ;;
			close) args+=(--close) ;;
			*) die "$data:$lineno: '$item' is not a detail of a phase" ;;
			esac
		done
		spiral "${args[@]}" >/dev/null || die "$data:$lineno: spiral $what failed"
		nentries=$((nentries + 1)) ;;
	note)
		lookup "$key"
		args=(note "$inq")
		text_args
		spiral "${args[@]}" >/dev/null || die "$data:$lineno: spiral note failed"
		nnotes=$((nnotes + 1)) ;;
	close)
		lookup "$key"
		spiral close "$inq" >/dev/null ||
			die "$data:$lineno: spiral close failed"
		ncloses=$((ncloses + 1)) ;;
	*)
		die "$data:$lineno: '$what' is not something to replay" ;;
	esac
}

replay_part() {
	local row
	local -a f
	rows_of "$1" >"$tmp_home/rows.tsv"
	while IFS= read -r row; do
		IFS=$'\t' read -r -a f <<<"$row"
		replay "${f[@]}"
	done <"$tmp_home/rows.tsv"
}

# ---- the parts -------------------------------------------------------------------

schools_dir=${dir%/}-schools
hub=${dir%/}-hub.git

# school_part KEY: the first teacher of school KEY starts its repository;
# then everything its teachers wrote, as they wrote it in their school.
school_part() {
	local before=$nentries before_inq=$ninquiries first
	local -a f
	first=$(rows_of "$1" | awk 'NR == 1')
	[ -n "$first" ] || die "$data: school '$1' has no records"
	IFS=$'\t' read -r -a f <<<"$first"
	lineno=${f[0]}
	as "${f[3]}" "${f[1]}"
	spiral init "$schools_dir/$1" --school "${school_name[$1]}" \
		--cluster "$cluster_name" >/dev/null
	cd "$schools_dir/$1"
	replay_part "$1"
	printf '  %s %d inquiries, %d entries\n' "${school_name[$1]}:" \
		$((ninquiries - before_inq)) $((nentries - before))
}

# leader_part: the Kāhui Ako leader starts the cluster's repository, pulls
# every school's, reads their inquiries and comments on them, from her own
# school; then shares the whole cluster through the hub.
leader_part() {
	local before=$nnotes last
	lineno=0
	as "$leader" "$cluster_when"
	spiral init "$dir" --cluster "$cluster_name" \
		--school "${school_name[${person_school[$leader]}]}" >/dev/null
	cd "$dir"
	for school in "${schools[@]}"; do
		spiral remote add "$school" "$schools_dir/$school"
	done
	# The merges carry the date of the last thing the schools wrote.
	last=$(rows | awk -F'\t' '$3 != "leader" && $2 != "-" && $5 != "cluster" &&
		$5 != "school" && $5 != "person" { print $2 }' | LC_ALL=C sort | tail -n 1)
	as "$leader" "$last"
	spiral pull --all >/dev/null || die "the leader's pull --all failed"
	replay_part leader
	printf '  %s merged %d schools, wrote %d notes\n' "${person_name[$leader]}:" \
		${#schools[@]} $((nnotes - before))
	git init -q --bare "$hub"
	spiral remote add hub "$hub"
	spiral push hub >/dev/null || die "the push to the hub failed"
	for school in "${schools[@]}"; do
		spiral -C "$schools_dir/$school" remote add cluster "$hub"
		spiral -C "$schools_dir/$school" pull cluster >/dev/null ||
			die "$school's pull of the hub failed"
	done
	printf '  every school pulled the hub (%s)\n' "$hub"
}

# ---- main --------------------------------------------------------------------------

for d in "$dir" "$schools_dir" "$hub"; do
	if [ -e "$d" ] && [ -n "$(ls -A "$d")" ]; then
		die "$d exists and is not empty"
	fi
done
start=$SECONDS
echo "Building $cluster_name: the schools in $schools_dir, the cluster in $dir"
for school in "${schools[@]}"; do
	school_part "$school"
done
leader_part
echo "Done in $((SECONDS - start))s: $ninquiries inquiries, $nentries entries," \
	"$nnotes notes, $ncloses closed by hand."
