/* SPDX-License-Identifier: MIT */
/* child.c --- child disks (redo logs): create one on a parent
 * (VixDiskLib_CreateChild, and Attach on an older link), and commit one
 * into its parent. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "copy_int.h"

/* Make @l a child of the disk with CID @cid at @hint (NULL: no parent),
 * in one descriptor write. */
static int point_at_parent(struct vmdk_link *l, const char *cid,
			   const char *hint, struct vmdk_errbuf *eb)
{
	int err = vmdk_desc_set(l->desc, "parentCID", cid);

	/* Other readers refuse an empty hint: no parent, no line. */
	if (err == 0)
		err = hint ? vmdk_desc_set(l->desc, "parentFileNameHint", hint)
			   : vmdk_desc_remove(l->desc, "parentFileNameHint");
	return err ? err : vmdk_link_store_descriptor(l, eb);
}

int vmdk_create_child(const char *parent, const char *child, int type)
{
	struct vmdk_errbuf *eb = vmdk_open_errbuf();
	struct vmdk_create_params cp = { .type = type };
	struct vmdk_info info;
	struct vmdk_txn t;
	const char *kv[16];
	char cid[16], *child_dir = NULL, *hint = NULL;
	vmdk_disk *p = NULL, *c = NULL;
	size_t n = 0;
	int err;

	if (type != VMDK_TYPE_MONOLITHIC_SPARSE && type != VMDK_TYPE_SPLIT_SPARSE)
		return vmdk_seterr_at(eb, VMDK_E_INVALID_ARG, child,
				      "a child is monolithicSparse or "
				      "twoGbMaxExtentSparse");
	if ((err = vmdk_name_check(child, eb)) < 0)
		return err;
	/* The whole chain must open: a child of a broken disk is no use. */
	err = vmdk_open(parent, VMDK_OPEN_RDONLY, &p);
	if (err < 0)
		return err;
	vmdk_get_info(p, &info);
	cp.capacity = info.capacity;
	cp.adapter = vmdk_adapter_from_name(info.adapter);
	if (cp.adapter < 0)
		cp.adapter = VMDK_ADAPTER_LSILOGIC;
	cp.hw_version = info.hw_version > 0 && info.hw_version < 100 ? info.hw_version : 0;
	/* The same disk as the VM sees it: its geometry and identity. */
	for (const char *const *k = (const char *const[]){
		     "ddb.geometry.cylinders", "ddb.geometry.heads",
		     "ddb.geometry.sectors", "ddb.uuid", NULL }; *k; k++) {
		const char *v = NULL;
		for (unsigned l = 0; l < p->nlinks && !v; l++)
			v = vmdk_desc_get(p->links[l]->desc, *k);
		if (v) {
			kv[n++] = *k;
			kv[n++] = v;
		}
	}
	kv[n] = NULL;
	cp.ddb = kv;
	snprintf(cid, sizeof(cid), "%08x", info.cid);
	child_dir = vmdk_dirname(child);
	hint = child_dir ? vmdk_path_relative(child_dir, parent) : NULL;
	if (!hint)
		err = -ENOMEM;
	else if (!vmdk_name_expressible(hint))
		err = vmdk_seterr_at(eb, VMDK_E_INVALID_ARG, parent,
				     "a descriptor cannot "
				     "name it (quotes or control characters)");
	vmdk_txn_init(&t, eb);
	if (err == 0)
		err = vmdk_txn_stage(&t, child);
	if (err == 0)
		err = vmdk_create_in(t.stage_path, &cp, eb);
	if (err == 0)
		err = vmdk_open(t.stage_path, VMDK_OPEN_SINGLE_LINK, &c);
	if (err == 0) {
		err = point_at_parent(c->links[0], cid, hint, eb);
		if (err == 0)
			err = vmdk_close(c);
		else
			vmdk_close(c);
	}
	if (err == 0)
		err = vmdk_txn_commit(&t, child, false);
	vmdk_txn_end(&t);
	vmdk_close(p);
	free(hint);
	free(child_dir);
	return err;
}

struct merger {
	vmdk_disk *c, *p;
	vmdk_progress_fn progress;
	void *arg;
	struct vmdk_errbuf *eb;
	uint8_t *buf;
};

