"""Minimal zabbix_get: ask a running agent for one key over the passive protocol (no zabbix-get package in Debian)."""

import socket
import struct
import sys

host, port, key = sys.argv[1], int(sys.argv[2]), sys.argv[3]
payload = key.encode()
with socket.create_connection((host, port), timeout=15) as conn:
    conn.sendall(b"ZBXD\x01" + struct.pack("<Q", len(payload)) + payload)
    data = b""
    while chunk := conn.recv(65536):
        data += chunk
if not data.startswith(b"ZBXD"):
    sys.exit(f"not a Zabbix answer: {data[:80]!r}")
length = struct.unpack("<I", data[5:9])[0]
print(data[13 : 13 + length].decode())
