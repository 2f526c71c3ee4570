/* SPDX-License-Identifier: MIT */
/* yal-read.c --- the libyal oracle: read a VMDK with libyal's libvmdk
 * (Debian libvmdk-dev, no code shared with vmdktools) and write its whole
 * content to stdout, so tests can compare it byte for byte. */
#include <libvmdk.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char *what, libvmdk_error_t *err)
{
	char msg[1024];

	libvmdk_error_sprint(err, msg, sizeof(msg));
	fprintf(stderr, "yal-read: %s: %s\n", what, msg);
	libvmdk_error_free(&err);
	return 1;
}

/* Open @path and, recursively, the parent its descriptor names (libyal
 * leaves chains to the caller). */
static libvmdk_handle_t *open_chain(const char *path, int depth)
{
	libvmdk_handle_t *h = NULL, *parent;
	libvmdk_error_t *err = NULL;
	uint8_t name[4096];
	char ppath[8192];
	const char *slash;
	int r;

	if (depth > 64) {
		fprintf(stderr, "yal-read: chain too deep\n");
		return NULL;
	}
	if (libvmdk_handle_initialize(&h, &err) != 1 ||
	    libvmdk_handle_open(h, path, LIBVMDK_OPEN_READ, &err) != 1 ||
	    libvmdk_handle_open_extent_data_files(h, &err) != 1) {
		fail(path, err);
		return NULL;
	}
	r = libvmdk_handle_get_utf8_parent_filename(h, name, sizeof(name), &err);
	if (r == -1) {
		fail("parent name", err);
		return NULL;
	}
	if (r == 1 && name[0]) {
		slash = strrchr(path, '/');
		if (name[0] == '/' || !slash)
			snprintf(ppath, sizeof(ppath), "%s", (char *)name);
		else
			snprintf(ppath, sizeof(ppath), "%.*s/%s",
				 (int)(slash - path), path, (char *)name);
		parent = open_chain(ppath, depth + 1);
		if (!parent)
			return NULL;
		if (libvmdk_handle_set_parent_handle(h, parent, &err) != 1) {
			fail("set parent", err);
			return NULL;
		}
	}
	return h;
}

int main(int argc, char **argv)
{
	libvmdk_handle_t *h;
	libvmdk_error_t *err = NULL;
	size64_t size = 0, done = 0;
	static uint8_t buf[1 << 20];

	if (argc != 2) {
		fprintf(stderr, "usage: yal-read disk.vmdk > raw\n");
		return 2;
	}
	h = open_chain(argv[1], 0);
	if (!h)
		return 1;
	if (libvmdk_handle_get_media_size(h, &size, &err) != 1)
		return fail("media size", err);
	while (done < size) {
		size_t n = size - done < sizeof(buf) ? (size_t)(size - done) : sizeof(buf);
		ssize_t r = libvmdk_handle_read_buffer(h, buf, n, &err);
		if (r <= 0)
			return fail("read", err);
		if (fwrite(buf, 1, (size_t)r, stdout) != (size_t)r)
			return 1;
		done += (size64_t)r;
	}
	return 0;
}
