/* SPDX-License-Identifier: MIT */
/* writer_sink.c --- a destination written front to back by a format's
 * sequential writer (streamOptimized).  Grains go into a
 * ring of slots; worker threads deflate slots as soon as they are full,
 * and the caller writes them out in ring order as they come back, so the
 * workers never wait for a batch and the output is the same whatever the
 * number of threads. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "copy_int.h"

#define GRAIN VMDK_STREAM_GRAIN
#define SLOTS_PER_THREAD 16u	/* about 2 MiB of buffers per worker */
#define MAX_THREADS 64u

enum slot_state { SLOT_FILLING, SLOT_READY, SLOT_PACKED };

struct slot {
	uint64_t grain;
	size_t len;		/* bytes of data (less for the last grain) */
	uint8_t *data;
	uint8_t *packed;
	size_t packed_len;
	int err;
	int state;		/* enum slot_state, under mu */
};

struct stream_sink {
	struct sink base;
	const struct vmdk_writer_ops *wo;
	struct vmdk_writer *w;
	uint64_t capacity;
	int level;
	size_t packed_max;
	struct slot *slots;
	unsigned nslots;
	/* Ring positions, counted from the start: slots [tail, head) are
	 * queued or packed, head is being filled when open. */
	uint64_t head, tail, claim;
	bool open;
	unsigned threads, started;
	pthread_t *tids;
	struct vmdk_deflater **z;	/* one per worker */
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	bool quit;
};

struct worker_arg {
	struct stream_sink *s;
	unsigned index;
};

static struct slot *at(struct stream_sink *s, uint64_t pos)
{
	return &s->slots[pos % s->nslots];
}

static void *worker(void *p)
{
	struct worker_arg *a = p;
	struct stream_sink *s = a->s;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		struct slot *j;
		while (!s->quit && s->claim == s->head)
			pthread_cond_wait(&s->work, &s->mu);
		if (s->quit)
			break;
		j = at(s, s->claim++);
		pthread_mutex_unlock(&s->mu);
		j->err = s->wo->pack(s->z[a->index], j->grain * GRAIN, j->data,
					  j->len, j->packed, s->packed_max,
					  &j->packed_len);
		pthread_mutex_lock(&s->mu);
		j->state = SLOT_PACKED;
		pthread_cond_broadcast(&s->done);
	}
	pthread_mutex_unlock(&s->mu);
	free(a);
	return NULL;
}

/* Write the oldest slot, waiting for it if @wait; 1 if one was written. */
static int write_oldest(struct stream_sink *s, bool wait)
{
	struct slot *j;
	int err;

	if (s->tail == s->head)
		return 0;
	j = at(s, s->tail);
	pthread_mutex_lock(&s->mu);
	while (wait && j->state != SLOT_PACKED)
		pthread_cond_wait(&s->done, &s->mu);
	if (j->state != SLOT_PACKED) {
		pthread_mutex_unlock(&s->mu);
		return 0;
	}
	pthread_mutex_unlock(&s->mu);
	err = j->err < 0 ? vmdk_seterr(s->base.eb, -ENOMEM, "deflate failed")
			 : s->wo->put_packed(s->w, j->grain, j->packed,
						  j->packed_len);
	if (err < 0)
		return err;
	s->tail++;
	return 1;
}

/* Hand the slot being filled to the workers; write what is ready. */
static int close_grain(struct stream_sink *s)
{
	int err;

	if (!s->open)
		return 0;
	s->open = false;
	pthread_mutex_lock(&s->mu);
	at(s, s->head)->state = SLOT_READY;
	s->head++;
	pthread_cond_signal(&s->work);
	pthread_mutex_unlock(&s->mu);
	while ((err = write_oldest(s, false)) > 0)
		;
	/* A full ring waits for its oldest slot. */
	while (err >= 0 && s->head - s->tail == s->nslots)
		err = write_oldest(s, true);
	return err < 0 ? err : 0;
}

static int put_grain(struct stream_sink *s, uint64_t sector, uint32_t n,
		     const uint8_t *buf)
{
	uint64_t g = sector / GRAIN;
	struct slot *j;
	int err;

	if (s->open && at(s, s->head)->grain != g) {
		err = close_grain(s);
		if (err < 0)
			return err;
	}
	j = at(s, s->head);
	if (!s->open) {
		uint64_t left = s->capacity - g * GRAIN;
		j->grain = g;
		j->len = (left < GRAIN ? left : GRAIN) * VMDK_SECTOR;
		j->state = SLOT_FILLING;
		memset(j->data, 0, GRAIN * VMDK_SECTOR);
		s->open = true;
	}
	memcpy(j->data + (sector % GRAIN) * VMDK_SECTOR, buf, n * VMDK_SECTOR);
	return 0;
}

