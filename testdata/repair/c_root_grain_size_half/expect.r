d.vmdk: the header's grainSize is 64, the layout shows 128: every grain is 128 sectors from the next one or from the metadata after it, not 64; 13 places in the file disagree with it [header]
  fix: rewrite the header's grainSize as 128? yes
d.vmdk: 1 error, 0 warnings, 1 fixed; checked 1 link, 1 extent, 2 grain tables, 13 grains
Exit status is 1
