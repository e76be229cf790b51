"""Whether a TCP connection from SOURCE to HOST:PORT is let through.

Usage: tcp_connect.py SOURCE HOST PORT. Prints "open" when the handshake
completed (what the agent does then does not matter), else "closed: <why>".
"""

import socket
import sys

source, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
try:
    with socket.create_connection((host, port), timeout=3, source_address=(source, 0)):
        print("open")
except OSError as exc:
    print(f"closed: {exc}")
