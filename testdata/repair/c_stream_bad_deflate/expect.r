d.vmdk: grain at sector 128 (LBA 0): its deflate data is damaged [stream-grain]
d.vmdk: cannot repair: 1 error has no fix; nothing was changed
d.vmdk: 1 error, 0 warnings, 0 fixed; checked 1 link, 1 extent, 2 grain tables, 13 grains
Exit status is 4
