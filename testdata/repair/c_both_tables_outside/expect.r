d.vmdk: grain table 1: neither copy is sound (primary at sector 77777777 lies outside the file or on other metadata, redundant at 66666666 lies outside the file or on other metadata) [gt-outside]
  fix: clear the entry (discards 65536 sectors of data)? yes
d.vmdk: warning: 4 grains of space (262144 bytes) after the metadata are named by no table (vmdk-defrag gives them back) [unreferenced]
d.vmdk: what the repair overwrote is in d.vmdk.undo; 'vmdk-check --restore-undo d.vmdk.undo' puts it back
d.vmdk: 1 error, 1 warning, 1 fixed; checked 1 link, 1 extent, 1 grain table, 9 grains
Exit status is 1
