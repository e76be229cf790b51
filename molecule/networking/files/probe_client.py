"""What a client sees of the published ports: run inside a network namespace.

Usage: probe_client.py ADDRESS. Prints a JSON object {"53/tcp": true, ...}:
true when the port answered (HTTP 200 on TCP, "pong" on UDP 53).
"""

import json
import socket
import sys
import urllib.request

TIMEOUT = 2


def tcp(address, port):
    try:
        with urllib.request.urlopen(f"http://{address}:{port}/", timeout=TIMEOUT) as reply:
            return reply.status == 200
    except OSError:
        return False


def udp(address, port):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(TIMEOUT)
        try:
            sock.sendto(b"ping", (address, port))
            return sock.recv(64) == b"pong"
        except OSError:
            return False


def main():
    address = sys.argv[1]
    seen = {f"{port}/tcp": tcp(address, port) for port in (53, 80, 443, 8088)}
    seen["53/udp"] = udp(address, 53)
    print(json.dumps(seen, sort_keys=True))


if __name__ == "__main__":
    main()
