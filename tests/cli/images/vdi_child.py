#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# vdi_child.py --- write a differencing VDI (type 4) over PARENT, as
# VirtualBox lays one out (version 1.1+ header, block map and data
# aligned to 1 MiB), from the format notes; qemu-img cannot make one.
# Its uuidLinkage is the parent's uuidCreate (or --linkage HEX).  Writes
# SECTOR:COUNT:BYTE copy the parent's block first, as VirtualBox does;
# --zero B marks block B "zero" (reads zeros, hides the parent).
#   vdi_child.py PARENT PARENT_RAW CHILD [--linkage HEX] [--zero B]... W...
import argparse, struct, uuid

ALIGN = 1 << 20

ap = argparse.ArgumentParser()
ap.add_argument('parent')
ap.add_argument('parent_raw')
ap.add_argument('child')
ap.add_argument('--linkage')
ap.add_argument('--zero', type=int, action='append', default=[])
ap.add_argument('writes', nargs='*')
a = ap.parse_intermixed_args()

ph = open(a.parent, 'rb').read(512)
size, block = struct.unpack_from('<QI', ph, 0x170)
count = struct.unpack_from('<I', ph, 0x180)[0]
linkage = bytes.fromhex(a.linkage) if a.linkage else ph[0x188:0x198]
base = bytearray(open(a.parent_raw, 'rb').read())

blocks = {}
for w in a.writes:
    s, c, b = (int(v, 0) for v in w.split(':'))
    for sec in range(s, s + c):
        n, within = divmod(sec * 512, block)
        if n not in blocks:
            blocks[n] = bytearray(base[n * block:(n + 1) * block].ljust(block, b'\0'))
        blocks[n][within:within + 512] = bytes([b]) * 512

entries = [0xffffffff] * count
order = sorted(n for n in blocks if n not in a.zero)
for i, n in enumerate(order):
    entries[n] = i
for z in a.zero:
    entries[z] = 0xfffffffe
map_off = ALIGN
data_off = map_off + (4 * count + ALIGN - 1) // ALIGN * ALIGN

h = bytearray(map_off)
h[0:40] = b'<<< Oracle VirtualBox Disk Image >>>\n'.ljust(40, b'\0')
struct.pack_into('<III', h, 0x40, 0xbeda107f, 0x00010001, 0x190)
struct.pack_into('<II', h, 0x4c, 4, 0)
struct.pack_into('<II', h, 0x154, map_off, data_off)
struct.pack_into('<IIII', h, 0x15c, 0, 0, 0, 512)
struct.pack_into('<QIIII', h, 0x170, size, block, 0, count, len(order))
h[0x188:0x198] = uuid.uuid4().bytes
h[0x198:0x1a8] = uuid.uuid4().bytes
h[0x1a8:0x1b8] = linkage
h[0x1b8:0x1c8] = ph[0x198:0x1a8]
struct.pack_into('<IIII', h, 0x1c8, 0, 0, 0, 512)
with open(a.child, 'wb') as o:
    o.write(h)
    o.write(b''.join(struct.pack('<I', e) for e in entries).ljust(data_off - map_off, b'\0'))
    for n in order:
        o.write(blocks[n])
