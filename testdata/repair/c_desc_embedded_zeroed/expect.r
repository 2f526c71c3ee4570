d.vmdk: no createType: not a VMDK descriptor; it cannot be rebuilt: whether it has a parent is lost with it (no parentCID line reads whole) (vmdk-check --assume-no-parent rebuilds it as a disk without one, if you know it has none) [descriptor]
d.vmdk: cannot repair: 1 error has no fix; nothing was changed
d.vmdk: 1 error, 0 warnings, 0 fixed; checked 0 links, 0 extents, 0 grain tables, 0 grains
Exit status is 4
