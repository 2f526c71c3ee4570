/* SPDX-License-Identifier: MIT */
/* upload.c --- a local disk onto a datastore as vSphere imports one: an
 * OVF import spec, ImportVApp's HttpNfcLease, the disk streamed as
 * streamOptimized into the lease's URL while the copy engine makes it
 * (no file of the disk's size anywhere), then the carrier VM removed so
 * that only the disk is left, where the user asked.  Any failure aborts
 * the lease and removes what was made. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "remote_int.h"

/* HttpNfcLeaseProgress at least this often (leases expire otherwise). */
#define LEASE_PROGRESS_SECONDS 2.0
#define LEASE_READY_SECONDS 600	/* VMDK_REMOTE_LEASE_SECONDS */

struct upload {
	struct rconn c;
	const struct remote_opts *o;
	vmdk_disk *src;
	bool thin;
	char *ds, *path, *dc_name, *helper;
	struct vim_ref dc, datastore, pool, folder, lease, vm;
	char device_id[256];	/* the disk's fileItem.deviceId */
	char *url;		/* where the lease takes the disk */
	char lease_pin[65];	/* the lease's thumbprint of another host */
	char *helper_disk;	/* "[ds] helper/x.vmdk" once detached */
	bool imported, lease_open, vm_made, disk_moved;
};

/* The copy engine in its own thread, writing the stream into a pipe
 * that the upload reads. */
struct stream {
	struct upload *u;
	struct vmdk_clone_params p;
	const char *name;
	int rfd, wfd;
	pthread_t tid;
	bool started;
	atomic_int rc;
	atomic_bool finished;
	_Atomic uint64_t done, total;
	char msg[REMOTE_MSG_MAX];
	double next_progress;
	uint64_t sent;
	bool canceled;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *joined(const char *a, const char *b, const char *c)
{
	char *s;

	return asprintf(&s, "%s%s%s", a, b, c ? c : "") < 0 ? NULL : s;
}

/* @what at @path, of @type: under the datacenter's @sub folder (the
 * usual way to name it), under the datacenter, or a whole inventory path. */
static int find_typed(struct upload *u, const char *path, const char *sub,
		      const char *type, const char *what, struct vim_ref *out)
{
	const char *rel = path[0] == '/' ? path + 1 : path;
	char *tries[3] = { joined(u->dc_name, sub, rel), joined(u->dc_name, "/", rel),
			   strdup(rel) };
	int rc = 1;

	for (unsigned i = 0; i < 3 && rc == 1; i++) {
		rc = tries[i] ? vim_find(&u->c, tries[i], out) : remote_seterr("out of memory");
		if (rc == 0 && strcmp(out->type, type) &&
		    !(strcmp(type, "ResourcePool") == 0 && strcmp(out->type, "VirtualApp") == 0))
			rc = 1;
	}
	for (unsigned i = 0; i < 3; i++)
		free(tries[i]);
	if (rc == 1)
		return remote_seterr("no %s '%s' in datacenter '%s'", what, path, u->dc_name);
	return rc;
}

static int ref_property(struct upload *u, const struct vim_ref *obj, const char *prop,
			struct vim_ref *out)
{
	struct soap_reply r;
	xmlNodePtr val;
	int err;

