/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef HVG_KVP_BUS_H
#define HVG_KVP_BUS_H

/*
 * Ask systemd-networkd (org.freedesktop.network1) to re-read its .network
 * files and reconfigure the link, over the system bus with sd-bus.
 */
int kvp_networkd_reload(void *ctx, int ifindex);

#endif
