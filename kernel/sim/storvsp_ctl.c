// SPDX-License-Identifier: GPL-2.0
/*
 * Control of hv_sim's storage host: debugfs storage/ctl (the commands in
 * storvsp.c's header comment) and storage/state.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include "sim.h"
#include "storvsp.h"

static char *boot_disk;
module_param(boot_disk, charp, 0444);
MODULE_PARM_DESC(boot_disk,
		 "A file or block device presented as LUN 0 of target 0 on the first SCSI controller the guest opens (a disk to boot from; thin, write cache on)");

static char *boot_disk_offset = "0";
module_param(boot_disk_offset, charp, 0444);
MODULE_PARM_DESC(boot_disk_offset,
		 "Where the boot disk starts in boot_disk, bytes, a multiple of 512 (default 0)");

struct svsp_disk *svsp_disk_find(const char *name)
{
	struct svsp_disk *d;

	list_for_each_entry(d, &svsp.disks, node)
		if (!strcmp(d->name, name))
			return d;
	return NULL;
}

/*
 * A controller named in a command: "N" (its number) or "relid:N" (the
 * controller of that channel). A relid is looked up before svsp.lock is
 * taken: the host's message loop holds sim.lock when it calls
 * svsp_opened(), which takes svsp.lock.
 */
struct svsp_ref {
	bool by_relid;
	bool found;
	const struct sim_device_type *type;
	guid_t instance;
};

static void svsp_ref_resolve(const char *s, struct svsp_ref *ref)
{
	const struct sim_device_type *type;
	u32 n;

	if (strncmp(s, "relid:", 6))
		return;
	ref->by_relid = true;
	if (kstrtou32(s + 6, 0, &n) ||
	    sim_channel_instance(n, &ref->instance, &type))
		return;
	if (type != &sim_storvsp_scsi_type && type != &sim_storvsp_ide_type &&
	    type != &sim_storvsp_fc_type)
		return;
	ref->type = type;
	ref->found = true;
}

/* Under svsp.lock. */
static struct svsp_ctrl *svsp_ctrl_parse(const char *s,
					 const struct svsp_ref *ref)
{
	struct svsp_ctrl *c;
	u32 n;

	if (ref->by_relid)
		return ref->found ? svsp_ctrl_get(&ref->instance, ref->type) :
				    NULL;
	if (kstrtou32(s, 0, &n))
		return NULL;
	list_for_each_entry(c, &svsp.ctrls, node)
		if (c->number == n)
			return c;
	return NULL;
}

/*
 * A disk: "disk NAME MIB OPTIONS..." in RAM, or "file NAME PATH OPTIONS..."
 * over a file or block device (its size is the capacity). Under svsp.lock.
 */
int svsp_disk_add(char **argv, int argc)
{
	struct sim_scsi_disk_config cfg = {
		.block_size = 512,
		.write_cache = false,
	};
	bool file = !strcmp(argv[0], "file");
	struct svsp_disk *d;
	u64 mib = 0, offset = 0;
	int i;

	if (argc < 3 || strlen(argv[1]) >= sizeof(d->name) ||
	    (!file && (kstrtou64(argv[2], 0, &mib) || !mib)))
		return -EINVAL;
	for (i = 3; i < argc; i++) {
		if (!strncmp(argv[i], "bs=", 3)) {
			if (kstrtou32(argv[i] + 3, 0, &cfg.block_size))
				return -EINVAL;
		} else if (!strncmp(argv[i], "pbs=", 4)) {
			if (kstrtou32(argv[i] + 4, 0, &cfg.phys_block_size))
				return -EINVAL;
		} else if (!strcmp(argv[i], "ro")) {
			cfg.read_only = true;
		} else if (!strcmp(argv[i], "thin")) {
			cfg.thin = true;
		} else if (!strcmp(argv[i], "wce")) {
			cfg.write_cache = true;
		} else if (file && !strncmp(argv[i], "offset=", 7)) {
			if (kstrtou64(argv[i] + 7, 0, &offset))
				return -EINVAL;
		} else {
			return -EINVAL;
		}
	}
	if (cfg.block_size != 512 && cfg.block_size != 4096)
		return -EINVAL;
	if (!cfg.phys_block_size)
		cfg.phys_block_size = cfg.block_size;
	if (svsp_disk_find(argv[1]))
		return -EEXIST;
	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	strscpy(d->name, argv[1], sizeof(d->name));
	cfg.name = d->name;
	cfg.sectors = div_u64(mib << 20, cfg.block_size);
	/* NAA 6 (IEEE registered extended), locally made: 0x60 then the name. */
	cfg.naa_id[0] = 0x60;
	cfg.naa_id[1] = 0x02;	/* Assumed OUI bytes; only uniqueness matters */
	cfg.naa_id[2] = 0x24;
	cfg.naa_id[3] = 0x80 | (svsp.next_ctrl & 0x0f);
	memcpy(&cfg.naa_id[4], d->name, min_t(size_t, strlen(d->name), 12));
	d->disk = file ? sim_scsi_disk_create_file(&cfg, argv[2], offset) :
			 sim_scsi_disk_create_ram(&cfg);
	if (IS_ERR(d->disk)) {
		int ret = PTR_ERR(d->disk);

		kfree(d);
		if (file)
			pr_err("storage: file disk %s over %s: error %d\n",
			       argv[1], argv[2], ret);
		return ret;
	}
	d->block_size = cfg.block_size;
	list_add_tail(&d->node, &svsp.disks);
	return 0;
}

