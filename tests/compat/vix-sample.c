/* SPDX-License-Identifier: MIT */
/* vix-sample.c --- a VixDiskLib client written from the description of
 * VDDK's sample program in its programming guide (commands -create,
 * -redo, -info, -dump, -fill, -wmeta, -rmeta, -meta, -clone, -readbench,
 * -readasyncbench, -writeasyncbench (requests issued, then one Wait),
 * -writebench), plus the calls the sample leaves out (-blocks, -grow,
 * -shrink, -defrag, -check, -repair, -rename, -unlink, -space, -attach,
 * -raw), for the tests of libvixDiskLib.  Built against the installed
 * vixDiskLib.h and libvixDiskLib.so only. */
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vixDiskLib.h"

static const char *cmd, *disk, *arg1, *arg2;
static uint64 start_sector, count = 1, cap_mb = 100, chunk = VIXDISKLIB_MIN_CHUNK_SIZE;
static bool round_up;
static int fill_val = 255, single, type = VIXDISKLIB_DISK_MONOLITHIC_SPARSE;
static VixDiskLibAdapterType adapter = VIXDISKLIB_ADAPTER_SCSI_BUSLOGIC;
static VixDiskLibConnection conn;
static int progress_calls, last_percent = -1, threads;
static const char *mode;

static void log_line(const char *fmt, va_list ap)
{
	if (getenv("VIX_SAMPLE_LOG"))
		vfprintf(stderr, fmt, ap);
}

static Bool progress(void *data, int percent)
{
	(void)data;
	progress_calls++;
	last_percent = percent;
	return TRUE;
}

static void check(VixError err, const char *what)
{
	char *text;

	if (VIX_SUCCEEDED(err))
		return;
	text = VixDiskLib_GetErrorText(err, NULL);
	fprintf(stderr, "vix-sample: %s: error %" PRIu64 ": %s\n", what, (uint64_t)err,
		text ? text : "?");
	VixDiskLib_FreeErrorText(text);
	exit(1);
}

static VixDiskLibHandle open_disk(const char *path, uint32 flags)
{
	VixDiskLibHandle h;

	check(VixDiskLib_Open(conn, path, flags | (single ? VIXDISKLIB_FLAG_OPEN_SINGLE_LINK : 0),
			      &h), "open");
	return h;
}

static void do_info(void)
{
	VixDiskLibHandle h = open_disk(disk, VIXDISKLIB_FLAG_OPEN_READ_ONLY);
	VixDiskLibInfo *info;

	check(VixDiskLib_GetInfo(h, &info), "info");
	printf("capacity %" PRIu64 " sectors\n", (uint64_t)info->capacity);
	printf("links %d\n", info->numLinks);
	printf("adapter %d\n", info->adapterType);
	printf("bios geometry %u/%u/%u\n", info->biosGeo.cylinders, info->biosGeo.heads,
	       info->biosGeo.sectors);
	printf("physical geometry %u/%u/%u\n", info->physGeo.cylinders, info->physGeo.heads,
	       info->physGeo.sectors);
	printf("parent %s\n", info->parentFileNameHint ? info->parentFileNameHint : "(none)");
	printf("uuid %s\n", info->uuid ? info->uuid : "(none)");
	printf("sector size %u/%u\n", info->logicalSectorSize, info->physicalSectorSize);
	printf("transport %s of %s\n", VixDiskLib_GetTransportMode(h),
	       VixDiskLib_ListTransportModes());
	VixDiskLib_FreeInfo(info);
	check(VixDiskLib_Close(h), "close");
}

static void do_dump(bool raw)
{
	VixDiskLibHandle h = open_disk(disk, VIXDISKLIB_FLAG_OPEN_READ_ONLY);
	uint8 buf[VIXDISKLIB_SECTOR_SIZE];

	for (uint64 s = start_sector; s < start_sector + count; s++) {
		check(VixDiskLib_Read(h, s, 1, buf), "read");
		if (raw) {
			fwrite(buf, 1, sizeof(buf), stdout);
			continue;
		}
		for (int i = 0; i < VIXDISKLIB_SECTOR_SIZE; i += 16) {
			printf("%012" PRIx64 ":", (uint64_t)(s * VIXDISKLIB_SECTOR_SIZE + i));
			for (int j = 0; j < 16; j++)
				printf(" %02x", buf[i + j]);
			putchar('\n');
		}
	}
	check(VixDiskLib_Close(h), "close");
}

