/* SPDX-License-Identifier: MIT */
/* yal-image-read.c --- the libyal oracle for other formats' images: read a
 * qcow2 image with libqcow or a VHD/VHDX image with libvhdi (Debian
 * libqcow-dev, libvhdi-dev; no code shared with vmdktools), its backing
 * or parent images beside it too, and write the whole content to stdout
 * so tests can compare it byte for byte.
 *   yal-image-read qcow2|vhdi IMAGE > raw */
#include <libqcow.h>
#include <libvhdi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 16

static char message[1024];

/* The image a backing or parent name leads to: the name's last component
 * (a Windows path's too) beside @child, as the images here are laid out. */
static void beside(const char *child, const char *name, char *out, size_t len)
{
	const char *base = name, *slash = strrchr(child, '/');

	for (const char *p = name; *p; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	if (slash)
		snprintf(out, len, "%.*s/%s", (int)(slash - child), child, base);
	else
		snprintf(out, len, "%s", base);
}

static libqcow_file_t *open_qcow(const char *path, int depth)
{
	libqcow_file_t *f = NULL, *parent;
	libqcow_error_t *err = NULL;
	uint8_t name[4096];
	char ppath[8192];
	int r;

	if (depth > MAX_DEPTH || libqcow_file_initialize(&f, &err) != 1 ||
	    libqcow_file_open(f, path, LIBQCOW_OPEN_READ, &err) != 1)
		goto fail;
	r = libqcow_file_get_utf8_backing_filename(f, name, sizeof(name), &err);
	if (r == -1)
		goto fail;
	if (r == 1 && name[0]) {
		beside(path, (const char *)name, ppath, sizeof(ppath));
		if (!(parent = open_qcow(ppath, depth + 1)))
			return NULL;
		if (libqcow_file_set_parent_file(f, parent, &err) != 1)
			goto fail;
	}
	return f;
fail:
	if (err) {
		libqcow_error_sprint(err, message, sizeof(message));
		libqcow_error_free(&err);
	}
	fprintf(stderr, "yal-image-read: %s: %s\n", path, message);
	return NULL;
}

static libvhdi_file_t *open_vhdi(const char *path, int depth)
{
	libvhdi_file_t *f = NULL, *parent;
	libvhdi_error_t *err = NULL;
	uint8_t name[4096];
	char ppath[8192];
	int r;

	if (depth > MAX_DEPTH || libvhdi_file_initialize(&f, &err) != 1 ||
	    libvhdi_file_open(f, path, LIBVHDI_OPEN_READ, &err) != 1)
		goto fail;
	r = libvhdi_file_get_utf8_parent_filename(f, name, sizeof(name), &err);
	if (r == -1)
		goto fail;
	if (r == 1 && name[0]) {
		beside(path, (const char *)name, ppath, sizeof(ppath));
		if (!(parent = open_vhdi(ppath, depth + 1)))
			return NULL;
		if (libvhdi_file_set_parent_file(f, parent, &err) != 1)
			goto fail;
	}
	return f;
fail:
	if (err) {
		libvhdi_error_sprint(err, message, sizeof(message));
		libvhdi_error_free(&err);
	}
	fprintf(stderr, "yal-image-read: %s: %s\n", path, message);
	return NULL;
}

int main(int argc, char **argv)
{
	static uint8_t buf[1 << 20];
	size64_t size = 0, done = 0;
	libqcow_file_t *q = NULL;
	libvhdi_file_t *v = NULL;

	if (argc != 3 || (strcmp(argv[1], "qcow2") && strcmp(argv[1], "vhdi"))) {
		fprintf(stderr, "usage: yal-image-read qcow2|vhdi IMAGE > raw\n");
		return 2;
	}
	if (argv[1][0] == 'q' ? !(q = open_qcow(argv[2], 0)) : !(v = open_vhdi(argv[2], 0)))
		return 1;
	if ((q ? libqcow_file_get_media_size(q, &size, NULL)
	       : libvhdi_file_get_media_size(v, &size, NULL)) != 1) {
		fprintf(stderr, "yal-image-read: %s: no media size\n", argv[2]);
		return 1;
	}
	while (done < size) {
		size_t n = size - done < sizeof(buf) ? (size_t)(size - done) : sizeof(buf);
		ssize_t r = q ? libqcow_file_read_buffer(q, buf, n, NULL)
			      : libvhdi_file_read_buffer(v, buf, n, NULL);
		if (r <= 0) {
			fprintf(stderr, "yal-image-read: %s: read failed at byte %llu\n",
				argv[2], (unsigned long long)done);
			return 1;
		}
		if (fwrite(buf, 1, (size_t)r, stdout) != (size_t)r)
			return 1;
		done += (size64_t)r;
	}
	return 0;
}
