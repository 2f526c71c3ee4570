/* SPDX-License-Identifier: MIT */
/* copy_pipe.c --- the copy engine's second thread.  The caller reads the
 * source into a few buffers in turn; this thread finds their zero pieces
 * and hands the rest to the sink, so that decoding the source (inflating
 * a stream, walking grain tables) and writing the destination overlap
 * instead of taking turns. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "copy_int.h"

#define PIPE_BUFFERS 4u

struct pipe_chunk {
	uint64_t sector;
	uint32_t n;
	uint8_t *buf;
};

struct copy_pipe {
	struct sink *k;
	struct pipe_chunk chunk[PIPE_BUFFERS];
	/* Chunks [done, posted) wait for the thread; the caller fills
	 * chunk[posted % PIPE_BUFFERS] once it is free. */
	uint64_t posted, done;
	int err;		/* the sink's first error: the thread stops */
	bool quit, started;
	pthread_t tid;
	pthread_mutex_t mu;
	pthread_cond_t more, less;
};

/* Hand @k the non-zero pieces of @n sectors at @sector, each run of
 * consecutive non-zero pieces in one call. */
static int put_nonzero(struct sink *k, uint64_t sector, uint32_t n,
		       const uint8_t *buf)
{
	uint32_t run_at = 0, run_len = 0;

	for (uint32_t at = 0; at < n;) {
		uint64_t s = sector + at;
		uint32_t len = COPY_PIECE_SECTORS - (uint32_t)(s % COPY_PIECE_SECTORS);
		if (len > n - at)
			len = n - at;
		if (!vmdk_is_zero(buf + at * VMDK_SECTOR, len * VMDK_SECTOR)) {
			if (!run_len)
				run_at = at;
			run_len += len;
		} else if (run_len) {
			int err = k->put(k, sector + run_at, run_len,
					 buf + run_at * VMDK_SECTOR);
			if (err < 0)
				return err;
			run_len = 0;
		}
		at += len;
	}
	return run_len ? k->put(k, sector + run_at, run_len, buf + run_at * VMDK_SECTOR)
		       : 0;
}

static void *pipe_thread(void *arg)
{
	struct copy_pipe *p = arg;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		struct pipe_chunk *c;
		int err;
		while (!p->quit && p->done == p->posted)
			pthread_cond_wait(&p->more, &p->mu);
		if (p->quit)
			break;
		c = &p->chunk[p->done % PIPE_BUFFERS];
		pthread_mutex_unlock(&p->mu);
		err = p->err ? 0 : put_nonzero(p->k, c->sector, c->n, c->buf);
		pthread_mutex_lock(&p->mu);
		if (err < 0)
			p->err = err;
		p->done++;
		pthread_cond_signal(&p->less);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

void vmdk_copy_pipe_free(struct copy_pipe *p)
{
	if (!p)
		return;
	if (p->started) {
		pthread_mutex_lock(&p->mu);
		p->quit = true;
		pthread_cond_signal(&p->more);
		pthread_mutex_unlock(&p->mu);
		pthread_join(p->tid, NULL);
	}
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->more);
	pthread_cond_destroy(&p->less);
	for (unsigned i = 0; i < PIPE_BUFFERS; i++)
		free(p->chunk[i].buf);
	free(p);
}

int vmdk_copy_pipe_new(struct sink *k, struct copy_pipe **out)
{
	struct copy_pipe *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->k = k;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->more, NULL);
	pthread_cond_init(&p->less, NULL);
	for (unsigned i = 0; i < PIPE_BUFFERS; i++)
		if (!(p->chunk[i].buf = malloc(COPY_READ_SECTORS * VMDK_SECTOR))) {
			vmdk_copy_pipe_free(p);
			return -ENOMEM;
		}
	if (pthread_create(&p->tid, NULL, pipe_thread, p) != 0) {
		vmdk_copy_pipe_free(p);
		return -EAGAIN;
	}
	p->started = true;
	*out = p;
	return 0;
}

uint8_t *vmdk_copy_pipe_buffer(struct copy_pipe *p)
{
	uint8_t *buf;

	pthread_mutex_lock(&p->mu);
	while (p->posted - p->done == PIPE_BUFFERS)
		pthread_cond_wait(&p->less, &p->mu);
	buf = p->chunk[p->posted % PIPE_BUFFERS].buf;
	pthread_mutex_unlock(&p->mu);
	return buf;
}

int vmdk_copy_pipe_post(struct copy_pipe *p, uint64_t sector, uint32_t n)
{
	struct pipe_chunk *c = &p->chunk[p->posted % PIPE_BUFFERS];
	int err;

	c->sector = sector;
	c->n = n;
	pthread_mutex_lock(&p->mu);
	p->posted++;
	err = p->err;
	pthread_cond_signal(&p->more);
	pthread_mutex_unlock(&p->mu);
	return err;
}

int vmdk_copy_pipe_drain(struct copy_pipe *p)
{
	int err;

	pthread_mutex_lock(&p->mu);
	while (p->done != p->posted)
		pthread_cond_wait(&p->less, &p->mu);
	err = p->err;
	pthread_mutex_unlock(&p->mu);
	return err;
}
