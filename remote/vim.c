/* SPDX-License-Identifier: MIT */
/* vim.c --- the vSphere API calls the remote clone needs: the service
 * content and a session, inventory look-ups, properties, tasks. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "remote_int.h"

static const struct vim_ref service_instance = { "ServiceInstance", "ServiceInstance" };

/* Polls start fast and settle at a second apart. */
static void pause_ms(unsigned *ms)
{
	struct timespec ts = { *ms / 1000, (long)(*ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
	if (*ms < 1000)
		*ms *= 2;
}

int vim_connect(struct rconn *c)
{
	struct soap_msg m;
	struct soap_reply r;
	char *api, *type;
	xmlNodePtr sc;
	int err = 0;

	soap_begin(&m, "RetrieveServiceContent", &service_instance);
	if (soap_call(c, &m, &r) < 0)
		return -1;
	sc = soap_node(&r, NULL, "//v:RetrieveServiceContentResponse/v:returnval");
	if (!sc || soap_ref(&r, sc, "v:rootFolder", &c->root) < 0 ||
	    soap_ref(&r, sc, "v:propertyCollector", &c->collector) < 0 ||
	    soap_ref(&r, sc, "v:sessionManager", &c->sessions) < 0 ||
	    soap_ref(&r, sc, "v:searchIndex", &c->search) < 0) {
		soap_reply_free(&r);
		return remote_seterr("not a vSphere server (no service content)");
	}
	/* Optional here, needed by the steps that use them. */
	soap_ref(&r, sc, "v:ovfManager", &c->ovf);
	soap_ref(&r, sc, "v:virtualDiskManager", &c->disks);
	soap_ref(&r, sc, "v:fileManager", &c->files);
	api = soap_text(&r, sc, "v:about/v:apiVersion");
	type = soap_text(&r, sc, "v:about/v:apiType");
	if (api && strlen(api) < 32 && !strpbrk(api, "\r\n"))
		snprintf(c->action, sizeof(c->action), "urn:vim25/%s", api);
	free(api);
	free(type);
	soap_reply_free(&r);

	soap_begin(&m, "Login", &c->sessions);
	soap_add(m.call, "userName", c->o->user);
	soap_add(m.call, "password", c->o->password ? c->o->password : "");
	if (soap_call(c, &m, &r) < 0)
		return -1;
	soap_reply_free(&r);
	c->logged_in = true;
	return err;
}

void vim_logout(struct rconn *c)
{
	struct soap_msg m;
	struct soap_reply r;

	if (!c->logged_in)
		return;
	soap_begin(&m, "Logout", &c->sessions);
	if (soap_call(c, &m, &r) == 0)
		soap_reply_free(&r);
	c->logged_in = false;
}

int vim_call_ref(struct rconn *c, struct soap_msg *m, struct vim_ref *out)
{
	struct soap_reply r;
	int found;

	if (soap_call(c, m, &r) < 0)
		return -1;
	found = soap_ref(&r, NULL, "//s:Body/*/v:returnval", out) == 0;
	soap_reply_free(&r);
	return found ? 0 : 1;
}

int vim_find(struct rconn *c, const char *path, struct vim_ref *out)
{
	struct soap_msg m;

	soap_begin(&m, "FindByInventoryPath", &c->search);
	soap_add(m.call, "inventoryPath", path);
	return vim_call_ref(c, &m, out);
}

int vim_find_child(struct rconn *c, const struct vim_ref *in, const char *name,
		   struct vim_ref *out)
{
	struct soap_msg m;

	soap_begin(&m, "FindChild", &c->search);
	soap_add_ref(m.call, "entity", in);
	soap_add(m.call, "name", name);
	return vim_call_ref(c, &m, out);
}

int vim_property(struct rconn *c, const struct vim_ref *obj, const char *prop,
		 struct soap_reply *r, xmlNodePtr *val)
{
	struct soap_msg m;
	xmlNodePtr spec, ps, os;

	soap_begin(&m, "RetrieveProperties", &c->collector);
	spec = soap_add(m.call, "specSet", NULL);
	ps = soap_add(spec, "propSet", NULL);
	soap_add(ps, "type", obj->type);
	soap_add(ps, "pathSet", prop);
	os = soap_add(spec, "objectSet", NULL);
	soap_add_ref(os, "obj", obj);
	soap_add(os, "skip", "false");
	if (soap_call(c, &m, r) < 0)
		return -1;
	*val = soap_node(r, NULL, "//v:RetrievePropertiesResponse/v:returnval/v:propSet/v:val");
	if (!*val) {
		soap_reply_free(r);
		return remote_seterr("the server's %s has no %s", obj->type, prop);
	}
	return 0;
}

/* The task's error as one line: its message, else its fault's type. */
static int task_error(struct soap_reply *r, xmlNodePtr info, const char *what)
{
	char *msg = soap_text(r, info, "v:error/v:localizedMessage");
	xmlNodePtr f = soap_node(r, info, "v:error/v:fault");
	xmlChar *type = f ? xmlGetNsProp(f, BAD_CAST "type",
					 BAD_CAST "http://www.w3.org/2001/XMLSchema-instance") : NULL;

	remote_seterr("%s failed: %s", what, msg && msg[0] ? msg :
		      type ? (const char *)type : "no reason given");
	free(msg);
	xmlFree(type);
	return -1;
}

int vim_wait_task(struct rconn *c, const struct vim_ref *task, const char *what)
{
	time_t give_up = time(NULL) + 3600;
	unsigned ms = 50;

	for (;;) {
		struct soap_reply r;
		xmlNodePtr info;
		char *state;
		int done;

		if (vim_property(c, task, "info", &r, &info) < 0)
			return -1;
		state = soap_text(&r, info, "v:state");
		done = !state ? -1 : !strcmp(state, "success") ? 1 :
		       !strcmp(state, "error") ? 2 : 0;
		free(state);
		if (done == 2)
			task_error(&r, info, what);
		else if (done < 0)
			remote_seterr("%s: the task has no state", what);
		soap_reply_free(&r);
		if (done == 1)
			return 0;
		if (done)
			return -1;
		if (time(NULL) > give_up)
			return remote_seterr("%s: no answer within an hour", what);
		pause_ms(&ms);
	}
}

int vim_run_task(struct rconn *c, struct soap_msg *m, const char *what)
{
	struct vim_ref task;
	int rc = vim_call_ref(c, m, &task);

	if (rc > 0)
		return remote_seterr("%s: the server returned no task", what);
	return rc < 0 ? -1 : vim_wait_task(c, &task, what);
}

/* Datacenters below @folder (inventory path @prefix), folders walked
 * down to a few levels: the first one's reference and path kept, all of
 * them counted. */
#define FOLDER_DEPTH 6

static int find_datacenters(struct rconn *c, const struct vim_ref *folder,
			    const char *prefix, unsigned depth, unsigned *found,
			    struct vim_ref *dc, char **path)
{
	struct soap_reply r;
	xmlNodePtr val;
	int err = 0;

	if (vim_property(c, folder, "childEntity", &r, &val) < 0)
		return -1;
	for (xmlNodePtr n = val->children; n && err == 0; n = n->next) {
		struct vim_ref child;
		struct soap_reply nr;
		xmlNodePtr nv;
		char *name, *full = NULL;
		bool is_dc, is_folder;

		if (soap_ref(&r, n, ".", &child) < 0)
			continue;
		is_dc = !strcmp(child.type, "Datacenter");
		is_folder = !strcmp(child.type, "Folder") && depth < FOLDER_DEPTH;
		if (!is_dc && !is_folder)
			continue;
		if (vim_property(c, &child, "name", &nr, &nv) < 0) {
			err = -1;
			break;
		}
		name = soap_text(&nr, nv, ".");
		soap_reply_free(&nr);
		if (!name || asprintf(&full, "%s%s", prefix, name) < 0) {
			free(name);
			err = remote_seterr("out of memory");
			break;
		}
		free(name);
		if (is_dc && (*found)++ == 0) {
			*dc = child;
			*path = full;
			full = NULL;
		} else if (is_folder) {
			char *sub = NULL;
			if (asprintf(&sub, "%s/", full) < 0)
				err = remote_seterr("out of memory");
			else
				err = find_datacenters(c, &child, sub, depth + 1, found, dc, path);
			free(sub);
		}
		free(full);
	}
	soap_reply_free(&r);
	return err;
}

int vim_first_below(struct rconn *c, const struct vim_ref *folder, const char *type_part,
		    unsigned depth, struct vim_ref *out)
{
	struct soap_reply r;
	xmlNodePtr val;
	int rc = 1;

	if (vim_property(c, folder, "childEntity", &r, &val) < 0)
		return -1;
	for (xmlNodePtr n = val->children; n && rc == 1; n = n->next) {
		struct vim_ref child;
		if (soap_ref(&r, n, ".", &child) < 0)
			continue;
		if (strstr(child.type, type_part)) {
			*out = child;
			rc = 0;
		} else if (!strcmp(child.type, "Folder") && depth < FOLDER_DEPTH) {
			rc = vim_first_below(c, &child, type_part, depth + 1, out);
		}
	}
	soap_reply_free(&r);
	return rc;
}

int vim_named_in(struct rconn *c, const struct vim_ref *obj, const char *list,
		 const char *name, struct vim_ref *out)
{
	struct soap_reply r;
	xmlNodePtr val;
	int rc = 1;

	if (vim_property(c, obj, list, &r, &val) < 0)
		return -1;
	for (xmlNodePtr n = val->children; n && rc == 1; n = n->next) {
		struct vim_ref child;
		struct soap_reply nr;
		xmlNodePtr nv;
		char *have;
		/* One that is gone since the list was made is passed over. */
		if (soap_ref(&r, n, ".", &child) < 0 ||
		    vim_property(c, &child, "name", &nr, &nv) < 0)
			continue;
		have = soap_text(&nr, nv, ".");
		soap_reply_free(&nr);
		if (have && !strcmp(have, name)) {
			*out = child;
			rc = 0;
		}
		free(have);
	}
	soap_reply_free(&r);
	return rc;
}

int vim_datacenter(struct rconn *c, const char *want, struct vim_ref *dc, char **name)
{
	unsigned found = 0;

	*name = NULL;
	if (want) {
		int rc = vim_find(c, want, dc);
		if (rc < 0)
			return -1;
		if (rc > 0 || strcmp(dc->type, "Datacenter"))
			return remote_seterr("no datacenter '%s'", want);
		*name = strdup(want);
		return *name ? 0 : remote_seterr("out of memory");
	}
	if (find_datacenters(c, &c->root, "", 0, &found, dc, name) < 0) {
		free(*name);
		*name = NULL;
		return -1;
	}
	if (found == 1)
		return 0;
	free(*name);
	*name = NULL;
	return remote_seterr("%s; name one with --datacenter",
			     found ? "more than one datacenter" : "no datacenter found");
}