	if (vim_property(&u->c, obj, prop, &r, &val) < 0)
		return -1;
	err = soap_ref(&r, val, ".", out);
	soap_reply_free(&r);
	return err < 0 ? remote_seterr("the server's %s has no %s", obj->type, prop) : 0;
}

/* No pool named: the resource pool of the datacenter's first host or
 * cluster, folders walked. */
static int default_pool(struct upload *u)
{
	struct vim_ref hosts, compute;
	int rc;

	if (ref_property(u, &u->dc, "hostFolder", &hosts) < 0)
		return -1;
	rc = vim_first_below(&u->c, &hosts, "ComputeResource", 0, &compute);
	if (rc > 0)
		return remote_seterr("datacenter '%s' has no host; name a pool with --pool",
				     u->dc_name);
	return rc < 0 ? -1 : ref_property(u, &compute, "resourcePool", &u->pool);
}

static int find_places(struct upload *u)
{
	const struct remote_opts *o = u->o;

	if (vim_datacenter(&u->c, o->datacenter, &u->dc, &u->dc_name) < 0)
		return -1;
	/* The datacenter's list of datastores holds those in folders too. */
	switch (vim_named_in(&u->c, &u->dc, "datastore", u->ds, &u->datastore)) {
	case 0:
		break;
	case 1:
		return remote_seterr("no datastore '%s' in datacenter '%s'", u->ds, u->dc_name);
	default:
		return -1;
	}
	if (o->pool ? find_typed(u, o->pool, "/host/", "ResourcePool", "resource pool",
				 &u->pool) != 0 : default_pool(u) < 0)
		return -1;
	if (o->folder)
		return find_typed(u, o->folder, "/vm/", "Folder", "folder", &u->folder);
	return ref_property(u, &u->dc, "vmFolder", &u->folder);
}

/* An existing disk is replaced only with overwrite; the check comes
 * first so that nothing is sent for nothing. */
static int check_target(struct upload *u)
{
	char *url = rconn_folder_url(&u->c, u->dc_name, u->ds, u->path);
	long status = url ? rconn_head(&u->c, url) : -1;

	free(url);
	if (status < 0)
		return -1;
	if (status == 200 && !u->o->overwrite)
		return remote_seterr("[%s] %s exists (-f replaces it)", u->ds, u->path);
	return 0;
}

static int import_spec(struct upload *u, struct soap_reply *r, xmlNodePtr *spec)
{
	char *ovf = ovf_for_disk(u->src, u->helper);
	struct soap_msg m;
	xmlNodePtr cisp, res, item;
	char *msg, *id;

	if (!ovf)
		return remote_seterr("out of memory");
	soap_begin(&m, "CreateImportSpec", &u->c.ovf);
	soap_add(m.call, "ovfDescriptor", ovf);
	free(ovf);
	soap_add_ref(m.call, "resourcePool", &u->pool);
	soap_add_ref(m.call, "datastore", &u->datastore);
	cisp = soap_add(m.call, "cisp", NULL);
	soap_add(cisp, "locale", "");
	soap_add(cisp, "deploymentOption", "");
	soap_add(cisp, "entityName", u->helper);
	soap_add(cisp, "diskProvisioning", u->thin ? "thin" : "thick");
	if (soap_call(&u->c, &m, r) < 0)
		return -1;
	res = soap_node(r, NULL, "//v:CreateImportSpecResponse/v:returnval");
	msg = res ? soap_text(r, res, "v:error/v:localizedMessage") : NULL;
	if (msg || (res && soap_node(r, res, "v:error"))) {
		remote_seterr("the server cannot import the disk: %s",
			      msg && msg[0] ? msg : "no reason given");
		free(msg);
		soap_reply_free(r);
		return -1;
	}
	item = res ? soap_node(r, res, "v:fileItem") : NULL;
	id = item ? soap_text(r, item, "v:deviceId") : NULL;
	*spec = res ? soap_node(r, res, "v:importSpec") : NULL;
	if (!*spec || !id || strlen(id) >= sizeof(u->device_id)) {
		free(id);
		soap_reply_free(r);
		return remote_seterr("the server's import spec has no disk to upload");
	}
	strcpy(u->device_id, id);
	free(id);
	return 0;
}

static int import_vapp(struct upload *u)
{
	struct soap_reply spec_reply;
	struct soap_msg m;
	xmlNodePtr spec = NULL;
	int err;

	if (import_spec(u, &spec_reply, &spec) < 0)
		return -1;
	soap_begin(&m, "ImportVApp", &u->pool);
	soap_add_copy(&m, m.call, "spec", spec);
	soap_add_ref(m.call, "folder", &u->folder);
	soap_reply_free(&spec_reply);
	err = vim_call_ref(&u->c, &m, &u->lease);
	if (err > 0)
		return remote_seterr("ImportVApp returned no lease");
	if (err < 0)
		return -1;
	u->imported = u->lease_open = true;
	return 0;
}

static int lease_state(struct upload *u, char **state)
{
	struct soap_reply r;
	xmlNodePtr val;

	if (vim_property(&u->c, &u->lease, "state", &r, &val) < 0)
		return -1;
	*state = soap_text(&r, val, ".");
	soap_reply_free(&r);
	return *state ? 0 : remote_seterr("the lease has no state");
}

static int lease_error(struct upload *u)
{
	struct soap_reply r;
	xmlNodePtr val;
	char *msg;

	if (vim_property(&u->c, &u->lease, "error", &r, &val) < 0)
		return remote_seterr("the import failed");
	msg = soap_text(&r, val, "v:localizedMessage");
	remote_seterr("the import failed: %s", msg && msg[0] ? msg : "no reason given");
	free(msg);
	soap_reply_free(&r);
	return -1;
}

/* The lease's URL for our disk, '*' standing for the host we reached. */
static int lease_url(struct upload *u)
{
	struct soap_reply r;
	xmlNodePtr info, n;
	char *url = NULL, *thumb = NULL;

	if (vim_property(&u->c, &u->lease, "info", &r, &info) < 0)
		return -1;
	if (soap_ref(&r, info, "v:entity", &u->vm) == 0)
		u->vm_made = true;
	for (n = info->children; n && !url; n = n->next) {
		char *key;
		if (n->type != XML_ELEMENT_NODE || strcmp((char *)n->name, "deviceUrl"))
			continue;
		key = soap_text(&r, n, "v:importKey");
		if (key && !strcmp(key, u->device_id)) {
			url = soap_text(&r, n, "v:url");
			thumb = soap_text(&r, n, "v:sslThumbprint");
		}
		free(key);
	}
	soap_reply_free(&r);
	if (!url) {
		free(thumb);
		return remote_seterr("the lease gives no URL for the disk");
	}
	if (!strncmp(url, "https://*/", 10)) {
		u->url = joined(u->c.base, url + 9, NULL);
	} else if (!strncmp(url, "https://", 8)) {
		/* Another host (vCenter names the ESXi that takes the disk):
		 * trusted by the thumbprint vCenter gave for it. */
		u->url = strdup(url);
		if (thumb && thumb[0] && !remote_thumbprint_valid(thumb))
			thumb[0] = '\0';
		snprintf(u->lease_pin, sizeof(u->lease_pin), "%s", thumb ? thumb : "");
	}
	free(url);
	free(thumb);
	return u->url ? 0 : remote_seterr("the lease's URL is not https");
}

static int wait_lease(struct upload *u)
{
	const char *env = getenv("VMDK_REMOTE_LEASE_SECONDS");
	int limit = env && atoi(env) > 0 ? atoi(env) : LEASE_READY_SECONDS;
	time_t give_up = time(NULL) + limit;
	struct timespec pause = { 0, 100000000L };

	for (;;) {
		char *state;
		int rc;
		if (lease_state(u, &state) < 0)
			return -1;
		rc = !strcmp(state, "ready") ? 1 : !strcmp(state, "error") ? 2 :
		     !strcmp(state, "done") ? 3 : 0;
		free(state);
		if (rc == 1)
			return lease_url(u);
		if (rc == 2) {
			u->lease_open = false;
			return lease_error(u);
		}
		if (rc == 3)
			return remote_seterr("the lease ended before the upload");
		if (time(NULL) > give_up)
			return remote_seterr("the lease was not ready within %d seconds",
					     limit);
		nanosleep(&pause, NULL);
	}
}

static int lease_call(struct upload *u, const char *method, const char *percent)
{
	struct soap_msg m;
	struct soap_reply r;

	soap_begin(&m, method, &u->lease);
	if (percent)
		soap_add(m.call, "percent", percent);
	if (soap_call(&u->c, &m, &r) < 0)
		return -1;
	soap_reply_free(&r);
	return 0;
}

static int engine_progress(void *arg, uint64_t done, uint64_t total)
{
	struct stream *s = arg;
	const struct remote_opts *o = s->u->o;

	atomic_store(&s->done, done);
	atomic_store(&s->total, total);
	return o->progress ? o->progress(o->progress_arg, done, total) : 0;
}

static void *engine(void *arg)
{
	struct stream *s = arg;
	sigset_t pipe_signal;
	int rc;

	/* A write after the upload gave up fails with EPIPE instead. */
	sigemptyset(&pipe_signal);
	sigaddset(&pipe_signal, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_signal, NULL);
	rc = vmdk_clone_fd(s->u->src, s->wfd, s->name, &s->p);
	if (rc < 0)
		snprintf(s->msg, sizeof(s->msg), "%s", vmdk_errmsg(NULL));
	atomic_store(&s->rc, rc);
	atomic_store(&s->finished, true);
	close(s->wfd);
	s->wfd = -1;
	return NULL;
}

static size_t read_stream(char *buf, size_t size, size_t nmemb, void *arg)
{
	struct stream *s = arg;
	ssize_t r;

	do
		r = read(s->rfd, buf, size * nmemb);
	while (r < 0 && errno == EINTR);
	if (r > 0) {
		s->sent += (uint64_t)r;
		return (size_t)r;
	}
	/* The end of the pipe is the end of the disk only when the engine
	 * finished it; else the upload is cut, never sent short. */
	if (r == 0 && atomic_load(&s->finished) && atomic_load(&s->rc) == 0)
		return 0;
	return CURL_READFUNC_ABORT;
}

static int keep_lease(void *arg, curl_off_t dltotal, curl_off_t dlnow,
		      curl_off_t ultotal, curl_off_t ulnow)
{
	struct stream *s = arg;
	double t = now();

	(void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	if (s->u->o->cancel && *s->u->o->cancel) {
		s->canceled = true;
		return 1;
	}
	if (t >= s->next_progress) {
		uint64_t total = atomic_load(&s->total), done = atomic_load(&s->done);
		char pct[8];
		snprintf(pct, sizeof(pct), "%d", total ? (int)(done * 100 / total) : 0);
		lease_call(s->u, "HttpNfcLeaseProgress", pct);
		s->next_progress = t + LEASE_PROGRESS_SECONDS;
	}
	return 0;
}

static int send_disk(struct upload *u, const struct vmdk_clone_params *p)
{
	struct stream s = { .u = u, .p = *p, .rfd = -1, .wfd = -1 };
	struct rconn nfc = u->c;
	struct curl_slist *hdr = NULL;
	int fds[2], err = -1;
	long status = 0;
	const char *slash = strrchr(u->path, '/');
	CURLcode rc;
	CURL *h;

	s.name = slash ? slash + 1 : u->path;
	s.p.type = VMDK_TYPE_STREAM_OPTIMIZED;
	s.p.progress = engine_progress;
	s.p.progress_arg = &s;
	if (u->lease_pin[0])
		snprintf(nfc.pin, sizeof(nfc.pin), "%s", u->lease_pin);
	nfc.curl_err[0] = '\0';
	if (!(h = rconn_handle(&nfc)))
		return -1;
	if (pipe2(fds, O_CLOEXEC) < 0) {
		curl_easy_cleanup(h);
		return remote_seterr("cannot make a pipe: %s", strerror(errno));
	}
	s.rfd = fds[0];
	s.wfd = fds[1];
	/* The engine writes 1 MiB at a time: a pipe that holds it spares a
	 * hand-off per 64 KiB (the default size).  Best effort. */
	fcntl(s.wfd, F_SETPIPE_SZ, 1 << 20);
	hdr = curl_slist_append(hdr, "Content-Type: application/x-vnd.vmware-streamVmdk");
	hdr = curl_slist_append(hdr, "Expect:");
	curl_easy_setopt(h, CURLOPT_URL, u->url);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "POST");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, read_stream);
	curl_easy_setopt(h, CURLOPT_READDATA, &s);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, keep_lease);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, &s);
	curl_easy_setopt(h, CURLOPT_UPLOAD_BUFFERSIZE, 1L << 20);
	if (pthread_create(&s.tid, NULL, engine, &s) != 0) {
		remote_seterr("cannot start the copy");
		close(s.wfd);
		goto out;
	}
	s.started = true;
	rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	/* The engine stops at its next write once nobody reads. */
	close(s.rfd);
	s.rfd = -1;
	pthread_join(s.tid, NULL);
	/* The first cause: the server's answer, the connection, the copy
	 * (whose "broken pipe" only follows an upload that stopped). */
	if (s.canceled)
		remote_seterr("canceled");
	else if (status >= 300)
		remote_seterr("the server refused the disk (HTTP %ld)", status);
	else if (rc == CURLE_ABORTED_BY_CALLBACK && atomic_load(&s.rc) < 0)
		remote_seterr("%s", s.msg);
	else if (rc != CURLE_OK)
		rconn_fail(&nfc, rc, "the upload failed");
	else if (status != 200 && status != 201)
		remote_seterr("the server answered the upload with HTTP %ld", status);
	else if (atomic_load(&s.rc) < 0)
		remote_seterr("%s", s.msg);
	else
		err = 0;
