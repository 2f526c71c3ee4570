/* SPDX-License-Identifier: MIT */
/* sparse_compact.c --- the compact slot of hosted sparse extents:
 * fragmentation, shrink (zero grains released, holes filled from the
 * end, the file cut at its last grain) and defragment (grains in LBA
 * order after the metadata), in place.
 *
 * Grains move in rounds: each grain of a round is copied to a place free
 * when the round began, the copies are synced, then the grain tables
 * (redundant copy, then primary) name the new places and are synced, and
 * only then are the old places free for the next round.  Killed at any
 * instant, every table entry names a grain holding its data: the old
 * copy, the new one, or (between the two table copies) one each, which
 * the reader and vmdk-check accept after an unclean shutdown because both
 * grains hold the same bytes. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "sparse_meta.h"

#define ROUND_MAX 1024u		/* moves between two pairs of syncs */
#define COPY_CHUNK (1u << 20)
#define NO_PLACE UINT32_MAX

struct grain_at {
	uint64_t grain;		/* index in the extent */
	uint32_t pos, target;	/* sectors: where it is, where it goes */
	bool busy;		/* moving in this round */
	bool gone;		/* released (shrink) */
};

struct move {
	size_t e;
	uint32_t dest;
};

struct cmp {
	struct vmdk_compact_ctx *c;
	struct vmdk_extent *x;
	struct sparse_meta *m;
	uint64_t gs, end, limit;	/* sectors: grain, file end, the most
					   the file may reach */
	uint8_t *used, *meta, *starts;	/* bits per sector below limit */
	struct grain_at *g;
	size_t n, cap;
	uint32_t *hkey;			/* grain start -> index, linear probing */
	size_t *hval, hcap;
	struct move *ops;
	size_t nops;
	uint8_t *buf;
	uint64_t done, total;
};

/* ---- bits ---- */

static bool bit(const uint8_t *b, uint64_t i)
{
	return b[i >> 3] & (1u << (i & 7));
}

static void set_bits(uint8_t *b, uint64_t at, uint64_t n, bool on)
{
	for (uint64_t i = at; i < at + n; i++)
		if (on)
			b[i >> 3] |= (uint8_t)(1u << (i & 7));
		else
			b[i >> 3] &= (uint8_t)~(1u << (i & 7));
}

static bool all_clear(const uint8_t *b, uint64_t at, uint64_t n)
{
	for (uint64_t i = at; i < at + n; i++)
		if (bit(b, i))
			return false;
	return true;
}

/* ---- where each grain starts: a small hash ---- */

static size_t slot_of(const struct cmp *k, uint32_t pos)
{
	return (size_t)(pos * 2654435761u) & (k->hcap - 1);
}

static void hash_put(struct cmp *k, uint32_t pos, size_t e)
{
	size_t i = slot_of(k, pos);

	while (k->hkey[i] != NO_PLACE)
		i = (i + 1) & (k->hcap - 1);
	k->hkey[i] = pos;
	k->hval[i] = e;
}

static size_t hash_get(const struct cmp *k, uint32_t pos)
{
	for (size_t i = slot_of(k, pos); k->hkey[i] != NO_PLACE; i = (i + 1) & (k->hcap - 1))
		if (k->hkey[i] == pos)
			return k->hval[i];
	return SIZE_MAX;
}

/* Linear probing's deletion: later entries of the run move up. */
static void hash_del(struct cmp *k, uint32_t pos)
{
	size_t i = slot_of(k, pos), j;

	while (k->hkey[i] != pos)
		i = (i + 1) & (k->hcap - 1);
	k->hkey[i] = NO_PLACE;
	for (j = (i + 1) & (k->hcap - 1); k->hkey[j] != NO_PLACE; j = (j + 1) & (k->hcap - 1)) {
		size_t want = slot_of(k, k->hkey[j]);
		/* Moves up unless its home lies cyclically in (i, j]. */
		if ((j > i && (want <= i || want > j)) || (j < i && want <= i && want > j)) {
			k->hkey[i] = k->hkey[j];
			k->hval[i] = k->hval[j];
			k->hkey[j] = NO_PLACE;
			i = j;
		}
	}
}

