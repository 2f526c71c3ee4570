#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# vhdx_make.py --- write a VHDX as Hyper-V lays one out ([MS-VHDX]: file
# identifier, two headers, two region tables, log, metadata, BAT,
# payload and sector bitmap blocks), for what qemu-img cannot make:
# 4096-byte logical sectors, differencing images, a log not replayed.
#   vhdx_make.py OUT --raw RAW [--sector 4096] [--block MiB]
#   vhdx_make.py OUT --parent P.vhdx [--rel NAME] [--abs NAME] [--linkage G]
#                [--sector N] [--block MiB] SECTOR:COUNT:BYTE...   (512-byte units)
#   vhdx_make.py OUT --pending-log IN       (IN with a log entry left)
import argparse, struct, uuid

MiB = 1 << 20


def crc32c(data):
    crc = 0xffffffff
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82f63b78 if crc & 1 else crc >> 1
    return crc ^ 0xffffffff


def with_crc(block, at):
    block = bytearray(block)
    struct.pack_into('<I', block, at, 0)
    struct.pack_into('<I', block, at, crc32c(bytes(block)))
    return bytes(block)


def guid(text):
    return uuid.UUID(text).bytes_le


def header(seq, data_write, log_guid=bytes(16)):
    h = bytearray(4096)
    h[0:4] = b'head'
    struct.pack_into('<Q', h, 8, seq)
    h[16:32] = uuid.uuid4().bytes_le
    h[32:48] = data_write
    h[48:64] = log_guid
    struct.pack_into('<HHIQ', h, 64, 0, 1, MiB, MiB)
    return with_crc(h, 4)


def utf16(s):
    return s.encode('utf-16-le')


def locator(linkage, rel, absolute):
    pairs = [('parent_linkage', linkage), ('relative_path', rel),
             ('absolute_win32_path', absolute)]
    pairs = [(k, v) for k, v in pairs if v]
    head = guid('b04aefb7-d19e-4a81-b789-25b8e9445913') + struct.pack('<HH', 0, len(pairs))
    data, entries = b'', b''
    base = len(head) + 12 * len(pairs)
    for k, v in pairs:
        kb, vb = utf16(k), utf16(v)
        entries += struct.pack('<IIHH', base + len(data), base + len(data) + len(kb),
                               len(kb), len(vb))
        data += kb + vb
    return head + entries + data


def build(out, size, sector, block, blocks, bitmaps, loc, has_parent):
    """blocks: {n: (state, bytes or None)}; bitmaps: {chunk: bytes}"""
    ratio = (1 << 23) * sector // block
    nblocks = (size + block - 1) // block
    chunks = (nblocks + ratio - 1) // ratio
    nbat = chunks * (ratio + 1) if has_parent else nblocks + (nblocks - 1) // ratio
    data_write = uuid.uuid4().bytes_le
    f = bytearray(4 * MiB)
    f[0:8] = b'vhdxfile'
    f[8:8 + 24] = utf16('vhdx_make.py')
    f[64 << 10:(64 << 10) + 4096] = header(1, data_write)
    f[128 << 10:(128 << 10) + 4096] = header(2, data_write)
    r = bytearray(64 << 10)
    r[0:4] = b'regi'
    struct.pack_into('<II', r, 8, 2, 0)
    r[16:32] = guid('2dc27766-f623-4200-9d64-115e9bfd4a08')
    struct.pack_into('<QII', r, 32, 3 * MiB, MiB, 1)
    r[48:64] = guid('8b7ca206-4790-4b9a-b8fe-575f050f886e')
    struct.pack_into('<QII', r, 64, 2 * MiB, MiB, 1)
    r = with_crc(r, 4)
    f[192 << 10:256 << 10] = r
    f[256 << 10:320 << 10] = r
    items = [('caa16737-fa36-4d43-b3b6-33f0aa44e76b', struct.pack('<II', block, 2 if has_parent else 0)),
             ('2fa54224-cd1b-4876-b211-5dbed83bf4b8', struct.pack('<Q', size)),
             ('beca12ab-b2e6-4523-93ef-c309e000c746', uuid.uuid4().bytes_le),
             ('8141bf1d-a96f-4709-ba47-f233a8faab5f', struct.pack('<I', sector)),
             ('cda348c7-445d-4471-9cc9-e9885251c556', struct.pack('<I', 4096))]
    if loc:
        items.append(('a8d35f2d-b30b-454d-abf7-d3d84834ab0c', loc))
    m = bytearray(MiB)
    m[0:8] = b'metadata'
    struct.pack_into('<HH', m, 8, 0, len(items))
    at = 64 << 10
    for i, (g, data) in enumerate(items):
        e = 32 + 32 * i
        m[e:e + 16] = guid(g)
        struct.pack_into('<IIII', m, e + 16, at, len(data), 6, 0)
        m[at:at + len(data)] = data
        at += (len(data) + 4095) // 4096 * 4096
    f[2 * MiB:3 * MiB] = m
    bat = [0] * nbat
    tail = bytearray()
    pos = 4 * MiB
    for n in sorted(blocks):
        state, data = blocks[n]
        i = n + n // ratio
        if data is None:
            bat[i] = state
            continue
        bat[i] = state | pos
        tail += data.ljust(block, b'\0')
        pos += block
    for c in sorted(bitmaps):
        bat[(c + 1) * (ratio + 1) - 1] = 6 | pos
        tail += bitmaps[c].ljust(MiB, b'\0')
        pos += MiB
    assert nbat * 8 <= MiB
    f[3 * MiB:3 * MiB + 8 * nbat] = b''.join(struct.pack('<Q', e) for e in bat)
    with open(out, 'wb') as o:
        o.write(f + tail)
    return data_write