out:
	if (s.rfd >= 0)
		close(s.rfd);
	curl_slist_free_all(hdr);
	curl_easy_cleanup(h);
	return err;
}

/* The carrier VM's disk: its file, and its device as a copy for the
 * ReconfigVM that detaches it. */
static int detach_disk(struct upload *u)
{
	struct soap_reply r;
	struct soap_msg m;
	xmlNodePtr val, disk = NULL, spec, change;

	if (vim_property(&u->c, &u->vm, "config.hardware.device", &r, &val) < 0)
		return -1;
	for (xmlNodePtr n = val->children; n && !disk; n = n->next) {
		xmlChar *type = xmlGetNsProp(n, BAD_CAST "type",
					     BAD_CAST "http://www.w3.org/2001/XMLSchema-instance");
		if (type && !strcmp((char *)type, "VirtualDisk"))
			disk = n;
		xmlFree(type);
	}
	u->helper_disk = disk ? soap_text(&r, disk, "v:backing/v:fileName") : NULL;
	if (!u->helper_disk) {
		soap_reply_free(&r);
		return remote_seterr("the imported VM has no disk");
	}
	soap_begin(&m, "ReconfigVM_Task", &u->vm);
	spec = soap_add(m.call, "spec", NULL);
	change = soap_add(spec, "deviceChange", NULL);
	soap_add(change, "operation", "remove");
	soap_add_copy(&m, change, "device", disk);
	soap_reply_free(&r);
	return vim_run_task(&u->c, &m, "detaching the disk from the carrier VM");
}

