# SPDX-License-Identifier: MIT
# t_vdiskmanager.sh --- vmware-vdiskmanager: every example of its usage
# text as written, each operation's result checked with the vmdk-* tools
# and qemu-img, VMware's sizes, one operation per call, and the shell
# completion.  Sourced by run.sh.

M=$T/vdm
mkdir -p "$M"
VDM=$BIN/vmware-vdiskmanager
here_dir=$(pwd)
cd "$M" || exit 1

expect "example: -c -s 850MB -a ide -t 0 myIdeDisk.vmdk" \
	"$VDM" -c -s 850MB -a ide -t 0 myIdeDisk.vmdk
grep -q "Virtual disk creation successful." "$T/out" && ok "create says so" || bad "create message"
"$BIN/vmdk-info" myIdeDisk.vmdk > "$T/info"
grep -q "monolithicSparse (type 0)" "$T/info" && grep -q "1740800 sectors" "$T/info" &&
	grep -q "Adapter: *ide" "$T/info" && ok "850MB ide type 0 disk as asked" ||
	bad "created disk differs: $(head -3 "$T/info" | tr '\n' ' ')"
expect "qemu-img checks the created disk" qemu-img check -q myIdeDisk.vmdk
"$BIN/vmdk-create" -q -s 64M -t 1 myDisk.vmdk
"$BIN/vmdk-fill" -q -s 2048 -c 4096 --val 0x33 myDisk.vmdk
"$BIN/vmdk-fill" -q -s 20000 -c 4096 --val 0 myDisk.vmdk
want=$("$BIN/vmdk-dump" --raw myDisk.vmdk | sha)
expect "example: -d myDisk.vmdk" "$VDM" -d myDisk.vmdk
grep -q "Defragmentation completed successfully." "$T/out" && ok "defrag says so" || bad "defrag message"
[ "$("$BIN/vmdk-dump" --raw myDisk.vmdk | sha)" = "$want" ] && ok "defragmented disk reads the same" ||
	bad "defrag changed content"
expect "example: -r sourceDisk.vmdk -t 0 destinationDisk.vmdk" \
	"$VDM" -r myDisk.vmdk -t 0 destinationDisk.vmdk
[ "$("$BIN/vmdk-info" destinationDisk.vmdk | grep -c 'monolithicSparse (type 0)')" -eq 1 ] &&
	ok "converted to type 0" || bad "conversion type"
same_content "three readers agree on the converted disk" destinationDisk.vmdk
[ "$("$BIN/vmdk-dump" --raw destinationDisk.vmdk | sha)" = "$want" ] &&
	ok "converted disk holds the source's data" || bad "converted content differs"
expect "example: -x 36GB myDisk.vmdk" "$VDM" -x 36GB myDisk.vmdk
"$BIN/vmdk-info" myDisk.vmdk | grep -q "75497472 sectors" && ok "expanded to 36GB" ||
	bad "expand size: $("$BIN/vmdk-info" myDisk.vmdk | grep Capacity)"
expect "example: -n sourceName.vmdk destinationName.vmdk" \
	"$VDM" -n destinationDisk.vmdk destinationName.vmdk
[ -e destinationName.vmdk ] && [ ! -e destinationDisk.vmdk ] && ok "renamed" || bad "rename"
expect "example: -k myDisk.vmdk" "$VDM" -k myDisk.vmdk
grep -q "Shrink completed successfully." "$T/out" && ok "shrink says so" || bad "shrink message"
[ "$("$BIN/vmdk-dump" --raw -c 65536 myDisk.vmdk | sha)" = "$(sh -c "'$BIN/vmdk-dump' --raw -c 65536 '$M/destinationName.vmdk'" | sha)" ] &&
	ok "shrunk disk reads the same" || bad "shrink changed content"
# -p zeroes a whole filesystem's free space: a small tmpfs, never the
# machine's own disk.
mkdir -p mnt
if mount -t tmpfs -o size=8m tmpfs "$M/mnt" 2>/dev/null; then
	# -p takes only a virtual disk's filesystem (vmdk-prepare's rule):
	# a tmpfs is refused, and left as it was.
	expect_exit 1 "is not on a virtual disk" "-p refuses a tmpfs" "$VDM" -p "$M/mnt"
	[ -z "$(ls -A mnt)" ] && [ "$(df --output=used -B1 "$M/mnt" | tail -1)" -lt 1048576 ] &&
		ok "prepare leaves the filesystem as it was" || bad "prepare left files or space"
	umount "$M/mnt"
