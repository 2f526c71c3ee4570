#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# matrix.py --- the damage matrix: one field or entry of a good disk
# damaged at a time, each with several values, on disks written by us and
# by qemu-img.  For every case:
#   - vmdk-check must see it (non-zero exit);
#   - the plain reader must refuse or read the right data (never other
#     data with exit 0);
#   - `vmdk-check -r -y` must end with a disk that vmdk-check and
#     qemu-img check pass, or refuse and change nothing;
#   - every sector that the damage did not itself destroy must read as
#     before (counted, not sampled).
# Prints the matrix with its counts; exits 1 on any case that breaks a
# rule.
#   BIN=build/bin python3 tests/repair/matrix.py [-v] [FILTER...]
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile

BIN = os.environ.get("BIN", "build/bin")
VERBOSE = "-v" in sys.argv
FILTERS = [a for a in sys.argv[1:] if a != "-v"]
SECTOR = 512
MB = 1 << 20


def run(*args, **kw):
    return subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          **kw)


def tool(name, *args):
    return run(os.path.join(BIN, name), *args)


# ---- the good disks ----

def make_raw(path, size, grains, seed):
    r = random.Random(seed)
    with open(path, "wb") as f:
        f.truncate(size)
        for g in grains:
            f.seek(g * 65536)
            f.write(r.randbytes(65536))


BASES = {
    # name: (writer, extra)
    "ours": ["vmdk-clone", "-q", "-r", "-t", "0"],
    "qemu": ["qemu-img", "convert", "-O", "vmdk", "-o", "subformat=monolithicSparse"],
    "qemu-zeroed": ["qemu-img", "convert", "-O", "vmdk", "-o",
                    "subformat=monolithicSparse,zeroed_grain=on"],
    "ours-split": ["vmdk-clone", "-q", "-r", "-t", "1"],
    "ours-stream": ["vmdk-clone", "-q", "-r", "-t", "5"],
    "qemu-stream": ["qemu-img", "convert", "-O", "vmdk", "-o", "subformat=streamOptimized"],
}


def make_base(name, raw, out):
    if name == "ours-gd-first":
        # The primary directory and its tables before the redundant ones
        # (writers put the redundant copy first): the header's two
        # offsets swapped, both copies being alike.
        make_base("ours", raw, out)
        h = Hdr(out)
        gd, rgd = h.get("gdOffset"), h.get("rgdOffset")
        put(out, 56, rgd, 8)
        put(out, 48, gd, 8)
        return
    if name == "ours-g16":
        tool("vmdk-create", "-q", "--grain", "16", "-s", "64M", out)
        r = tool("vmdk-fill", "-q", "--file", raw, out)
    else:
        cmd = list(BASES[name])
        if cmd[0].startswith("vmdk-"):
            cmd[0] = os.path.join(BIN, cmd[0])
        r = run(*cmd, raw, out)
    if r.returncode:
        sys.exit("matrix: cannot make %s: %s" % (name, r.stdout.decode()))


def extent_of(disk):
    """The file holding the sparse header (the first extent of a split)."""
    split = disk[:-5] + "-s001.vmdk"
    return split if os.path.exists(split) else disk


# ---- reading fields ----

class Hdr:
    FIELDS = {  # name: (offset, size)
        "capacity": (12, 8), "grainSize": (20, 8), "numGTEsPerGT": (44, 4),
        "rgdOffset": (48, 8), "gdOffset": (56, 8), "overHead": (64, 8),
    }

    def __init__(self, path, footer=False):
        self.path = path
        with open(path, "rb") as f:
            data = f.read()
        self.size = len(data)
        self.base = 0
        if footer:
            self.base = self.size - 1024
        self.data = data

    def get(self, field):
        off, n = self.FIELDS[field]
        return int.from_bytes(self.data[self.base + off:self.base + off + n], "little")

    def u32(self, off):
        return struct.unpack_from("<I", self.data, off)[0]