/* Copy a run the child holds (data, or zeros it marks) into the parent. */
static int merge_run(void *arg, uint64_t sector, uint64_t n, int state)
{
	struct merger *m = arg;
	uint64_t cap = m->c->links[0]->capacity;
	int err = 0;

	for (uint64_t done = 0; err == 0 && state != VMDK_BLOCK_UNALLOCATED &&
				done < n;) {
		uint32_t len = n - done < 2048 ? (uint32_t)(n - done) : 2048;
		if (state == VMDK_BLOCK_ZERO)
			memset(m->buf, 0, len * VMDK_SECTOR);
		else if ((err = vmdk_read(m->c, sector + done, len, m->buf)) < 0)
			return vmdk_errcopy(m->eb, err, &m->c->eb);
		if ((err = vmdk_write(m->p, sector + done, len, m->buf)) < 0)
			return vmdk_errcopy(m->eb, err, &m->p->eb);
		done += len;
	}
	if (m->progress && m->progress(m->arg, sector + n, cap))
		return vmdk_seterr(m->eb, VMDK_E_CANCELED, "canceled");
	return 0;
}

static int merge(vmdk_disk *c, vmdk_disk *p, vmdk_progress_fn progress,
		 void *arg, struct vmdk_errbuf *eb)
{
	struct merger m = { .c = c, .p = p, .progress = progress, .arg = arg,
			    .eb = eb, .buf = malloc(2048 * VMDK_SECTOR) };
	int err = m.buf ? vmdk_walk_runs(c, merge_run, &m, eb) : -ENOMEM;

	free(m.buf);
	return err;
}

int vmdk_commit(const char *child, vmdk_progress_fn progress, void *arg)
{
	struct vmdk_errbuf *eb = vmdk_open_errbuf();
	vmdk_disk *c = NULL, *p = NULL;
	struct vmdk_link *cl, *pl;
	char *ppath = NULL, cid[16];
	uint32_t new_cid;
	int err;

	/* The whole chain must be consistent before anything changes. */
	err = vmdk_open(child, VMDK_OPEN_RDONLY, &c);
	if (err < 0)
		return err;
	if (c->nlinks < 2) {
		vmdk_close(c);
		return vmdk_seterr_at(eb, VMDK_E_INVALID_ARG, child,
				      "not a child disk: nothing to commit into");
	}
	ppath = strdup(c->links[1]->path);
	vmdk_close(c);
	c = NULL;
	if (!ppath)
		return -ENOMEM;
	err = vmdk_open(child, VMDK_OPEN_SINGLE_LINK, &c);
	if (err == 0)
		err = vmdk_open(ppath, 0, &p);
	if (err < 0)
		goto out;
	cl = c->links[0];
	pl = p->links[0];
	if (!vmdk_chain_parent_matches(cl->desc, pl->desc->cid)) {
		err = vmdk_seterr_at(eb, VMDK_E_CID_MISMATCH, child,
				     "parent changed since the child was created");
		goto out;
	}
	/* Before the parent changes, the child records the parent's new CID
	 * (so it still opens, and reads the same, at any instant) and the
	 * parent takes that CID (so its other children see the change).
	 * A commit cut short is finished by running it again. */
	if (!vmdk_chain_commit_pending(cl->desc, &new_cid)) {
		new_cid = vmdk_link_fresh_cid(pl);
		snprintf(cid, sizeof(cid), "%08x", new_cid);
		err = vmdk_desc_set(cl->desc, VMDK_COMMIT_KEY, cid);
		if (err == 0)
			err = vmdk_link_store_descriptor(cl, eb);
	}
	if (err == 0 && pl->desc->cid != new_cid)
		err = vmdk_link_set_cid(pl, new_cid, eb);
	pl->cid_updated = true;	/* the merge's writes keep that CID */
	if (err == 0)
		err = merge(c, p, progress, arg, eb);
	if (err == 0)
		err = vmdk_flush(p) < 0 ? vmdk_errcopy(eb, -EIO, &p->eb) : 0;
	if (err == 0) {
		snprintf(cid, sizeof(cid), "%08x", new_cid);
		err = vmdk_desc_set(cl->desc, "parentCID", cid);
		if (err == 0)
			err = vmdk_desc_remove(cl->desc, VMDK_COMMIT_KEY);
		if (err == 0)
			err = vmdk_link_store_descriptor(cl, eb);
	}
out:
	if (p && vmdk_close(p) < 0 && err == 0)
		err = vmdk_seterr_at(eb, -EIO, ppath, "closing the parent failed");
	vmdk_close(c);
	free(ppath);
	return err;
}

struct preserver {
	vmdk_disk *c, *oldp, *newp;
	uint64_t ocap, ncap;
	struct vmdk_errbuf *eb;
	uint8_t *a, *b;
};

/* In a run the child does not hold, copy what the old parent showed
 * wherever the new parent shows something else. */
