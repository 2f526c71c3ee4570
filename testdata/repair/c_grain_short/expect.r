d.vmdk: grain 1023 at sector 1664 is cut short by the end of the file (40 of 128 sectors) [grain-short]
  fix: keep the sectors that survive, zeros after them? yes
d.vmdk: 1 error, 0 warnings, 1 fixed; checked 1 link, 1 extent, 2 grain tables, 13 grains
Exit status is 1
