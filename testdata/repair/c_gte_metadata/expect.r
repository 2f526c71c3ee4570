d.vmdk: grain 2 points to sector 3, inside the metadata [gte-metadata]
  fix: clear the entry (discards 128 sectors of data)? yes
d.vmdk: warning: 1 grain of space (65536 bytes) after the metadata are named by no table (vmdk-defrag gives them back) [unreferenced]
d.vmdk: what the repair overwrote is in d.vmdk.undo; 'vmdk-check --restore-undo d.vmdk.undo' puts it back
d.vmdk: 1 error, 1 warning, 1 fixed; checked 1 link, 1 extent, 2 grain tables, 12 grains
Exit status is 1