else
	echo "skipped: -p on a tmpfs (mounting not allowed here)"
fi
expect_exit 1 "not a directory" "-p on a file is refused" "$VDM" -p "$M/myIdeDisk.vmdk"

# Check and repair, chain, deletable.
cp myIdeDisk.vmdk bad.vmdk
gd=$(od -An -t u8 -j 56 -N 8 bad.vmdk | tr -d ' ')
gt=$(od -An -t u4 -j $((gd * 512)) -N 4 bad.vmdk | tr -d ' ')
"$BIN/vmdk-fill" -q -c 1 --val 0x55 bad.vmdk
gt=$(od -An -t u4 -j $((gd * 512)) -N 4 bad.vmdk | tr -d ' ')
patch32 bad.vmdk $((gt * 512)) 3
expect_exit 4 "" "vmdk-check finds the damage" "$BIN/vmdk-check" -q bad.vmdk
expect "-R repairs it" "$VDM" -R bad.vmdk
grep -q "has been repaired" "$T/out" && ok "-R says it repaired" || bad "-R message: $(cat "$T/out")"
expect "the repaired disk checks clean" "$BIN/vmdk-check" -q bad.vmdk
expect "-R on a sound disk" "$VDM" -R myIdeDisk.vmdk
grep -q "has no errors" "$T/out" && ok "-R says no errors" || bad "-R sound message"
"$BIN/vmdk-child" create -q myIdeDisk.vmdk child.vmdk
expect "-e on a consistent chain" "$VDM" -e child.vmdk
grep -q "Disk chain is consistent." "$T/out" && ok "-e says consistent" || bad "-e message"
"$BIN/vmdk-fill" -q -c 1 --val 1 myIdeDisk.vmdk
expect_exit 1 "not consistent" "-e on a chain whose parent changed" "$VDM" -e child.vmdk
expect "-D makes a disk deletable" "$VDM" -D myIdeDisk.vmdk
[ "$("$BIN/vmdk-meta" myIdeDisk.vmdk get ddb.deletable)" = "true" ] && ok "ddb.deletable is true" ||
	bad "ddb.deletable not set"

# Sizes as VMware writes them.
for s in "4096:4096" "2MB:4096" "2048KB:4096" "1.5MB:3072" "0.5GB:1048576" "8192.0MB:16777216"; do
	rm -f size.vmdk
	"$VDM" -q -c -s "${s%%:*}" -t 0 size.vmdk
	"$BIN/vmdk-info" size.vmdk 2>/dev/null | grep -q "^Capacity: *${s##*:} sectors" &&
		ok "size ${s%%:*} is ${s##*:} sectors" || bad "size ${s%%:*}"
done
expect_exit 2 "outside [1MB, 8192GB]" "a size under 1MB is refused" "$VDM" -c -s 100KB -t 0 small.vmdk
expect_exit 2 "invalid capacity: unknown unit 'furlongs'" "a size in furlongs" "$VDM" -c -s 3furlongs -t 0 small.vmdk
expect_exit 2 "need a capacity (-s)" "no size" "$VDM" -c -t 0 small.vmdk
expect_exit 2 "needs a disk type" "create without -t" "$VDM" -c -s 1MB small.vmdk
expect_exit 2 "unknown adapter" "a bad adapter" "$VDM" -c -s 1MB -a scsi9 -t 0 small.vmdk
[ ! -e small.vmdk ] && ok "no disk from a refused create" || bad "a refused create made a disk"

# One operation per call, VMware's usage, quiet, remote.
expect_exit 2 "only one operation" "two operations are refused" "$VDM" -d -k myDisk.vmdk
expect_exit 2 "no operation given" "no operation" "$VDM" myDisk.vmdk
expect_exit 2 "Usage:" "no arguments prints the usage" "$VDM"
expect "--help" "$VDM" --help
grep -q "ex\|Examples" "$T/out" && grep -q -- "-r sourceDisk.vmdk -t 0 destinationDisk.vmdk" "$T/out" &&
	ok "usage shows the examples" || bad "usage text"
grep -qF -- '-h esx.example.com -u root -f passwordFile "[datastore1] dir/disk.vmdk"' "$T/out" &&
	ok "usage shows the remote example" || bad "no remote example in the usage"