static int preserve_run(void *arg, uint64_t sector, uint64_t n, int state)
{
	struct preserver *v = arg;
	int err = 0;

	for (uint64_t done = 0; err == 0 && state == VMDK_BLOCK_UNALLOCATED &&
				done < n; done += 128) {
		uint64_t s = sector + done;
		uint32_t len = n - done < 128 ? (uint32_t)(n - done) : 128;
		memset(v->a, 0, len * VMDK_SECTOR);
		memset(v->b, 0, len * VMDK_SECTOR);
		if (s < v->ocap)
			err = vmdk_read(v->oldp, s, s + len <= v->ocap ? len : v->ocap - s,
					v->a);
		if (err < 0)
			return vmdk_errcopy(v->eb, err, &v->oldp->eb);
		if (v->newp && s < v->ncap)
			err = vmdk_read(v->newp, s, s + len <= v->ncap ? len : v->ncap - s,
					v->b);
		if (err < 0)
			return vmdk_errcopy(v->eb, err, &v->newp->eb);
		if (memcmp(v->a, v->b, len * VMDK_SECTOR) &&
		    (err = vmdk_write(v->c, s, len, v->a)) < 0)
			return vmdk_errcopy(v->eb, err, &v->c->eb);
	}
	return err;
}

static int preserve_view(vmdk_disk *c, vmdk_disk *oldp, vmdk_disk *newp,
			 struct vmdk_errbuf *eb)
{
	struct preserver v = { .c = c, .oldp = oldp, .newp = newp, .eb = eb,
			       .ocap = oldp->links[0]->capacity,
			       .ncap = newp ? newp->links[0]->capacity : 0,
			       .a = malloc(128 * VMDK_SECTOR), .b = malloc(128 * VMDK_SECTOR) };
	int err = v.a && v.b ? vmdk_walk_runs(c, preserve_run, &v, eb) : -ENOMEM;

	free(v.a);
	free(v.b);
	return err;
}

int vmdk_rebase(const char *child, const char *new_parent, int unsafe)
{
	struct vmdk_errbuf *eb = vmdk_open_errbuf();
	vmdk_disk *c = NULL, *oldp = NULL, *newp = NULL;
	char *old_path = NULL, *dir = NULL, *hint = NULL, cid[16] = "ffffffff";
	struct vmdk_link *cl;
	int err;

	/* The child's chain as it stands must be whole, unless only the
	 * pointer changes: then its old parent may be missing or changed
	 * (a hint of another machine, a parent touched since). */
	err = unsafe ? 0 : vmdk_open(child, VMDK_OPEN_RDONLY, &c);
	if (err < 0)
		return err;
	if (c && c->nlinks > 1 && !(old_path = strdup(c->links[1]->path)))
		err = -ENOMEM;
	vmdk_close(c);
	c = NULL;
	if (err == 0 && old_path && !unsafe)
		err = vmdk_open(old_path, VMDK_OPEN_RDONLY, &oldp);
	if (err == 0 && new_parent && *new_parent) {
		err = vmdk_open(new_parent, VMDK_OPEN_RDONLY, &newp);
		if (err == 0)
			snprintf(cid, sizeof(cid), "%08x", newp->links[0]->desc->cid);
		dir = vmdk_dirname(child);
		if (err == 0 && (!dir || !(hint = vmdk_path_relative(dir, new_parent))))
			err = -ENOMEM;
		else if (err == 0 && !vmdk_name_expressible(hint))
			err = vmdk_seterr_at(eb, VMDK_E_INVALID_ARG, new_parent,
					     "a descriptor "
					     "cannot name it (quotes or control "
					     "characters)");
	}
	if (err == 0)
		err = vmdk_open(child, VMDK_OPEN_SINGLE_LINK, &c);
	if (err < 0)
		goto out;
	cl = c->links[0];
	/* Keep the child's content: its CID stays, as its view does. */
	cl->cid_updated = true;
	if (oldp)
		err = preserve_view(c, oldp, newp, eb);
	if (err == 0)
		err = vmdk_flush(c) < 0 ? vmdk_errcopy(eb, -EIO, &c->eb) : 0;
	if (err == 0)
		err = point_at_parent(cl, cid, hint, eb);
out:
	if (c && vmdk_close(c) < 0 && err == 0)
		err = vmdk_seterr_at(eb, -EIO, child, "closing failed");
	vmdk_close(oldp);
	vmdk_close(newp);
	free(old_path);
	free(dir);
	free(hint);
	return err;
}
