d.vmdk: primary grain table 0 (sector 31) overlaps another table; the redundant copy (sector 22) is sound [gt-overlap]
  fix: copy the redundant table? yes
d.vmdk: primary grain table 1 (sector 31) overlaps another table; the redundant copy (sector 26) is sound [gt-overlap]
  fix: copy the redundant table? yes
d.vmdk: 2 errors, 0 warnings, 2 fixed; checked 1 link, 1 extent, 2 grain tables, 13 grains
Exit status is 1