def data_write_guid(path):
    d = open(path, 'rb').read(192 << 10)
    heads = [d[off:off + 4096] for off in (64 << 10, 128 << 10)]
    h = max(heads, key=lambda h: struct.unpack_from('<Q', h, 8)[0])
    return h[32:48]


ap = argparse.ArgumentParser()
ap.add_argument('out')
ap.add_argument('--raw')
ap.add_argument('--parent')
ap.add_argument('--pending-log')
ap.add_argument('--sector', type=int, default=512)
ap.add_argument('--block', type=int, default=2)
ap.add_argument('--rel', default='.\\base.vhdx')
ap.add_argument('--abs', default='\\\\?\\C:\\Hyper-V\\base.vhdx')
ap.add_argument('--linkage')
ap.add_argument('writes', nargs='*')
a = ap.parse_intermixed_args()
block = a.block * MiB

if a.pending_log:
    # A log entry Hyper-V would replay: a 4 KiB page of 0x5a written at
    # the start of block 0's data, 64 KiB of block 1's data zeroed.
    d = bytearray(open(a.pending_log, 'rb').read())
    heads = [(struct.unpack_from('<Q', d, off + 8)[0], off) for off in (64 << 10, 128 << 10)]
    cur = max(heads)[1]
    log_off = struct.unpack_from('<Q', d, cur + 72)[0]
    r = d[192 << 10:256 << 10]
    bat = None
    for i in range(struct.unpack_from('<I', r, 8)[0]):
        e = r[16 + 32 * i:48 + 32 * i]
        if e[:16] == guid('2dc27766-f623-4200-9d64-115e9bfd4a08'):
            bat = struct.unpack_from('<Q', e, 16)[0]
    b0, b1 = (struct.unpack_from('<Q', d, bat + 8 * i)[0] & ~0xfffff for i in (0, 1))
    log = uuid.uuid4().bytes_le
    for off in (64 << 10, 128 << 10):
        h = bytearray(d[off:off + 4096])
        h[48:64] = log
        d[off:off + 4096] = with_crc(h, 4)
    seq = 5
    page = bytes([0x5a]) * 4096
    e = bytearray(8192)
    e[0:4] = b'loge'
    struct.pack_into('<IIQII', e, 8, 8192, 0, seq, 2, 0)
    e[32:48] = log
    struct.pack_into('<QQ', e, 48, len(d), len(d))
    struct.pack_into('<4sI8sQQ', e, 64, b'desc', struct.unpack('<I', page[4092:])[0],
                     page[:8], b0, seq)
    struct.pack_into('<4sIQQQ', e, 96, b'zero', 0, 65536, b1, seq)
    e[4096:4100] = b'data'
    struct.pack_into('<I', e, 4100, seq >> 32)
    e[4104:8188] = page[8:4092]
    struct.pack_into('<I', e, 8188, seq & 0xffffffff)
    d[log_off:log_off + 8192] = with_crc(e, 4)
    open(a.out, 'wb').write(d)
elif a.raw:
    raw = open(a.raw, 'rb').read()
    size = len(raw)
    blocks = {}
    for n in range((size + block - 1) // block):
        data = raw[n * block:(n + 1) * block]
        blocks[n] = (6, data) if data.strip(b'\0') else (2, None)
    build(a.out, size, a.sector, block, blocks, {}, None, False)
else:
    p = open(a.parent, 'rb').read()
    size = None
    # The parent's size from its metadata (as vmdk-info would say it).
    m = p[2 * MiB:3 * MiB] if p[2 * MiB:2 * MiB + 8] == b'metadata' else None
    if m is None:
        raise SystemExit('parent metadata not at 2 MiB')
    for i in range(struct.unpack_from('<H', m, 10)[0]):
        e = m[32 + 32 * i:64 + 32 * i]
        if e[:16] == guid('2fa54224-cd1b-4876-b211-5dbed83bf4b8'):
            off = struct.unpack_from('<I', e, 16)[0]
            size = struct.unpack_from('<Q', m, off)[0]
    ratio = (1 << 23) * a.sector // block
    blocks, bitmaps = {}, {}
    for w in a.writes:
        s, c, b = (int(v, 0) for v in w.split(':'))
        for sec in range(s, s + c):
            n, within = divmod(sec * 512, block)
            if n not in blocks:
                blocks[n] = (7, bytearray(block))
            blocks[n][1][within:within + 512] = bytes([b]) * 512
            bit = within // a.sector
            chunk = n // ratio
            bm = bitmaps.setdefault(chunk, bytearray(MiB))
            byte = (n % ratio) * (block // a.sector // 8) + bit // 8
            bm[byte] |= 1 << (bit % 8)
    linkage = a.linkage or str(uuid.UUID(bytes_le=data_write_guid(a.parent)))
    build(a.out, size, a.sector, block, blocks, bitmaps,
          locator('{' + linkage + '}', a.rel, a.abs), True)
