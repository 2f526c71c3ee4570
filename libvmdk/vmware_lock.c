/* SPDX-License-Identifier: MIT */
/* vmware_lock.c --- VMware's own lock: a running VM (or vmware-vdiskmanager)
 * keeps FILE.lck/ beside each file of a disk, holding one member file
 * Mnnnnn.lck per holder.  A member is 512 bytes of text padded with NULs:
 * "machineID executionID lamport type [payload|'['] name=value...", type
 * X (exclusive) or S (shared); the executionID starts with the holder's
 * process id.  A new member is written as Ennnnn.lck, renamed into place,
 * while a Dnnnnn.lck directory reserves the number.
 *
 * Our writers take an exclusive member of their own while they change a
 * disk, and refuse a disk where anyone else holds one; a member this host
 * wrote for a process that no longer runs is stale and goes, as VMware's
 * own programs remove it. */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core.h"

#define MEMBER_SIZE 512

struct vmdk_vmware_lock {
	char *dir;		/* FILE.lck */
	char *member;		/* FILE.lck/Mnnnnn.lck */
	struct vmdk_vmware_lock *next;
};

/* What a member file says; fields point into @text. */
struct member {
	char text[MEMBER_SIZE + 1];
	const char *machine, *execution, *type;
	unsigned long lamport;
};

static char id[80];
static pthread_once_t id_once = PTHREAD_ONCE_INIT;

static void read_machine_id(void)
{
	FILE *f = fopen("/etc/machine-id", "r");

	if (!f || !fgets(id, sizeof(id), f) || !isxdigit((unsigned char)id[0])) {
		strcpy(id, "host-");
		if (gethostname(id + 5, sizeof(id) - 6) < 0)
			strcpy(id + 5, "unknown");
	}
	if (f)
		fclose(f);
	for (char *p = id; *p; p++)
		if (isspace((unsigned char)*p)) {
			*p = '\0';
			break;
		}
}

/* This host, as our members name it: the machine id, else the host name
 * (read once, whichever thread asks first). */
static const char *machine_id(void)
{
	pthread_once(&id_once, read_machine_id);
	return id;
}

/* A process's start time (clock ticks after boot), 0 when unknown, and
 * whether it has ended but not been reaped (a zombie holds no lock). */
static unsigned long long start_time_of(pid_t pid, bool *zombie)
{
	char path[64], buf[1024], *p, state = 0;
	unsigned long long t = 0;
	FILE *f;

	*zombie = false;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) != NULL)
		/* after the name: state and 18 more fields, then starttime */
		sscanf(p + 2, "%c %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s "
		       "%*s %*s %*s %*s %*s %*s %*s %llu", &state, &t);
	fclose(f);
	*zombie = state == 'Z' || state == 'X';
	return t;
}

static unsigned long long start_time(pid_t pid)
{
	bool zombie;

	return start_time_of(pid, &zombie);
}

static void execution_id(char *out, size_t len)
{
	pid_t pid = getpid();

	snprintf(out, len, "%d-%llu", (int)pid, start_time(pid));
}

static int read_member(int dirfd, const char *name, struct member *m)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	char *save = NULL;
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, m->text, MEMBER_SIZE);
	close(fd);
	if (n <= 0)
		return -EINVAL;
	m->text[n] = '\0';
	m->machine = strtok_r(m->text, " ", &save);
	m->execution = strtok_r(NULL, " ", &save);
	const char *lamport = strtok_r(NULL, " ", &save);
	m->type = strtok_r(NULL, " ", &save);
	if (!m->type || (strcmp(m->type, "X") && strcmp(m->type, "S")))
		return -EINVAL;
	m->lamport = strtoul(lamport, NULL, 10);
	return 0;
}

/* Mnnnnn.lck */
static bool member_name(const char *name)
{
	if (name[0] != 'M' || strlen(name) != 10 || strcmp(name + 6, ".lck"))
		return false;
	for (int i = 1; i < 6; i++)
		if (!isdigit((unsigned char)name[i]))
			return false;
	return true;
}

static bool ours(const struct member *m)
{
	return strcmp(m->machine, machine_id()) == 0 && atoi(m->execution) == getpid();
}

