d.vmdk: the header's gdOffset is 21, the layout shows 30: the two grain directories overlap; nothing in the extent can be read through it [header]
  fix: rewrite the header's gdOffset as 30? yes
d.vmdk: 1 error, 0 warnings, 1 fixed; checked 1 link, 1 extent, 2 grain tables, 13 grains
Exit status is 1
