// SPDX-License-Identifier: MIT
// disklib-test.go --- VMware's Go library over VDDK (github.com/vmware/
// virtual-disks, its low-level disklib package) driven against our
// libvixDiskLib on local files.  It prints what it did, one line a step;
// tests/compat/run.sh checks each against qemu-img and our tools.  Create
// and Clone are not called: that library's wrappers of them write
// through a nil pointer (its own bug); the disks are made by our tools.
package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/vmware/virtual-disks/pkg/disklib"
)

func must(err disklib.VddkError, what string) {
	if err != nil {
		fmt.Fprintf(os.Stderr, "disklib-test: %s: %v (VIX error %d)\n", what, err, err.VixErrorCode())
		os.Exit(1)
	}
}

func params(path string, flags uint32) disklib.ConnectParams {
	return disklib.NewConnectParams("", "", "", "", "", "", "", "", "", "vmdktools-test",
		path, flags, false, "")
}

func main() {
	dir := os.Args[1]
	at := func(name string) string { return filepath.Join(dir, name) }

	must(disklib.Init(7, 0, ""), "Init")
	must(disklib.PrepareForAccess(params("", 0)), "PrepareForAccess")
	conn, err := disklib.Connect(params("", 0))
	must(err, "Connect")
	fmt.Println("transport", disklib.ListTransportModes())

	h, err := disklib.Open(conn, params(at("base.vmdk"), 0))
	must(err, "Open")
	buf := bytes.Repeat([]byte{0xab}, 8*disklib.VIXDISKLIB_SECTOR_SIZE)
	must(disklib.Write(h, 100, 8, buf), "Write")
	back := make([]byte, len(buf))
	must(disklib.Read(h, 100, 8, back), "Read")
	fmt.Println("read back", bytes.Equal(buf, back))
	info, err := disklib.GetInfo(h)
	must(err, "GetInfo")
	fmt.Printf("info capacity=%d links=%d adapter=%d geometry=%d/%d/%d\n", info.Capacity,
		info.NumLinks, info.AdapterType, info.PhysGeo.Cylinders, info.PhysGeo.Heads,
		info.PhysGeo.Sectors)
	fmt.Println("mode", disklib.GetTransportMode(h))
	must(disklib.WriteMetadata(h, "backup.by", "disklib"), "WriteMetadata")
	val := make([]byte, 64)
	must(disklib.ReadMetadata(h, "backup.by", val, uint(len(val)), 0), "ReadMetadata")
	fmt.Println("metadata", string(bytes.TrimRight(val, "\x00")))
	keys := make([]byte, 4096)
	must(disklib.GetMetadataKeys(h, keys, uint(len(keys)), 0), "GetMetadataKeys")
	fmt.Println("keys", strings.Join(strings.Split(strings.TrimRight(string(keys), "\x00"), "\x00"), ","))
	blocks, err := disklib.QueryAllocatedBlocks(h, 0, info.Capacity, disklib.VIXDISKLIB_MIN_CHUNK_SIZE)
	must(err, "QueryAllocatedBlocks")
	for _, b := range blocks {
		fmt.Printf("block %d %d\n", b.Offset(), b.Length())
	}
	must(disklib.SpaceNeededForClone(h, disklib.VIXDISKLIB_DISK_MONOLITHIC_FLAT, 0), "SpaceNeededForClone")
	if e := disklib.Read(h, uint64(info.Capacity), 1, back); e != nil {
		fmt.Println("past the end", e.VixErrorCode() == disklib.VIX_E_DISK_OUTOFRANGE)
	}
	must(disklib.CreateChild(h, at("child.vmdk"), disklib.VIXDISKLIB_DISK_MONOLITHIC_SPARSE, ""), "CreateChild")
	must(disklib.Close(h), "Close")

	c, err := disklib.Open(conn, params(at("child.vmdk"), 0))
	must(err, "Open child")
	must(disklib.Write(c, 300, 1, buf[:disklib.VIXDISKLIB_SECTOR_SIZE]), "Write child")
	ci, err := disklib.GetInfo(c)
	must(err, "GetInfo child")
	fmt.Println("child links", ci.NumLinks, "parent", ci.ParentFileNameHint)
	must(disklib.Close(c), "Close child")

	// Attach: the Go wrapper hands its arguments to VixDiskLib_Attach
	// in its own order, so the parent goes first here.
	p, err := disklib.Open(conn, params(at("other.vmdk"), 0))
	must(err, "Open other")
	must(disklib.CreateChild(p, at("redo.vmdk"), disklib.VIXDISKLIB_DISK_MONOLITHIC_SPARSE, ""), "CreateChild redo")
	r, err := disklib.Open(conn, params(at("redo.vmdk"), disklib.VIXDISKLIB_FLAG_OPEN_SINGLE_LINK))
	must(err, "Open redo")
	must(disklib.Attach(p, r), "Attach")
	ri, err := disklib.GetInfo(r)
	must(err, "GetInfo attached")
	fmt.Println("attached links", ri.NumLinks)
	must(disklib.Close(r), "Close attached")

	must(disklib.Grow(conn, at("grow.vmdk"), 131072, false, ""), "Grow")
	s, err := disklib.Open(conn, params(at("compact.vmdk"), 0))
	must(err, "Open compact")
	must(disklib.Shrink(s, ""), "Shrink")
	must(disklib.Defragment(s, ""), "Defragment")
	must(disklib.Close(s), "Close compact")
	must(disklib.CheckRepair(conn, at("base.vmdk"), false), "CheckRepair")
	must(disklib.Rename(at("gone.vmdk"), at("renamed.vmdk")), "Rename")
	must(disklib.Unlink(conn, at("renamed.vmdk")), "Unlink")
	must(disklib.Cleanup(params("", 0), 0, 0), "Cleanup")
	must(disklib.Disconnect(conn), "Disconnect")
	must(disklib.EndAccess(params("", 0)), "EndAccess")
	disklib.Exit()
	fmt.Println("done")
}
