d.vmdk: descriptor says 131072 sectors, the extent header 130000 [capacity]
  fix: raise the header's capacity to the descriptor's? yes
d.vmdk: 1 error, 0 warnings, 1 fixed; checked 1 link, 1 extent, 2 grain tables, 13 grains
Exit status is 1
