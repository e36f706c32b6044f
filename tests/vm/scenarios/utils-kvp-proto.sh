# kernels: 6.12
# timeout: 700
# KVP's edges, against a scripted daemon (Python, below) that checks the
# exact messages hv_utils hands it and answers what a real daemon would
# not: the host's negotiation released after 55 s without a daemon; the
# device's handshake (short writes, unknown register ops, the "3.1"
# answer, answers to nothing); the UTF-16 to UTF-8 conversions and sizes
# the daemon sees for every operation; answers with invalid UTF-8,
# unterminated strings or HRESULTs; a daemon too slow (30 s timeout, its
# late answer dropped, not taken for the next request's), one that closes
# with a request outstanding, and a
# legacy daemon (KVP_OP_REGISTER): empty key = HV_S_CONT, no IP operations.

sim=/sys/kernel/debug/hv_sim
log=/tmp/fake-kvpd.log
. "$HVG_SRC/tests/vm/lib-kvp.sh"

# saw LINE: the scripted daemon logged exactly LINE.
saw() {
	local i
	for i in $(seq 100); do
		grep -qsFx -- "$1" "$log" && { echo "ok: daemon saw: $1"; return 0; }
		sleep 0.1
	done
	cat "$log"
	hvg_fail "the daemon did not log: $1"
}

# The scripted daemon. Layout of struct hv_kvp_msg (7432 bytes: its body
# union is padded to 4), from include/uapi/linux/hyperv.h: operation, pool, pad (or int error) at 0,
# then the body at 4: get/set value_type 4, key_size 8, value_size 12,
# key 16, value 528; delete key_size 4, key 8; enumerate index 4,
# value_type 8, key_size 12, value_size 16, key 20, value 532; IP
# adapter_id 4, addr_family 260, dhcp_enabled 261, ip_addr 262, sub_net
# 2310, gate_way 4358, dns_addr 5382; register version 4.
cat >/tmp/fake-kvpd.py <<'EOF'
import os, struct, sys, time

DEV = "/dev/vmbus/hv_kvp"
SIZE = 7432
log = open(sys.argv[1], "a", buffering=1)


def say(s):
    log.write(s + "\n")


def cstr(b):
    return b.split(b"\0", 1)[0].decode("utf-8", "backslashreplace")


def u32(m, off):
    return struct.unpack_from("<I", m, off)[0]


def err(fd, data):
    try:
        os.write(fd, data)
        return 0
    except OSError as e:
        return e.errno


def register(op):
    fd = os.open(DEV, os.O_RDWR)
    reg = bytearray(SIZE)
    reg[0] = op
    rep = os.read(fd, SIZE) if err(fd, bytes(reg)) == 0 else b""
    say("registered op=%d len=%d reply_op=%d version=%s" %
        (op, len(rep), rep[0] if rep else -1, cstr(rep[4:516])))
    return fd


# The handshake's refusals, then a registration.
fd = os.open(DEV, os.O_RDWR)
bad = bytearray(SIZE)
bad[0] = 5
say("handshake short=%d bad_op=%d" % (err(fd, bytes(100)), err(fd, bytes(bad))))
os.close(fd)
fd = register(100)
say("spurious=%d" % err(fd, bytes(SIZE)))

answers = [
    ("ok",), ("ok",), ("ok",),              # set, set_u32, set_u64
    ("value", "h\u00e9llo".encode()),       # get
    ("error", 0x80070103),                  # delete
    ("enum", b"K", b"V"),
    ("enum", b"K", b"\xff\xfe"),            # not UTF-8
    ("enum", b"a" * 512, b"b" * 2048),      # unterminated
    ("error", 0x80070057),
    ("ip",), ("ok",),                       # get_ip_info, set_ip_info
    ("late", 35),
    ("value", b"v2"),
    ("close_legacy",),
    ("enum", b"", b""), ("enum", b"A", b"B"),   # legacy
    ("enum", b"Z", b"end"),
]
for n, a in enumerate(answers, 1):
    m = bytearray(os.read(fd, SIZE))
    op, pool = m[0], m[1]
    if op in (0, 1):
        desc = "type=%d key_size=%d key=%s value_size=%d value=%s" % (
            u32(m, 4), u32(m, 8), cstr(m[16:528]), u32(m, 12),
            cstr(m[528:2576]))
    elif op == 2:
        desc = "key_size=%d key=%s" % (u32(m, 4), cstr(m[8:520]))
    elif op == 3:
        desc = "index=%d" % u32(m, 4)
    else:
        desc = "adapter=%s family=%d dhcp=%d ip=%s subnet=%s gw=%s dns=%s" % (
            cstr(m[4:260]), m[260], m[261], cstr(m[262:2310]),
            cstr(m[2310:4358]), cstr(m[4358:5382]), cstr(m[5382:7430]))
    say("req %d len=%d op=%d pool=%d %s" % (n, len(m), op, pool, desc))
    struct.pack_into("<i", m, 0, 0)
    if a[0] == "value":
        m[528:2576] = a[1].ljust(2048, b"\0")
    elif a[0] == "error":
        struct.pack_into("<I", m, 0, a[1])
    elif a[0] == "enum":
        m[20:532] = a[1].ljust(512, b"\0")
        m[532:2580] = a[2].ljust(2048, b"\0")
    elif a[0] == "ip":
        m[260], m[261] = 2, 1
        m[262:2310] = b"1" * 2048
        m[2310:4358] = b"255.0.0.0".ljust(2048, b"\0")
        m[4358:5382] = b"10.0.0.1".ljust(1024, b"\0")
        m[5382:7430] = b"10.0.0.53".ljust(2048, b"\0")
    elif a[0] == "late":
        time.sleep(a[1])
        say("late answer errno=%d" % err(fd, bytes(m)))
        continue
    elif a[0] == "close_legacy":
        os.close(fd)
        fd = register(4)
        continue
    say("answer %d errno=%d" % (n, err(fd, bytes(m))))
