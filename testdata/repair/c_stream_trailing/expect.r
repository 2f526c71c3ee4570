d.vmdk: no footer and end-of-stream marker at the end (file truncated?): its tables cannot be found [stream-footer]
d.vmdk: warning: 1024 bytes after the end-of-stream marker [stream-trailing]
d.vmdk: cannot repair: 1 error has no fix; nothing was changed
d.vmdk: 1 error, 1 warning, 0 fixed; checked 1 link, 1 extent, 0 grain tables, 13 grains
Exit status is 4
