/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A fake D-Bus service on a private peer-to-peer connection (a socketpair,
 * no bus daemon): the server side runs in a thread and exports one object
 * with a vtable; the client side is what the code under test talks to.
 */
#ifndef HVG_TEST_FAKE_BUS_H
#define HVG_TEST_FAKE_BUS_H

#include <pthread.h>
#include <sys/socket.h>
#include <systemd/sd-bus.h>

struct fake_bus {
	sd_bus *server;
	sd_bus *client;
	pthread_t thread;
	volatile int stop;
};

static inline void *fake_bus_loop(void *arg)
{
	struct fake_bus *fb = arg;

	while (!fb->stop) {
		int r = sd_bus_process(fb->server, NULL);

		if (r < 0)
			break;
		if (r == 0)
			sd_bus_wait(fb->server, 20000);
	}
	return NULL;
}

struct fake_object {
	const char *path;
	const char *interface;
	const sd_bus_vtable *vtable;
};

/* Export several objects; returns 0 with fb->client ready, or -1. */
static inline int fake_bus_start_objects(struct fake_bus *fb, const struct fake_object *objects,
					 unsigned int count, void *userdata)
{
	sd_id128_t id;
	unsigned int i;
	int sv[2];

	fb->stop = 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0 ||
	    sd_id128_randomize(&id) < 0 || sd_bus_new(&fb->server) < 0 ||
	    sd_bus_set_fd(fb->server, sv[0], sv[0]) < 0 ||
	    sd_bus_set_server(fb->server, 1, id) < 0)
		return -1;
	for (i = 0; i < count; i++)
		if (sd_bus_add_object_vtable(fb->server, NULL, objects[i].path, objects[i].interface,
					     objects[i].vtable, userdata) < 0)
			return -1;
	if (sd_bus_start(fb->server) < 0 ||
	    pthread_create(&fb->thread, NULL, fake_bus_loop, fb) != 0)
		return -1;
	if (sd_bus_new(&fb->client) < 0 || sd_bus_set_fd(fb->client, sv[1], sv[1]) < 0 ||
	    sd_bus_start(fb->client) < 0)
		return -1;
	return 0;
}

static inline int fake_bus_start(struct fake_bus *fb, const char *path, const char *interface,
				 const sd_bus_vtable *vtable, void *userdata)
{
	const struct fake_object object = { path, interface, vtable };

	return fake_bus_start_objects(fb, &object, 1, userdata);
}

static inline void fake_bus_stop(struct fake_bus *fb)
{
	sd_bus_flush_close_unref(fb->client);
	fb->stop = 1;
	pthread_join(fb->thread, NULL);
	sd_bus_flush_close_unref(fb->server);
}

#endif
