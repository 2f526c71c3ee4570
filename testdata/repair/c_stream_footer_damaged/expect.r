d.vmdk: footer disagrees with the header (capacity 4096 against 131072, grain 128 against 128) [stream-footer]
  fix: rebuild the stream from its intact grains (a lost grain reads as zeros)? yes
d.vmdk: 1 error, 0 warnings, 1 fixed; checked 1 link, 1 extent, 0 grain tables, 13 grains
Exit status is 1
