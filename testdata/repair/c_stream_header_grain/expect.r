d.vmdk: the stream header's grainSize is 64, 128 by the evidence (its grains inflate to that many sectors) [header]
  fix: rebuild the stream from its intact grains (a lost grain reads as zeros)? yes
d.vmdk: 1 error, 0 warnings, 1 fixed; checked 1 link, 1 extent, 2 grain tables, 13 grains
Exit status is 1
