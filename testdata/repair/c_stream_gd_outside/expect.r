d.vmdk: grain directory at sector 99999999 (2 entries) lies outside the file [stream-tables]
  fix: rebuild the stream from its intact grains (a lost grain reads as zeros)? yes
d.vmdk: 1 error, 0 warnings, 1 fixed; checked 1 link, 1 extent, 0 grain tables, 13 grains
Exit status is 1
