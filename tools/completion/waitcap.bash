# bash completion for waitcap(1).  The commands come from `waitcap --help`
# and the options from `waitcap COMMAND --help` (their option lines), so
# there is no second list to keep.
_waitcap()
{
	local cur prev words cword
	_init_completion || return

	if ((cword == 1)); then
		local commands
		commands=$("${words[0]}" --help 2>/dev/null |
			sed -n '/^commands:/,/^$/s/^  \([a-z][a-z]*\) .*/\1/p')
		COMPREPLY=($(compgen -W "$commands --help" -- "$cur"))
		return
	fi
	local command=${words[1]}

	# After `run ... --` the rest is a command line of its own.
	local i
	for ((i = 2; i < cword; i++)); do
		if [[ ${words[i]} == -- && $command == run ]]; then
			_command_offset $((i + 1))
			return
		fi
	done

	case $prev in
	--config | -c | --baseline | --debug-dir | -o | --output | --what-if-profile)
		_filedir
		return
		;;
	--trace)
		_filedir -d
		return
		;;
	--format | -f)
		COMPREPLY=($(compgen -W "table json markdown html folded" -- "$cur"))
		return
		;;
	--by)
		COMPREPLY=($(compgen -W "callsite peer rule process host thread host,peer host,callsite callsite,peer" -- "$cur"))
		return
		;;
	--op)
		COMPREPLY=($(compgen -W "connect accept recv send poll select epoll resolve" -- "$cur"))
		return
		;;
	--profile | -p)
		[[ $command == explain || $command == run ]] &&
			COMPREPLY=($(compgen -W "local testing staging production" -- "$cur"))
		return
		;;
	esac

	if [[ $cur == -* ]]; then
		local options
		options=$("${words[0]}" "$command" --help 2>/dev/null |
			sed -n 's/^ \{1,8\}\(-[a-zA-Z]\)\{0,1\}\(, \)\{0,1\}\(--[a-z][a-z-]*\)\{0,1\}.*/\1 \3/p')
		COMPREPLY=($(compgen -W "$options" -- "$cur"))
		return
	fi
	case $command in
	analyze | suggest) _filedir -d ;;
	check) _filedir json ;;
	esac
}
complete -F _waitcap waitcap
