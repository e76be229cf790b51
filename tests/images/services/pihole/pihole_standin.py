"""Pi-hole STAND-IN for the homelab.ai_stack tests. It is not Pi-hole.

It reads the same settings the Pi-hole v6 image reads and answers the
endpoints the pihole role and its tests use:

- DNS on port 53, UDP and TCP. A records from FTLCONF_dns_hosts
  ("IP NAME [NAME...]" entries separated by ';'), CNAMEs from
  FTLCONF_dns_cnameRecords ("alias,target[,ttl]" separated by ';'),
  `pi.hole` -> the container's own address; names on the deny list answer
  0.0.0.0 (Pi-hole's default NULL blocking) unless also allowed; every other
  name is forwarded to FTLCONF_dns_upstreams (';' separated), NXDOMAIN when
  there is none, SERVFAIL when none answers.
- HTTP on port 80: /admin/ (a tiny page), / -> /admin/, POST /api/auth with
  {"password": ...} checked against FTLCONF_webserver_api_password.
- Allow/deny lists written by the `pihole allow|deny` stand-in CLI into
  /etc/pihole/standin-lists.json.

It proves that routing, health waits, published ports and the DNS records the
role computes work; it proves nothing about Pi-hole itself (FTL, gravity,
blocking lists, the real web UI, the real CLI).
"""

import json
import os
import socket
import socketserver
import struct
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

LISTS_FILE = "/etc/pihole/standin-lists.json"
STATE_FILE = "/etc/pihole/standin-state.json"
TYPE_A, TYPE_CNAME, TYPE_AAAA = 1, 5, 28


def env_list(name):
    return [x.strip() for x in os.environ.get(name, "").split(";") if x.strip()]


def load_hosts():
    hosts = {}
    for entry in env_list("FTLCONF_dns_hosts"):
        parts = entry.split()
        for name in parts[1:]:
            hosts.setdefault(name.lower().rstrip("."), parts[0])
    return hosts


def load_cnames():
    cnames = {}
    for entry in env_list("FTLCONF_dns_cnameRecords"):
        parts = [p.strip() for p in entry.split(",")]
        if len(parts) >= 2:
            cnames[parts[0].lower().rstrip(".")] = parts[1].lower().rstrip(".")
    return cnames


