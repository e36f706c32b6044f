// SPDX-License-Identifier: GPL-2.0-only
/*
 * Benchmark: our hv_kvp_daemon against the distribution's hv_kvp_daemon,
 * both unmodified binaries on a fake device (preload_device.so), measured
 * in the same run so the ratio is what matters, not the machine.
 *
 *   ENUMERATE over N keys of pool 1 (default 10,000), peak RSS (VmHWM)
 *   GET_IP_INFO latency for the MAC of a local interface
 *
 * Usage: bench_kvp STOCK OURS PRELOAD [N]   (prints a small table)
 * Not a test: it has no pass/fail; `make -C daemons bench` runs it.
 */
#include "fake_device.h"

#include <ctype.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <linux/hyperv.h>
#include <signal.h>
#include <stdint.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>

struct daemon_run {
	pid_t pid;
	int listener;
	int dev;
	char sock[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int launch(struct daemon_run *r, const char *binary, const char *preload,
		  const char *pool_dir, const char *config)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct pollfd pfd;
	struct hv_kvp_msg msg;

	if (snprintf(r->sock, sizeof(r->sock), "%s.sock", pool_dir) >= (int)sizeof(addr.sun_path))
		return -1;
	unlink(r->sock);
	strcpy(addr.sun_path, r->sock);
	r->listener = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (r->listener < 0 || bind(r->listener, (struct sockaddr *)&addr, sizeof(addr)) ||
	    listen(r->listener, 1))
		return -1;
	r->pid = fork();
	if (r->pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		setenv("LD_PRELOAD", preload, 1);
		setenv("HVG_FAKE_DEVICE", r->sock, 1);
		setenv("HVG_POOL_DIR", pool_dir, 1);
		if (config)
			execl(binary, binary, "-n", "-c", config, (char *)NULL);
		else
			execl(binary, binary, "-n", (char *)NULL);
		_exit(127);
	}
	pfd = (struct pollfd){ .fd = r->listener, .events = POLLIN };
	if (poll(&pfd, 1, 20000) != 1)
		return -1;
	r->dev = accept(r->listener, NULL, NULL);
	if (fake_recv(r->dev, &msg, sizeof(msg), 20000) != sizeof(msg))
		return -1;
	memset(&msg, 0, sizeof(msg));
	msg.kvp_hdr.operation = KVP_OP_REGISTER1;
	strcpy((char *)msg.body.kvp_register.version, "3.1");
	return send(r->dev, &msg, sizeof(msg), 0) == sizeof(msg) ? 0 : -1;
}

static long peak_rss_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmHWM:", 6))
			kb = strtol(line + 6, NULL, 10);
	if (f)
		fclose(f);
	return kb;
}

static void finish(struct daemon_run *r)
{
	kill(r->pid, SIGTERM);
	waitpid(r->pid, NULL, 0);
	close(r->dev);
	close(r->listener);
	unlink(r->sock);
}

static int fill_pool(const char *pool_dir, unsigned int n)
{
	char *path = path_join(pool_dir, ".kvp_pool_1");
	char record[2560];
	FILE *f = fopen(path, "wb");
	unsigned int i;

	free(path);
	if (!f)
		return -1;
	for (i = 0; i < n; i++) {
		memset(record, 0, sizeof(record));
		snprintf(record, 512, "key%05u", i);
		snprintf(record + 512, 2048, "value-%u", i);
		fwrite(record, sizeof(record), 1, f);
	}
	return fclose(f);
}

/* Seconds for ENUMERATE 0..n of pool 1; *ok counts successful answers. */
static double enumerate_all(struct daemon_run *r, unsigned int n, unsigned int *ok)
{
	static struct hv_kvp_msg msg;
	double start = now_s();
	unsigned int i;

	*ok = 0;
	for (i = 0; i <= n; i++) {
		memset(&msg, 0, sizeof(msg));
		msg.kvp_hdr.operation = KVP_OP_ENUMERATE;
		msg.kvp_hdr.pool = 1;
		msg.body.kvp_enum_data.index = i;
		if (send(r->dev, &msg, sizeof(msg), 0) != sizeof(msg) ||
		    fake_recv(r->dev, &msg, sizeof(msg), 600000) != sizeof(msg))
			return -1;
		if (msg.error == HV_S_OK)
			(*ok)++;
	}
	return now_s() - start;
}

