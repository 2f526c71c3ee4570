d.vmdk: grain 1 points to sector 256, which another entry also names [gte-shared]
  fix: clear the entry (discards 128 sectors of data)? yes
d.vmdk: grain 2 points to sector 256, which another entry also names [gte-shared]
  fix: clear the entry (discards 128 sectors of data)? yes
d.vmdk: warning: 2 grains of space (131072 bytes) after the metadata are named by no table (vmdk-defrag gives them back) [unreferenced]
d.vmdk: what the repair overwrote is in d.vmdk.undo; 'vmdk-check --restore-undo d.vmdk.undo' puts it back
d.vmdk: 2 errors, 1 warning, 2 fixed; checked 2 links, 1 extent, 2 grain tables, 3 grains
Exit status is 1