/* Written on this host for a process that has ended (or been replaced). */
static bool stale(const struct member *m)
{
	unsigned long long t = 0;
	int pid;

	if (strcmp(m->machine, machine_id()) != 0 ||
	    sscanf(m->execution, "%d-%llu", &pid, &t) < 1 || pid <= 0)
		return false;
	if (kill(pid, 0) < 0 && errno == ESRCH)
		return true;
	bool zombie;
	unsigned long long now = start_time_of(pid, &zombie);
	return zombie || (t && now && now != t);
}

/* Who holds @m: "held by process N (prog) on this host" or "... on
 * machine M". */
static void describe(const struct member *m, char *who, size_t len)
{
	int pid = atoi(m->execution);

	if (strcmp(m->machine, machine_id()) == 0) {
		/* The program's name, where this host still shows it. */
		char comm[64] = "", path[64];
		FILE *f;
		snprintf(path, sizeof(path), "/proc/%d/comm", pid);
		if ((f = fopen(path, "r")) != NULL) {
			if (fgets(comm, sizeof(comm), f))
				comm[strcspn(comm, "\n")] = '\0';
			fclose(f);
		}
		snprintf(who, len, "held by process %d%s%s%s on this host", pid,
			 comm[0] ? " (" : "", comm, comm[0] ? ")" : "");
	} else {
		snprintf(who, len, "held by process %d on machine %.40s", pid, m->machine);
	}
}

/* The first member of FILE.lck that is not @mine and not stale (stale ones
 * go, when @sweep): 1 with @who told, 0 when none, negative on error. */
static int other_holder(const char *dir, const char *mine, bool exclusive_only,
			bool sweep, char *who, size_t len)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int found = 0;

	if (!d)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
	while (!found && (e = readdir(d)) != NULL) {
		struct member m;
		if (!member_name(e->d_name) || (mine && strcmp(e->d_name, mine) == 0) ||
		    read_member(dirfd(d), e->d_name, &m) < 0 || ours(&m))
			continue;
		if (stale(&m)) {
			if (sweep)
				unlinkat(dirfd(d), e->d_name, 0);
			continue;
		}
		if (exclusive_only && strcmp(m.type, "X"))
			continue;
		describe(&m, who, len);
		found = 1;
	}
	closedir(d);
	return found;
}

static char *lock_dir_of(const char *path)
{
	char *dir;

	return asprintf(&dir, "%s.lck", path) < 0 ? NULL : dir;
}

/* 1 with the lock directory of @path in *@dir (freed by the caller) and
 * its holder in @who, 0 when no one else holds it, negative on error. */
static int holder_of(const char *path, char **dir, char *who, size_t len)
{
	int rc;

	if (!(*dir = lock_dir_of(path)))
		return -ENOMEM;
	rc = other_holder(*dir, NULL, true, false, who, len);
	if (rc <= 0) {
		free(*dir);
		*dir = NULL;
	}
	return rc;
}

/* @rc passed on, with "DIR: holder" in @who when it is 1; @dir freed. */
static int told(int rc, char *dir, const char *holder, char *who, size_t len)
{
	if (rc > 0)
		snprintf(who, len, "%s: %s", dir, holder);
	free(dir);
	return rc;
}

int vmdk_vmware_lock_holder(const char *path, char *who, size_t len)
{
	char holder[200], *dir;
	int rc = holder_of(path, &dir, holder, sizeof(holder));

	return told(rc, dir, holder, who, len);
}

/* Our member, written whole under a reserved number and renamed in. */
/* What our member says: this host, this process, @lamport, exclusive,
 * and where the lock was made. */
static void member_text(const char *dir, unsigned long lamport, char text[MEMBER_SIZE])
{
	unsigned long sum = 5381;
	char exec[48];

	for (const char *p = dir; *p; p++)
		sum = (sum * 33 + (unsigned char)*p) & 0xffffffffu;
	execution_id(exec, sizeof(exec));
	memset(text, 0, MEMBER_SIZE);
	snprintf(text, MEMBER_SIZE, "%s %s %lu X [ lc=%lu", machine_id(), exec,
		 lamport, sum);
}

