d.vmdk: the header's capacity is 130000, the layout shows 131072: capacity 130000 sectors is below the descriptor's 131072; 1 place in the file disagrees with it [capacity]
  fix: rewrite the header's capacity as 131072? yes
d.vmdk: 1 error, 0 warnings, 1 fixed; checked 1 link, 1 extent, 2 grain tables, 13 grains
Exit status is 1