os.close(fd)
say("done")
EOF

hvg_insmod hv_vmbus
hvg_insmod hv_sim devices=kvp
t0=$(date +%s)
hvg_insmod hv_utils

# --- no daemon: the host's negotiation is released after 55 s ---
for i in $(seq 120); do
	[ "$(cat "$kvp/version")" != none ] && break
	sleep 1
done
t=$(($(date +%s) - t0))
hvg_check "negotiated without a daemon" test "$(cat "$kvp/version")" = "fw 3.0 srv 4.0"
[ $t -ge 54 ] && [ $t -le 90 ] || hvg_fail "negotiation released after ${t}s, expected 55"
echo "ok: negotiation released after ${t}s"
hvg_check "the kernel said why" hvg_dmesg_has 'no KVP daemon after 55 s'
# (A request without a daemon now waits for one: kvp_check_failures in
# lib-kvp.sh tests that with both real daemons.)

# --- the scripted daemon ---
rm -f "$log"
python3 /tmp/fake-kvpd.py "$log" >/tmp/fake-kvpd.out 2>&1 &
pid=$!
saw "handshake short=22 bad_op=22"
saw "registered op=100 len=7432 reply_op=100 version=3.1"
saw "spurious=22"

# What the daemon sees: UTF-8 with sizes counting the NUL, scalars as
# decimal strings (value_type left 0, as upstream), GET asking for the
# whole value (2048).
expect "set 1 clé välue" $S_OK
saw "req 1 len=7432 op=1 pool=1 type=0 key_size=5 key=clé value_size=7 value=välue"
expect "set_u32 0 n 42" $S_OK
saw "req 2 len=7432 op=1 pool=0 type=0 key_size=2 key=n value_size=3 value=42"
expect "set_u64 0 n 18446744073709551615" $S_OK
saw "req 3 len=7432 op=1 pool=0 type=0 key_size=2 key=n value_size=21 value=18446744073709551615"
expect "get 0 k" $S_OK key=k value=héllo
saw "req 4 len=7432 op=0 pool=0 type=0 key_size=2 key=k value_size=2048 value="
expect "delete 3 gone" $S_CONT
saw "req 5 len=7432 op=2 pool=3 key_size=5 key=gone"
expect "enumerate 4 7" $S_OK key=K value=V
saw "req 6 len=7432 op=3 pool=4 index=7"
expect "enumerate 4 8" $E_FAIL
expect "enumerate 4 9" $S_OK "key=$(printf 'a%.0s' $(seq 254))" \
	"value=$(printf 'b%.0s' $(seq 1022))"
expect "enumerate 4 10" 0x80070057
expect "family=1 get_ip_info AA:BB:CC:DD:EE:FF" $S_OK \
	"ip=$(printf '1%.0s' $(seq 1023))" subnet=255.0.0.0 gateway=10.0.0.1 \
	dns=10.0.0.53 adapter=AA:BB:CC:DD:EE:FF dhcp=1 family=2
saw "req 10 len=7432 op=4 pool=0 adapter=AA:BB:CC:DD:EE:FF family=1 dhcp=0 ip= subnet= gw= dns="
expect "set_ip_info {4f1c-ab} 1 10.0.0.2 255.0.0.0 10.0.0.1 10.0.0.53" $S_OK
saw "req 11 len=7432 op=5 pool=0 adapter={4f1c-ab} family=1 dhcp=1 ip=10.0.0.2 subnet=255.0.0.0 gw=10.0.0.1 dns=10.0.0.53"

# Too slow: the host gets HV_E_FAIL after 30 s. The host's next request
# goes to the daemon while it still works on the old one; its late answer
# to that one is dropped (the write succeeds, so it carries on), and the
# new request gets its own answer (before, the late answer was taken as
# the new request's: an empty value with S_OK).
t0=$(date +%s)
expect "get 0 slow" $E_FAIL
t=$(($(date +%s) - t0))
[ $t -ge 29 ] && [ $t -le 60 ] || hvg_fail "the timeout took ${t}s, expected 30"
echo "ok: timed out after ${t}s"
hvg_check "the daemon has not answered yet" sh -c "! grep -q '^late answer' $log"
expect "get 0 k2" $S_OK value=v2
saw "late answer errno=0"
hvg_check "the kernel dropped the late answer" \
	hvg_dmesg_has 'dropped the KVP daemon.s late answer to a request that timed out'


# Closing with a request outstanding fails it at once; the daemon comes
# back as a legacy one.
t0=$(date +%s)
expect "get 0 bye" $E_FAIL
[ $(($(date +%s) - t0)) -lt 10 ] || hvg_fail "a closed daemon's request was slow"
saw "registered op=4 len=7432 reply_op=4 version=3.1"
hvg_check "the kernel noticed the legacy daemon" hvg_dmesg_has 'legacy KVP daemon'
expect "enumerate 2 0" $S_CONT
expect "enumerate 2 1" $S_OK key=A value=B
expect "get_ip_info AA:BB:CC:DD:EE:FF" $E_FAIL
expect "enumerate 0 5" $S_OK key=Z value=end
# The IP request never reached it: its 17th request was that ENUMERATE.
saw "req 17 len=7432 op=3 pool=0 index=5"
saw "done"
wait "$pid" || hvg_fail "the scripted daemon failed: $(cat /tmp/fake-kvpd.out)"
cat "$log"

hvg_check "no protocol violation seen by the host" test "$(cat $sim/violations)" = 0
hvg_rmmod hv_utils
hvg_rmmod hv_sim
hvg_rmmod hv_vmbus
hvg_pass