static int write_member(const char *dir, unsigned long lamport, char **out)
{
	char text[MEMBER_SIZE];
	char *res = NULL, *tmp = NULL, *member = NULL;
	int err = -EEXIST;

	member_text(dir, lamport, text);
	for (int tries = 0; tries < 64 && err == -EEXIST; tries++) {
		unsigned n = vmdk_random32() % 100000;
		free(res);
		free(tmp);
		free(member);
		res = tmp = member = NULL;
		if (asprintf(&res, "%s/D%05u.lck", dir, n) < 0 ||
		    asprintf(&tmp, "%s/E%05u.lck", dir, n) < 0 ||
		    asprintf(&member, "%s/M%05u.lck", dir, n) < 0)
			return -ENOMEM;
		if (mkdir(res, 0755) < 0) {
			/* The directory went with its last holder: again. */
			err = errno == ENOENT && mkdir(dir, 0755) == 0 ? -EEXIST : -errno;
			continue;
		}
		if (access(member, F_OK) == 0) {
			rmdir(res);
			continue;
		}
		int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		err = fd < 0 ? -errno : vmdk_write_all(fd, text, sizeof(text));
		if (fd >= 0 && close(fd) < 0 && err == 0)
			err = -errno;
		if (err == 0 && rename(tmp, member) < 0)
			err = -errno;
		if (err < 0)
			unlink(tmp);
		rmdir(res);
	}
	free(res);
	free(tmp);
	if (err < 0) {
		free(member);
		return err;
	}
	*out = member;
	return 0;
}

/* The highest number a member of @dir drew, so that ours comes after. */
static unsigned long highest_lamport(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	unsigned long max = 0;

	while (d && (e = readdir(d)) != NULL) {
		struct member m;
		if (member_name(e->d_name) && read_member(dirfd(d), e->d_name, &m) == 0 &&
		    m.lamport > max)
			max = m.lamport;
	}
	if (d)
		closedir(d);
	return max;
}

int vmdk_vmware_lock_take(const char *path, struct vmdk_vmware_lock **list,
			  struct vmdk_errbuf *eb)
{
	struct vmdk_vmware_lock *l = calloc(1, sizeof(*l));
	char who[256];
	int rc;

	if (!l || !(l->dir = lock_dir_of(path))) {
		free(l);
		return -ENOMEM;
	}
	for (struct vmdk_vmware_lock *o = *list; o; o = o->next)
		if (strcmp(o->dir, l->dir) == 0) {	/* taken already */
			vmdk_vmware_lock_release(l);
			return 0;
		}
	rc = other_holder(l->dir, NULL, false, true, who, sizeof(who));
	if (rc == 0 && mkdir(l->dir, 0755) < 0 && errno != EEXIST)
		rc = errno == EACCES || errno == EROFS ? 0 : -errno;
	else if (rc == 0 && (rc = write_member(l->dir, highest_lamport(l->dir) + 1,
					       &l->member)) == 0)
		/* Someone who came at the same instant: the later one yields. */
		rc = other_holder(l->dir, vmdk_basename(l->member), false, true, who,
				  sizeof(who));
	if (rc != 0) {
		rc = rc > 0 ? vmdk_vmware_lock_refusal(eb, l->dir, who)
			    : vmdk_seterr_at(eb, rc, l->dir, "taking VMware's lock: %s",
					     vmdk_strerror(rc));
		vmdk_vmware_lock_release(l);
		return rc;
	}
	l->next = *list;
	*list = l;
	return 0;
}

/* Our members name the process that holds them: after fork() the child
 * that keeps the disk writes its own in their place (whole, renamed over
 * them), or the parent's exit would make them look stale. */
int vmdk_vmware_lock_restamp(struct vmdk_vmware_lock *l)
{
	for (; l; l = l->next) {
		char text[MEMBER_SIZE], *tmp;
		int fd, err;
		if (!l->member)
			continue;
		member_text(l->dir, highest_lamport(l->dir), text);
		if (asprintf(&tmp, "%s.new", l->member) < 0)
			return -ENOMEM;
		fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		err = fd < 0 ? -errno : vmdk_write_all(fd, text, sizeof(text));
		if (fd >= 0 && close(fd) < 0 && err == 0)
			err = -errno;
		if (err == 0 && rename(tmp, l->member) < 0)
			err = -errno;
		if (err < 0)
			unlink(tmp);
		free(tmp);
		if (err < 0)
			return err;
	}
	return 0;
}

