#!/usr/bin/env bash
# A teacher's first minutes: init, new, the six phases, show.
. "$(dirname "$0")/lib.sh"

new_repo
ok "init commits spiral.ini" test -f spiral.ini
commits "init is one commit" 1
clean "clean after init"
ok "new prints the id" spiral new "Year 9 writing" -q
id=$OUT
matches "new -q prints a full id" '^[0-9a-f]{32}$' "$id"
for phase in scan focus hunch learn act check; do
	ok "$phase logs" spiral "$phase" -m "a $phase"
done
commits "one commit per write" 8
clean "clean after writes"
ok "show" spiral show
matches "show names the title" 'Year 9 writing' "$OUT"
ok "show json" spiral show --format json
matches "json has the id" "\"id\":\"$id\"" "$OUT"

# A new user, no identity anywhere: init says how to set one, leaves nothing
# behind, and the advice works.
export HOME="$SANDBOX/newuser"
mkdir -p "$HOME"
cd "$SANDBOX"
fails "init without an identity says how to set one" 1 \
	"spiral config --global user.name" spiral init first --school "Kōwhai"
ok "and leaves nothing behind" test ! -e "$SANDBOX/first"
ok "config --global needs no repository" spiral config --global user.name "Mere Tāwhai"
ok "config --global user.email" spiral config --global user.email mere@totara.school.nz
ok "config --global reads back" spiral config --global user.name
same "the name" "Mere Tāwhai" "$OUT"
ok "git sees it" git config --global user.email
same "in ~/.gitconfig" "mere@totara.school.nz" "$OUT"
ok "now init works" spiral init first --school "Kōwhai"
cd "$SANDBOX/first"
commits "one commit" 1
ok "the commit is by the new user" git log -1 --format=%an
same "author" "Mere Tāwhai" "$OUT"
fails "config without --global outside a repository" 1 "not in a spiral repository" \
	spiral -C "$SANDBOX" config user.name
finish