static void do_fill(void)
{
	VixDiskLibHandle h = open_disk(disk, 0);
	uint8 buf[VIXDISKLIB_SECTOR_SIZE];

	memset(buf, fill_val, sizeof(buf));
	for (uint64 s = start_sector; s < start_sector + count; s++)
		check(VixDiskLib_Write(h, s, 1, buf), "write");
	check(VixDiskLib_Close(h), "close");
}

/* Two calls a key, as the guide describes: the length, then the value. */
static void do_meta(void)
{
	VixDiskLibHandle h = open_disk(disk, VIXDISKLIB_FLAG_OPEN_READ_ONLY);
	size_t need = 0;
	char *keys;
	VixError err = VixDiskLib_GetMetadataKeys(h, NULL, 0, &need);

	if (err != VIX_E_BUFFER_TOOSMALL)
		check(err, "metadata keys (length)");
	keys = malloc(need);
	check(VixDiskLib_GetMetadataKeys(h, keys, need, NULL), "metadata keys");
	for (char *k = keys; *k; k += strlen(k) + 1) {
		size_t vlen = 0;
		char *val;
		err = VixDiskLib_ReadMetadata(h, k, NULL, 0, &vlen);
		if (err != VIX_E_BUFFER_TOOSMALL)
			check(err, "metadata value (length)");
		val = malloc(vlen);
		check(VixDiskLib_ReadMetadata(h, k, val, vlen, NULL), "metadata value");
		printf("%s = %s\n", k, val);
		free(val);
	}
	free(keys);
	check(VixDiskLib_Close(h), "close");
}

static void do_rmeta(void)
{
	VixDiskLibHandle h = open_disk(disk, VIXDISKLIB_FLAG_OPEN_READ_ONLY);
	char val[1024];

	check(VixDiskLib_ReadMetadata(h, arg1, val, sizeof(val), NULL), "read metadata");
	printf("%s\n", val);
	check(VixDiskLib_Close(h), "close");
}

static void do_wmeta(void)
{
	VixDiskLibHandle h = open_disk(disk, 0);

	check(VixDiskLib_WriteMetadata(h, arg1, arg2), "write metadata");
	check(VixDiskLib_Close(h), "close");
}

static void do_bench(bool write, uint64 block)
{
	VixDiskLibHandle h = open_disk(disk, write ? 0 : VIXDISKLIB_FLAG_OPEN_READ_ONLY);
	VixDiskLibInfo *info;
	uint8 *buf = calloc(block, VIXDISKLIB_SECTOR_SIZE);
	struct timespec t0, t1;
	uint64 s;

	check(VixDiskLib_GetInfo(h, &info), "info");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (s = 0; s + block <= info->capacity; s += block)
		check(write ? VixDiskLib_Write(h, s, block, buf) : VixDiskLib_Read(h, s, block, buf),
		      write ? "write" : "read");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%s %" PRIu64 " sectors in %.3f s\n", write ? "wrote" : "read", (uint64_t)s,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	VixDiskLib_FreeInfo(info);
	free(buf);
	check(VixDiskLib_Close(h), "close");
}

static unsigned async_done;
static VixError async_result = VIX_OK;

static void async_completion(void *data, VixError result)
{
	(void)data;
	/* Callbacks come one after another from the handle's worker. */
	async_done++;
	if (result != VIX_OK)
		async_result = result;
}

/* As the VDDK sample's async benchmarks: every request issued, then one
 * Wait; each request has its own buffer until the Wait. */