static int make_directory(struct upload *u)
{
	const char *slash = strrchr(u->path, '/');
	struct soap_reply r;
	struct soap_msg m;
	char *dir;
	int err;

	if (!slash)
		return 0;
	if (asprintf(&dir, "[%s] %.*s", u->ds, (int)(slash - u->path), u->path) < 0)
		return remote_seterr("out of memory");
	soap_begin(&m, "MakeDirectory", &u->c.files);
	soap_add(m.call, "name", dir);
	soap_add_ref(m.call, "datacenter", &u->dc);
	soap_add(m.call, "createParentDirectories", "true");
	free(dir);
	err = soap_call(&u->c, &m, &r);
	if (err == 0)
		soap_reply_free(&r);
	else if (!strcmp(r.fault, "FileAlreadyExists"))
		err = 0;
	return err;
}

static int move_disk(struct upload *u)
{
	struct soap_msg m;
	char *dest;
	int err;

	if (asprintf(&dest, "[%s] %s", u->ds, u->path) < 0)
		return remote_seterr("out of memory");
	soap_begin(&m, "MoveVirtualDisk_Task", &u->c.disks);
	soap_add(m.call, "sourceName", u->helper_disk);
	soap_add_ref(m.call, "sourceDatacenter", &u->dc);
	soap_add(m.call, "destName", dest);
	soap_add_ref(m.call, "destDatacenter", &u->dc);
	soap_add(m.call, "force", u->o->overwrite ? "true" : "false");
	free(dest);
	err = vim_run_task(&u->c, &m, "moving the disk into place");
	if (err == 0)
		u->disk_moved = true;
	return err;
}

