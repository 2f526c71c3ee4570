d.vmdk: grain marker at sector 130 claims 2147483647 bytes, its data ends after 919 [stream-marker]
  fix: rebuild the stream from its intact grains (a lost grain reads as zeros)? yes
d.vmdk: 1 error, 0 warnings, 1 fixed; checked 1 link, 1 extent, 2 grain tables, 13 grains
Exit status is 1
