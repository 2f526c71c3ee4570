/* SPDX-License-Identifier: MIT */
/* test_txn.c --- the in-place change layer: what it makes goes again
 * unless it commits, what it dooms goes only once it commits, and a
 * staged disk appears whole or not at all */
#include <sys/stat.h>

#include "helpers.h"

TestSuite(txn, .init = make_test_dir, .fini = remove_test_dir);

static struct vmdk_errbuf eb;

static void stage_two_files(struct vmdk_txn *t, const char *dst)
{
	char extent[600];
	int fd;

	vmdk_txn_init(t, &eb);
	cr_assert_eq(vmdk_txn_stage(t, tpath(dst)), 0, "%s", eb.msg);
	snprintf(extent, sizeof(extent), "%s/d-flat.vmdk", t->stage_dir);
	fd = open(extent, O_CREAT | O_WRONLY, 0644);
	cr_assert_geq(fd, 0);
	close(fd);
	fd = open(t->stage_path, O_CREAT | O_WRONLY, 0644);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "new", 3), 3);
	close(fd);
}

Test(txn, made_files_go_unless_committed)
{
	struct vmdk_txn t;
	int fd;

	vmdk_txn_init(&t, &eb);
	cr_assert_eq(vmdk_txn_create_file(&t, tpath("a"), &fd), 0);
	close(fd);
	cr_assert_eq(vmdk_txn_create_file(&t, tpath("a"), &fd), VMDK_E_EXISTS);
	cr_assert(strstr(eb.msg, "already exists") != NULL, "%s", eb.msg);
	vmdk_txn_end(&t);
	cr_assert(!exists("a"));

	vmdk_txn_init(&t, &eb);
	cr_assert_eq(vmdk_txn_create_file(&t, tpath("b"), &fd), 0);
	close(fd);
	cr_assert_eq(vmdk_txn_commit(&t, NULL, false), 0);
	vmdk_txn_end(&t);
	cr_assert(exists("b"));
}

Test(txn, doomed_files_go_only_after_commit)
{
	struct vmdk_txn t;

	write_file("old", "x");
	vmdk_txn_init(&t, &eb);
	cr_assert_eq(vmdk_txn_doom(&t, tpath("old")), 0);
	vmdk_txn_end(&t);	/* rolled back: kept */
	cr_assert(exists("old"));

	vmdk_txn_init(&t, &eb);
	cr_assert_eq(vmdk_txn_doom(&t, tpath("old")), 0);
	cr_assert_eq(vmdk_txn_doom(&t, tpath("old")), 0);	/* once only */
	cr_assert(exists("old"));
	cr_assert_eq(vmdk_txn_commit(&t, NULL, false), 0);
	cr_assert(!exists("old"));
	vmdk_txn_end(&t);
}

Test(txn, staged_disk_appears_whole_and_the_stage_goes)
{
	struct vmdk_txn t;

	stage_two_files(&t, "d.vmdk");
	cr_assert(!exists("d.vmdk"));
	cr_assert_eq(vmdk_txn_commit(&t, tpath("d.vmdk"), false), 0, "%s", eb.msg);
	vmdk_txn_end(&t);
	cr_assert_str_eq(listing(), "d-flat.vmdk d.vmdk ");
}

Test(txn, staged_disk_never_replaces_without_overwrite)
{
	struct vmdk_txn t;
	char buf[8] = { 0 };
	FILE *f;

	write_file("d.vmdk", "old");
	stage_two_files(&t, "d.vmdk");
	cr_assert_eq(vmdk_txn_commit(&t, tpath("d.vmdk"), false), VMDK_E_EXISTS);
	vmdk_txn_end(&t);
	/* The message names the file where the caller will look for it. */
	cr_assert(strstr(eb.msg, ".vmdk-partial") == NULL, "%s", eb.msg);
	cr_assert(strstr(eb.msg, "/d.vmdk: already exists") != NULL, "%s", eb.msg);
	/* The extent moved in first is taken back; the old file is intact. */
	cr_assert_str_eq(listing(), "d.vmdk ");
	f = fopen(tpath("d.vmdk"), "r");
	cr_assert_eq(fread(buf, 1, 3, f), 3);
	fclose(f);
	cr_assert_str_eq(buf, "old");
}

Test(txn, staged_disk_replaces_with_overwrite)
{
	struct vmdk_txn t;
	char buf[8] = { 0 };
	FILE *f;

	write_file("d.vmdk", "old");
	stage_two_files(&t, "d.vmdk");
	cr_assert_eq(vmdk_txn_commit(&t, tpath("d.vmdk"), true), 0, "%s", eb.msg);
	vmdk_txn_end(&t);
	f = fopen(tpath("d.vmdk"), "r");
	cr_assert_eq(fread(buf, 1, 3, f), 3);
	fclose(f);
	cr_assert_str_eq(buf, "new");
	cr_assert_str_eq(listing(), "d-flat.vmdk d.vmdk ");
}

Test(txn, put_file_is_whole_and_keeps_permissions)
{
	struct vmdk_txn t;
	struct stat st;
	int fd, kept = -1;

	write_file("desc", "old text");
	chmod(tpath("desc"), 0600);
	fd = open(tpath("desc"), O_RDONLY);
	vmdk_txn_init(&t, &eb);
	/* Never over a file unless asked. */
	cr_assert_eq(vmdk_txn_put_file(&t, tpath("desc"), "x", 1,
				       &(struct vmdk_put_opts){ .mode_of = -1 }),
		     VMDK_E_EXISTS);
	cr_assert_eq(vmdk_txn_put_file(&t, tpath("desc"), "new", 3,
				       &(struct vmdk_put_opts){
					       .replace = true, .mode_of = fd,
					       .keep_fd = &kept }), 0, "%s", eb.msg);
	vmdk_txn_end(&t);
	close(fd);
	cr_assert_geq(kept, 0);
	cr_assert_eq(fstat(kept, &st), 0);
	cr_assert_eq(st.st_size, 3);
	cr_assert_eq(st.st_mode & 0777, 0600);
	close(kept);
	/* No temporary file is left beside it. */
	cr_assert_str_eq(listing(), "desc ");
}

Test(txn, messages_about_staged_files_name_the_destination)
{
	struct vmdk_txn t;
	char want[600];

	vmdk_txn_init(&t, &eb);
	cr_assert_eq(vmdk_txn_stage(&t, tpath("d.vmdk")), 0);
	vmdk_seterr(&eb, -EIO, "%s: no room", t.stage_path);
	vmdk_txn_end(&t);
	snprintf(want, sizeof(want), "%s: no room", tpath("d.vmdk"));
	cr_assert_str_eq(eb.msg, want);
	cr_assert_str_eq(listing(), "");
}
