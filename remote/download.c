/* SPDX-License-Identifier: MIT */
/* download.c --- a disk on a datastore read where it lies, through the
 * datastore's file URL (/folder/PATH?dcPath=DC&dsName=DS): the copy
 * engine opens it with vmdk_open_fetched() under the name "[ds]/PATH",
 * and every read of a descriptor, extent or parent becomes a ranged GET,
 * resumed where a dropped connection left it.  What is read is kept in a
 * few read-ahead windows (grain tables near the start of a sparse file,
 * grains further on), so memory stays bounded whatever the disk's size,
 * and nothing of the source is written here. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "remote_int.h"

#define FETCH_ATTEMPTS 5
/* Files are read ahead this far in one ranged GET, into one of WINDOWS
 * windows (the least recently used one goes). */
#define READ_AHEAD (8u << 20)
#define WINDOWS 3

struct known_size {
	char *path;
	uint64_t size;
};

struct window {
	char *path;		/* datastore path, NULL while unused */
	uint8_t *buf;
	size_t cap, len;
	uint64_t off;
	uint64_t used;		/* when last read from */
};

struct remote_download {
	struct rconn c;
	const struct remote_opts *o;
	char *ds, *dc_name;
	struct vim_ref dc;
	char *root;		/* "[ds]": what names of its files start with */
	bool canceled;
	CURL *h;		/* reused, so that ranges share a connection */
	struct vmdk_fetcher fetcher;
	struct window win[WINDOWS];
	uint64_t clock;
	struct known_size *sizes;
	size_t nsizes;
	char read_error[REMOTE_MSG_MAX];	/* why a read failed */
};

/* Where one transfer's bytes go: memory holding bytes [from, end). */
struct sink {
	struct remote_download *f;
	uint8_t *mem;
	uint64_t from, end;
	uint64_t off;		/* the next byte wanted */
	uint64_t pos;		/* the file offset of the next byte coming */
	uint64_t size;		/* the file's, once the server said */
	bool checked;		/* the reply looked at */
};

/* Where the reply's body starts: where asked (206), or at the file's
 * start (200: the server ignored the range; what comes before is skipped). */
