d-flat.vmdk: truncated: its extent needs 67108864 bytes, the file has 999936 (129119 sectors missing) [extent-short]
  fix: extend the file with zeros to its extent's size (discards 129119 sectors of data)? yes
d.vmdk: what the repair overwrote is in d.vmdk.undo; 'vmdk-check --restore-undo d.vmdk.undo' puts it back
d.vmdk: 1 error, 0 warnings, 1 fixed; checked 1 link, 1 extent, 0 grain tables, 0 grains
Exit status is 1
