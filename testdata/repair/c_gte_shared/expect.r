d.vmdk: grain 11 points to sector 896, which another entry also names [gte-shared]
  fix: clear the entry (discards 128 sectors of data)? yes
d.vmdk: grain 12 points to sector 896, which another entry also names [gte-shared]
  fix: clear the entry (discards 128 sectors of data)? yes
d.vmdk: warning: 2 grains of space (131072 bytes) after the metadata are named by no table (vmdk-defrag gives them back) [unreferenced]
d.vmdk: what the repair overwrote is in d.vmdk.undo; 'vmdk-check --restore-undo d.vmdk.undo' puts it back
d.vmdk: 2 errors, 1 warning, 2 fixed; checked 1 link, 1 extent, 2 grain tables, 11 grains
Exit status is 1
