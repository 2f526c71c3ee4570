/* SPDX-License-Identifier: MIT */
/* byteorder.h --- little- and big-endian fields of on-disk structures */
#ifndef VMDK_BASE_BYTEORDER_H
#define VMDK_BASE_BYTEORDER_H

#ifndef VMDK_INTERNAL
#error "an internal header of libvmdk: front ends include vmdk.h alone"
#endif

#include <stdint.h>

/* Little-endian: VMDK, VHDX, VDI. */
static inline uint16_t vmdk_le16(const void *p)
{
	const uint8_t *b = p;
	return (uint16_t)(b[0] | b[1] << 8);
}
static inline uint32_t vmdk_le32(const void *p)
{
	const uint8_t *b = p;
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[3] << 24;
}
static inline uint64_t vmdk_le64(const void *p)
{
	const uint8_t *b = p;
	return (uint64_t)vmdk_le32(b) | (uint64_t)vmdk_le32(b + 4) << 32;
}
static inline void vmdk_put_le16(void *p, uint16_t v)
{
	uint8_t *b = p;
	b[0] = (uint8_t)v;
	b[1] = (uint8_t)(v >> 8);
}
static inline void vmdk_put_le32(void *p, uint32_t v)
{
	uint8_t *b = p;
	for (int i = 0; i < 4; i++)
		b[i] = (uint8_t)(v >> (8 * i));
}
static inline void vmdk_put_le64(void *p, uint64_t v)
{
	vmdk_put_le32(p, (uint32_t)v);
	vmdk_put_le32((uint8_t *)p + 4, (uint32_t)(v >> 32));
}

/* ---- big-endian fields (other formats' headers: qcow2, VHD, VHDX) ---- */
static inline uint32_t vmdk_be32(const void *p)
{
	const uint8_t *b = p;
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 |
	       (uint32_t)b[3];
}
static inline uint64_t vmdk_be64(const void *p)
{
	const uint8_t *b = p;
	return (uint64_t)vmdk_be32(b) << 32 | vmdk_be32(b + 4);
}

#endif
