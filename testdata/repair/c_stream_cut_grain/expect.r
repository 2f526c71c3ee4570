d.vmdk: grain marker at sector 152 claims 919 bytes, past the end of the file; nothing intact follows it [stream-grain]
  fix: rebuild the stream from its intact grains (a lost grain reads as zeros)? yes
d.vmdk: 1 error, 0 warnings, 1 fixed; checked 1 link, 1 extent, 2 grain tables, 12 grains
Exit status is 1