static void do_async_bench(bool write, uint64 block)
{
	VixDiskLibHandle h = open_disk(disk, write ? 0 : VIXDISKLIB_FLAG_OPEN_READ_ONLY);
	VixDiskLibInfo *info;
	struct timespec t0, t1;
	unsigned issued = 0;
	uint64 s;
	uint8 *buf;

	check(VixDiskLib_GetInfo(h, &info), "info");
	buf = calloc(info->capacity / block + 1, block * VIXDISKLIB_SECTOR_SIZE);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (s = 0; s + block <= info->capacity; s += block, issued++) {
		uint8 *b = buf + issued * block * VIXDISKLIB_SECTOR_SIZE;
		VixError e = write ? VixDiskLib_WriteAsync(h, s, block, b, async_completion, NULL)
				   : VixDiskLib_ReadAsync(h, s, block, b, async_completion, NULL);
		if (e != VIX_ASYNC)
			check(e, write ? "write async" : "read async");
	}
	check(VixDiskLib_Wait(h), "wait");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (async_done != issued)
		check(VIX_E_FAIL, "a completion missing");
	check(async_result, "an async request");
	printf("%s %" PRIu64 " sectors asynchronously in %.3f s\n", write ? "wrote" : "read",
	       (uint64_t)s,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	VixDiskLib_FreeInfo(info);
	free(buf);
	check(VixDiskLib_Close(h), "close");
}

static void do_blocks(void)
{
	VixDiskLibHandle h = open_disk(disk, VIXDISKLIB_FLAG_OPEN_READ_ONLY);
	VixDiskLibBlockList *list;
	VixDiskLibInfo *info;

	check(VixDiskLib_GetInfo(h, &info), "info");
	/* As VDDK's sample, whole chunks inside the disk; with -roundup as
	 * copy programs do, the last chunk rounded up past the end. */
	uint64 span = round_up ? (info->capacity + chunk - 1) / chunk * chunk
			       : info->capacity / chunk * chunk;
	check(VixDiskLib_QueryAllocatedBlocks(h, 0, span, chunk, &list),
	      "query allocated blocks");
	for (uint32 i = 0; i < list->numBlocks; i++)
		printf("%" PRIu64 " %" PRIu64 "\n", (uint64_t)list->blocks[i].offset,
		       (uint64_t)list->blocks[i].length);
	check(VixDiskLib_FreeBlockList(list), "free block list");
	VixDiskLib_FreeInfo(info);
	check(VixDiskLib_Close(h), "close");
}

static void do_compact(bool shrink)
{
	VixDiskLibHandle h = open_disk(disk, 0);

	check(shrink ? VixDiskLib_Shrink(h, progress, NULL) : VixDiskLib_Defragment(h, progress, NULL),
	      shrink ? "shrink" : "defragment");
	check(VixDiskLib_Close(h), "close");
}

static void do_space(void)
{
	VixDiskLibHandle h = open_disk(disk, VIXDISKLIB_FLAG_OPEN_READ_ONLY);
	uint64 bytes;

	check(VixDiskLib_SpaceNeededForClone(h, (VixDiskLibDiskType)type, &bytes), "space needed");
	printf("%" PRIu64 "\n", (uint64_t)bytes);
	check(VixDiskLib_Close(h), "close");
}

/* -attach CHILD: a new child of the disk made, opened as a single link,
 * attached, written through and read back through the chain. */
static void do_attach(void)
{
	VixDiskLibHandle parent = open_disk(disk, 0), child;
	VixDiskLibInfo *info;
	uint8 buf[VIXDISKLIB_SECTOR_SIZE];

	check(VixDiskLib_CreateChild(parent, arg1, VIXDISKLIB_DISK_MONOLITHIC_SPARSE, progress, NULL),
	      "create child");
	check(VixDiskLib_Open(conn, arg1, VIXDISKLIB_FLAG_OPEN_SINGLE_LINK, &child), "open child");
	check(VixDiskLib_Attach(parent, child), "attach");
	check(VixDiskLib_GetInfo(child, &info), "info");
	printf("links %d\n", info->numLinks);
	VixDiskLib_FreeInfo(info);
	memset(buf, 0x7e, sizeof(buf));
	check(VixDiskLib_Write(child, start_sector, 1, buf), "write child");
	check(VixDiskLib_Close(child), "close");
}

/* -multithread n: n threads, each copying the disk to a new file of its
 * own with its own handles (VDDK: one handle per thread). */
struct copy_job {
	int index;
	VixError err;
};

static void *copy_thread(void *arg)
{
	struct copy_job *job = arg;
	VixDiskLibHandle src, dst;
	VixDiskLibInfo *info;
	VixDiskLibCreateParams cp = { 0 };
	uint8 buf[64 * VIXDISKLIB_SECTOR_SIZE];
	char path[512];

	snprintf(path, sizeof(path), "%s.copy%d.vmdk", disk, job->index);
	if ((job->err = VixDiskLib_Open(conn, disk, VIXDISKLIB_FLAG_OPEN_READ_ONLY, &src)))
		return NULL;
	if ((job->err = VixDiskLib_GetInfo(src, &info)))
		return NULL;
	cp.diskType = VIXDISKLIB_DISK_MONOLITHIC_SPARSE;
	cp.adapterType = info->adapterType;
	cp.hwVersion = VIXDISKLIB_HWVERSION_WORKSTATION_5;
	cp.capacity = info->capacity;
	if (!(job->err = VixDiskLib_Create(conn, path, &cp, NULL, NULL)) &&
	    !(job->err = VixDiskLib_Open(conn, path, 0, &dst))) {
		for (uint64 s = 0; s < info->capacity && !job->err; s += 64) {
			uint64 n = info->capacity - s < 64 ? info->capacity - s : 64;
			job->err = VixDiskLib_Read(src, s, n, buf);
			if (!job->err)
				job->err = VixDiskLib_Write(dst, s, n, buf);
		}
		if (!job->err)
			job->err = VixDiskLib_Close(dst);
	}
	VixDiskLib_FreeInfo(info);
	VixDiskLib_Close(src);
	return NULL;
}

static void do_multithread(void)
{
	pthread_t tid[16];
	struct copy_job jobs[16];

	for (int i = 0; i < threads; i++) {
		jobs[i] = (struct copy_job){ i, VIX_OK };
		if (pthread_create(&tid[i], NULL, copy_thread, &jobs[i]))
			exit(1);
	}
	for (int i = 0; i < threads; i++) {
		pthread_join(tid[i], NULL);
		check(jobs[i].err, "copy thread");
	}
	printf("%d copies\n", threads);
}

static void usage(void)
{
	fprintf(stderr, "usage: vix-sample command [options] diskPath\n"
		"commands: -create -redo parent -info -dump -raw -fill -wmeta key value\n"
		"  -rmeta key -meta -clone source -readbench n -writebench n\n"
		"  -readasyncbench n -writeasyncbench n -blocks -combine offset count\n"
		"  -reparent parenthint\n"
		"  -grow mb -shrink -defrag -check -repair -rename newPath -unlink -space\n"
		"  -attach child -connect-remote host -multithread n\n"
		"options: -adapter ide|scsi|lsilogic|pvscsi -start n -count n -val b -cap mb\n"
		"  -type n -chunk n -roundup -single -overwrite -mode transports\n");
	exit(2);
}

int main(int argc, char **argv)
{
	VixDiskLibCreateParams cp = { 0 };
	int overwrite = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool more = i + 1 < argc;
		if (!strcmp(a, "-redo") || !strcmp(a, "-rmeta") || !strcmp(a, "-clone") ||
		    !strcmp(a, "-readbench") || !strcmp(a, "-writebench") || !strcmp(a, "-grow") ||
		    !strcmp(a, "-readasyncbench") || !strcmp(a, "-writeasyncbench") ||
		    !strcmp(a, "-rename") || !strcmp(a, "-attach") || !strcmp(a, "-connect-remote") ||
		    !strcmp(a, "-reparent")) {
			if (!more)
				usage();
			cmd = a;
			arg1 = argv[++i];
		} else if (!strcmp(a, "-wmeta") || !strcmp(a, "-combine")) {
			if (i + 2 >= argc)
				usage();
			cmd = a;
			arg1 = argv[++i];
			arg2 = argv[++i];
		} else if (a[0] == '-' && (!strcmp(a, "-create") || !strcmp(a, "-info") ||
			   !strcmp(a, "-dump") || !strcmp(a, "-raw") || !strcmp(a, "-fill") ||
			   !strcmp(a, "-meta") || !strcmp(a, "-blocks") || !strcmp(a, "-shrink") ||
			   !strcmp(a, "-defrag") || !strcmp(a, "-check") || !strcmp(a, "-repair") ||
			   !strcmp(a, "-unlink") || !strcmp(a, "-space"))) {
			cmd = a;
		} else if (!strcmp(a, "-start") && more) {
			start_sector = strtoull(argv[++i], NULL, 0);
		} else if (!strcmp(a, "-count") && more) {
			count = strtoull(argv[++i], NULL, 0);
		} else if (!strcmp(a, "-val") && more) {
			fill_val = (int)strtol(argv[++i], NULL, 0);
		} else if (!strcmp(a, "-cap") && more) {
			cap_mb = strtoull(argv[++i], NULL, 0);
		} else if (!strcmp(a, "-type") && more) {
			type = (int)strtol(argv[++i], NULL, 0);
		} else if (!strcmp(a, "-chunk") && more) {
			chunk = strtoull(argv[++i], NULL, 0);
		} else if (!strcmp(a, "-adapter") && more) {
			a = argv[++i];
			adapter = !strcmp(a, "ide") ? VIXDISKLIB_ADAPTER_IDE :
				  !strcmp(a, "lsilogic") ? VIXDISKLIB_ADAPTER_SCSI_LSILOGIC :
				  !strcmp(a, "pvscsi") ? VIXDISKLIB_ADAPTER_VMWARE_PVSCSI :
				  VIXDISKLIB_ADAPTER_SCSI_BUSLOGIC;
		} else if (!strcmp(a, "-multithread") && more) {
			cmd = a;
			threads = atoi(argv[++i]);
			if (threads < 1 || threads > 16)
				usage();
		} else if (!strcmp(a, "-mode") && more) {
			mode = argv[++i];
		} else if (!strcmp(a, "-roundup")) {
			round_up = true;
		} else if (!strcmp(a, "-single")) {
			single = 1;
		} else if (!strcmp(a, "-overwrite")) {
			overwrite = 1;
		} else if (a[0] != '-' && !disk) {
			disk = a;
		} else {
			usage();
		}
	}
	if (!cmd || !disk)
		usage();
	check(VixDiskLib_InitEx(7, 0, log_line, log_line, log_line, NULL, NULL), "init");
	if (!strcmp(cmd, "-connect-remote")) {
		VixDiskLibConnectParams *p = VixDiskLib_AllocateConnectParams();
		p->serverName = (char *)arg1;
		p->credType = VIXDISKLIB_CRED_UID;
		check(VixDiskLib_Connect(p, &conn), "connect");
		return 0;
	}
	check(VixDiskLib_ConnectEx(NULL, FALSE, NULL, mode, &conn), "connect");
	cp.diskType = (VixDiskLibDiskType)type;
	cp.adapterType = adapter;
	cp.hwVersion = VIXDISKLIB_HWVERSION_WORKSTATION_5;
	cp.capacity = cap_mb * 2048;
	if (!strcmp(cmd, "-create"))
		check(VixDiskLib_Create(conn, disk, &cp, progress, NULL), "create");
	else if (!strcmp(cmd, "-redo")) {
		VixDiskLibHandle p = open_disk(arg1, 0);
		check(VixDiskLib_CreateChild(p, disk, VIXDISKLIB_DISK_MONOLITHIC_SPARSE, progress, NULL),
		      "create child");
		check(VixDiskLib_Close(p), "close");
	} else if (!strcmp(cmd, "-info"))
		do_info();
	else if (!strcmp(cmd, "-dump") || !strcmp(cmd, "-raw"))
		do_dump(!strcmp(cmd, "-raw"));
	else if (!strcmp(cmd, "-fill"))
		do_fill();
	else if (!strcmp(cmd, "-meta"))
		do_meta();
	else if (!strcmp(cmd, "-rmeta"))
		do_rmeta();
	else if (!strcmp(cmd, "-wmeta"))
		do_wmeta();
	else if (!strcmp(cmd, "-clone"))
		check(VixDiskLib_Clone(conn, disk, conn, arg1, &cp, progress, NULL, (Bool)overwrite),
		      "clone");
	else if (!strcmp(cmd, "-readbench") || !strcmp(cmd, "-writebench"))
		do_bench(!strcmp(cmd, "-writebench"), strtoull(arg1, NULL, 0));
	else if (!strcmp(cmd, "-combine")) {
		VixDiskLibHandle h = open_disk(disk, 0);
		check(VixDiskLib_Combine(h, (uint32)strtoul(arg1, NULL, 0),
					 (uint32)strtoul(arg2, NULL, 0), progress, NULL), "combine");
		check(VixDiskLib_Close(h), "close");
	} else if (!strcmp(cmd, "-reparent"))
		check(VixDiskLib_Reparent(conn, disk, arg1), "reparent");
	else if (!strcmp(cmd, "-readasyncbench") || !strcmp(cmd, "-writeasyncbench"))
		do_async_bench(!strcmp(cmd, "-writeasyncbench"), strtoull(arg1, NULL, 0));
	else if (!strcmp(cmd, "-blocks"))
		do_blocks();
	else if (!strcmp(cmd, "-grow"))
		check(VixDiskLib_Grow(conn, disk, strtoull(arg1, NULL, 0) * 2048, FALSE, progress, NULL),
		      "grow");
	else if (!strcmp(cmd, "-shrink") || !strcmp(cmd, "-defrag"))
		do_compact(!strcmp(cmd, "-shrink"));
	else if (!strcmp(cmd, "-check") || !strcmp(cmd, "-repair"))
		check(VixDiskLib_CheckRepair(conn, disk, !strcmp(cmd, "-repair")), "check");
	else if (!strcmp(cmd, "-rename"))
		check(VixDiskLib_Rename(disk, arg1), "rename");
	else if (!strcmp(cmd, "-unlink"))
		check(VixDiskLib_Unlink(conn, disk), "unlink");
	else if (!strcmp(cmd, "-space"))
		do_space();
	else if (!strcmp(cmd, "-attach"))
		do_attach();
	else if (!strcmp(cmd, "-multithread"))
		do_multithread();
	if (progress_calls)
		fprintf(stderr, "progress %d calls, last %d%%\n", progress_calls, last_percent);
	check(VixDiskLib_Disconnect(conn), "disconnect");
	VixDiskLib_Exit();
	return 0;
}