static int svsp_cmd_attach(char **argv, int argc, bool attach,
			   const struct svsp_ref *ref, struct svsp_ctrl **notify)
{
	struct svsp_ctrl *c;
	struct svsp_lun *l;
	struct svsp_disk *d = NULL;
	u8 target, lun;

	if (argc != (attach ? 5 : 4))
		return -EINVAL;
	c = svsp_ctrl_parse(argv[1], ref);
	if (!c || kstrtou8(argv[2], 0, &target) || kstrtou8(argv[3], 0, &lun))
		return -EINVAL;
	if (c->ide) {
		/* One disk at LUN 0 of the target its instance names. */
		if (lun)
			return -EINVAL;
		target = c->ide_target;
	} else if (target >= SVSP_LUN_TARGETS) {
		return -EINVAL;
	}
	l = svsp_lun_find(c, target, lun);
	if (!attach) {
		if (!l)
			return -ENOENT;
		list_del(&l->node);
		sim_scsi_disk_put(l->disk);
		kfree(l);
		*notify = c;
		return 0;
	}
	d = svsp_disk_find(argv[4]);
	if (!d)
		return -ENOENT;
	if (l || (c->ide && !list_empty(&c->luns)))
		return -EBUSY;
	l = kzalloc(sizeof(*l), GFP_KERNEL);
	if (!l)
		return -ENOMEM;
	l->target = target;
	l->lun = lun;
	l->disk = d->disk;
	sim_scsi_disk_get(d->disk);
	list_add_tail(&l->node, &c->luns);
	*notify = c;
	return 0;
}

static int svsp_cmd_fault(char **argv, int argc, const struct svsp_ref *ref)
{
	struct svsp_ctrl *c;
	int i;
	u32 v;

	if (argc < 2)
		return -EINVAL;
	c = svsp_ctrl_parse(argv[1], ref);
	if (!c)
		return -EINVAL;
	for (i = 2; i < argc; i++) {
		char *eq = strchr(argv[i], '=');

		if (!eq || kstrtou32(eq + 1, 0, &v))
			return -EINVAL;
		*eq = 0;
		if (!strcmp(argv[i], "delay"))
			WRITE_ONCE(c->delay_ms, v);
		else if (!strcmp(argv[i], "reorder"))
			WRITE_ONCE(c->reorder, v);
		else if (!strcmp(argv[i], "drop"))
			atomic_set(&c->drop, v);
		else if (!strcmp(argv[i], "dup"))
			atomic_set(&c->dup, v);
		else if (!strcmp(argv[i], "badlen"))
			atomic_set(&c->badlen, v);
		else if (!strcmp(argv[i], "bogus"))
			atomic_set(&c->bogus, v);
		else
			return -EINVAL;
	}
	return 0;
}

static int svsp_cmd(char **argv, int argc)
{
	struct svsp_ctrl *notify = NULL, *fc = NULL;
	struct svsp_ref ref = {};
	struct svsp_disk *d;
	u8 v[5];
	u32 count;
	u64 mib;
	int ret, i;

	if (argc >= 2)
		svsp_ref_resolve(argv[1], &ref);
	down_write(&svsp.lock);
	if (!strcmp(argv[0], "disk") || !strcmp(argv[0], "file")) {
		ret = svsp_disk_add(argv, argc);
	} else if (!strcmp(argv[0], "attach")) {
		ret = svsp_cmd_attach(argv, argc, true, &ref, &notify);
	} else if (!strcmp(argv[0], "detach")) {
		ret = svsp_cmd_attach(argv, argc, false, &ref, &notify);
	} else if (!strcmp(argv[0], "rescan")) {
		notify = argc == 2 ? svsp_ctrl_parse(argv[1], &ref) : NULL;
		ret = notify ? 0 : -EINVAL;
	} else if (!strcmp(argv[0], "resize")) {
		d = argc == 3 ? svsp_disk_find(argv[1]) : NULL;
		ret = -EINVAL;
		if (d && !kstrtou64(argv[2], 0, &mib) && mib)
			ret = sim_scsi_disk_resize(d->disk,
						   div_u64(mib << 20,
							   d->block_size));
	} else if (!strcmp(argv[0], "fail")) {
		d = argc == 7 ? svsp_disk_find(argv[1]) : NULL;
		ret = d && !kstrtou32(argv[3], 0, &count) ? 0 : -EINVAL;
		for (i = 0; !ret && i < 5; i++)
			ret = kstrtou8(argv[i == 0 ? 2 : i + 2], 0, &v[i]);
		if (!ret)
			sim_scsi_disk_fail_next(d->disk, v[0], count, v[2],
						v[3], v[4]);
	} else if (!strcmp(argv[0], "fcswitch")) {
		fc = argc == 2 ? svsp_ctrl_parse(argv[1], &ref) : NULL;
		ret = fc && fc->fc ? 0 : -EINVAL;
	} else if (!strcmp(argv[0], "fault")) {
		ret = svsp_cmd_fault(argv, argc, &ref);
	} else {
		ret = -EINVAL;
	}
	up_write(&svsp.lock);
	if (notify)
		svsp_notify(notify, HV_VSTOR_OP_ENUMERATE_BUS);
	if (fc && !ret)
		svsp_fc_switch(fc);
	return ret;
}

