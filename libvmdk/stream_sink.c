/* stream_sink.c --- the streamOptimized destination: grains are gathered
 * into batches, deflated on a pool of threads, and written in order by
 * one, so the output is the same whatever the number of threads. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "copy_int.h"

#define GRAIN 128u		/* sectors per grain in what we write */
#define GRAINS_PER_THREAD 16u	/* 2 MiB of buffers per worker */
#define MAX_THREADS 64u

struct job {
	uint64_t grain;
	size_t len;		/* bytes of data (less for the last grain) */
	uint8_t *data;
	uint8_t *packed;
	size_t packed_len;
	int err;
};

struct stream_sink {
	struct sink base;
	struct vmdk_stream_writer *w;
	uint64_t capacity;
	int level;
	size_t packed_max;
	unsigned threads;
	pthread_t *tids;
	pthread_barrier_t go, done;
	bool started, quit;
	struct job *jobs;
	unsigned batch, count;	/* jobs[count] is being filled if open */
	bool open;
};

struct worker_arg {
	struct stream_sink *s;
	unsigned index;
};

static void pack_share(struct stream_sink *s, unsigned t)
{
	for (unsigned i = t; i < s->count; i += s->threads) {
		struct job *j = &s->jobs[i];
		j->err = vmdk_stream_pack(j->grain * GRAIN, j->data, j->len,
					  s->level, j->packed, s->packed_max,
					  &j->packed_len);
	}
}

static void *worker(void *p)
{
	struct worker_arg *a = p;

	for (;;) {
		pthread_barrier_wait(&a->s->go);
		if (a->s->quit)
			break;
		pack_share(a->s, a->index);
		pthread_barrier_wait(&a->s->done);
	}
	free(a);
	return NULL;
}

static int flush_batch(struct stream_sink *s)
{
	int err = 0;

	if (s->count == 0)
		return 0;
	if (s->threads > 1) {
		pthread_barrier_wait(&s->go);
		pack_share(s, 0);
		pthread_barrier_wait(&s->done);
	} else {
		pack_share(s, 0);
	}
	for (unsigned i = 0; err == 0 && i < s->count; i++) {
		struct job *j = &s->jobs[i];
		err = j->err < 0 ? vmdk_seterr(s->base.eb, -ENOMEM, "deflate failed")
				 : vmdk_stream_writer_put(s->w, j->grain, j->packed,
							  j->packed_len);
	}
	s->count = 0;
	return err;
}

static int close_grain(struct stream_sink *s)
{
	if (!s->open)
		return 0;
	s->open = false;
	s->count++;
	return s->count == s->batch ? flush_batch(s) : 0;
}

static int stream_put(struct sink *k, uint64_t sector, uint32_t n,
		      const uint8_t *buf)
{
	struct stream_sink *s = (struct stream_sink *)k;
	uint64_t g = sector / GRAIN;
	struct job *j;
	int err;

	if (s->open && s->jobs[s->count].grain != g) {
		err = close_grain(s);
		if (err < 0)
			return err;
	}
	j = &s->jobs[s->count];
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

static int stream_finish(struct sink *k)
{
	struct stream_sink *s = (struct stream_sink *)k;
	int err = close_grain(s);

	if (err == 0)
		err = flush_batch(s);
	if (err == 0)
		err = vmdk_stream_writer_finish(s->w);
	return err;
}

static void stream_destroy(struct sink *k)
{
	struct stream_sink *s = (struct stream_sink *)k;

	if (s->started) {
		s->quit = true;
		pthread_barrier_wait(&s->go);
		for (unsigned t = 1; t < s->threads; t++)
			pthread_join(s->tids[t], NULL);
		pthread_barrier_destroy(&s->go);
		pthread_barrier_destroy(&s->done);
	}
	for (unsigned i = 0; s->jobs && i < s->batch; i++) {
		free(s->jobs[i].data);
		free(s->jobs[i].packed);
	}
	free(s->jobs);
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

static int start_threads(struct stream_sink *s)
{
	if (s->threads < 2)
		return 0;
	s->tids = calloc(s->threads, sizeof(*s->tids));
	if (!s->tids)
		return -ENOMEM;
	pthread_barrier_init(&s->go, NULL, s->threads);
	pthread_barrier_init(&s->done, NULL, s->threads);
	for (unsigned t = 1; t < s->threads; t++) {
		struct worker_arg *a = malloc(sizeof(*a));
		if (a) {
			a->s = s;
			a->index = t;
		}
		/* Workers already waiting on the barrier cannot be released
		 * without the missing ones: a failure here is final. */
		if (!a || pthread_create(&s->tids[t], NULL, worker, a) != 0) {
			free(a);
			s->threads = 1;
			return vmdk_seterr(s->base.eb, -EAGAIN,
					   "cannot start compression threads");
		}
	}
	s->started = true;
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
	s->batch = s->threads * GRAINS_PER_THREAD;
	s->packed_max = vmdk_stream_packed_max(GRAIN);
	s->jobs = calloc(s->batch, sizeof(*s->jobs));
	err = s->jobs ? 0 : -ENOMEM;
	for (unsigned i = 0; err == 0 && i < s->batch; i++) {
		s->jobs[i].data = malloc(GRAIN * 512);
		s->jobs[i].packed = malloc(s->packed_max);
		if (!s->jobs[i].data || !s->jobs[i].packed)
			err = -ENOMEM;
	}
	if (err == 0)
		err = vmdk_stream_writer_open(fd, cp->capacity, GRAIN, desc,
					      s->level, &s->w, eb);
	/* Threads last: the barrier counts them. */
	if (err == 0)
		err = start_threads(s);
	if (err < 0) {
		if (!s->started)
			s->threads = 1;
		stream_destroy(&s->base);
		return err;
	}
	*out = &s->base;
	return 0;
}
