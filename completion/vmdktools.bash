# SPDX-License-Identifier: MIT
# vmdktools.bash --- bash completion for the vmdktools programs: their
# options (read from each program's --help, so they never drift), disk
# types by id and name, adapter names, subcommands, and .vmdk files.
# Installed once per program under share/bash-completion/completions/.

_vmdktools_types="0 1 2 3 4 5 6 monolithicSparse twoGbMaxExtentSparse monolithicFlat twoGbMaxExtentFlat vmfs streamOptimized vmfsThin"
_vmdktools_adapters="ide buslogic lsilogic pvscsi"

_vmdktools_options()
{
	"$1" --help 2>/dev/null |
		grep -oE -- '(^|[[:space:],])--?[A-Za-z][-A-Za-z0-9]*' |
		tr -d ' ,\t' | sort -u
}

_vmdktools()
{
	local cur prev prog words
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	prog=${COMP_WORDS[0]##*/}
	COMPREPLY=()
	case $prev in
	-t|--type)
		[ "$prog" = vmdk-clone ] && words="$_vmdktools_types raw" || words=$_vmdktools_types
		COMPREPLY=($(compgen -W "$words" -- "$cur"))
		return ;;
	-a|--adapter)
		COMPREPLY=($(compgen -W "$_vmdktools_adapters" -- "$cur"))
		return ;;
	--source-format)
		COMPREPLY=($(compgen -W "vmdk raw" -- "$cur"))
		return ;;
	-s)
		# vmdk-compare's -s is --strict; elsewhere a value follows.
		[ "$prog" != vmdk-compare ] && return ;;
	--size|-x|-c|--count|--start|--chunk|--val|-j|--jobs|--compress|--hwversion|--grain|--tools-version|--ddb|--thumbprint|-u|--user|--datacenter|--pool|--folder|--source-user|--source-thumbprint|--source-datacenter)
		return ;;	# a value to type
	--host|--source-host)
		COMPREPLY=($(compgen -A hostname -- "$cur"))
		return ;;
	--password-file|--source-password-file)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	-h)
		[ "$prog" = vmware-vdiskmanager ] && return ;;	# a host name
	-p)
		[ "$prog" = vmware-vdiskmanager ] && { COMPREPLY=($(compgen -d -- "$cur")); return; } ;;
	-d)
		# vmdk-mount -d: a directory it mounted.
		[[ $prog == vmdk-mount || $prog == vmware-mount ]] && {
			COMPREPLY=($(compgen -d -- "$cur")); return; } ;;
	-f)
		# vmdk-clone's -f is --force, vmdk-mount's --flat; elsewhere a file follows.
		[[ $prog != vmdk-clone && $prog != vmdk-mount && $prog != vmware-mount ]] && { COMPREPLY=($(compgen -f -- "$cur")); return; } ;;
	-o)
		# vmdk-mount -o: mount options to type.
		[[ $prog == vmdk-mount || $prog == vmware-mount ]] && return
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	--file|--undo|--restore-undo|--output)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(_vmdktools_options "${COMP_WORDS[0]}")" -- "$cur"))
		return
	fi
	case $prog in
	vmdk-child)
		if [ "$COMP_CWORD" -eq 1 ] || { [ "$COMP_CWORD" -gt 1 ] && [[ ${COMP_WORDS[1]} == -* ]] &&
		   ! [[ " ${COMP_WORDS[*]:1:COMP_CWORD-1} " =~ \ (create|attach|commit|rebase)\  ]]; }; then
			COMPREPLY=($(compgen -W "create attach commit rebase" -- "$cur"))
			return
		fi ;;
	vmdk-meta)
		case $prev in *.vmdk) COMPREPLY=($(compgen -W "list get set" -- "$cur")); return ;; esac ;;
	vmdk-prepare)
		COMPREPLY=($(compgen -d -- "$cur"))
		return ;;
	vmdk-mount|vmware-mount)	# a disk, then a directory
		case $prev in *.vmdk|[0-9]*) COMPREPLY=($(compgen -d -- "$cur")); return ;; esac ;;
	vmdk-compare)	# raw images too
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	esac
	# Disks: .vmdk files, and directories to walk into.
	COMPREPLY=($(compgen -f -X '!*.[vV][mM][dD][kK]' -- "$cur") $(compgen -d -S / -- "$cur"))
	compopt -o nospace 2>/dev/null
	[ ${#COMPREPLY[@]} -eq 1 ] && [[ ${COMPREPLY[0]} != */ ]] && compopt +o nospace 2>/dev/null
	return 0
}

complete -F _vmdktools vmdk-create vmdk-info vmdk-dump vmdk-fill vmdk-clone \
	vmdk-map vmdk-grow vmdk-rename vmdk-unlink vmdk-meta vmdk-child vmdk-check \
	vmdk-shrink vmdk-defrag vmdk-prepare vmdk-compare vmdk-mount vmware-vdiskmanager \
	vmware-mount
