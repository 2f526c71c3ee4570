d.vmdk: primary grain table 1 (sector 88888888) lies outside the file or on other metadata; the redundant copy (sector 26) is sound [gt-outside]
  fix: copy the redundant table? yes
d.vmdk: 1 error, 0 warnings, 1 fixed; checked 1 link, 1 extent, 2 grain tables, 13 grains
Exit status is 1
