/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef HVM_FILELIST_H
#define HVM_FILELIST_H

#include "hvm.h"

struct hvm_filespec {
	const char *glob;	/* relative to the guest root */
	enum hvm_filetype type;
};

extern const struct hvm_filespec hvm_files[];

#endif
