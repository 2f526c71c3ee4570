d.vmdk: end-of-line check bytes are damaged (was the file copied in text mode?) [header-eol]
  fix: rewrite the four check bytes? yes
d.vmdk: 1 error, 0 warnings, 1 fixed; checked 1 link, 1 extent, 2 grain tables, 13 grains
Exit status is 1
