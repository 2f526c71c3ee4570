d-s002.vmdk: SPARSE file is missing: its sectors cannot be read [extent-missing]
d.vmdk: cannot repair: 1 error has no fix; nothing was changed
d.vmdk: 1 error, 0 warnings, 0 fixed; checked 1 link, 2 extents, 64 grain tables, 3 grains
Exit status is 4
