/* SPDX-License-Identifier: MIT */
/* pool.c --- a few helper threads that share a batch of independent jobs
 * with the caller, who waits until the batch is done.  Used to inflate
 * the grains of one stream read side by side. */
#include <pthread.h>
#include <stdlib.h>

#include "base.h"

struct vmdk_pool {
	pthread_t tids[VMDK_POOL_MAX_HELPERS];
	unsigned helpers;
	pthread_mutex_t mu;
	pthread_cond_t work, idle;
	vmdk_pool_fn fn;
	void *arg;
	unsigned njobs, next, done;	/* the batch, under mu */
	bool quit;
};

struct helper_arg {
	struct vmdk_pool *p;
	unsigned worker;
};

/* Take and run jobs until the batch has none left; called with mu held. */
static void take_jobs(struct vmdk_pool *p, unsigned worker)
{
	while (p->next < p->njobs) {
		unsigned job = p->next++;
		pthread_mutex_unlock(&p->mu);
		p->fn(p->arg, job, worker);
		pthread_mutex_lock(&p->mu);
		if (++p->done == p->njobs)
			pthread_cond_signal(&p->idle);
	}
}

static void *helper(void *arg)
{
	struct helper_arg a = *(struct helper_arg *)arg;
	struct vmdk_pool *p = a.p;

	free(arg);
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->quit && p->next >= p->njobs)
			pthread_cond_wait(&p->work, &p->mu);
		if (p->quit)
			break;
		take_jobs(p, a.worker);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

void vmdk_pool_free(struct vmdk_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->quit = true;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
	for (unsigned i = 0; i < p->helpers; i++)
		pthread_join(p->tids[i], NULL);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->idle);
	free(p);
}

struct vmdk_pool *vmdk_pool_new(unsigned helpers)
{
	struct vmdk_pool *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->idle, NULL);
	if (helpers > VMDK_POOL_MAX_HELPERS)
		helpers = VMDK_POOL_MAX_HELPERS;
	for (unsigned i = 0; i < helpers; i++) {
		struct helper_arg *a = malloc(sizeof(*a));
		if (a) {
			a->p = p;
			a->worker = i + 1;	/* 0 is the caller */
		}
		if (!a || pthread_create(&p->tids[i], NULL, helper, a) != 0) {
			free(a);
			break;
		}
		p->helpers++;
	}
	if (p->helpers == 0) {
		vmdk_pool_free(p);
		return NULL;
	}
	return p;
}

void vmdk_pool_run(struct vmdk_pool *p, vmdk_pool_fn fn, void *arg,
		   unsigned njobs)
{
	pthread_mutex_lock(&p->mu);
	p->fn = fn;
	p->arg = arg;
	p->njobs = njobs;
	p->next = 0;
	p->done = 0;
	pthread_cond_broadcast(&p->work);
	take_jobs(p, 0);
	while (p->done < p->njobs)
		pthread_cond_wait(&p->idle, &p->mu);
	p->njobs = 0;
	pthread_mutex_unlock(&p->mu);
}
