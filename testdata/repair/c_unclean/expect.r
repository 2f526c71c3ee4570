d.vmdk: warning: not closed cleanly (unclean-shutdown mark set) [unclean]
  fix: clear the mark? yes
d.vmdk: 0 errors, 1 warning, 1 fixed; checked 1 link, 1 extent, 2 grain tables, 13 grains
Exit status is 1