void vmdk_vmware_lock_release(struct vmdk_vmware_lock *l)
{
	while (l) {
		struct vmdk_vmware_lock *next = l->next;
		if (l->member)
			unlink(l->member);
		/* Left while another member is in it. */
		if (l->member)
			rmdir(l->dir);
		free(l->member);
		free(l->dir);
		free(l);
		l = next;
	}
}

int vmdk_vmware_lock_break(const char *path, int *removed)
{
	char *dir = lock_dir_of(path);
	DIR *d = dir ? opendir(dir) : NULL;
	struct dirent *e;
	int err = 0;

	if (!dir)
		return -ENOMEM;
	if (!d) {
		err = errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
		free(dir);
		return err;
	}
	while ((e = readdir(d)) != NULL) {
		bool entry = strlen(e->d_name) == 10 && strchr("MDE", e->d_name[0]) &&
			     strcmp(e->d_name + 6, ".lck") == 0;
		if (!entry)
			continue;
		if (unlinkat(dirfd(d), e->d_name, e->d_name[0] == 'D' ? AT_REMOVEDIR : 0) < 0)
			err = -errno;
		else if (e->d_name[0] == 'M')
			(*removed)++;
	}
	closedir(d);
	if (err == 0 && rmdir(dir) < 0 && errno != ENOENT)
		err = -errno;
	free(dir);
	return err;
}

/* Each file of @l's top link, descriptor first, once. */
static const char *link_file(const struct vmdk_link *l, size_t i)
{
	if (i == 0)
		return l->path;
	if (i > l->n_ext || !l->ext[i - 1].path ||
	    strcmp(l->ext[i - 1].path, l->path) == 0)
		return NULL;
	return l->ext[i - 1].path;
}

int vmdk_vmware_lock_refusal(struct vmdk_errbuf *eb, const char *dir, const char *holder)
{
	return vmdk_seterr_at(eb, VMDK_E_LOCKED, dir,
			      "%s (VMware's lock: a running "
			      "VM or another program has the disk)",
			      holder);
}

/* The first file of @d's top link someone else holds VMware's lock on:
 * 1 with its lock directory in *@dir (to free) and the holder in @who. */
static int first_held(vmdk_disk *d, char **dir, char *who, size_t len)
{
	const struct vmdk_link *l;
	int rc = 0;

	*dir = NULL;
	if (!d || !d->nlinks)
		return 0;
	l = d->links[0];
	for (size_t i = 0; i <= l->n_ext && rc == 0; i++)
		if (link_file(l, i))
			rc = holder_of(link_file(l, i), dir, who, len);
	return rc < 0 ? 0 : rc;
}

int vmdk_vmware_locked(vmdk_disk *d, char *who, size_t len)
{
	char holder[200], *dir;
	int rc = first_held(d, &dir, holder, sizeof(holder));

	return told(rc, dir, holder, who, len);
}

int vmdk_vmware_lock_refuse_held(vmdk_disk *d, struct vmdk_errbuf *eb)
{
	char holder[200], *dir;
	int rc = first_held(d, &dir, holder, sizeof(holder));

	if (rc > 0)
		rc = vmdk_vmware_lock_refusal(eb, dir, holder);
	free(dir);
	return rc;
}

int vmdk_break_vmware_lock(const char *path)
{
	struct vmdk_errbuf *eb = vmdk_open_errbuf();
	vmdk_disk *d;
	int removed = 0, err = vmdk_open(path, VMDK_OPEN_RDONLY | VMDK_OPEN_SINGLE_LINK,
					 &d);

	if (err < 0)
		return err;
	for (size_t i = 0; i <= d->links[0]->n_ext && err == 0; i++) {
		const char *f = link_file(d->links[0], i);
		if (f && (err = vmdk_vmware_lock_break(f, &removed)) < 0)
			vmdk_seterr(eb, err, "%s.lck: %s", f, vmdk_strerror(err));
	}
	vmdk_close(d);
	return err < 0 ? err : removed;
}

int vmdk_after_fork(vmdk_disk *d)
{
	int err = 0;

	if (!d)
		return VMDK_E_INVALID_ARG;
	for (unsigned i = 0; i < d->nlinks && err == 0; i++)
		err = vmdk_vmware_lock_restamp(d->links[i]->vmware_locks);
	return err < 0 ? vmdk_seterr_at(&d->eb, err, d->links[0]->path, "VMware's lock: %s",
					vmdk_strerror(err))
		       : 0;
}
