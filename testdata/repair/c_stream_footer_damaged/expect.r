d.vmdk: the stream footer's capacity is 4096, 131072 by the evidence (the descriptor says so; so does the header) [header]
  fix: rebuild the stream from its intact grains (a lost grain reads as zeros)? yes
d.vmdk: 1 error, 0 warnings, 1 fixed; checked 1 link, 1 extent, 2 grain tables, 13 grains
Exit status is 1
