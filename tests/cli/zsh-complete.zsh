# zsh -f zsh-complete.zsh FPATH-DIR LINE: the candidates zsh offers for
# LINE<TAB>, one a line, from a real completion in an interactive zsh on a
# pty (zpty), compadd wrapped to print what it is given (t-complete.sh).
zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z 'PROMPT= ; unsetopt zle_bracketed_paste 2>/dev/null'
zpty -w z "fpath=(${(q)1} \$fpath); autoload -Uz compinit; compinit -u -d ${(q)TMPDIR:-/tmp}/zcd.\$\$"
zpty -w z 'bindkey "^I" complete-word; zstyle ":completion:*" insert-tab false'
zpty -w z 'mark() { print -rn -- $'"'"'\x02'"'"' }; compprefuncs=(mark); comppostfuncs=(mark exit)'
zpty -w z 'compadd() { if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return; fi; local -a __h; builtin compadd -A __h "$@"; local __x; for __x in "${__h[@]}"; do print -r -- "<<$__x>>"; done; builtin compadd "$@"; }'
zpty -w z "$2"$'\t'
out=
while zpty -r z line; do
	out+=$line
	[[ $out == *$'\x02'*$'\x02'* ]] && break
done
zpty -d z
out=${out#*$'\x02'}
out=${out%%$'\x02'*}
print -r -- "$out" | tr -d '\r' | grep -o '<<[^<>]*>>' | sed 's/^<<//; s/>>$//' | sort -u