static int destroy_vm(struct upload *u)
{
	struct soap_msg m;

	soap_begin(&m, "Destroy_Task", &u->vm);
	if (vim_run_task(&u->c, &m, "removing the carrier VM") < 0)
		return -1;
	u->vm_made = false;
	return 0;
}

/* After a failure: the lease aborted, a detached disk deleted, the VM
 * destroyed; the first message is kept. */
static void undo(struct upload *u)
{
	char keep[REMOTE_MSG_MAX];
	struct soap_msg m;

	snprintf(keep, sizeof(keep), "%s", remote_errmsg());
	if (u->lease_open) {
		lease_call(u, "HttpNfcLeaseAbort", NULL);
		u->lease_open = false;
	}
	if (u->helper_disk && !u->disk_moved) {
		soap_begin(&m, "DeleteVirtualDisk_Task", &u->c.disks);
		soap_add(m.call, "name", u->helper_disk);
		soap_add_ref(m.call, "datacenter", &u->dc);
		vim_run_task(&u->c, &m, "deleting the uploaded disk");
	}
	/* A lease that failed before naming its VM: the VM by its name. */
	if (u->imported && !u->vm_made && vim_find_child(&u->c, &u->folder, u->helper, &u->vm) == 0)
		u->vm_made = true;
	if (u->vm_made)
		destroy_vm(u);
	remote_seterr("%s", keep);
}