/* Runs are cut at grain boundaries: a slot holds one grain. */
static int stream_put(struct sink *k, uint64_t sector, uint32_t n,
		      const uint8_t *buf)
{
	struct stream_sink *s = (struct stream_sink *)k;

	while (n > 0) {
		uint32_t len = GRAIN - (uint32_t)(sector % GRAIN);
		int err;
		if (len > n)
			len = n;
		err = put_grain(s, sector, len, buf);
		if (err < 0)
			return err;
		sector += len;
		buf += len * VMDK_SECTOR;
		n -= len;
	}
	return 0;
}

/* Behind every grain put before, in order. */
static int stream_put_packed(struct sink *k, uint64_t grain, const uint8_t *packed,
			     size_t len)
{
	struct stream_sink *s = (struct stream_sink *)k;
	int err = close_grain(s), r = 0;

	while (err == 0 && (r = write_oldest(s, true)) > 0)
		;
	if (err == 0 && r < 0)
		err = r;
	return err < 0 ? err : s->wo->put_packed(s->w, grain, packed, len);
}

static int stream_finish(struct sink *k)
{
	struct stream_sink *s = (struct stream_sink *)k;
	int err = close_grain(s), r = 0;

	while (err == 0 && (r = write_oldest(s, true)) > 0)
		;
	if (err == 0 && r < 0)
		err = r;
	if (err == 0)
		err = s->wo->finish(s->w);
	return err;
}

static void stream_destroy(struct sink *k)
{
	struct stream_sink *s = (struct stream_sink *)k;

	if (s->started) {
		pthread_mutex_lock(&s->mu);
		s->quit = true;
		pthread_cond_broadcast(&s->work);
		pthread_mutex_unlock(&s->mu);
		for (unsigned t = 0; t < s->started; t++)
			pthread_join(s->tids[t], NULL);
	}
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->work);
	pthread_cond_destroy(&s->done);
	for (unsigned i = 0; s->slots && i < s->nslots; i++) {
		free(s->slots[i].data);
		free(s->slots[i].packed);
	}
	free(s->slots);
	for (unsigned t = 0; s->z && t < s->threads; t++)
		vmdk_deflater_free(s->z[t]);
	free(s->z);
	free(s->tids);
	if (s->w)
		s->wo->free(s->w);
	free(s);
}

static unsigned thread_count(unsigned asked)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned n = asked ? asked : cpus > 0 ? (unsigned)cpus : 1;

	return n > MAX_THREADS ? MAX_THREADS : n;
}

static int make_buffers(struct stream_sink *s)
{
	s->slots = calloc(s->nslots, sizeof(*s->slots));
	if (!s->slots)
		return -ENOMEM;
	for (unsigned i = 0; i < s->nslots; i++) {
		s->slots[i].data = malloc(GRAIN * VMDK_SECTOR);
		s->slots[i].packed = malloc(s->packed_max);
		if (!s->slots[i].data || !s->slots[i].packed)
			return -ENOMEM;
	}
	s->z = calloc(s->threads, sizeof(*s->z));
	if (!s->z)
		return -ENOMEM;
	for (unsigned t = 0; t < s->threads; t++)
		if (!(s->z[t] = vmdk_deflater_new(s->level)))
			return -ENOMEM;
	s->tids = calloc(s->threads, sizeof(*s->tids));
	return s->tids ? 0 : -ENOMEM;
}

static int start_workers(struct stream_sink *s)
{
	for (unsigned t = 0; t < s->threads; t++) {
		struct worker_arg *a = malloc(sizeof(*a));
		if (a) {
			a->s = s;
			a->index = t;
		}
		if (!a || pthread_create(&s->tids[t], NULL, worker, a) != 0) {
			free(a);
			return vmdk_seterr(s->base.eb, -EAGAIN,
					   "cannot start compression threads");
		}
		s->started = t + 1;
	}
	return 0;
}

int vmdk_writer_sink_new(int fd, const struct vmdk_writer_ops *wo,
			 const struct vmdk_create_params *cp, const char *desc,
			 const struct vmdk_clone_params *p, struct vmdk_errbuf *eb,
			 struct sink **out)
{
	struct stream_sink *s = calloc(1, sizeof(*s));
	int err;

	if (!s)
		return -ENOMEM;
	s->base = (struct sink){ .put = stream_put, .put_packed = stream_put_packed,
				 .finish = stream_finish,
				 .destroy = stream_destroy, .eb = eb };
	s->wo = wo;
	s->capacity = cp->capacity;
	s->level = p->level > 0 && p->level <= 9 ? p->level : VMDK_DEFAULT_LEVEL;
	s->threads = thread_count(p->threads);
	s->nslots = s->threads * SLOTS_PER_THREAD;
	s->packed_max = wo->packed_max(GRAIN);
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->work, NULL);
	pthread_cond_init(&s->done, NULL);
	err = make_buffers(s);
	if (err == 0)
		err = wo->open(fd, &(struct vmdk_extent_plan){
					.sectors = cp->capacity, .grain = GRAIN,
					.descriptor = desc, .level = s->level,
					.no_sync = p->no_sync }, &s->w, eb);
	if (err == 0)
		err = start_workers(s);
	if (err < 0) {
		stream_destroy(&s->base);
		return err;
	}
	*out = &s->base;
	return 0;
}
