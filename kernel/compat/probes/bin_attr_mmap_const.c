// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_BIN_ATTR_MMAP_CONST: bin_attribute.mmap takes a const
 * bin_attribute (changed upstream in 6.13/6.14).
 */
#include <linux/sysfs.h>

static int probe_mmap(struct file *file, struct kobject *kobj,
		      const struct bin_attribute *attr,
		      struct vm_area_struct *vma)
{
	return 0;
}

struct bin_attribute probe_attr = {
	.mmap = probe_mmap,
};
