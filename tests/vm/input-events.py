#!/usr/bin/env python3
"""Input devices as a VM scenario sees them (no evtest in the guest).

  input-events.py find PHYS_PREFIX|name=NAME|sysfs=TEXT
        the /dev/input/eventN whose phys starts with PHYS_PREFIX (or whose
        name is NAME, or whose sysfs path has TEXT); exit 1 if none
  input-events.py read DEV COUNT TIMEOUT_S
        print "ready", then the next COUNT events other than EV_SYN and
        EV_MSC as "TYPE CODE VALUE" (KEY 30 1, ABS 0 16384, REL 8 -1,
        LED 1 1); exit 1 if fewer came in time
  input-events.py absinfo DEV CODE
        "MIN MAX" of an absolute axis (EVIOCGABS)
  input-events.py leds DEV
        the LEDs that are on, as a bit mask (EVIOCGLED)
  input-events.py setled DEV LED VALUE
        switch an LED as a program does: an EV_LED event written to DEV
  input-events.py rdesc HIDRAW
        the report descriptor the HID core has, in hex (HIDIOCGRDESC)
  input-events.py hidraw HIDRAW COUNT TIMEOUT_S
        print "ready", then COUNT raw reports in hex
"""
import fcntl
import os
import select
import struct
import sys
import time

EVENT = struct.Struct("llHHi")  # struct input_event on 64-bit
TYPES = {1: "KEY", 2: "REL", 3: "ABS", 17: "LED"}
EV_LED = 0x11


def ioc_read(group, nr, size):
    return (2 << 30) | (size << 16) | (ord(group) << 8) | nr


def find(spec):
    for ev in sorted(os.listdir("/sys/class/input")):
        if not ev.startswith("event"):
            continue
        base = "/sys/class/input/%s/device" % ev
        try:
            name = open(base + "/name").read().strip()
            phys = open(base + "/phys").read().strip()
        except OSError:
            continue
        if spec.startswith("sysfs="):
            if spec[6:] in os.path.realpath(base):
                print("/dev/input/" + ev)
                return 0
        elif spec.startswith("name="):
            if name == spec[5:]:
                print("/dev/input/" + ev)
                return 0
        elif phys.startswith(spec):
            print("/dev/input/" + ev)
            return 0
    return 1


def wait_readable(fd, deadline):
    left = deadline - time.monotonic()
    return left > 0 and bool(select.select([fd], [], [], left)[0])


def read_events(dev, count, timeout):
    fd = os.open(dev, os.O_RDONLY)
    print("ready", flush=True)
    deadline = time.monotonic() + timeout
    seen = 0
    buf = b""
    while seen < count and wait_readable(fd, deadline):
        buf += os.read(fd, EVENT.size * 64)
        while len(buf) >= EVENT.size and seen < count:
            _, _, etype, code, value = EVENT.unpack(buf[:EVENT.size])
            buf = buf[EVENT.size:]
            if etype in TYPES:
                print("%s %d %d" % (TYPES[etype], code, value), flush=True)
                seen += 1
    return 0 if seen == count else 1


def absinfo(dev, code):
    fd = os.open(dev, os.O_RDONLY)
    info = bytearray(24)
    fcntl.ioctl(fd, ioc_read("E", 0x40 + code, 24), info)
    _, lo, hi, _, _, _ = struct.unpack("6i", info)
    print(lo, hi)
    return 0


def leds(dev):
    fd = os.open(dev, os.O_RDONLY)
    bits = bytearray(8)
    fcntl.ioctl(fd, ioc_read("E", 0x19, len(bits)), bits)
    print(int.from_bytes(bits, "little"))
    return 0


def setled(dev, led, value):
    fd = os.open(dev, os.O_WRONLY)
    os.write(fd, EVENT.pack(0, 0, EV_LED, led, value) + EVENT.pack(0, 0, 0, 0, 0))
    return 0


def rdesc(dev):
    fd = os.open(dev, os.O_RDONLY)
    size = bytearray(4)
    fcntl.ioctl(fd, ioc_read("H", 1, 4), size)
    n = struct.unpack("i", size)[0]
    desc = bytearray(4 + 4096)
    desc[0:4] = struct.pack("I", n)
    fcntl.ioctl(fd, ioc_read("H", 2, len(desc)), desc)
    print(desc[4:4 + n].hex())
    return 0


def hidraw(dev, count, timeout):
    fd = os.open(dev, os.O_RDONLY)
    print("ready", flush=True)
    deadline = time.monotonic() + timeout
    seen = 0
    while seen < count and wait_readable(fd, deadline):
        print(os.read(fd, 4096).hex(), flush=True)
        seen += 1
    return 0 if seen == count else 1


def main(argv):
    cmd, args = argv[1], argv[2:]
    if cmd == "find":
        return find(args[0])
    if cmd == "read":
        return read_events(args[0], int(args[1]), float(args[2]))
    if cmd == "absinfo":
        return absinfo(args[0], int(args[1]))
    if cmd == "leds":
        return leds(args[0])
    if cmd == "setled":
        return setled(args[0], int(args[1]), int(args[2]))
    if cmd == "rdesc":
        return rdesc(args[0])
    if cmd == "hidraw":
        return hidraw(args[0], int(args[1]), float(args[2]))
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
