/* SPDX-License-Identifier: MIT */
/* ovf.c --- the OVF envelope an import of one disk needs: the file, its
 * capacity and format, and a VM with the disk on the source's adapter.
 * Built with libxml2, elements in the order the CIM schemas give. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "remote_int.h"

#define OVF_NS "http://schemas.dmtf.org/ovf/envelope/1"
#define RASD_NS "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData"
#define VSSD_NS "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData"
#define STREAM_FORMAT "http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized"

struct ovf {
	xmlNsPtr ovf, rasd, vssd;
};

static void rasd(struct ovf *x, xmlNodePtr item, const char *name, const char *text)
{
	xmlNewTextChild(item, x->rasd, BAD_CAST name, BAD_CAST text);
}

static void section_info(struct ovf *x, xmlNodePtr sec, const char *text)
{
	xmlNewTextChild(sec, x->ovf, BAD_CAST "Info", BAD_CAST text);
}

/* The controller item: IDE (type 5) or SCSI (6) of the source's kind. */
static void controller(struct ovf *x, xmlNodePtr hw, const char *adapter)
{
	xmlNodePtr item = xmlNewChild(hw, x->ovf, BAD_CAST "Item", NULL);
	bool ide = !strcmp(adapter, "ide");
	const char *sub = !strcmp(adapter, "buslogic") ? "buslogic" :
			  !strcmp(adapter, "pvscsi") ? "VirtualSCSI" : "lsilogic";

	rasd(x, item, "Address", "0");
	rasd(x, item, "ElementName", ide ? "IDE Controller 0" : "SCSI Controller 0");
	rasd(x, item, "InstanceID", "1");
	if (!ide)
		rasd(x, item, "ResourceSubType", sub);
	rasd(x, item, "ResourceType", ide ? "5" : "6");
}

char *ovf_for_disk(vmdk_disk *d, const char *name)
{
	struct vmdk_info info;
	struct ovf x;
	xmlDocPtr doc;
	xmlNodePtr env, n, vs, hw, item;
	xmlChar *text = NULL;
	char bytes[32];
	char *out;
	int len = 0;

	if (vmdk_get_info(d, &info) < 0)
		return NULL;
	snprintf(bytes, sizeof(bytes), "%llu",
		 (unsigned long long)info.capacity * 512ull);
	doc = xmlNewDoc(BAD_CAST "1.0");
	env = xmlNewNode(NULL, BAD_CAST "Envelope");
	xmlDocSetRootElement(doc, env);
	x.ovf = xmlNewNs(env, BAD_CAST OVF_NS, BAD_CAST "ovf");
	x.rasd = xmlNewNs(env, BAD_CAST RASD_NS, BAD_CAST "rasd");
	x.vssd = xmlNewNs(env, BAD_CAST VSSD_NS, BAD_CAST "vssd");
	xmlSetNs(env, x.ovf);

	n = xmlNewChild(env, x.ovf, BAD_CAST "References", NULL);
	n = xmlNewChild(n, x.ovf, BAD_CAST "File", NULL);
	xmlNewNsProp(n, x.ovf, BAD_CAST "href", BAD_CAST "disk.vmdk");
	xmlNewNsProp(n, x.ovf, BAD_CAST "id", BAD_CAST "file1");

	n = xmlNewChild(env, x.ovf, BAD_CAST "DiskSection", NULL);
	section_info(&x, n, "Virtual disk information");
	n = xmlNewChild(n, x.ovf, BAD_CAST "Disk", NULL);
	xmlNewNsProp(n, x.ovf, BAD_CAST "capacity", BAD_CAST bytes);
	xmlNewNsProp(n, x.ovf, BAD_CAST "capacityAllocationUnits", BAD_CAST "byte");
	xmlNewNsProp(n, x.ovf, BAD_CAST "diskId", BAD_CAST "vmdisk1");
	xmlNewNsProp(n, x.ovf, BAD_CAST "fileRef", BAD_CAST "file1");
	xmlNewNsProp(n, x.ovf, BAD_CAST "format", BAD_CAST STREAM_FORMAT);

	vs = xmlNewChild(env, x.ovf, BAD_CAST "VirtualSystem", NULL);
	xmlNewNsProp(vs, x.ovf, BAD_CAST "id", BAD_CAST name);
	section_info(&x, vs, "The virtual machine that carries the disk in");
	xmlNewTextChild(vs, x.ovf, BAD_CAST "Name", BAD_CAST name);
	hw = xmlNewChild(vs, x.ovf, BAD_CAST "VirtualHardwareSection", NULL);
	section_info(&x, hw, "Virtual hardware requirements");
	n = xmlNewChild(hw, x.ovf, BAD_CAST "System", NULL);
	xmlNewTextChild(n, x.vssd, BAD_CAST "ElementName", BAD_CAST "Virtual Hardware Family");
	xmlNewTextChild(n, x.vssd, BAD_CAST "InstanceID", BAD_CAST "0");
	/* Every ESXi from 5.0 on runs version 8: the VM is only a carrier. */
	xmlNewTextChild(n, x.vssd, BAD_CAST "VirtualSystemType", BAD_CAST "vmx-08");
	controller(&x, hw, info.adapter ? info.adapter : "");
	item = xmlNewChild(hw, x.ovf, BAD_CAST "Item", NULL);
	rasd(&x, item, "AddressOnParent", "0");
	rasd(&x, item, "ElementName", "Hard Disk 1");
	rasd(&x, item, "HostResource", "ovf:/disk/vmdisk1");
	rasd(&x, item, "InstanceID", "2");
	rasd(&x, item, "Parent", "1");
	rasd(&x, item, "ResourceType", "17");

	xmlDocDumpMemoryEnc(doc, &text, &len, "UTF-8");
	xmlFreeDoc(doc);
	out = text ? strdup((const char *)text) : NULL;
	xmlFree(text);
	return out;
}
