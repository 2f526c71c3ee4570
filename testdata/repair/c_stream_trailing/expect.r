d.vmdk: no footer and end-of-stream marker at the end (file truncated?): its tables cannot be found [stream-footer]
  fix: rebuild the stream from its intact grains (a lost grain reads as zeros)? yes
d.vmdk: warning: 1024 bytes after the end-of-stream marker [stream-trailing]
  fix: rebuild the stream from its intact grains (a lost grain reads as zeros)? yes
d.vmdk: 1 error, 1 warning, 2 fixed; checked 1 link, 1 extent, 0 grain tables, 13 grains
Exit status is 1