/* ---- reading the extent ---- */

static int io_error(struct cmp *k, int err, const char *what)
{
	return vmdk_seterr_at(k->x->eb, err, k->x->path, "%s: %s", what, vmdk_strerror(err));
}

static int sync_file(struct cmp *k)
{
	if (k->x->no_sync || fdatasync(k->x->fd) == 0)
		return 0;
	return io_error(k, -errno, "syncing");
}

static bool is_grain(const struct cmp *k, uint32_t v)
{
	return v > 1 || (v == 1 && !(k->m->h.flags & SPARSE_FLAG_ZERO_GTE));
}

static int read_table(struct cmp *k, uint32_t at, uint32_t *t)
{
	int err = vmdk_pread_all(k->x->fd, t, k->m->h.gtes_per_gt * 4ull,
				 (uint64_t)at * VMDK_SECTOR);

	return err < 0 ? io_error(k, err, "reading a grain table") : 0;
}

/* Tables whose copies differ (a run killed between them): written again
 * alike, as the reader resolves them, before anything moves. */
static int heal(struct cmp *k, uint32_t *a, uint32_t *b)
{
	struct sparse_meta *m = k->m;
	bool any = false;
	int err = 0;

	for (uint32_t i = 0; err == 0 && m->rgd && i < m->gd_entries; i++) {
		if (!m->gd[i])
			continue;
		err = read_table(k, m->gd[i], a);
		if (err == 0)
			err = read_table(k, m->rgd[i], b);
		if (err == 0 && memcmp(a, b, m->h.gtes_per_gt * 4ull)) {
			err = vmdk_sparse_meta_touch(k->x, m, i);
			any = true;
		}
	}
	if (err == 0 && any && (err = vmdk_sparse_meta_flush(k->x, m)) == 0)
		err = sync_file(k);
	return err;
}

static void mark_meta(struct cmp *k, uint64_t at, uint64_t n)
{
	if (at >= k->limit)
		return;
	if (at + n > k->limit)
		n = k->limit - at;
	set_bits(k->meta, at, n, true);
	set_bits(k->used, at, n, true);
}

static int add_grain(struct cmp *k, uint64_t grain, uint32_t pos)
{
	if (k->n == k->cap) {
		size_t cap = k->cap ? 2 * k->cap : 1024;
		struct grain_at *g = realloc(k->g, cap * sizeof(*g));
		if (!g)
			return -ENOMEM;
		k->g = g;
		k->cap = cap;
	}
	k->g[k->n++] = (struct grain_at){ .grain = grain, .pos = pos, .target = pos };
	return 0;
}

