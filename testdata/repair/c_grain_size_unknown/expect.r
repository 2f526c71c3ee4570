d.vmdk: the header's grainSize is 100, the layout shows 128: grain size 100 is not a power of two up to 2097152 sectors; nothing in the extent can be read through it [header]
  fix: rewrite the header's grainSize as 128? yes
d.vmdk: 1 error, 0 warnings, 1 fixed; checked 1 link, 1 extent, 2 grain tables, 13 grains
Exit status is 1
