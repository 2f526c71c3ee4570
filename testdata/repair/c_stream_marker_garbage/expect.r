d.vmdk: grain marker at sector 146 claims 1094865473 bytes, more than any grain deflates to; the walk goes on at sector 151 [stream-grain]
  fix: rebuild the stream from its intact grains (a lost grain reads as zeros)? yes
d.vmdk: 1 error, 0 warnings, 1 fixed; checked 1 link, 1 extent, 2 grain tables, 13 grains
Exit status is 1
