d-s002.vmdk: grain table 0 differs from its redundant copy in 1 entry (first: entry 0, 0 against 128) [gt-rgt]
  fix: take, entry by entry, the copy naming a grain no other entry names? yes
d.vmdk: 1 error, 0 warnings, 1 fixed; checked 1 link, 2 extents, 66 grain tables, 7 grains
Exit status is 1
