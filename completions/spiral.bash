# bash completion for spiral(1).  Every candidate comes from the tool
# itself (`spiral __complete words ...`): commands, each command's options,
# inquiry IDs, phases, tags, schools, authors, remotes, measure names.
# Installed as share/bash-completion/completions/spiral.

_spiral()
{
	local cur=${COMP_WORDS[COMP_CWORD]} line word
	local -a out
	COMPREPLY=()
	# bash splits "--phase=ac" at '=' (COMP_WORDBREAKS): give the tool
	# "--phase" "ac", whose values then replace "ac".
	local -a words=("${COMP_WORDS[@]:1:COMP_CWORD}")
	local n=$COMP_CWORD
	if ((n >= 2)) && [[ $cur == = ]]; then
		cur=
		words=("${COMP_WORDS[@]:1:n-2}" "${COMP_WORDS[n-1]}" "")
	elif ((n >= 3)) && [[ ${COMP_WORDS[n-1]} == = ]]; then
		words=("${COMP_WORDS[@]:1:n-3}" "${COMP_WORDS[n-2]}" "$cur")
	fi
	mapfile -t out < <(command spiral __complete words "${words[@]}" 2>/dev/null)
	if [[ ${out[0]-} == :files ]]; then
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return 0
	elif [[ ${out[0]-} == :dirs ]]; then
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -d -- "$cur")
		return 0
	fi
	for line in "${out[@]}"; do
		word=${line%%$'\t'*}
		# A school or author with spaces: quoted, unless a quote was typed.
		[[ $word == *[[:space:]]* && $cur != [\"\']* ]] && word=$(printf '%q' "$word")
		COMPREPLY+=("$word")
	done
	return 0
}
complete -F _spiral spiral
