d.vmdk: line 6: expected key=value: '???garbage?? over the lines' [descriptor]
  fix: rebuild it from the header, keeping the lines that read whole? yes
d.vmdk: 1 error, 0 warnings, 1 fixed; checked 1 link, 1 extent, 2 grain tables, 13 grains
Exit status is 1