static double ip_info_latency(struct daemon_run *r, const char *mac, unsigned int rounds)
{
	static struct hv_kvp_msg msg;
	double start = now_s();
	unsigned int i;

	for (i = 0; i < rounds; i++) {
		memset(&msg, 0, sizeof(msg));
		msg.kvp_hdr.operation = KVP_OP_GET_IP_INFO;
		strcpy((char *)msg.body.kvp_ip_val.adapter_id, mac);
		if (send(r->dev, &msg, sizeof(msg), 0) != sizeof(msg) ||
		    fake_recv(r->dev, &msg, sizeof(msg), 60000) != sizeof(msg))
			return -1;
	}
	return (now_s() - start) / rounds;
}

/* The upper-case MAC of an interface with an IPv4 address, as upstream compares. */
static int local_mac(char out[18])
{
	struct ifaddrs *list, *a;
	int found = -1;

	if (getifaddrs(&list))
		return -1;
	for (a = list; a && found; a = a->ifa_next) {
		char path[300], text[64];
		FILE *f;

		if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET ||
		    (a->ifa_flags & IFF_LOOPBACK))
			continue;
		snprintf(path, sizeof(path), "/sys/class/net/%s/address", a->ifa_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(text, sizeof(text), f) && strlen(text) >= 17) {
			for (int i = 0; i < 17; i++)
				out[i] = (char)toupper((unsigned char)text[i]);
			out[17] = '\0';
			found = 0;
		}
		fclose(f);
	}
	freeifaddrs(list);
	return found;
}

int main(int argc, char **argv)
{
	const char *names[2] = { "stock", "ours" };
	unsigned int n = argc > 4 ? (unsigned int)atoi(argv[4]) : 10000, ok[2];
	double enum_s[2], ip_s[2];
	long rss[2];
	char *dir, mac[18] = "";
	int which;

	if (argc < 4) {
		fprintf(stderr, "usage: %s STOCK_DAEMON OUR_DAEMON PRELOAD_SO [KEYS]\n", argv[0]);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	dir = make_temp_dir();
	local_mac(mac);
	for (which = 0; which < 2; which++) {
		struct daemon_run r;
		char pools[512], config[600], text[700];

		snprintf(pools, sizeof(pools), "%s/%s", dir, names[which]);
		mkdir(pools, 0755);
		snprintf(config, sizeof(config), "%s.conf", pools);
		snprintf(text, sizeof(text), "pool_dir = %s\nexclude_interfaces =\n", pools);
		write_text_file(config, text);
		if (fill_pool(pools, n) ||
		    launch(&r, argv[1 + which], argv[3], pools, which ? config : NULL)) {
			fprintf(stderr, "%s: could not start %s\n", names[which], argv[1 + which]);
			return 1;
		}
		sleep(2); /* let the pool file's ctime age (our cache rule) */
		enum_s[which] = enumerate_all(&r, n, &ok[which]);
		rss[which] = peak_rss_kb(r.pid);
		ip_s[which] = mac[0] ? ip_info_latency(&r, mac, which ? 200 : 20) : -1;
		finish(&r);
	}
	remove_tree(dir);
	printf("%-28s %12s %12s %10s\n", "", "stock", "ours", "stock/ours");
	printf("%-28s %11.3fs %11.3fs %9.1fx   (%u/%u keys answered)\n", "ENUMERATE all keys",
	       enum_s[0], enum_s[1], enum_s[0] / enum_s[1], ok[0], ok[1]);
	printf("%-28s %10ldkB %10ldkB %9.2fx\n", "peak RSS", rss[0], rss[1],
	       (double)rss[0] / (double)rss[1]);
	printf("%-28s %10.3fms %10.3fms %9.1fx   (MAC %s)\n", "GET_IP_INFO latency",
	       ip_s[0] * 1000, ip_s[1] * 1000, ip_s[0] / ip_s[1], mac);
	return 0;
}
