d.vmdk: grain at sector 130 holds LBA 128, which no grain table names: it reads as zeros [stream-tables]
  fix: rebuild the stream from its intact grains (a lost grain reads as zeros)? yes
d.vmdk: 1 error, 0 warnings, 1 fixed; checked 1 link, 1 extent, 2 grain tables, 13 grains
Exit status is 1
