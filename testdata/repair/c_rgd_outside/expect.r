d.vmdk: the header's rgdOffset is 99999999, the layout shows 21: the redundant grain directory at sector 99999999 lies outside the file or on the header or descriptor; nothing in the extent can be read through it [header]
  fix: rewrite the header's rgdOffset as 21? yes
d.vmdk: 1 error, 0 warnings, 1 fixed; checked 1 link, 1 extent, 2 grain tables, 13 grains
Exit status is 1
