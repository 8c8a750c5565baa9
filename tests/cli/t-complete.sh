#!/usr/bin/env bash
# Shell completions (issue 17, point 1): `spiral __complete`, hidden, and
# the bash, zsh and fish scripts of completions/ driven in their own shells:
# commands, options, inquiry IDs with titles, phases, tags, schools,
# remotes, measure names.
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
comp=$(cd "$here/../../completions" && pwd)
tab=$(printf '\t')
# The scripts call `spiral` by name.
mkdir -p "$SANDBOX/bin"
ln -s "$SPIRAL" "$SANDBOX/bin/spiral"
export PATH="$SANDBOX/bin:$PATH"
lines() { printf '%s\n' "$@" | sort | tr '\n' ' '; }
sorted() { printf '%s\n' "$1" | sort | tr '\n' ' '; }

# ---- outside a repository: silent, exit 0 ---------------------------------
mkdir "$SANDBOX/plain"
cd "$SANDBOX/plain" || exit 1
ok "__complete inquiries outside a repository exits 0" spiral __complete inquiries
same "and says nothing" "" "$OUT$(cat "$SANDBOX/stderr")"
ok "__complete words show '' too" spiral __complete words show ""
same "nothing" "" "$OUT$(cat "$SANDBOX/stderr")"
ok "__complete commands works anywhere" spiral __complete commands st
same "status, with its summary" "status${tab}Where you are" "$(printf '%s' "$OUT" | cut -c1-20)"
ok "__complete with nothing to do" spiral __complete
same "nothing said" "" "$OUT$(cat "$SANDBOX/stderr")"
ok "an unknown WHAT" spiral __complete nonsense x
same "nothing said" "" "$OUT$(cat "$SANDBOX/stderr")"
same "nothing written" "" "$(ls -A)"

# ---- a repository with something to offer ---------------------------------
new_repo repo "Kōwhai Intermediate"
A=$(spiral new "Year 9 writing" --tag writing --tag oral-language -q)
spiral scan -m "where we are" --measure reading_age=9 --target writing_at=40 >/dev/null
B=$(spiral new "Maths talk" --tag maths -q)
git remote add origin "$SANDBOX/nowhere.git"
git remote add hub "$SANDBOX/hub.git"
N=$(git rev-list --count HEAD)
# As list shows them: 8 characters tell these two apart.
sA=${A:0:8}
sB=${B:0:8}

ok "commands s" spiral __complete commands s
same "every command starting with s" "scan search show status switch sync " \
	"$(sorted "$(printf '%s\n' "$OUT" | cut -f1)")"
ok "options list --s" spiral __complete options list --s
same "list's options starting with --s" "--school --since --stalled --status " "$(sorted "$OUT")"
ok "options check" spiral __complete options check
matches "check has --verdict" '^--verdict$' "$OUT"
ok "options scan" spiral __complete options scan
same "only check has --verdict" "" "$(printf '%s\n' "$OUT" | grep -e --verdict)"
ok "inquiries" spiral __complete inquiries
same "IDs as list shows them, each with its title" \
	"$(lines "$sA${tab}Year 9 writing" "$sB${tab}Maths talk")" "$(sorted "$OUT")"
ok "phases" spiral __complete phases
same "the six, in order" "scan focus hunch learn act check" \
	"$(printf '%s\n' "$OUT" | cut -f1 | tr '\n' ' ' | sed 's/ $//')"
ok "tags" spiral __complete tags
same "every tag once" "maths oral-language writing " "$(sorted "$OUT")"
ok "schools" spiral __complete schools
same "the school" "Kōwhai Intermediate" "$OUT"
ok "authors" spiral __complete authors
same "the author" "Aroha Ngata" "$OUT"
ok "remotes" spiral __complete remotes
same "both remotes" "hub origin " "$(sorted "$OUT")"
ok "measures" spiral __complete measures
same "measures and targets" "reading_age writing_at " "$(sorted "$OUT")"
ok "words: --phase=a" spiral __complete words list --phase=a
same "the value after the option" "--phase=act" "$(printf '%s' "$OUT" | cut -f1)"
ok "words: check --verdict" spiral __complete words check --verdict ""
same "the verdicts" "enough partly not-enough" "$(printf '%s\n' "$OUT" | tr '\n' ' ' | sed 's/ $//')"
ok "words: -C DIR is followed" spiral __complete words -C "$SANDBOX/repo" show ""
same "its inquiries" 2 "$(printf '%s\n' "$OUT" | wc -l)"
ok "words: scan -F asks for files" spiral __complete words scan -F ""
same ":files" ":files" "$OUT"
ok "words: remote rename" spiral __complete words remote rename ""
same "the remotes" "hub origin " "$(sorted "$OUT")"
commits "nothing committed by completing" "$N"
clean "nothing changed in the work tree"

