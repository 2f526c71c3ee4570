d-s001.vmdk: redundant grain table 0 (sector 0) is missing; the primary copy (sector 259) is sound [gd-rgd]
  fix: copy the primary table? yes
d.vmdk: 1 error, 0 warnings, 1 fixed; checked 1 link, 2 extents, 67 grain tables, 7 grains
Exit status is 1
