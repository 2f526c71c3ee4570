d.vmdk: grain marker at sector 128 says LBA 256, the table entry naming it LBA 0, which is kept [stream-lba]
  fix: rebuild the stream from its intact grains (a lost grain reads as zeros)? yes
d.vmdk: 1 error, 0 warnings, 1 fixed; checked 1 link, 1 extent, 2 grain tables, 13 grains
Exit status is 1