static bool check_reply(struct sink *s)
{
	curl_off_t len = -1;
	long status = 0;

	curl_easy_getinfo(s->f->h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(s->f->h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &len);
	if (status == 200)
		s->pos = 0;
	else if (status == 206)
		s->pos = s->off;
	else
		return false;
	if (len >= 0 && !s->size)
		s->size = s->pos + (uint64_t)len;
	s->checked = true;
	return true;
}

static size_t write_block(char *p, size_t size, size_t nmemb, void *arg)
{
	struct sink *s = arg;
	size_t n = size * nmemb, skip, take;
	const struct remote_opts *o = s->f->o;

	if (!s->checked && !check_reply(s))
		return 0;
	if (o->cancel && *o->cancel) {
		s->f->canceled = true;
		return 0;
	}
	skip = s->pos < s->off ? (size_t)(s->off - s->pos < n ? s->off - s->pos : n) : 0;
	take = n - skip;
	if (s->end && s->off + take > s->end)
		take = (size_t)(s->end - s->off);
	s->pos += n;
	if (!take)
		return s->end && s->off == s->end ? 0 : n;
	memcpy(s->mem + (s->off - s->from), p + skip, take);
	s->off += take;
	/* Past what was asked for: the rest of a 200 is not wanted. */
	return s->end && s->off == s->end && skip + take < n ? 0 : n;
}

/* Transfer errors after which the rest is asked for again. */
static bool resumable(CURLcode rc)
{
	return rc == CURLE_PARTIAL_FILE || rc == CURLE_RECV_ERROR ||
	       rc == CURLE_SEND_ERROR || rc == CURLE_GOT_NOTHING ||
	       rc == CURLE_OPERATION_TIMEDOUT || rc == CURLE_COULDNT_CONNECT ||
	       rc == CURLE_HTTP2_STREAM;
}

static bool complete(const struct sink *s)
{
	return s->checked && s->off == s->end;
}

/* Bytes [s->from, s->end) of @path, resumed where a dropped connection
 * left them. */
static int transfer(struct remote_download *f, const char *path, struct sink *s)
{
	char *url = rconn_folder_url(&f->c, f->dc_name, f->ds, path);
	unsigned pause_ms = 500;
	int err = -1;

	if (!url)
		return -1;
	s->f = f;
	s->off = s->from;
	curl_easy_setopt(f->h, CURLOPT_URL, url);
	curl_easy_setopt(f->h, CURLOPT_WRITEFUNCTION, write_block);
	curl_easy_setopt(f->h, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(f->h, CURLOPT_FAILONERROR, 1L);
	for (unsigned attempt = 1; ; attempt++) {
		struct timespec ts = { pause_ms / 1000, (long)(pause_ms % 1000) * 1000000L };
		char range[48];
		long status = 0;
		CURLcode rc;

		snprintf(range, sizeof(range), "%llu-%llu", (unsigned long long)s->off,
			 (unsigned long long)s->end - 1);
		curl_easy_setopt(f->h, CURLOPT_RANGE, range);
		s->checked = false;
		f->c.curl_err[0] = '\0';
		rc = curl_easy_perform(f->h);
		curl_easy_getinfo(f->h, CURLINFO_RESPONSE_CODE, &status);
		if (rc == CURLE_OK && !s->checked)
			check_reply(s);		/* an empty body: no write came */
		if (complete(s)) {
			err = 0;
			break;
		}
		if (f->canceled) {
			remote_seterr("canceled");
			break;
		}
		if (status == 404) {
			remote_seterr("[%s] %s: no such file on the datastore", f->ds, path);
			break;
		}
		if (status == 401 || status == 403) {
			remote_seterr("[%s] %s: not allowed to read it (HTTP %ld)", f->ds, path, status);
			break;
		}
		if ((rc == CURLE_OK || rc == CURLE_WRITE_ERROR) && !s->checked) {
			remote_seterr("[%s] %s: the server answered HTTP %ld to a range request",
				      f->ds, path, status);
			break;
		}
		if ((!resumable(rc) && rc != CURLE_OK) || attempt == FETCH_ATTEMPTS) {
			if (rc == CURLE_OK)
				remote_seterr("[%s] %s: the file ended early", f->ds, path);
			else
				rconn_fail(&f->c, rc, "the download failed");
			break;
		}
		nanosleep(&ts, NULL);
		pause_ms *= 2;
		if (getenv("VMDK_REMOTE_TRACE"))
			fprintf(stderr, "remote: resuming %s at byte %llu\n", path,
				(unsigned long long)s->off);
	}
	free(url);
	return err;
}

/* The datastore path of a file named "[ds]/PATH", "." and ".." taken
 * out, or NULL (said) for a name outside the datastore. */
static char *on_datastore(struct remote_download *f, const char *name)
{
	size_t n = strlen(f->root);
	char *path = NULL;

	if (!strncmp(name, f->root, n) && name[n] == '/')
		path = remote_resolve_path("", name + n + 1);
	if (!path)
		snprintf(f->read_error, sizeof(f->read_error), "%s: not a file of "
			 "datastore %s (a parent hint that is absolute or leads out "
			 "of it is not followed)", name, f->ds);
	return path;
}

static const struct known_size *size_of(struct remote_download *f, const char *path)
{
	for (size_t i = 0; i < f->nsizes; i++)
		if (!strcmp(f->sizes[i].path, path))
			return &f->sizes[i];
	return NULL;
}

static int fetched_size(void *arg, const char *name, uint64_t *bytes)
{
	struct remote_download *f = arg;
	char *path = on_datastore(f, name), *url = NULL;
	struct known_size *k;
	curl_off_t len = -1;
	long status = 0;
	CURLcode rc;

	if (!path)
		return -EACCES;
	if ((k = (struct known_size *)size_of(f, path))) {
		*bytes = k->size;
		free(path);
		return 0;
	}
	if (getenv("VMDK_REMOTE_TRACE"))
		fprintf(stderr, "remote: reading %s\n", path);
	url = rconn_folder_url(&f->c, f->dc_name, f->ds, path);
	if (!url)
		goto fail;
	curl_easy_setopt(f->h, CURLOPT_URL, url);
	curl_easy_setopt(f->h, CURLOPT_NOBODY, 1L);
	curl_easy_setopt(f->h, CURLOPT_RANGE, NULL);
	rc = curl_easy_perform(f->h);
	curl_easy_setopt(f->h, CURLOPT_NOBODY, 0L);
	curl_easy_setopt(f->h, CURLOPT_HTTPGET, 1L);
	curl_easy_getinfo(f->h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(f->h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &len);
	if (rc != CURLE_OK && status != 404) {
		rconn_fail(&f->c, rc, "cannot reach the server");
		goto fail;
	}
	if (status == 404) {
		remote_seterr("[%s] %s: no such file on the datastore", f->ds, path);
		snprintf(f->read_error, sizeof(f->read_error), "%s", remote_errmsg());
		free(url);
		free(path);
		return -ENOENT;
	}
	if (status != 200 || len < 0) {
		remote_seterr("[%s] %s: the server gives no size (HTTP %ld)", f->ds, path, status);
		goto fail;
	}
	k = realloc(f->sizes, (f->nsizes + 1) * sizeof(*k));
	if (!k)
		goto fail;
	f->sizes = k;
	k[f->nsizes].path = path;
	k[f->nsizes++].size = (uint64_t)len;
	*bytes = (uint64_t)len;
	free(url);
	return 0;
fail:
	snprintf(f->read_error, sizeof(f->read_error), "%s", remote_errmsg());
	free(url);
	free(path);
	return -EIO;
}


/* The window holding [@off, @off + @len) of @path, or NULL. */
static struct window *window_of(struct remote_download *f, const char *path,
				uint64_t off, size_t len)
{
	for (int i = 0; i < WINDOWS; i++) {
		struct window *w = &f->win[i];
		if (w->path && !strcmp(w->path, path) && off >= w->off &&
		    off + len <= w->off + w->len)
			return w;
	}
	return NULL;
}

/* The least recently used window, filled with the next READ_AHEAD bytes
 * (at least @len) of @path from @off. */
static int fill_window(struct remote_download *f, const struct known_size *k,
		       uint64_t off, size_t len, struct window **out)
{
	struct window *w = &f->win[0];
	size_t want = len > READ_AHEAD ? len : READ_AHEAD;
	uint64_t end = k->size - off < want ? k->size : off + want;
	struct sink s = { .from = off, .end = end, .size = k->size };

	for (int i = 1; i < WINDOWS; i++)
		if (f->win[i].used < w->used)
			w = &f->win[i];
	free(w->path);
	w->path = NULL;
	if (w->cap < end - off) {
		uint8_t *c = realloc(w->buf, (size_t)(end - off));
		if (!c)
			return -ENOMEM;
		w->buf = c;
		w->cap = (size_t)(end - off);
	}
	s.mem = w->buf;
	if (transfer(f, k->path, &s) < 0) {
		snprintf(f->read_error, sizeof(f->read_error), "%s", remote_errmsg());
		return f->canceled ? -ECANCELED : -EIO;
	}
	if (!(w->path = strdup(k->path)))
		return -ENOMEM;
	w->off = off;
	w->len = (size_t)(end - off);
	*out = w;
	return 0;
}

/* Served from what was read ahead; else read ahead from @off. */
static int fetched_read(void *arg, const char *name, void *buf, size_t len, uint64_t off)
{
	struct remote_download *f = arg;
	char *path = on_datastore(f, name);
	const struct known_size *k = path ? size_of(f, path) : NULL;
	struct window *w;
	int err = 0;

	free(path);
	if (!k)
		return -EACCES;
	if (off > k->size || len > k->size - off)
		return -ENODATA;
	if (!len)
		return 0;
	w = window_of(f, k->path, off, len);
	if (!w && (err = fill_window(f, k, off, len, &w)) < 0)
		return err;
	w->used = ++f->clock;
	memcpy(buf, w->buf + (off - w->off), len);
	return 0;
}

int remote_download_open(const char *dspath, const struct remote_opts *o,
			 struct remote_download **out, char **name)
{
	struct remote_download *f = calloc(1, sizeof(*f));
	char *path = NULL;
	int err = -1;

	*out = NULL;
	*name = NULL;
	if (!f)
		return remote_seterr("out of memory");
	f->o = o;
	f->fetcher = (struct vmdk_fetcher){ .size = fetched_size, .read = fetched_read,
					    .arg = f };
	*out = f;
	if (remote_parse_datastore_path(dspath, &f->ds, &path) < 0)
		goto out;
	if (asprintf(&f->root, "[%s]", f->ds) < 0 || asprintf(name, "%s/%s", f->root, path) < 0) {
		f->root = NULL;
		*name = NULL;
		err = remote_seterr("out of memory");
		goto out;
	}
	if (rconn_open(&f->c, o) == 0 && (f->h = rconn_handle(&f->c)) &&
	    vim_connect(&f->c) == 0 &&
	    vim_datacenter(&f->c, o->datacenter, &f->dc, &f->dc_name) == 0)
		err = 0;
out:
	free(path);
	return err;
}

const struct vmdk_fetcher *remote_download_fetcher(struct remote_download *f)
{
	return &f->fetcher;
}

const char *remote_download_error(struct remote_download *f)
{
	return f->read_error[0] ? f->read_error : NULL;
}

void remote_download_close(struct remote_download *f)
{
	if (!f)
		return;
	if (f->c.soap)
		vim_logout(&f->c);
	if (f->h)
		curl_easy_cleanup(f->h);
	rconn_close(&f->c);
	for (size_t i = 0; i < f->nsizes; i++)
		free(f->sizes[i].path);
	free(f->sizes);
	for (int i = 0; i < WINDOWS; i++) {
		free(f->win[i].buf);
		free(f->win[i].path);
	}
	free(f->root);
	free(f->ds);
	free(f->dc_name);
	free(f);
}