/* Every grain and piece of metadata, in LBA order. */
static int survey(struct cmp *k)
{
	struct sparse_meta *m = k->m;
	uint64_t gd_sectors = round_up(m->gd_entries * 4ull, VMDK_SECTOR) / VMDK_SECTOR;
	uint64_t bits = (k->limit + 8) / 8;
	uint32_t *a = malloc(m->h.gtes_per_gt * 4ull), *b = malloc(m->h.gtes_per_gt * 4ull);
	int err = a && b ? 0 : -ENOMEM;

	k->used = calloc(bits, 1);
	k->meta = calloc(bits, 1);
	k->starts = calloc(bits, 1);
	if (!k->used || !k->meta || !k->starts)
		err = -ENOMEM;
	if (err == 0 && k->c->mode != VMDK_COMPACT_MEASURE)
		err = heal(k, a, b);
	if (err == 0) {
		mark_meta(k, 0, m->h.overhead);
		mark_meta(k, m->h.gd_offset, gd_sectors);
		if (m->rgd)
			mark_meta(k, m->h.rgd_offset, gd_sectors);
	}
	for (uint32_t i = 0; err == 0 && i < m->gd_entries; i++) {
		if (!m->gd[i])
			continue;
		mark_meta(k, m->gd[i], m->gt_sectors);
		if (m->rgd)
			mark_meta(k, m->rgd[i], m->gt_sectors);
		if ((err = read_table(k, m->gd[i], a)) < 0)
			break;
		for (uint32_t j = 0; err == 0 && j < m->h.gtes_per_gt; j++) {
			uint64_t grain = (uint64_t)i * m->h.gtes_per_gt + j;
			uint32_t v = vmdk_le32(&a[j]);
			if (grain * k->gs >= m->h.capacity || !is_grain(k, v))
				continue;
			/* The check found none outside; a grain cut short by the
			 * end of the file is not moved. */
			if (v < m->h.overhead || v + k->gs > k->end) {
				err = vmdk_seterr_at(k->x->eb, VMDK_E_NEEDS_REPAIR, k->x->path,
						     "grain %llu lies outside the grain "
						     "area: run vmdk-check --repair",
						     (unsigned long long)grain);
				break;	/* the tables' buffers freed below */
			}
			err = add_grain(k, grain, v);
			set_bits(k->used, v, k->gs, true);
			set_bits(k->starts, v, 1, true);
		}
	}
	free(a);
	free(b);
	return err;
}

/* ---- measuring ---- */

static uint64_t last_used(const struct cmp *k)
{
	uint64_t s = k->limit;

	while (s > 0 && !bit(k->used, s - 1))
		s--;
	return s;
}

static void measure(struct cmp *k, uint64_t *disorder, uint64_t *holes)
{
	uint64_t free_sectors = 0, end = last_used(k);

	*disorder = 0;
	for (size_t i = 1, prev = 0; i < k->n; i++) {
		if (k->g[i].gone)
			continue;
		if (!k->g[prev].gone && k->g[i].pos < k->g[prev].pos)
			(*disorder)++;
		prev = i;
	}
	for (uint64_t s = k->m->h.overhead; s < end; s++)
		free_sectors += !bit(k->used, s);
	*holes = free_sectors / k->gs;
}

static int progress(struct cmp *k, uint64_t step)
{
	k->done += step;
	if (k->c->progress && k->c->progress(k->c, k->done, k->total))
		return vmdk_seterr_at(k->x->eb, VMDK_E_CANCELED, k->x->path, "canceled");
	return 0;
}

/* ---- shrink: zero grains let go ---- */

static int is_zero_grain(struct cmp *k, uint32_t pos, bool *zero)
{
	uint64_t bytes = k->gs * VMDK_SECTOR;

	*zero = true;
	for (uint64_t at = 0; *zero && at < bytes; at += COPY_CHUNK) {
		size_t n = bytes - at < COPY_CHUNK ? (size_t)(bytes - at) : COPY_CHUNK;
		int err = vmdk_pread_all(k->x->fd, k->buf, n, (uint64_t)pos * VMDK_SECTOR + at);
		if (err < 0)
			return io_error(k, err, "reading a grain");
		*zero = vmdk_is_zero(k->buf, n);
	}
	return 0;
}

/* A base disk's zero grain becomes no grain (it reads as zeros); a
 * child's becomes a zeroed-grain entry where the header has them, else
 * it stays, for it hides the parent's data. */