def load_lists():
    try:
        with open(LISTS_FILE, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        data = {}
    return {k: set(data.get(k, [])) for k in ("allow", "deny")}


def own_address():
    try:
        return socket.gethostbyname(socket.gethostname())
    except OSError:
        return "127.0.0.1"


def parse_question(packet):
    labels, pos = [], 12
    while True:
        length = packet[pos]
        pos += 1
        if length == 0:
            break
        labels.append(packet[pos : pos + length].decode("ascii", "replace"))
        pos += length
    qtype, _qclass = struct.unpack("!HH", packet[pos : pos + 4])
    return ".".join(labels).lower(), qtype, pos + 4


def encode_name(name):
    out = b""
    for label in name.split("."):
        if label:
            out += bytes([len(label)]) + label.encode("ascii")
    return out + b"\x00"


def build_reply(query, question_end, rcode, answers):
    ident, flags = struct.unpack("!HH", query[:4])
    flags = 0x8000 | (flags & 0x7900) | 0x0080 | rcode  # QR, keep opcode+RD, RA
    header = struct.pack("!HHHHHH", ident, flags, 1, len(answers), 0, 0)
    return header + query[12:question_end] + b"".join(answers)


def rr(name_bytes, rtype, rdata, ttl=300):
    return name_bytes + struct.pack("!HHIH", rtype, 1, ttl, len(rdata)) + rdata


def forward(query):
    for upstream in env_list("FTLCONF_dns_upstreams"):
        host, _sep, port = upstream.partition("#")
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                sock.settimeout(2)
                sock.sendto(query, (host, int(port or 53)))
                return sock.recvfrom(4096)[0]
        except OSError:
            continue
    return None


def answer(query):
    try:
        name, qtype, qend = parse_question(query)
    except (IndexError, struct.error):
        return None
    hosts, cnames, lists = load_hosts(), load_cnames(), load_lists()
    hosts.setdefault("pi.hole", own_address())
    if name in lists["deny"] and name not in lists["allow"]:
        data = [rr(b"\xc0\x0c", TYPE_A, socket.inet_aton("0.0.0.0"))] if qtype == TYPE_A else []
        return build_reply(query, qend, 0, data)
    records, target = [], name
    if name in cnames:
        target = cnames[name]
        records.append(rr(b"\xc0\x0c", TYPE_CNAME, encode_name(target)))
    if target in hosts:
        if qtype == TYPE_A:
            owner = b"\xc0\x0c" if target == name else encode_name(target)
            records.append(rr(owner, TYPE_A, socket.inet_aton(hosts[target])))
        return build_reply(query, qend, 0, records)
    if records:
        return build_reply(query, qend, 0, records)
    if not env_list("FTLCONF_dns_upstreams"):
        return build_reply(query, qend, 3, [])
    reply = forward(query)
    return reply if reply is not None else build_reply(query, qend, 2, [])


class UDPHandler(socketserver.BaseRequestHandler):
    def handle(self):
        data, sock = self.request
        reply = answer(data)
        if reply:
            sock.sendto(reply, self.client_address)


class TCPHandler(socketserver.BaseRequestHandler):
    def handle(self):
        head = self.request.recv(2)
        if len(head) < 2:
            return
        (length,) = struct.unpack("!H", head)
        data = b""
        while len(data) < length:
            chunk = self.request.recv(length - len(data))
            if not chunk:
                return
            data += chunk
        reply = answer(data)
        if reply:
            self.request.sendall(struct.pack("!H", len(reply)) + reply)


class ThreadingUDP(socketserver.ThreadingMixIn, socketserver.UDPServer):
    allow_reuse_address = True
    daemon_threads = True


class ThreadingTCP(socketserver.ThreadingMixIn, socketserver.TCPServer):
    allow_reuse_address = True
    daemon_threads = True


class WebHandler(BaseHTTPRequestHandler):
    server_version = "pihole-standin"

    def _send(self, code, body, ctype="text/html", headers=None):
        payload = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(payload)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self):
        if self.path.startswith("/admin"):
            self._send(200, "<html><title>Pi-hole stand-in</title><body>Pi-hole stand-in admin</body></html>\n")
        elif self.path == "/":
            self._send(302, "", headers={"Location": "/admin/"})
        else:
            self._send(404, "not found\n", "text/plain")

    def do_POST(self):
        if self.path != "/api/auth":
            self._send(404, "not found\n", "text/plain")
            return
        length = int(self.headers.get("Content-Length", 0))
        try:
            password = json.loads(self.rfile.read(length) or b"{}").get("password")
        except ValueError:
            password = None
        # Pi-hole v6 spells its settings in mixed case; so must we.
        valid = password is not None and password == os.environ.get("FTLCONF_webserver_api_password")  # noqa: SIM112
        body = json.dumps({"session": {"valid": valid}})
        self._send(200 if valid else 401, body, "application/json")

    def log_message(self, fmt, *args):
        sys.stderr.write("web: " + (fmt % args) + "\n")


def record_start():
    # Something in /etc/pihole that lives across restarts, like Pi-hole's own files.
    try:
        with open(STATE_FILE, encoding="utf-8") as handle:
            state = json.load(handle)
    except (OSError, ValueError):
        state = {"starts": 0}
    state["starts"] += 1
    os.makedirs(os.path.dirname(STATE_FILE), exist_ok=True)
    with open(STATE_FILE, "w", encoding="utf-8") as handle:
        json.dump(state, handle)


def main():
    record_start()
    servers = [
        ThreadingUDP(("0.0.0.0", 53), UDPHandler),
        ThreadingTCP(("0.0.0.0", 53), TCPHandler),
        HTTPServer(("0.0.0.0", 80), WebHandler),
    ]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    print("pihole stand-in: DNS on 53/udp+tcp, web on 80 (NOT Pi-hole)", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
