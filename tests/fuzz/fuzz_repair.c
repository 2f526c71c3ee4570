/* SPDX-License-Identifier: MIT */
/* fuzz_repair.c --- libFuzzer harness for vmdk_check's repair: the input
 * is written to a scratch file of a private directory, repaired with
 * every fix taken (a stream's salvage renames a new file over it), and
 * checked again, which must then find no error; and every sector the
 * damaged disk served before reads the same after, but in the ranges the
 * report named (the sectors of a problem whose fix was taken).  Only
 * monolithic inputs
 * are repaired: their one extent is the file itself, where a fuzzed text
 * descriptor could name files of this machine. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmdk.h"
#include "scratch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Disks up to this size are read whole before and after the repair. */
#define SERVED_SECTORS 8192u

struct served {
	uint64_t sectors;
	uint8_t *data;			/* what a read returned */
	uint8_t *ok;			/* per sector: it was served */
	uint8_t *named;			/* per sector: a fix named it */
};

static int yes(void *arg, const struct vmdk_problem *p)
{
	struct served *s = arg;

	if (!p->message || !p->file || strlen(p->message) > 4096)
		abort();
	for (uint64_t i = p->lba; s && p->fix && i < p->lba + p->lba_count &&
	     i < s->sectors; i++)
		s->named[i] = 1;
	/* A fix of the header or descriptor changes the map of every
	 * sector: it names them all. */
	if (s && p->fix && (p->code == VMDK_P_HEADER || p->code == VMDK_P_CAPACITY ||
			    p->code == VMDK_P_OVERHEAD || p->code == VMDK_P_DESCRIPTOR))
		memset(s->named, 1, s->sectors);
	return 1;
}

/* Every sector the disk serves now, one at a time where a run fails. */
static void read_served(const char *path, struct served *s, bool after)
{
	uint8_t sector[512];
	vmdk_disk *d;

	if (vmdk_open(path, VMDK_OPEN_RDONLY | VMDK_OPEN_SINGLE_LINK, &d) < 0)
		return;
	for (uint64_t i = 0; i < s->sectors; i++) {
		if (vmdk_read(d, i, 1, sector) < 0)
			continue;
		if (!after) {
			s->ok[i] = 1;
			memcpy(s->data + i * 512, sector, 512);
		} else if (s->ok[i] && !s->named[i] &&
			   memcmp(s->data + i * 512, sector, 512)) {
			fprintf(stderr, "sector %llu served before the repair "
				"reads otherwise after it\n", (unsigned long long)i);
			abort();
		}
	}
	vmdk_close(d);
}

static void served_init(const char *path, struct served *s)
{
	struct vmdk_info info;
	vmdk_disk *d;

	memset(s, 0, sizeof(*s));
	if (vmdk_open(path, VMDK_OPEN_RDONLY | VMDK_OPEN_SINGLE_LINK, &d) < 0)
		return;
	if (vmdk_get_info(d, &info) == 0 && info.capacity <= SERVED_SECTORS)
		s->sectors = info.capacity;
	vmdk_close(d);
	s->data = malloc(s->sectors * 512 + 1);
	s->ok = calloc(s->sectors + 1, 1);
	s->named = calloc(s->sectors + 1, 1);
	if (!s->data || !s->ok || !s->named)
		s->sectors = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmdk_check_report r, again;
	struct served served;
	const char *path;

	if (size < 4 || memcmp(data, "KDMV", 4))
		return 0;
	if (!(path = scratch_disk(data, size)))
		return 0;
	served_init(path, &served);
	read_served(path, &served, false);
	if (vmdk_check(path, VMDK_CHECK_REPAIR, NULL, yes, &served, &r) == 0 &&
	    r.fixed && !r.unfixable) {
		if (vmdk_check(path, 0, NULL, yes, NULL, &again) == 0 && again.errors) {
			fprintf(stderr, "repair left %u errors\n", again.errors);
			abort();
		}
		read_served(path, &served, true);
	}
	free(served.data);
	free(served.ok);
	free(served.named);
	return 0;
}