static int release_zeros(struct cmp *k)
{
	bool zeroed = k->m->h.flags & SPARSE_FLAG_ZERO_GTE;
	int err = 0;

	for (size_t i = 0; err == 0 && i < k->n; i++) {
		struct grain_at *e = &k->g[i];
		bool zero;
		if ((err = is_zero_grain(k, e->pos, &zero)) < 0)
			break;
		if (zero && k->c->child && !zeroed)
			k->c->zero_kept++;
		else if (zero) {
			err = vmdk_sparse_meta_set_gte(k->x, k->m, e->grain,
						       k->c->child ? 1 : 0, NULL);
			e->gone = true;
			k->c->released++;
		}
		if (err == 0)
			err = progress(k, 1);
	}
	if (err == 0 && k->c->released && (err = vmdk_sparse_meta_flush(k->x, k->m)) == 0)
		err = sync_file(k);
	/* Synced: their places are free now. */
	for (size_t i = 0; err == 0 && i < k->n; i++)
		if (k->g[i].gone) {
			set_bits(k->used, k->g[i].pos, k->gs, false);
			set_bits(k->starts, k->g[i].pos, 1, false);
		}
	return err;
}

/* ---- where each grain goes ---- */

/* The first place from @p where a grain fits between the metadata. */
static uint64_t next_fit(const struct cmp *k, uint64_t p)
{
	for (uint64_t s = p; s < p + k->gs; s++)
		if (bit(k->meta, s)) {
			p = s + 1;
			while (p < k->limit && bit(k->meta, p))
				p++;
			s = p - 1;
		}
	return p;
}

static int by_pos_desc(const void *a, const void *b)
{
	const struct grain_at *x = *(struct grain_at *const *)a;
	const struct grain_at *y = *(struct grain_at *const *)b;

	return x->pos < y->pos ? 1 : x->pos > y->pos ? -1 : 0;
}

/* Defragment: LBA order from the first place.  Shrink: grains already on
 * a place of the packed run stay; the others, last first, fill the rest. */
static int place(struct cmp *k)
{
	size_t live = 0, spare = 0;
	uint32_t *places;
	struct grain_at **movers;
	uint8_t *taken;
	uint64_t p = k->m->h.overhead;
	int err = 0;

	for (size_t i = 0; i < k->n; i++)
		live += !k->g[i].gone;
	places = malloc((live + 1) * sizeof(*places));
	movers = malloc((live + 1) * sizeof(*movers));
	taken = calloc(live + 1, 1);
	if (!places || !movers || !taken)
		err = -ENOMEM;
	for (size_t i = 0; err == 0 && i < live; i++) {
		p = next_fit(k, p);
		if (p + k->gs > UINT32_MAX)
			err = vmdk_seterr_at(k->x->eb, VMDK_E_NO_SPACE, k->x->path, "no room");
		places[i] = (uint32_t)p;
		p += k->gs;
	}
	for (size_t i = 0, q = 0; err == 0 && i < k->n; i++) {
		struct grain_at *e = &k->g[i];
		if (e->gone)
			continue;
		if (k->c->mode == VMDK_COMPACT_DEFRAG) {
			e->target = places[q++];
			continue;
		}
		/* places[] ascends: a binary search for e->pos. */
		size_t lo = 0, hi = live;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (places[mid] < e->pos)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < live && places[lo] == e->pos && !taken[lo]) {
			taken[lo] = 1;
			e->target = e->pos;
		} else {
			movers[spare++] = e;
		}
	}
	if (err == 0 && k->c->mode == VMDK_COMPACT_SHRINK) {
		qsort(movers, spare, sizeof(*movers), by_pos_desc);
		for (size_t i = 0, q = 0; i < spare; i++) {
			while (taken[q])
				q++;
			taken[q] = 1;
			movers[i]->target = places[q];
		}
	}
	free(places);
	free(movers);
	free(taken);
	return err;
}

/* ---- moving, round by round ---- */

/* A free place for a grain out of the way: past every target, below the
 * limit; 0 when none. */
static uint32_t out_of_the_way(struct cmp *k, uint64_t *hint)
{
	for (uint64_t s = *hint; s + k->gs <= k->limit; s++) {
		if (!all_clear(k->used, s, k->gs))
			continue;
		*hint = s + k->gs;
		return (uint32_t)s;
	}
	return 0;
}

