#!/usr/bin/env bash
# The editor: on a terminal, a phase or note with no -m/-F opens
# $VISUAL/$EDITOR (or `spiral config editor`) on a template whose comment
# lines carry the phase's guiding questions; an empty text or a failed
# editor writes nothing.  `spiral edit` with no options edits the fields.
# script(1) gives the command a terminal (stdin and stdout a pty).
. "$(dirname "$0")/lib.sh"

new_repo
ID=$(spiral new "Year 9 writing" --learners "Year 9 boys" --tag writing --tag science \
	--team "Aroha Ngata" -q)
N=$(git rev-list --count HEAD)

wrote() {
	N=$((N + 1))
	commits "$1: one commit" "$N"
	clean "$1: clean"
}
unchanged() {
	commits "$1: nothing committed" "$N"
	clean "$1: still clean"
}
json() { J=$(spiral show "$ID" --format json); }
py() {
	printf '%s' "$J" | python3 -c "import json, sys
d = json.load(sys.stdin)
r = $1
print(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False))"
}

# The editors.
E="$SANDBOX/editors"
mkdir -p "$E"
cat >"$E/append" <<'EOF'
#!/bin/sh
printf 'Boys say writing is boring.\n\nThey like to talk about games.\n' >>"$1"
EOF
cat >"$E/copy" <<EOF
#!/bin/sh
cp "\$1" "$SANDBOX/template"
printf 'Text after the template.\n' >>"\$1"
EOF
cat >"$E/comments" <<'EOF'
#!/bin/sh
printf '# only a comment of mine\n\n   \n' >>"$1"
EOF
cat >"$E/broken" <<'EOF'
#!/bin/sh
printf 'I typed a lot, then the editor crashed.\n' >>"$1"
exit 1
EOF
cat >"$E/visual" <<'EOF'
#!/bin/sh
printf 'Written in VISUAL.\n' >>"$1"
EOF
cat >"$E/configured" <<'EOF'
#!/bin/sh
printf 'Written in the configured editor.\n' >>"$1"
EOF
cat >"$E/latin1" <<'EOF'
#!/bin/sh
printf 'caf\351\n' >>"$1"
EOF
chmod +x "$E"/*

# ---- a phase through the editor -------------------------------------------------
on_tty "scan on a terminal opens \$EDITOR" 0 env EDITOR="$E/append" "$SPIRAL" scan
matches "it logs the scan" "Logged scan in ${ID:0:8}" "$OUT"
wrote "scan through the editor"
json
same "the text is what was typed, comments dropped" \
	"Boys say writing is boring.

They like to talk about games." "$(py 'd["entries"][-1]["text"]')"
same "the editor's file is gone" "" "$(ls .git/SPIRAL_EDIT* 2>/dev/null)"

# Each phase's template carries its guiding questions as comments.
learner_qs=("Can you name two adults in this school who believe you will be a success in life?"
	"What are you learning and why is it important?"
	"How is it going with your learning?"
	"What are your next steps?")
declare -A qs=(
	[scan]="What's going on for our learners?|How do we know?|Why does this matter?"
	[focus]="Where will concentrating our energies make the most difference?"
	[hunch]="How are we contributing to this situation?"
	[learn]="How and where will we learn more about what to do?"
	[act]="What will we do differently to make enough of a difference?"
	[check]="Have we made enough of a difference?|How do we know?"
)
for phase in scan focus hunch learn act check; do
	rm -f "$SANDBOX/template"
	on_tty "$phase: the editor opens" 0 env EDITOR="$E/copy" "$SPIRAL" "$phase"
	wrote "$phase through the editor"
	tmpl=$(cat "$SANDBOX/template" 2>/dev/null)
	IFS='|' read -r -a want <<<"${qs[$phase]}"
	for q in "${want[@]}"; do
		same "$phase template asks: $q" 1 "$(grep -c "^#.*$(printf '%s' "$q" | sed 's/[?.]/\\&/g')" <<<"$tmpl")"
	done
	for q in "${learner_qs[@]}"; do
		if [ "$phase" = scan ] || [ "$phase" = check ]; then
			same "$phase template asks learners: $q" 1 \
				"$(grep -c "^#.*$(printf '%s' "$q" | sed 's/[?.]/\\&/g')" <<<"$tmpl")"
		else
			same "$phase template leaves out: $q" 0 \
				"$(grep -c "$(printf '%s' "$q" | sed 's/[?.]/\\&/g')" <<<"$tmpl")"
		fi
	done
	matches "$phase template names the inquiry" "^#.*Year 9 writing" "$tmpl"
	same "$phase template: every line with text is a comment" "" \
		"$(grep -v '^#' <<<"$tmpl" | grep -v '^$')"
	json
	same "$phase: the template's comments are not in the text" "Text after the template." \
		"$(py 'd["entries"][-1]["text"]')"
	same "$phase: the entry is that phase" "$phase" "$(py 'd["entries"][-1]["phase"]')"
done

# Options still apply with the editor.
on_tty "act through the editor with a measure and evidence" 0 env EDITOR="$E/append" \
	"$SPIRAL" act --measure writing=40 --evidence "Blog posts" --tag blogging
wrote "act with options through the editor"
json
same "the options were kept" '{"writing": 40} ["Blog posts"]' \
	"$(py 'd["entries"][-1]["measures"]') $(py 'd["entries"][-1]["evidence"]')"
matches "--tag was added" "blogging" "$(py 'd["tags"]')"

# A note through the editor.
on_tty "note on a terminal opens the editor" 0 env EDITOR="$E/append" "$SPIRAL" note
wrote "note through the editor"
json
same "the note's text" "Boys say writing is boring.

They like to talk about games." "$(py 'd["notes"][-1]["text"]')"

# ---- nothing written ------------------------------------------------------------
on_tty "an editor leaving only comments aborts" 1 env EDITOR="$E/comments" "$SPIRAL" scan
matches "it says the text is empty" "spiral: error: .*empty" "$OUT"
unchanged "only comments"
on_tty "a failing editor aborts" 1 env EDITOR="$E/broken" "$SPIRAL" focus
matches "it names the editor" "spiral: error: .*editor.*broken.*nothing was written" "$OUT"
unchanged "a failing editor"
on_tty "an editor that is not there aborts" 1 env EDITOR="$E/missing" "$SPIRAL" hunch
unchanged "a missing editor"
on_tty "invalid UTF-8 from the editor aborts" 1 env EDITOR="$E/latin1" "$SPIRAL" learn
matches "it says why" "not valid UTF-8" "$OUT"
unchanged "invalid UTF-8 from the editor"
on_tty "an empty note aborts" 1 env EDITOR="$E/comments" "$SPIRAL" note
unchanged "an empty note"

# No editor unless both stdin and stdout are a terminal.
on_tty "stdin not a terminal: no editor, a usage error" 2 sh -c \
	"EDITOR='$E/append' '$SPIRAL' scan </dev/null"
unchanged "stdin not a terminal"
on_tty "stdout not a terminal: no editor, a usage error" 2 sh -c \
	"EDITOR='$E/append' '$SPIRAL' scan >'$SANDBOX/out'"
unchanged "stdout not a terminal"
on_tty "-m on a terminal does not open the editor" 0 env EDITOR="$E/broken" \
	"$SPIRAL" act -m "no editor"
wrote "-m on a terminal"

# ---- which editor ---------------------------------------------------------------
on_tty "VISUAL wins over EDITOR" 0 env VISUAL="$E/visual" EDITOR="$E/broken" "$SPIRAL" act
wrote "VISUAL"
json
same "VISUAL wrote the text" "Written in VISUAL." "$(py 'd["entries"][-1]["text"]')"
on_tty "EDITOR when VISUAL is empty" 0 env VISUAL= EDITOR="$E/visual" "$SPIRAL" act
wrote "EDITOR with VISUAL empty"
spiral config editor "$E/configured"
on_tty "spiral config editor wins over VISUAL and EDITOR" 0 env VISUAL="$E/broken" \
	EDITOR="$E/broken" "$SPIRAL" act
wrote "config editor"
json
same "the configured editor wrote the text" "Written in the configured editor." \
	"$(py 'd["entries"][-1]["text"]')"
spiral config --unset editor
printf '#!/bin/sh\nprintf "with an argument: %%s\\n" "$1" >>"$2"\n' >"$E/witharg"
chmod +x "$E/witharg"
on_tty "an editor command with arguments" 0 env EDITOR="$E/witharg --wait" "$SPIRAL" act
wrote "an editor with arguments"
json
same "the editor got its argument and the file" "with an argument: --wait" \
	"$(py 'd["entries"][-1]["text"]')"

# ---- spiral edit with no options --------------------------------------------------
cat >"$E/fields-copy" <<EOF
#!/bin/sh
cp "\$1" "$SANDBOX/fields"
EOF
chmod +x "$E/fields-copy"
on_tty "edit with no options opens the editor" 0 env EDITOR="$E/fields-copy" "$SPIRAL" edit
fields=$(grep -v '^#' "$SANDBOX/fields" | grep -v '^$')
same "the fields to edit" "title = Year 9 writing
learners = Year 9 boys
tag = blogging
tag = science
tag = writing
team = Aroha Ngata" "$fields"
matches "edit unchanged says nothing changed" "Nothing changed" "$OUT"
unchanged "edit with nothing changed"
cat >"$E/fields" <<'EOF'
#!/bin/sh
sed -i -e 's/^title = .*/title = Year 9 writing for boys/' -e '/^tag = science$/d' "$1"
printf 'team = Mere Tāwhai\n' >>"$1"
EOF
chmod +x "$E/fields"
on_tty "edit: change the title, delete a tag line, add a member" 0 env \
	EDITOR="$E/fields" "$SPIRAL" edit "${ID:0:6}"
