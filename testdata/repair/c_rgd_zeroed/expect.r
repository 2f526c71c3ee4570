d.vmdk: redundant grain table 1 (sector 0) is missing; the primary copy (sector 35) is sound [gd-rgd]
  fix: copy the primary table? yes
d.vmdk: 1 error, 0 warnings, 1 fixed; checked 1 link, 1 extent, 2 grain tables, 13 grains
Exit status is 1
