d.vmdk: no footer and end-of-stream marker at the end (file truncated?): its tables cannot be found [stream-footer]
  fix: rebuild the stream from its intact grains (a lost grain reads as zeros)? yes
d.vmdk: the stream ends without an end-of-stream marker [stream-footer]
  fix: rebuild the stream from its intact grains (a lost grain reads as zeros)? yes
d.vmdk: 2 errors, 0 warnings, 2 fixed; checked 1 link, 1 extent, 0 grain tables, 13 grains
Exit status is 1