expect "-q is silent" "$VDM" -q -c -s 1MB -t 1 quiet.vmdk
[ ! -s "$T/out" ] && ok "nothing printed with -q" || bad "-q printed: $(cat "$T/out")"
expect_exit 2 "go with -r only" "-h goes with -r" "$VDM" -d -h esx myDisk.vmdk
expect_exit 2 "--thumbprint wants" "--thumbprint is taken with -h" \
	"$VDM" --thumbprint AA:BB -r myDisk.vmdk -t 5 -h esx:443 -u u -f pw "[ds] d.vmdk"
expect_exit 2 "-h needs -u" "-h without -u" "$VDM" -r myDisk.vmdk -t 4 -h esx "[ds] d.vmdk"
expect_exit 2 "thin (-t 6) or thick (-t 4)" "a datastore takes -t 4 or 6" \
	"$VDM" -r myDisk.vmdk -t 5 -h esx -u u -f /dev/null "[ds] d.vmdk"
expect_exit 2 "go with -r only" "--thumbprint without a remote host" \
	"$VDM" --thumbprint AA:BB -d myDisk.vmdk
expect_exit 2 "needs a value" "--thumbprint without a value" "$VDM" -d myDisk.vmdk --thumbprint

# Every type it makes, read alike by qemu-img, libyal and us.
for t in 0 1 2 3 4 5 6; do
	rm -f "ty$t"*.vmdk
	if [ $t = 5 ]; then
		"$VDM" -q -r myIdeDisk.vmdk -t 5 ty5.vmdk
	else
		"$VDM" -q -c -s 4MB -t $t "ty$t.vmdk"
		"$BIN/vmdk-fill" -q -s 64 -c 64 --val 0x3c "ty$t.vmdk"
	fi
	expect "type $t from vmware-vdiskmanager: qemu-img check" qemu-img check -q "ty$t.vmdk"
	same_content "type $t from vmware-vdiskmanager: three readers agree" "ty$t.vmdk"
done
expect_exit 1 "already exists" "convert onto an existing disk is refused" \
	"$VDM" -r myDisk.vmdk -t 0 destinationName.vmdk
expect_exit 1 "expected key=value" "convert of a text file is refused" \
	sh -c "printf 'hello\n' > '$M/t.txt' && exec '$VDM' -r '$M/t.txt' -t 0 '$M/t.vmdk'"

# Shell completion: every tool registered, options, types, adapters.
if command -v bash >/dev/null; then
	for tool in "$BIN"/*; do
		name=$(basename "$tool")
		PATH=$BIN:$PATH bash -c ". '$here/../../completion/vmdktools.bash' && complete -p $name" \
			>/dev/null 2>&1 && ok "completion registered for $name" || bad "no completion for $name"
	done
	comp() { PATH=$BIN:$PATH bash -c ". '$here/../../completion/vmdktools.bash'; COMP_WORDS=($1); COMP_CWORD=$2; _vmdktools; echo \"\${COMPREPLY[*]}\""; }
	comp "vmdk-clone --so" 1 | grep -q -- "--source-format" && ok "completes vmdk-clone options" || bad "clone options"
	comp "vmdk-check -" 1 | grep -q -- "--repair" && ok "completes vmdk-check options" || bad "check options"
	comp "vmdk-clone --thu" 1 | grep -q -- "--thumbprint" && comp "vmdk-clone --passw" 1 | grep -q -- "--password-file" &&
		ok "completes the remote options" || bad "remote options"
	comp "vmdk-clone --password-file my" 2 | grep -q "myDisk.vmdk" && ok "--password-file completes files" ||
		bad "password-file completion"
	comp "vmdk-create -t ''" 2 | grep -q "streamOptimized" && ok "completes type names" || bad "type names"
	comp "vmdk-clone -t ''" 2 | grep -qw "raw" && ok "completes raw for vmdk-clone" || bad "clone raw type"
	comp "vmware-vdiskmanager -a ''" 2 | grep -q "buslogic" && ok "completes adapters" || bad "adapters"
	comp "vmdk-child ''" 1 | grep -q "commit" && ok "completes vmdk-child subcommands" || bad "child subcommands"
	comp "vmdk-info my" 1 | grep -q "myDisk.vmdk" && ok "completes .vmdk files" || bad "vmdk files"
	comp "vmdk-info my" 1 | grep -q "myDisk-s001" && ok "completes extents too (they are .vmdk)" || bad "extent names"
fi
cd "$here_dir" || exit 1