static ssize_t svsp_ctl_write(struct file *f, const char __user *ubuf,
			      size_t len, loff_t *ppos)
{
	char *argv[12], *buf, *cur, *tok;
	int argc = 0, ret;

	if (len > 256)
		return -EINVAL;
	buf = memdup_user_nul(ubuf, len);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	cur = strim(buf);
	while ((tok = strsep(&cur, " \t")) != NULL) {
		if (!*tok)
			continue;
		if (argc == ARRAY_SIZE(argv)) {
			kfree(buf);
			return -E2BIG;
		}
		argv[argc++] = tok;
	}
	ret = argc ? svsp_cmd(argv, argc) : -EINVAL;
	kfree(buf);
	return ret ? ret : len;
}

static const struct file_operations svsp_ctl_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = svsp_ctl_write,
};

static int svsp_state_show(struct seq_file *m, void *v)
{
	static const char *const states[] = {
		"new", "begun", "versioned", "ready",
	};
	struct svsp_ctrl *c;
	struct svsp_disk *d;
	struct svsp_lun *l;
	char *text;

	text = kmalloc(1024, GFP_KERNEL);
	if (!text)
		return -ENOMEM;
	down_read(&svsp.lock);
	list_for_each_entry(d, &svsp.disks, node) {
		sim_scsi_disk_show(d->disk, text, 1024);
		seq_printf(m, "disk %s: %s\n", d->name, strim(text));
	}
	list_for_each_entry(c, &svsp.ctrls, node) {
		seq_printf(m, "ctrl %u %s %pUl state %s version %#x channels %d",
			   c->number, c->ide ? "ide" : c->fc ? "fc" : "scsi",
			   &c->instance,
			   states[READ_ONCE(c->state)], c->version,
			   svsp_ctrl_channels(c));
		seq_printf(m, " srbs %lld refused %lld resets %lld notices %lld\n",
			   atomic64_read(&c->srbs), atomic64_read(&c->refused),
			   atomic64_read(&c->resets),
			   atomic64_read(&c->unsolicited));
		list_for_each_entry(l, &c->luns, node) {
			d = NULL;
			list_for_each_entry(d, &svsp.disks, node)
				if (d->disk == l->disk)
					break;
			seq_printf(m, "  lun %u:%u %s\n", l->target, l->lun,
				   d && d->disk == l->disk ? d->name : "?");
		}
	}
	up_read(&svsp.lock);
	kfree(text);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(svsp_state);

int sim_storvsp_init(struct dentry *dir)
{
	char offset[32], *argv[6];
	int ret;

	svsp.dir = debugfs_create_dir("storage", dir);
	debugfs_create_file("ctl", 0200, svsp.dir, NULL, &svsp_ctl_fops);
	debugfs_create_file("state", 0444, svsp.dir, NULL, &svsp_state_fops);
	if (!boot_disk || !*boot_disk)
		return 0;
	snprintf(offset, sizeof(offset), "offset=%s", boot_disk_offset);
	argv[0] = "file";
	argv[1] = "boot";
	argv[2] = boot_disk;
	/* thin: the guest's TRIM reaches the file; wce: it sends flushes */
	argv[3] = "thin";
	argv[4] = "wce";
	argv[5] = offset;
	down_write(&svsp.lock);
	ret = svsp_disk_add(argv, ARRAY_SIZE(argv));
	if (!ret)
		svsp.boot = svsp_disk_find("boot");
	up_write(&svsp.lock);
	if (ret) {
		pr_err("boot_disk=%s: cannot present it (error %d)\n",
		       boot_disk, ret);
		sim_storvsp_exit();
	}
	return ret;
}

/* After every channel is gone: free the controllers and the disks. */
void sim_storvsp_exit(void)
{
	struct svsp_ctrl *c, *ct;
	struct svsp_disk *d, *dt;
	struct svsp_lun *l, *lt;

	debugfs_remove_recursive(svsp.dir);
	svsp.dir = NULL;
	down_write(&svsp.lock);
	list_for_each_entry_safe(c, ct, &svsp.ctrls, node) {
		list_for_each_entry_safe(l, lt, &c->luns, node) {
			sim_scsi_disk_put(l->disk);
			kfree(l);
		}
		list_del(&c->node);
		kfree(c);
	}
	list_for_each_entry_safe(d, dt, &svsp.disks, node) {
		sim_scsi_disk_put(d->disk);
		list_del(&d->node);
		kfree(d);
	}
	up_write(&svsp.lock);
}