static void schedule(struct cmp *k, size_t e, uint32_t dest)
{
	k->g[e].busy = true;
	set_bits(k->used, dest, k->gs, true);
	k->ops[k->nops++] = (struct move){ .e = e, .dest = dest };
}

static int copy_grain(struct cmp *k, uint32_t from, uint32_t to)
{
	uint64_t bytes = k->gs * VMDK_SECTOR;

	for (uint64_t at = 0; at < bytes; at += COPY_CHUNK) {
		size_t n = bytes - at < COPY_CHUNK ? (size_t)(bytes - at) : COPY_CHUNK;
		int err =
			vmdk_pread_all(k->x->fd, k->buf, n, (uint64_t)from * VMDK_SECTOR + at);
		if (err == 0)
			err = vmdk_pwrite_all(k->x->fd, k->buf, n,
					      (uint64_t)to * VMDK_SECTOR + at);
		if (err < 0)
			return io_error(k, err, "moving a grain");
	}
	return 0;
}

/* The round's grains copied and synced, the tables naming them synced,
 * then the old places free. */
static int commit(struct cmp *k)
{
	int err = 0;

	for (size_t i = 0; err == 0 && i < k->nops; i++) {
		const struct move *o = &k->ops[i];
		err = copy_grain(k, k->g[o->e].pos, o->dest);
		if (err == 0 && (uint64_t)(o->dest + k->gs) * VMDK_SECTOR > k->x->file_size)
			k->x->file_size = (uint64_t)(o->dest + k->gs) * VMDK_SECTOR;
	}
	if (err == 0)
		err = sync_file(k);
	/* Failed before any table named a copy: the copies are nobody's. */
	for (size_t i = 0; err < 0 && i < k->nops; i++) {
		set_bits(k->used, k->ops[i].dest, k->gs, false);
		k->g[k->ops[i].e].busy = false;
	}
	for (size_t i = 0; err == 0 && i < k->nops; i++)
		err = vmdk_sparse_meta_set_gte(k->x, k->m, k->g[k->ops[i].e].grain,
					       k->ops[i].dest, NULL);
	if (err == 0 && (err = vmdk_sparse_meta_flush(k->x, k->m)) == 0)
		err = sync_file(k);
	for (size_t i = 0; err == 0 && i < k->nops; i++) {
		struct grain_at *e = &k->g[k->ops[i].e];
		set_bits(k->used, e->pos, k->gs, false);
		set_bits(k->starts, e->pos, 1, false);
		hash_del(k, e->pos);
		e->pos = k->ops[i].dest;
		set_bits(k->used, e->pos, k->gs, true);
		set_bits(k->starts, e->pos, 1, true);
		hash_put(k, e->pos, k->ops[i].e);
		e->busy = false;
		k->c->moved++;
	}
	if (err == 0)
		err = progress(k, k->nops);
	k->nops = 0;
	return err;
}

static int by_target(const void *a, const void *b, void *arg)
{
	const struct grain_at *g = arg;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return g[x].target < g[y].target ? -1 : g[x].target > g[y].target;
}

/* Occupants of @e's target are moved out of the way (to their own
 * targets when those are free); false when the round is full or no place
 * is left for them. */
static bool clear_target(struct cmp *k, size_t e, uint64_t *hint)
{
	uint32_t t = k->g[e].target;
	uint64_t from = t >= k->gs ? t - k->gs + 1 : 0;

	for (uint64_t s = from; s < (uint64_t)t + k->gs; s++) {
		size_t o;
		uint32_t dest;
		if (!bit(k->starts, s) || (o = hash_get(k, (uint32_t)s)) == SIZE_MAX ||
		    k->g[o].busy)
			continue;
		dest = o != e && k->g[o].target != k->g[o].pos &&
		       all_clear(k->used, k->g[o].target, k->gs) ? k->g[o].target
		       : out_of_the_way(k, hint);
		if (!dest || k->nops == ROUND_MAX)
			return false;
		schedule(k, o, dest);
	}
	return true;
}

