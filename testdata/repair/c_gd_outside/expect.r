d.vmdk: grain directory at sector 99999999 (2 entries) lies outside the file [gd-outside]
  fix: rebuild it from the redundant copy? yes
d.vmdk: 1 error, 0 warnings, 1 fixed; checked 1 link, 1 extent, 2 grain tables, 13 grains
Exit status is 1
