d.vmdk: sector 140 reads as an end-of-stream marker, but the stream goes on at sector 142 [stream-marker]
  fix: rebuild the stream from its intact grains (a lost grain reads as zeros)? yes
d.vmdk: grain table 0 entry 12 names sector 140, whose grain marker says LBA 0, not 1536, and no intact grain holds it [stream-lba]
  fix: rebuild the stream from its intact grains (a lost grain reads as zeros) (discards 128 sectors of data)? yes
d.vmdk: what the repair overwrote is in d.vmdk.undo; 'vmdk-check --restore-undo d.vmdk.undo' puts it back
d.vmdk: 2 errors, 0 warnings, 2 fixed; checked 1 link, 1 extent, 2 grain tables, 12 grains
Exit status is 1
