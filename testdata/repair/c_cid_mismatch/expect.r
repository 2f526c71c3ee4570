d.vmdk: parent p.vmdk changed since the child was created (parentCID ........., parent's CID .........): 'vmdk-child rebase --unsafe d.vmdk p.vmdk' accepts it as it is now (the child keeps its own grains; sectors it does not hold show the changed parent); a copy of the parent as it was keeps the child's view exact [chain-cid]
d.vmdk: cannot repair: 1 error has no fix; nothing was changed
d.vmdk: 1 error, 0 warnings, 0 fixed; checked 2 links, 1 extent, 2 grain tables, 3 grains
Exit status is 4
