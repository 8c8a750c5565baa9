# fish completion for spiral(1).  Every candidate comes from the tool
# itself (`spiral __complete words ...`): commands, each command's options,
# inquiry IDs with their titles, phases, tags, schools, authors, remotes,
# measure names.  Installed as share/fish/vendor_completions.d/spiral.fish.

function __spiral_complete
    set -l words (commandline -opc)
    set -e words[1]
    set -l current (commandline -ct)
    set -l out (command spiral __complete words $words $current 2>/dev/null)
    switch "$out[1]"
        case :files
            __fish_complete_path $current
        case :dirs
            __fish_complete_directories $current
        case '*'
            printf '%s\n' $out
    end
end

complete -c spiral -f -a '(__spiral_complete)'
