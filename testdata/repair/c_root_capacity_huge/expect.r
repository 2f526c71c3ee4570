d.vmdk: the header's capacity is 4294967295, the layout shows 131072: the two grain directories overlap; nothing in the extent can be read through it [capacity]
  fix: rewrite the header's capacity as 131072? yes
d.vmdk: 1 error, 0 warnings, 1 fixed; checked 1 link, 1 extent, 2 grain tables, 13 grains
Exit status is 1
