d.vmdk: parent p.vmdk changed since the child was created (parentCID ........., parent's CID .........) [chain-cid]
d.vmdk: cannot repair: 1 error has no fix; nothing was changed
d.vmdk: 1 error, 0 warnings, 0 fixed; checked 2 links, 1 extent, 2 grain tables, 3 grains
Exit status is 4
