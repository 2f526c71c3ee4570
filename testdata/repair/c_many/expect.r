d.vmdk: redundant grain table 1 (sector 0) is missing; the primary copy (sector 35) is sound [gd-rgd]
  fix: copy the primary table? yes
d.vmdk: warning: grain table 0: 1 entry in one copy only or naming grains of the same content (an update cut short by the unclean shutdown) [gt-rgt]
  fix: write the copies alike? yes
d.vmdk: grain 512 points to sector 4, inside the metadata [gte-metadata]
  fix: clear the entry (discards 128 sectors of data)? yes
d.vmdk: warning: 1 grain of space (65536 bytes) after the metadata are named by no table (vmdk-defrag gives them back) [unreferenced]
d.vmdk: warning: not closed cleanly (unclean-shutdown mark set) [unclean]
  fix: clear the mark? yes
d.vmdk: what the repair overwrote is in d.vmdk.undo; 'vmdk-check --restore-undo d.vmdk.undo' puts it back
d.vmdk: 2 errors, 3 warnings, 4 fixed; checked 1 link, 1 extent, 2 grain tables, 12 grains
Exit status is 1
