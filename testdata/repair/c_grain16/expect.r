d.vmdk: primary grain table 1 (sector 0) is missing; the redundant copy (sector 26) is sound [gd-rgd]
  fix: copy the redundant table? yes
d.vmdk: grain table 0 differs from its redundant copy in 1 entry (first: entry 3, 0 against 208) [gt-rgt]
  fix: take, entry by entry, the copy naming a grain no other entry names? yes
d.vmdk: 2 errors, 0 warnings, 2 fixed; checked 1 link, 1 extent, 16 grain tables, 8192 grains
Exit status is 1