static int move_all(struct cmp *k)
{
	size_t *order = malloc((k->n + 1) * sizeof(*order)), live = 0, first = 0;
	uint64_t region = k->m->h.overhead;
	int err = 0;

	k->ops = malloc(ROUND_MAX * sizeof(*k->ops));
	for (k->hcap = 16; k->hcap < 2 * k->n + 2; k->hcap *= 2)
		;
	k->hkey = malloc(k->hcap * sizeof(*k->hkey));
	k->hval = malloc(k->hcap * sizeof(*k->hval));
	if (!order || !k->ops || !k->hkey || !k->hval) {
		free(order);
		return -ENOMEM;
	}
	memset(k->hkey, 0xff, k->hcap * sizeof(*k->hkey));
	for (size_t i = 0; i < k->n; i++)
		if (!k->g[i].gone) {
			order[live++] = i;
			hash_put(k, k->g[i].pos, i);
			if (k->g[i].target + k->gs > region)
				region = k->g[i].target + k->gs;
			k->total += k->g[i].pos != k->g[i].target;
		}
	qsort_r(order, live, sizeof(*order), by_target, k->g);
	while (err == 0) {
		uint64_t hint = region;
		while (first < live && k->g[order[first]].pos == k->g[order[first]].target)
			first++;
		if (first == live)
			break;
		/* With no place left out of the way, the round goes on with the
		 * grains whose targets are free: there are as many of those as
		 * grains out of the way, so every round moves some. */
		bool room = true;
		for (size_t q = first; q < live && k->nops < ROUND_MAX; q++) {
			size_t e = order[q];
			struct grain_at *g = &k->g[e];
			if (g->busy || g->pos == g->target)
				continue;
			if (all_clear(k->used, g->target, k->gs))
				schedule(k, e, g->target);
			else if (room)
				room = clear_target(k, e, &hint);
		}
		if (k->nops == 0)
			err = vmdk_seterr_at(k->x->eb, VMDK_E_NO_SPACE, k->x->path,
					     "no free place "
					     "to move a grain through");
		else
			err = commit(k);
	}
	free(order);
	return err;
}

/* The file ends at its last grain or table. */
static int cut(struct cmp *k)
{
	uint64_t end = last_used(k) * VMDK_SECTOR;

	if (end >= k->x->file_size)
		return 0;
	if (ftruncate(k->x->fd, (off_t)end) < 0)
		return io_error(k, -errno, "truncating");
	k->x->file_size = end;
	return k->x->no_sync || fsync(k->x->fd) == 0 ? 0 : io_error(k, -errno, "syncing");
}

/* The most the file grows by meanwhile: grains moved out of the way
 * (never more than it holds), and the tables moved when a grow left
 * them behind the grains. */
static uint64_t room_needed(const struct cmp *k, uint64_t *scratch)
{
	uint64_t end = k->x->file_size / VMDK_SECTOR;

	*scratch = k->c->scratch < end ? k->c->scratch : end;
	return *scratch * VMDK_SECTOR + vmdk_sparse_relocate_room(k->m);
}

/* Refused before anything is written when the filesystem lacks it. */
static int check_room(struct cmp *k, uint64_t need)
{
	struct statvfs vfs;
	uint64_t avail;

	if (fstatvfs(k->x->fd, &vfs) < 0)
		return 0;	/* unknown: ENOSPC is still handled */
	avail = (uint64_t)vfs.f_bavail * vfs.f_frsize;
	if (avail >= need)
		return 0;
	return vmdk_seterr_at(k->x->eb, VMDK_E_NO_SPACE, k->x->path,
			      "needs up to %llu MiB free "
			      "on its filesystem while it works, %llu MiB are: make room "
			      "first",
			      (unsigned long long)((need + (1u << 20) - 1) >> 20),
			      (unsigned long long)(avail >> 20));
}

