d.vmdk: grain size 100 is not a power of two up to 2097152 sectors: where the grains are cannot be known [header]
d.vmdk: cannot repair: 1 error has no fix; nothing was changed
d.vmdk: 1 error, 0 warnings, 0 fixed; checked 1 link, 1 extent, 0 grain tables, 0 grains
Exit status is 4
