d.vmdk: the header's overHead is 64, the layout shows 128: overHead 64 is not a multiple of the grain size; 1 place in the file disagrees with it [overhead]
  fix: rewrite the header's overHead as 128? yes
d.vmdk: 1 error, 0 warnings, 1 fixed; checked 1 link, 1 extent, 2 grain tables, 13 grains
Exit status is 1
