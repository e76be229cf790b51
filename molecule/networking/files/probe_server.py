"""The published probe container: HTTP on 8000 (published as 53/tcp, 80, 443
and 8088 on the bind address) and a UDP responder on 8053 (published as
53/udp) that answers "pong", standing in for NGINX and Pi-hole's ports."""

import http.server
import socket
import threading


def udp_responder():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("", 8053))
    while True:
        _data, peer = sock.recvfrom(512)
        sock.sendto(b"pong", peer)


threading.Thread(target=udp_responder, daemon=True).start()
http.server.ThreadingHTTPServer(("", 8000), http.server.SimpleHTTPRequestHandler).serve_forever()
