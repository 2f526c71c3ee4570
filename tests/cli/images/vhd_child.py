#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# vhd_child.py --- write a differencing VHD over PARENT, as Hyper-V lays
# one out (footer copy, dynamic header, parent locators, block table,
# blocks of a sector bitmap and data, footer), from the specification;
# qemu-img cannot make one.  Writes given as SECTOR:COUNT:BYTE; prints
# nothing.  The expected content is the parent's with those writes.
#   vhd_child.py PARENT CHILD [--locators W2ru,W2ku] [--parent-id HEX]
#                [--rel NAME] [--abs NAME] SECTOR:COUNT:BYTE...
import argparse, os, struct, uuid

BLOCK = 2 << 20


def checksum(b, skip):
    return ~sum(b[:skip] + b[skip + 4:]) & 0xffffffff


def footer(size, geometry, kind, data_offset, uid):
    f = bytearray(512)
    f[0:8] = b'conectix'
    struct.pack_into('>IIQI4sI4sQQ4sI', f, 8, 2, 0x00010000, data_offset, 0,
                     b'win ', 0x000a0000, b'Wi2k', size, size, geometry, kind)
    f[68:84] = uid
    struct.pack_into('>I', f, 64, checksum(f, 64))
    return bytes(f)


ap = argparse.ArgumentParser()
ap.add_argument('parent')
ap.add_argument('child')
ap.add_argument('--locators', default='W2ru,W2ku')
ap.add_argument('--parent-id')
ap.add_argument('--rel', default='.\\' + 'base.vhd')
ap.add_argument('--abs', default='C:\\VMs\\base.vhd')
ap.add_argument('writes', nargs='*')
a = ap.parse_intermixed_args()

p = open(a.parent, 'rb').read()
pf = p[-512:]
size = struct.unpack_from('>Q', pf, 48)[0]
geometry = pf[56:60]
parent_id = bytes.fromhex(a.parent_id) if a.parent_id else pf[68:84]
entries = (size + BLOCK - 1) // BLOCK
bat_at = 512 + 1024
loc_at = bat_at + (entries * 4 + 511) // 512 * 512
locs = []
pos = loc_at
for code in [c for c in a.locators.split(',') if c]:
    name = a.rel if code in ('W2ru', 'Wi2r') else a.abs
    data = name.encode('utf-16-le' if code.startswith('W2') else 'latin-1')
    locs.append((code.encode(), data, pos))
    pos += (len(data) + 511) // 512 * 512
data_at = pos

dyn = bytearray(1024)
dyn[0:8] = b'cxsparse'
struct.pack_into('>QQIII', dyn, 8, 0xffffffffffffffff, bat_at, 0x00010000, entries, BLOCK)
dyn[40:56] = parent_id
pname = os.path.basename(a.abs.replace('\\', '/')).encode('utf-16-be')
dyn[64:64 + len(pname)] = pname
for i, (code, data, off) in enumerate(locs):
    struct.pack_into('>4sIIIQ', dyn, 576 + 24 * i, code, (len(data) + 511) // 512,
                     len(data), 0, off)
struct.pack_into('>I', dyn, 36, checksum(dyn, 36))

bat = [0xffffffff] * entries
blocks = {}
for w in a.writes:
    sector, count, byte = (int(v, 0) for v in w.split(':'))
    for s in range(sector, sector + count):
        b, within = divmod(s, BLOCK // 512)
        if b not in blocks:
            blocks[b] = [bytearray(512), bytearray(BLOCK)]
        bm, d = blocks[b]
        bm[within // 8] |= 0x80 >> (within % 8)
        d[within * 512:(within + 1) * 512] = bytes([byte]) * 512

order = sorted(blocks)
for n, b in enumerate(order):
    bat[b] = (data_at + n * (512 + BLOCK)) // 512
uid = uuid.uuid4().bytes
f = footer(size, geometry, 4, 512, uid)
with open(a.child, 'wb') as o:
    o.write(f)
    o.write(dyn)
    o.write(b''.join(struct.pack('>I', e) for e in bat).ljust(loc_at - bat_at, b'\0'))
    for code, data, off in locs:
        o.write(data.ljust((len(data) + 511) // 512 * 512, b'\0'))
    for b in order:
        o.write(blocks[b][0])
        o.write(blocks[b][1])
    o.write(f)