static int run(struct upload *u, const struct vmdk_clone_params *p)
{
	unsigned char rnd[6];

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return remote_seterr("no randomness for the carrier VM's name");
	if (asprintf(&u->helper, "vmdktools-import-%02x%02x%02x%02x%02x%02x",
		     rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5]) < 0) {
		u->helper = NULL;
		return remote_seterr("out of memory");
	}
	if (vim_connect(&u->c) < 0 || find_places(u) < 0 || check_target(u) < 0)
		return -1;
	if (!u->c.ovf.type[0] || !u->c.disks.type[0] || !u->c.files.type[0])
		return remote_seterr("the server has no OVF, virtual disk or file manager");
	if (import_vapp(u) < 0 || wait_lease(u) < 0 || send_disk(u, p) < 0)
		return -1;
	lease_call(u, "HttpNfcLeaseProgress", "100");
	if (lease_call(u, "HttpNfcLeaseComplete", NULL) < 0)
		return -1;
	u->lease_open = false;
	if (!u->vm_made)
		return remote_seterr("the lease names no VM");
	if (detach_disk(u) < 0 || make_directory(u) < 0 || move_disk(u) < 0)
		return -1;
	return destroy_vm(u);
}

int remote_upload(vmdk_disk *src, const char *dspath, bool thin,
		  const struct vmdk_clone_params *p, const struct remote_opts *o)
{
	struct upload u = { .o = o, .src = src, .thin = thin };
	int err;

	if (remote_parse_datastore_path(dspath, &u.ds, &u.path) < 0)
		return -1;
	err = rconn_open(&u.c, o);
	if (err == 0) {
		err = run(&u, p);
		if (err < 0)
			undo(&u);
		vim_logout(&u.c);
	}
	rconn_close(&u.c);
	free(u.ds);
	free(u.path);
	free(u.dc_name);
	free(u.helper);
	free(u.url);
	free(u.helper_disk);
	return err;
}
