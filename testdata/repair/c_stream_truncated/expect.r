d.vmdk: no footer and end-of-stream marker at the end (file truncated?): its tables cannot be found [stream-footer]
d.vmdk: the stream ends without an end-of-stream marker [stream-footer]
d.vmdk: cannot repair: 2 errors have no fix; nothing was changed
d.vmdk: 2 errors, 0 warnings, 0 fixed; checked 1 link, 1 extent, 0 grain tables, 13 grains
Exit status is 4
