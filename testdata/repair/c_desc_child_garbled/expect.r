d.vmdk: line 10: expected key=value: 'R? garbage ?' [descriptor]
  fix: rebuild it from the header, keeping the lines that read whole? yes
d.vmdk: 1 error, 0 warnings, 1 fixed; checked 2 links, 1 extent, 2 grain tables, 3 grains
Exit status is 1