def put(path, off, value, n):
    with open(path, "r+b") as f:
        f.seek(off)
        f.write((value & ((1 << (8 * n)) - 1)).to_bytes(n, "little"))


# ---- the damages ----

def header_cases(h, stream):
    """(name, offset, size, value) for header fields, several values each."""
    base = h.base
    cap, gs, ngte = h.get("capacity"), h.get("grainSize"), h.get("numGTEsPerGT")
    gd, rgd, oh = h.get("gdOffset"), h.get("rgdOffset"), h.get("overHead")
    values = {
        "capacity": [0, (1 << 64) - 1, cap - 1, cap * 2, cap // 2, 0xffffffff],
        "grainSize": [0, (1 << 64) - 1, 127, gs // 2, 8, gs * 2, 1],
        "numGTEsPerGT": [0, 0xffffffff, 256, 511, 1024, 1],
        "gdOffset": [0, (1 << 64) - 1, gd + 1, rgd, 1],
        "rgdOffset": [0, (1 << 64) - 1, rgd + 1, gd, 1],
        "overHead": [0, (1 << 64) - 1, oh // 2, oh * 2, 1],
    }
    if stream:
        values.pop("rgdOffset")
    out = []
    for field, vals in values.items():
        off, n = Hdr.FIELDS[field]
        now = h.get(field)
        seen = set()
        for v in vals:
            v &= (1 << (8 * n)) - 1
            if v == now or v in seen:
                continue
            seen.add(v)
            out.append(("%s=%d" % (field, v) if v < 1 << 40 else "%s=ones" % field,
                        base + off, n, v))
    return out


def table_cases(h):
    """Single entries of the directories and of the tables."""
    gd, rgd, gs = h.get("gdOffset"), h.get("rgdOffset"), h.get("grainSize")
    out = []
    end = h.size // SECTOR
    for name, d in (("gd", gd), ("rgd", rgd)):
        if not d:
            continue
        e0, e1 = h.u32(d * SECTOR), h.u32(d * SECTOR + 4)
        for label, v in (("zero", 0), ("past-end", end + 100), ("metadata", 1),
                         ("other-table", e1), ("off-by-one", e0 + 1)):
            out.append(("%s[0]=%s" % (name, label), d * SECTOR, 4, v))
    for name, d in (("gt", gd), ("rgt", rgd)):
        if not d:
            continue
        t = h.u32(d * SECTOR)
        e0, e1 = h.u32(t * SECTOR), h.u32(t * SECTOR + 4)
        for label, v in (("zero", 0), ("past-end", end + 100), ("metadata", 2),
                         ("other-grain", e0), ("off-by-one", e1 + 1)):
            out.append(("%s[0][1]=%s" % (name, label), t * SECTOR + 4, 4, v))
    return out


def descriptor_cases(path, h):
    """The embedded descriptor's extent line and createType."""
    start, size = h.u32(28) * SECTOR, h.u32(36) * SECTOR
    with open(path, "rb") as f:
        f.seek(start)
        text = f.read(size)
    out = []
    cap = h.get("capacity")
    for label, new in (("half", cap // 2), ("double", cap * 2), ("plus-one", cap + 1)):
        out.append(("extent-size=%s" % label, start, None,
                    (text, b"RW %d " % cap, b"RW %d " % new)))
    i = text.find(b'createType="')
    if i >= 0:
        j = text.index(b'"', i + 12)
        out.append(("createType=garbage", start, None,
                    (text, text[i:j + 1], b'createType="' + b"x" * (j - i - 12) + b'"')))
    return out


def apply(path, off, n, v):
    if n is None:
        text, old, new = v
        changed = text.replace(old, new, 1)
        changed = changed.rstrip(b"\0")[:len(text)]
        with open(path, "r+b") as f:
            f.seek(off)
            f.write(changed + b"\0" * (len(text) - len(changed)))
        return
    put(path, off, v, n)


def stream_cases(path):
    """A stream's header (and footer), directory, tables and markers."""
    h = Hdr(path)
    at_end = h.get("gdOffset") == (1 << 64) - 1
    f = Hdr(path, footer=True) if at_end else h
    out = [c for c in header_cases(h, True)
           if not c[0].startswith(("gdOffset", "rgdOffset"))] if at_end else \
        header_cases(h, True)
    if at_end:
        out += [("footer-" + c[0], c[1], c[2], c[3]) for c in header_cases(f, True)]
    gd = f.get("gdOffset")
    t0 = h.u32(gd * SECTOR)
    out.append(("gd[0]=zero", gd * SECTOR, 4, 0))
    e = [h.u32(t0 * SECTOR + 4 * j) for j in range(4)]
    for label, v in (("zero", 0), ("other-grain", e[0]), ("off-by-one", e[1] + 1),
                     ("past-end", h.size // SECTOR + 100)):
        out.append(("gt[0][1]=%s" % label, t0 * SECTOR + 4, 4, v))
    m = e[1] * SECTOR  # grain 1's marker: LBA (u64) then size (u32)
    lba = int.from_bytes(h.data[m:m + 8], "little")
    gs = h.get("grainSize")
    for label, v in (("other-lba", lba + 2 * gs), ("unused-lba", 4 * gs),
                     ("odd", lba + 1), ("past-disk", 1 << 40)):
        out.append(("marker[1].lba=%s" % label, m, 8, v))
    out.append(("marker[1].size=big", m + 8, 4, 0x7fffffff))
    return out


# ---- one case ----

def sectors_equal(a, b):
    """How many sectors of @a equal those of @b, and the first differing."""
    same = 0
    first = None
    with open(a, "rb") as fa, open(b, "rb") as fb:
        s = 0
        while True:
            x = fa.read(MB)
            y = fb.read(MB)
            if not x and not y:
                break
            if x == y:
                same += len(x) // SECTOR
                s += len(x) // SECTOR
                continue
            for i in range(0, max(len(x), len(y)), SECTOR):
                if x[i:i + SECTOR] == y[i:i + SECTOR]:
                    same += 1
                elif first is None:
                    first = s
                s += 1
    return same, first


def read_disk(disk, out):
    with open(out, "wb") as f:
        r = subprocess.run([os.path.join(BIN, "vmdk-dump"), "--raw", disk], stdout=f,
                           stderr=subprocess.PIPE)
    return r.returncode


def one(tmp, base_dir, raw, total, case):
    name, off, n, v = case
    w = os.path.join(tmp, "w")
    shutil.rmtree(w, ignore_errors=True)
    shutil.copytree(base_dir, w)
    disk = os.path.join(w, "d.vmdk")
    ext = extent_of(disk)
    apply(ext, off, n, v)
    res = {"name": name}
    c1 = tool("vmdk-check", disk)
    res["detected"] = c1.returncode != 0
    got = os.path.join(tmp, "got.raw")
    rc = read_disk(disk, got)
    if rc != 0:
        res["read"] = "refused"
    else:
        same, first = sectors_equal(got, raw)
        res["read"] = "right" if same == total and os.path.getsize(got) == os.path.getsize(raw) \
            else "WRONG(first %s)" % first
    before = {f: open(os.path.join(w, f), "rb").read() for f in os.listdir(w)}
    r = tool("vmdk-check", "-r", "-y", "--no-undo", disk)
    if r.returncode & 4:
        after = {f: open(os.path.join(w, f), "rb").read() for f in os.listdir(w)}
        res["repair"] = "refused" if after == before else "REFUSED-BUT-CHANGED"
        res["lost"] = 0
        res["out"] = r.stdout.decode()
        return res
    c2 = tool("vmdk-check", disk)
    q = run("qemu-img", "check", disk)
    if c2.returncode != 0:
        res["repair"] = "LEFT-ERRORS"
        res["out"] = c2.stdout.decode()
    elif q.returncode != 0:
        res["repair"] = "QEMU-CHECK-FAILS"
        res["out"] = q.stdout.decode()
    else:
        res["repair"] = "clean"
    rc = read_disk(disk, got)
    if rc != 0:
        res["lost"] = total
        res["repair"] = "UNREADABLE"
    else:
        same, first = sectors_equal(got, raw)
        res["lost"] = total - same
        if os.path.getsize(got) != os.path.getsize(raw):
            res["repair"] = "SIZE-CHANGED(%d)" % (os.path.getsize(got) // SECTOR)
    res["out"] = res.get("out", "") + r.stdout.decode()
    return res


def bad(res):
    return (not res["detected"] or res["read"].startswith("WRONG") or
            res["repair"] not in ("clean", "refused") or res["lost"] > 0)


def main():
    tmp = tempfile.mkdtemp(prefix="vmdk-matrix.")
    raw = os.path.join(tmp, "base.raw")
    make_raw(raw, 64 * MB, [0, 1, 2, 3, 10, 11, 12, 20, 511, 512, 513, 600, 1023], 20261206)
    total = 64 * MB // SECTOR
    rows = []
    failures = 0
    try:
        for base in ("ours", "qemu", "qemu-zeroed", "ours-split", "ours-g16",
                     "ours-gd-first", "ours-stream", "qemu-stream"):
            bdir = os.path.join(tmp, "base-" + base)
            os.mkdir(bdir)
            make_base(base, raw, os.path.join(bdir, "d.vmdk"))
            # The good disk must check clean and read right, or every
            # case would be found for the wrong reason.
            good = os.path.join(tmp, "good.raw")
            if tool("vmdk-check", os.path.join(bdir, "d.vmdk")).returncode or \
                    read_disk(os.path.join(bdir, "d.vmdk"), good) or \
                    sectors_equal(good, raw)[0] != total:
                print("FAIL: the good %s disk does not check clean or read right" % base)
                failures += 1
            h = Hdr(extent_of(os.path.join(bdir, "d.vmdk")))
            if "stream" in base:
                cases = stream_cases(os.path.join(bdir, "d.vmdk"))
            else:
                cases = header_cases(h, False) + table_cases(h)
            if base in ("ours", "qemu"):
                cases += descriptor_cases(os.path.join(bdir, "d.vmdk"), h)
            for case in cases:
                label = "%s %s" % (base, case[0])
                if FILTERS and not any(f in label for f in FILTERS):
                    continue
                res = one(tmp, bdir, raw, total, case)
                res["name"] = label
                rows.append(res)
                if bad(res):
                    failures += 1
                if VERBOSE or bad(res):
                    print("%-44s detect=%-3s read=%-18s repair=%-12s lost=%d%s" % (
                        label, "yes" if res["detected"] else "NO", res["read"],
                        res["repair"], res["lost"], "   <-- FAIL" if bad(res) else ""))
                    if bad(res) and VERBOSE:
                        print("    " + res.get("out", "").strip().replace("\n", "\n    ")[:1500])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    n = len(rows)
    print()
    print("damage matrix: %d cases" % n)
    print("  detected by vmdk-check      %d" % sum(r["detected"] for r in rows))
    print("  plain read refused          %d" % sum(r["read"] == "refused" for r in rows))
    print("  plain read right            %d" % sum(r["read"] == "right" for r in rows))
    print("  plain read WRONG            %d" % sum(r["read"].startswith("WRONG") for r in rows))
    print("  repaired, every sector kept %d" % sum(r["repair"] == "clean" and r["lost"] == 0 for r in rows))
    print("  repaired, sectors lost      %d (%d sectors)" % (
        sum(r["repair"] == "clean" and r["lost"] > 0 for r in rows),
        sum(r["lost"] for r in rows if r["repair"] == "clean")))
    print("  repair refused, unchanged   %d" % sum(r["repair"] == "refused" for r in rows))
    print("  repair left errors          %d" % sum(r["repair"] not in ("clean", "refused") for r in rows))
    print("matrix: %d passed, %d failed" % (n - failures, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
