d.vmdk: grain at sector 128 (LBA 0): its deflate data is damaged [stream-grain]
  fix: rebuild the stream from its intact grains (a lost grain reads as zeros) (discards 128 sectors of data)? yes
d.vmdk: what the repair overwrote is in d.vmdk.undo; 'vmdk-check --restore-undo d.vmdk.undo' puts it back
d.vmdk: 1 error, 0 warnings, 1 fixed; checked 1 link, 1 extent, 2 grain tables, 13 grains
Exit status is 1
