/* stream_sink.c --- the streamOptimized destination.  Grains are gathered
 * into batches; while worker threads deflate one batch, the caller fills
 * the next, and each batch is written in grain order once deflated, so
 * the output is the same whatever the number of threads. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "copy_int.h"

#define GRAIN 128u		/* sectors per grain in what we write */
#define GRAINS_PER_THREAD 8u	/* two batches: 2 MiB of buffers per worker */
#define MAX_THREADS 64u

struct job {
	uint64_t grain;
	size_t len;		/* bytes of data (less for the last grain) */
	uint8_t *data;
	uint8_t *packed;
	size_t packed_len;
	int err;
};

struct batch {
	struct job *jobs;
	unsigned count;
};

struct stream_sink {
	struct sink base;
	struct vmdk_stream_writer *w;
	uint64_t capacity;
	int level;
	size_t packed_max;
	unsigned size;		/* jobs per batch */
	struct batch b[2];
	struct batch *fill;	/* being filled; its last job open if open */
	struct batch *flight;	/* being deflated, or NULL */
	bool open;
	/* The workers. */
	unsigned threads, started;
	pthread_t *tids;
	struct vmdk_deflater **z;	/* one per worker */
	pthread_mutex_t mu;
	pthread_cond_t go, done;
	unsigned long generation;
	unsigned finished;
	bool quit;
};

struct worker_arg {
	struct stream_sink *s;
	unsigned index;
};

static void *worker(void *p)
{
	struct worker_arg *a = p;
	struct stream_sink *s = a->s;
	unsigned long seen = 0;

	for (;;) {
		struct batch *b;
		pthread_mutex_lock(&s->mu);
		while (!s->quit && s->generation == seen)
			pthread_cond_wait(&s->go, &s->mu);
		if (s->quit) {
			pthread_mutex_unlock(&s->mu);
			break;
		}
		seen = s->generation;
		b = s->flight;
		pthread_mutex_unlock(&s->mu);
		for (unsigned i = a->index; i < b->count; i += s->threads) {
			struct job *j = &b->jobs[i];
			j->err = vmdk_stream_pack(s->z[a->index], j->grain * GRAIN,
						  j->data, j->len, j->packed,
						  s->packed_max, &j->packed_len);
		}
		pthread_mutex_lock(&s->mu);
		if (++s->finished == s->threads)
			pthread_cond_signal(&s->done);
		pthread_mutex_unlock(&s->mu);
	}
	free(a);
	return NULL;
}

static void launch(struct stream_sink *s, struct batch *b)
{
	pthread_mutex_lock(&s->mu);
	s->flight = b;
	s->finished = 0;
	s->generation++;
	pthread_cond_broadcast(&s->go);
	pthread_mutex_unlock(&s->mu);
}

/* Wait for the batch in flight and write it out. */
static int land(struct stream_sink *s)
{
	struct batch *b = s->flight;
	int err = 0;

	if (!b)
		return 0;
	pthread_mutex_lock(&s->mu);
	while (s->finished < s->threads)
		pthread_cond_wait(&s->done, &s->mu);
	s->flight = NULL;
	pthread_mutex_unlock(&s->mu);
	for (unsigned i = 0; err == 0 && i < b->count; i++) {
		struct job *j = &b->jobs[i];
		err = j->err < 0 ? vmdk_seterr(s->base.eb, -ENOMEM, "deflate failed")
				 : vmdk_stream_writer_put(s->w, j->grain, j->packed,
							  j->packed_len);
	}
	b->count = 0;
	return err;
}

/* Send the full batch off and start filling the other. */
static int rotate(struct stream_sink *s)
{
	int err = land(s);

	if (err == 0 && s->fill->count) {
		launch(s, s->fill);
		s->fill = s->fill == &s->b[0] ? &s->b[1] : &s->b[0];
	}
	return err;
}

static int close_grain(struct stream_sink *s)
{
	if (!s->open)
		return 0;
	s->open = false;
	s->fill->count++;
	return s->fill->count == s->size ? rotate(s) : 0;
}