matches "edit names the inquiry" "Edited ${ID:0:8}.* Year 9 writing for boys" "$OUT"
wrote "edit through the editor"
same "the commit message" "edit(${ID:0:8}): Year 9 writing for boys" "$(git log -1 --format=%s)"
json
same "the new title" "Year 9 writing for boys" "$(py 'd["title"]')"
same "the tag is gone" '["blogging", "writing"]' "$(py 'd["tags"]')"
same "the member is added" '["Aroha Ngata", "Mere Tāwhai"]' "$(py 'd["team"]')"
same "learners unchanged" "Year 9 boys" "$(py 'd["learners"]')"
cat >"$E/notitle" <<'EOF'
#!/bin/sh
sed -i 's/^title = .*/title =/' "$1"
EOF
chmod +x "$E/notitle"
on_tty "edit: an empty title aborts" 1 env EDITOR="$E/notitle" "$SPIRAL" edit
matches "it says the title is empty" "title is empty" "$OUT"
unchanged "an empty title"
cat >"$E/unknown" <<'EOF'
#!/bin/sh
printf 'colour = blue\n' >>"$1"
EOF
chmod +x "$E/unknown"
on_tty "edit: an unknown field aborts" 1 env EDITOR="$E/unknown" "$SPIRAL" edit
matches "it names the field" "colour" "$OUT"
unchanged "an unknown field"
cat >"$E/noequals" <<'EOF2'
#!/bin/sh
printf 'this line has no equals sign\n' >>"$1"
EOF2
chmod +x "$E/noequals"
on_tty "edit: a line that is not a field aborts" 1 env EDITOR="$E/noequals" "$SPIRAL" edit
matches "it says which line and why" \
	"^spiral: error: the edited fields, line [0-9]+: expected 'key = value' or '\[section\]'$" "$OUT"
cat >"$E/keepcopy" <<EOF3
#!/bin/sh
printf 'this line has no equals sign\n' >>"\$1"
cp "\$1" "$E/edited-copy"
EOF3
chmod +x "$E/keepcopy"
on_tty "edit: the bad line again, keeping what the user saw" 1 env EDITOR="$E/keepcopy" "$SPIRAL" edit
same "the line number is the line in the user's file (comments counted)" \
	"$(wc -l <"$E/edited-copy" | tr -d ' ')" "$(printf '%s' "$OUT" | sed -n 's/.*line \([0-9]*\):.*/\1/p')"
unchanged "a line that is not a field"
on_tty "edit: a failing editor aborts" 1 env EDITOR="$E/broken" "$SPIRAL" edit
unchanged "edit with a failing editor"
ok "spiral fsck at the end" spiral fsck
finish