# ---- hidden ---------------------------------------------------------------
ok "spiral help" spiral help
same "does not list __complete" "" "$(printf '%s\n' "$OUT" | grep complete)"
fails "a typo is not completed to it" 2 "" spiral __complet
same "nor suggested" "" "$(printf '%s\n' "$ERR" | grep __complete)"

# ---- bash -----------------------------------------------------------------
# COMP_WORDS/COMP_CWORD as bash sets them; prints COMPREPLY, sorted.
bash_complete() {
	bash --norc --noprofile -c '. "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}; _spiral
		printf "%s\n" "${COMPREPLY[@]}"' _ "$comp/spiral.bash" "$@" | sort | tr '\n' ' '
}
same "bash: spiral s" "scan search show status switch sync " "$(bash_complete spiral s)"
same "bash: spiral list --s" "--school --since --stalled --status " \
	"$(bash_complete spiral list --s)"
same "bash: spiral show <TAB>" "$(lines "$sA" "$sB")" "$(bash_complete spiral show "")"
same "bash: a prefix" "$sB " "$(bash_complete spiral show "${sB:0:3}")"
same "bash: --phase <TAB>" "act check focus hunch learn scan " "$(bash_complete spiral list --phase "")"
same "bash: --phase=a (split at = by bash)" "act " "$(bash_complete spiral list --phase = a)"
same "bash: --tag" "maths oral-language writing " "$(bash_complete spiral scan --tag "")"
same "bash: --school, quoted" 'Kōwhai\ Intermediate ' "$(bash_complete spiral list --school "")"
same "bash: spiral pull <TAB>" "hub origin " "$(bash_complete spiral pull "")"
same "bash: --measure" "reading_age writing_at " "$(bash_complete spiral act --measure "")"
same "bash: help COMMAND" "status " "$(bash_complete spiral help st)"
mkdir -p sub && touch sub/notes.txt
same "bash: -F FILE completes files" "sub/notes.txt " "$(bash_complete spiral note -F sub/)"
rm -r sub

# ---- zsh: a real completion on a pty --------------------------------------
if command -v zsh >/dev/null; then
	zsh_complete() {
		TMPDIR=$SANDBOX timeout 30 zsh -f "$here/zsh-complete.zsh" "$comp" "$1" | sort | tr '\n' ' '
	}
	same "zsh: spiral s" "scan search show status switch sync " "$(zsh_complete "spiral s")"
	same "zsh: spiral list --s" "--school --since --stalled --status " \
		"$(zsh_complete "spiral list --s")"
	same "zsh: spiral show <TAB>" "$(lines "$sA" "$sB")" "$(zsh_complete "spiral show ")"
	same "zsh: --phase" "act check focus hunch learn scan " "$(zsh_complete "spiral log --phase ")"
	same "zsh: --tag" "maths oral-language writing " "$(zsh_complete "spiral list --tag ")"
	same "zsh: --school" 'Kōwhai\ Intermediate ' "$(zsh_complete "spiral list --school ")"
	same "zsh: spiral pull <TAB>" "hub origin " "$(zsh_complete "spiral pull ")"
	same "zsh: --measure" "reading_age writing_at " "$(zsh_complete "spiral check --measure ")"
else
	echo "note: zsh is not installed (tests/deps.sh installs it); its script is not tested"
fi

# ---- fish -----------------------------------------------------------------
if command -v fish >/dev/null; then
	fish_complete() {
		XDG_CONFIG_HOME=$SANDBOX/fish XDG_DATA_HOME=$SANDBOX/fish \
			fish --no-config -c "source $comp/spiral.fish; complete -C '$1'" | sort | tr '\n' ' '
	}
	same "fish: spiral sh" "show${tab}Show an inquiry with every entry and its measures. " \
		"$(fish_complete "spiral sh")"
	same "fish: spiral list --s" "--school --since --stalled --status " \
		"$(fish_complete "spiral list --s")"
	same "fish: spiral show <TAB>, with titles" \
		"$(lines "$sB${tab}Maths talk" "$sA${tab}Year 9 writing")" "$(fish_complete "spiral show ")"
	same "fish: --phase" "act check focus hunch learn scan " \
		"$(fish_complete "spiral list --phase " | sed "s/$tab[^ ]*[^$tab]*\( \|$\)/ /g")"
	same "fish: --tag" "maths oral-language writing " "$(fish_complete "spiral list --tag ")"
	same "fish: --school" "Kōwhai Intermediate " "$(fish_complete "spiral list --school ")"
	same "fish: spiral pull <TAB>" "hub origin " "$(fish_complete "spiral pull ")"
	same "fish: --measure" "reading_age writing_at " "$(fish_complete "spiral act --measure ")"
else
	echo "note: fish is not installed (tests/deps.sh installs it); its script is not tested"
fi
commits "still nothing committed" "$N"

finish
