d.vmdk: the descriptor's extent line says 65536 sectors, the header 131072: the geometry says the disk is at least that large [capacity]
  fix: rewrite the extent line's size as 131072? yes
d.vmdk: 1 error, 0 warnings, 1 fixed; checked 1 link, 1 extent, 2 grain tables, 13 grains
Exit status is 1
