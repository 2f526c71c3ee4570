d.vmdk: the header's numGTEsPerGT is 256, the layout shows 512: 256 entries per grain table, where the specification fixes 512; nothing in the extent can be read through it [header]
  fix: rewrite the header's numGTEsPerGT as 512? yes
d.vmdk: 1 error, 0 warnings, 1 fixed; checked 1 link, 1 extent, 2 grain tables, 13 grains
Exit status is 1
