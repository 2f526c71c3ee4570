d.vmdk: grain table 0 differs from its redundant copy in 512 entries (first: entry 0, 4294967295 against 128) [gt-rgt]
  fix: take, entry by entry, the copy naming a grain no other entry names? yes
d.vmdk: 1 error, 0 warnings, 1 fixed; checked 1 link, 1 extent, 2 grain tables, 13 grains
Exit status is 1
