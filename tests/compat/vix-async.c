/* SPDX-License-Identifier: MIT */
/* vix-async.c --- asynchronous I/O and Flush as VDDK clients use them:
 *   vix-async DISK          two threads each issue many overlapping
 *                           WriteAsync then ReadAsync requests on one
 *                           handle, mixed with synchronous reads; every
 *                           completion must come once, with VIX_OK, and
 *                           every byte read back be what was written
 *   vix-async -kill DISK    write, Flush, then die by SIGKILL before Close:
 *                           what was flushed must be on the disk */
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vixDiskLib.h"

#define REQUESTS 400		/* per thread */
#define SECTORS 16		/* per request */

static VixDiskLibHandle disk;

struct done {
	pthread_mutex_t lock;
	unsigned count, errors, twice;
	unsigned char seen[2 * REQUESTS];
};
static struct done done = { .lock = PTHREAD_MUTEX_INITIALIZER };

struct tag {
	unsigned id;
};

static void completion(void *data, VixError result)
{
	struct tag *t = data;

	pthread_mutex_lock(&done.lock);
	done.count++;
	if (result != VIX_OK)
		done.errors++;
	if (done.seen[t->id]++)
		done.twice++;
	pthread_mutex_unlock(&done.lock);
}

/* Thread @n writes requests n, n+2, n+4 ... each filled with its number. */
static void *writer(void *arg)
{
	unsigned n = (unsigned)(uintptr_t)arg;
	static uint8 bufs[2 * REQUESTS][SECTORS * 512];
	static struct tag tags[2 * REQUESTS];

	for (unsigned i = n; i < 2 * REQUESTS; i += 2) {
		memset(bufs[i], (int)(i % 251) + 1, sizeof(bufs[i]));
		tags[i].id = i;
		if (VixDiskLib_WriteAsync(disk, (uint64)i * SECTORS, SECTORS, bufs[i],
					  completion, &tags[i]) != VIX_ASYNC) {
			fprintf(stderr, "vix-async: WriteAsync %u not accepted\n", i);
			exit(1);
		}
		/* A synchronous call in the middle of the stream. */
		if (i % 50 == n) {
			uint8 s[512];
			if (VixDiskLib_Read(disk, 0, 1, s) != VIX_OK) {
				fprintf(stderr, "vix-async: a synchronous read failed\n");
				exit(1);
			}
		}
	}
	return NULL;
}

static void *reader(void *arg)
{
	unsigned n = (unsigned)(uintptr_t)arg;
	static uint8 bufs[2 * REQUESTS][SECTORS * 512];
	static struct tag tags[2 * REQUESTS];

	for (unsigned i = n; i < 2 * REQUESTS; i += 2) {
		tags[i].id = i;
		if (VixDiskLib_ReadAsync(disk, (uint64)i * SECTORS, SECTORS, bufs[i],
					 completion, &tags[i]) != VIX_ASYNC) {
			fprintf(stderr, "vix-async: ReadAsync %u not accepted\n", i);
			exit(1);
		}
	}
	return bufs;
}

static void run(void *(*fn)(void *), void **results)
{
	pthread_t t[2];

	memset(&done.seen, 0, sizeof(done.seen));
	done.count = done.errors = done.twice = 0;
	for (uintptr_t n = 0; n < 2; n++)
		pthread_create(&t[n], NULL, fn, (void *)n);
	for (int n = 0; n < 2; n++)
		pthread_join(t[n], results ? &results[n] : NULL);
	if (VixDiskLib_Wait(disk) != VIX_OK || done.count != 2 * REQUESTS ||
	    done.errors || done.twice) {
		fprintf(stderr, "vix-async: %u of %u completions, %u errors, %u twice\n",
			done.count, 2 * REQUESTS, done.errors, done.twice);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	bool kill_me = argc == 3 && strcmp(argv[1], "-kill") == 0;
	const char *path = argv[argc - 1];
	VixDiskLibConnection conn;
	void *results[2];

	if (argc < 2 || VixDiskLib_InitEx(7, 0, NULL, NULL, NULL, NULL, NULL) != VIX_OK ||
	    VixDiskLib_ConnectEx(NULL, 0, NULL, NULL, &conn) != VIX_OK ||
	    VixDiskLib_Open(conn, path, 0, &disk) != VIX_OK) {
		fprintf(stderr, "vix-async: cannot open %s\n", argc > 1 ? path : "(none)");
		return 1;
	}
	if (kill_me) {
		static uint8 buf[64 * 512];
		memset(buf, 0x6b, sizeof(buf));
		if (VixDiskLib_WriteAsync(disk, 4096, 64, buf, NULL, NULL) != VIX_ASYNC ||
		    VixDiskLib_Write(disk, 100000, 64, buf) != VIX_OK ||
		    VixDiskLib_Flush(disk) != VIX_OK) {
			fprintf(stderr, "vix-async: write or flush failed\n");
			return 1;
		}
		raise(SIGKILL);
	}
	run(writer, NULL);
	run(reader, results);
	/* Each thread's reads land in its own buffers: request i in bufs[i]. */
	for (unsigned i = 0; i < 2 * REQUESTS; i++) {
		uint8 (*bufs)[SECTORS * 512] = results[i % 2];
		for (unsigned b = 0; b < SECTORS * 512; b++)
			if (bufs[i][b] != (uint8)(i % 251 + 1)) {
				fprintf(stderr, "vix-async: request %u byte %u reads %u\n", i, b,
					bufs[i][b]);
				return 1;
			}
	}
	if (VixDiskLib_Close(disk) != VIX_OK)
		return 1;
	VixDiskLib_Disconnect(conn);
	VixDiskLib_Exit();
	printf("vix-async: %u requests in two threads, every completion once, the data right\n",
	       4 * REQUESTS);
	return 0;
}