static int put_grain(struct stream_sink *s, uint64_t sector, uint32_t n,
		     const uint8_t *buf)
{
	uint64_t g = sector / GRAIN;
	struct job *j;
	int err;

	if (s->open && s->fill->jobs[s->fill->count].grain != g) {
		err = close_grain(s);
		if (err < 0)
			return err;
	}
	j = &s->fill->jobs[s->fill->count];
	if (!s->open) {
		uint64_t left = s->capacity - g * GRAIN;
		j->grain = g;
		j->len = (left < GRAIN ? left : GRAIN) * 512;
		memset(j->data, 0, GRAIN * 512);
		s->open = true;
	}
	memcpy(j->data + (sector % GRAIN) * 512, buf, n * 512ull);
	return 0;
}

/* Runs are cut at grain boundaries: a job holds one grain. */
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
		buf += len * 512ull;
		n -= len;
	}
	return 0;
}

static int stream_finish(struct sink *k)
{
	struct stream_sink *s = (struct stream_sink *)k;
	int err = close_grain(s);

	if (err == 0)
		err = rotate(s);	/* the last, partial batch */
	if (err == 0)
		err = land(s);
	if (err == 0)
		err = vmdk_stream_writer_finish(s->w);
	return err;
}

static void stream_destroy(struct sink *k)
{
	struct stream_sink *s = (struct stream_sink *)k;

	if (s->started) {
		land(s);
		pthread_mutex_lock(&s->mu);
		s->quit = true;
		pthread_cond_broadcast(&s->go);
		pthread_mutex_unlock(&s->mu);
		for (unsigned t = 0; t < s->started; t++)
			pthread_join(s->tids[t], NULL);
	}
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->go);
	pthread_cond_destroy(&s->done);
	for (int b = 0; b < 2; b++) {
		for (unsigned i = 0; s->b[b].jobs && i < s->size; i++) {
			free(s->b[b].jobs[i].data);
			free(s->b[b].jobs[i].packed);
		}
		free(s->b[b].jobs);
	}
	for (unsigned t = 0; s->z && t < s->threads; t++)
		vmdk_deflater_free(s->z[t]);
	free(s->z);
	free(s->tids);
	vmdk_stream_writer_free(s->w);
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
	for (int b = 0; b < 2; b++) {
		s->b[b].jobs = calloc(s->size, sizeof(struct job));
		if (!s->b[b].jobs)
			return -ENOMEM;
		for (unsigned i = 0; i < s->size; i++) {
			s->b[b].jobs[i].data = malloc(GRAIN * 512);
			s->b[b].jobs[i].packed = malloc(s->packed_max);
			if (!s->b[b].jobs[i].data || !s->b[b].jobs[i].packed)
				return -ENOMEM;
		}
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

int stream_sink_new(int fd, const struct vmdk_create_params *cp,
		    const char *desc, const struct vmdk_clone_params *p,
		    struct vmdk_errbuf *eb, struct sink **out)
{
	struct stream_sink *s = calloc(1, sizeof(*s));
	int err;

	if (!s)
		return -ENOMEM;
	s->base = (struct sink){ .put = stream_put, .finish = stream_finish,
				 .destroy = stream_destroy, .eb = eb };
	s->capacity = cp->capacity;
	s->level = p->level > 0 && p->level <= 9 ? p->level : 6;
	s->threads = thread_count(p->threads);
	s->size = s->threads * GRAINS_PER_THREAD;
	s->packed_max = vmdk_stream_packed_max(GRAIN);
	s->fill = &s->b[0];
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->go, NULL);
	pthread_cond_init(&s->done, NULL);
	err = make_buffers(s);
	if (err == 0)
		err = vmdk_stream_writer_open(fd, cp->capacity, GRAIN, desc,
					      s->level, &s->w, eb);
	if (err == 0)
		err = start_workers(s);
	if (err < 0) {
		stream_destroy(&s->base);
		return err;
	}
	*out = &s->base;
	return 0;
}
