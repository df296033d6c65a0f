#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
# Write a fake bzImage: an x86 setup header (HdrS, kernel_version string,
# payload offset/length) around a compressed payload (e.g. a gzip'd ELF).
import struct, sys

version, payload_path, out = sys.argv[1], sys.argv[2], sys.argv[3]
payload = open(payload_path, "rb").read()
setup_sects = 1
img = bytearray((setup_sects + 1) * 512)
img[0x1F1] = setup_sects
img[0x1FE:0x200] = b"\x55\xaa"
img[0x202:0x206] = b"HdrS"
img[0x206:0x208] = struct.pack("<H", 0x020F)
vstr = ("%s (ktstr@fake) #1 SMP PREEMPT_DYNAMIC" % version).encode() + b"\0"
voff = 0x300
img[voff:voff + len(vstr)] = vstr
img[0x20E:0x210] = struct.pack("<H", voff - 0x200)
pm_off = 0x40   # payload offset inside the protected-mode part
img[0x248:0x24C] = struct.pack("<I", pm_off)
img[0x24C:0x250] = struct.pack("<I", len(payload))
img += b"\0" * pm_off + payload + b"\0" * 16
open(out, "wb").write(img)