/* A free place for a whole grain below @end, from *@from on; 0: none. */
static uint32_t free_place_below(struct cmp *k, uint64_t end, uint64_t *from)
{
	for (uint64_t p = next_fit(k, *from); p + k->gs <= end; p = next_fit(k, p + 1))
		if (all_clear(k->used, p, k->gs)) {
			*from = p + k->gs;
			return (uint32_t)p;
		}
	return 0;
}

/* A run that failed (ENOSPC from another writer, an I/O error) leaves
 * the file no larger than it was: grains it had moved past the old end go
 * back into holes below it (writes inside the file need no new room),
 * then the file is cut after its last grain. */
static void give_back(struct cmp *k)
{
	uint64_t from = k->m->h.overhead;
	size_t back = 0;

	if (!k->used || !k->g)
		return;
	for (size_t i = 0; i < k->nops; i++) {
		set_bits(k->used, k->ops[i].dest, k->gs, false);
		k->g[k->ops[i].e].busy = false;
	}
	k->nops = 0;
	for (size_t i = 0; i < k->n; i++) {
		struct grain_at *g = &k->g[i];
		uint32_t p;
		g->target = g->pos;
		if (g->gone || g->pos + k->gs <= k->end ||
		    !(p = free_place_below(k, k->end, &from)))
			continue;
		g->target = p;
		set_bits(k->used, p, k->gs, true);	/* reserved meanwhile */
		back++;
	}
	for (size_t i = 0; i < k->n; i++)
		if (k->g[i].target != k->g[i].pos)
			set_bits(k->used, k->g[i].target, k->gs, false);
	if (back) {
		free(k->ops);
		free(k->hkey);
		free(k->hval);
		k->ops = NULL;
		k->hkey = NULL;
		k->hval = NULL;
		(void)move_all(k);
	}
	cut(k);
}

int vmdk_sparse_compact(struct vmdk_compact_ctx *c)
{
	struct vmdk_extent *x = c->x;
	struct cmp k = { .c = c, .x = x, .m = x->priv };
	uint64_t scratch = 0, relocated = 0;
	int err = 0;

	k.gs = k.m->h.grain_size;
	if (c->mode != VMDK_COMPACT_MEASURE) {
		err = check_room(&k, room_needed(&k, &scratch));
		if (err == 0)
			err = vmdk_sparse_relocate(x, k.m, &relocated);
		c->moved += relocated;
	}
	k.end = x->file_size / VMDK_SECTOR;
	k.limit = k.end + scratch;
	if (k.limit > UINT32_MAX)
		k.limit = UINT32_MAX;
	k.buf = malloc(k.gs * VMDK_SECTOR < COPY_CHUNK ? k.gs * VMDK_SECTOR : COPY_CHUNK);
	if (err == 0)
		err = k.buf ? survey(&k) : -ENOMEM;
	if (err == 0) {
		c->grains = k.n;
		measure(&k, &c->disorder_before, &c->holes_before);
	}
	if (err == 0 && c->mode != VMDK_COMPACT_MEASURE) {
		k.total = c->mode == VMDK_COMPACT_SHRINK ? k.n : 0;
		if (c->mode == VMDK_COMPACT_SHRINK)
			err = release_zeros(&k);
		if (err == 0)
			err = place(&k);
		if (err == 0)
			err = move_all(&k);
		if (err == 0)
			err = cut(&k);
		else if (err != VMDK_E_NEEDS_REPAIR)
			give_back(&k);
	}
	if (err == 0)
		measure(&k, &c->disorder_after, &c->holes_after);
	free(k.buf);
	free(k.used);
	free(k.meta);
	free(k.starts);
	free(k.g);
	free(k.hkey);
	free(k.hval);
	free(k.ops);
	return err;
}
