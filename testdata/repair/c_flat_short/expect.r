d-flat.vmdk: truncated: extent needs 67108864 bytes, file has 1000000 [extent-short]
d.vmdk: cannot repair: 1 error has no fix; nothing was changed
d.vmdk: 1 error, 0 warnings, 0 fixed; checked 1 link, 1 extent, 0 grain tables, 0 grains
Exit status is 4
