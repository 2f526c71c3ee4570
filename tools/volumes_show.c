/* SPDX-License-Identifier: MIT */
/* volumes_show.c --- what vmdk_volumes() found, as text, as JSON, and as
 * vmware-mount's partition list */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common.h"
#include "volumes_show.h"

static const char *kind_name(int kind)
{
	return kind == VMDK_PART_EXTENDED ? "extended" :
	       kind == VMDK_PART_LOGICAL ? "logical" : "primary";
}

/* "ext4 1.0, label "root", uuid ..., block size 4096" */
static void content_text(const struct vmdk_content *c)
{
	if (c->ambiguous) {
		printf("two signatures claim it (not trusted)");
		return;
	}
	if (!*c->type) {
		printf("nothing recognised");
		return;
	}
	printf("%s", c->type);
	if (*c->version)
		printf(" %s", c->version);
	if (*c->label)
		printf(", label \"%s\"", c->label);
	if (*c->uuid)
		printf(", uuid %s", c->uuid);
	if (c->block_size)
		printf(", block size %" PRIu32, c->block_size);
}

void show_volumes_text(const struct vmdk_volumes *v)
{
	char h[32];

	printf("Volumes:            ");
	if (*v->table && strcmp(v->table, "PMBR"))
		printf("%s partition table%s%s%s, %u partition%s\n", v->table,
		       *v->table_id ? " (id " : "", v->table_id,
		       *v->table_id ? ")" : "", v->count, v->count == 1 ? "" : "s");
	else if (*v->whole.type || v->whole.ambiguous) {
		printf("no partition table; whole disk: ");
		content_text(&v->whole);
		printf("\n");
	} else if (!*v->problem)
		printf("none (no partition table or filesystem recognised)\n");
	else
		printf("none readable\n");
	if (*v->problem)
		printf("  problem: %s\n", v->problem);
	for (unsigned i = 0; i < v->count; i++) {
		const struct vmdk_partition *p = &v->part[i];
		printf("  partition %u: sector %" PRIu64 ", %" PRIu64 " sectors (%s), %s",
		       p->number, p->start, p->sectors,
		       tool_human(p->sectors * 512, h, sizeof(h)), kind_name(p->kind));
		printf(", type %s%s%s%s", p->type, *p->type_name ? " (" : "",
		       p->type_name, *p->type_name ? ")" : "");
		if (*p->name)
			printf(", name \"%s\"", p->name);
		if (*p->uuid)
			printf(", uuid %s", p->uuid);
		printf("\n");
		if (p->kind != VMDK_PART_EXTENDED) {
			printf("    ");
			content_text(&p->content);
			printf("\n");
		}
	}
}

static void json_str(const char *key, const char *v, const char *sep)
{
	printf("\"%s\": ", key);
	tool_json_string(*v ? v : NULL);
	fputs(sep, stdout);
}

static void content_json(const struct vmdk_content *c)
{
	if (!*c->type && !c->ambiguous) {
		printf("null");
		return;
	}
	printf("{");
	json_str("type", c->type, ", ");
	json_str("usage", c->usage, ", ");
	json_str("label", c->label, ", ");
	json_str("uuid", c->uuid, ", ");
	json_str("version", c->version, ", ");
	printf("\"blockSize\": %" PRIu32 ", \"ambiguous\": %s}", c->block_size,
	       c->ambiguous ? "true" : "false");
}

void show_volumes_json(const struct vmdk_volumes *v, const char *indent)
{
	printf("{");
	json_str("partitionTable", v->table, ", ");
	json_str("tableId", v->table_id, ", ");
	json_str("problem", v->problem, ",\n");
	printf("%s  \"content\": ", indent);
	content_json(&v->whole);
	printf(",\n%s  \"partitions\": [", indent);
	for (unsigned i = 0; i < v->count; i++) {
		const struct vmdk_partition *p = &v->part[i];
		printf("%s\n%s    {\"number\": %u, \"startSector\": %" PRIu64
		       ", \"sectors\": %" PRIu64 ", \"kind\": \"%s\", ", i ? "," : "",
		       indent, p->number, p->start, p->sectors, kind_name(p->kind));
		json_str("type", p->type, ", ");
		json_str("typeName", p->type_name, ", ");
		json_str("name", p->name, ", ");
		json_str("uuid", p->uuid, ",\n");
		printf("%s     \"content\": ", indent);
		content_json(&p->content);
		printf("}");
	}
	printf("%s]}", v->count ? "\n  " : "");
}

/* vmware-mount -p: one line a partition, the whole disk when it has
 * no table. */
void show_partition_list(const struct vmdk_volumes *v)
{
	printf("Nr      Start       Size Type Id System                   Content\n");
	printf("-- ---------- ---------- ---- -- ------------------------ -------\n");
	if (!*v->table || !strcmp(v->table, "PMBR")) {
		printf(" 0          0 %10s WHOL -- %-24s %s\n", "-", "whole disk",
		       v->whole.ambiguous ? "(two signatures)" :
		       *v->whole.type ? v->whole.type : "-");
	}
	for (unsigned i = 0; i < v->count; i++) {
		const struct vmdk_partition *p = &v->part[i];
		const char *tag = !strcmp(v->table, "gpt") ? "GPT" :
				  p->kind == VMDK_PART_EXTENDED ? "EXT" :
				  p->kind == VMDK_PART_LOGICAL ? "LOG" : "BIOS";
		char id[3] = "--";
		if (!strncmp(p->type, "0x", 2))
			snprintf(id, sizeof(id), "%.2s", p->type + 2);
		printf("%2u %10" PRIu64 " %10" PRIu64 " %-4s %-2s %-24.24s %s\n",
		       p->number, p->start, p->sectors, tag, id,
		       *p->type_name ? p->type_name : p->type,
		       p->kind == VMDK_PART_EXTENDED ? "-" :
		       p->content.ambiguous ? "(two signatures)" :
		       *p->content.type ? p->content.type : "-");
	}
	if (*v->problem)
		printf("problem: %s\n", v->problem);
}
