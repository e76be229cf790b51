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
- HTTP on port 80: /admin/ (a tiny page); / -> 308 /admin/ only when the Host
  header is webserver.domain (FTLCONF_webserver_domain, default pi.hole), 404
  otherwise, as FTL does; POST /api/auth with {"password": ...} checked
  against FTLCONF_webserver_api_password, answering a session id; PUT and
  DELETE /api/config/dns/hosts|cnameRecords/<value> (what the web UI's local
  DNS pages send) refused with FTL's 400 when the key was set from the
  environment, else kept in /etc/pihole/pihole.toml.
- Allow/deny lists written by the `pihole allow|deny` stand-in CLI into
  /etc/pihole/standin-lists.json.
- The start the image does (CONTRACT.md): as root, chown -R /etc/pihole to
  pihole (1000:1000), directories 0755, files 0640; then the servers run as
  pihole and write pihole.toml and pihole-FTL.db there (failing, as FTL does,
  when they cannot).

It proves that routing, health waits, published ports and the DNS records the
role computes work; it proves nothing about Pi-hole itself (FTL, gravity,
blocking lists, the real web UI, the real CLI).
"""

import json
import os
import re
import secrets
import socket
import socketserver
import sqlite3
import struct
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import standin_gravity as gdb

STATE_FILE = "/etc/pihole/standin-state.json"
CONFIG_DIR = "/etc/pihole"
TOML_FILE = os.path.join(CONFIG_DIR, "pihole.toml")
DB_FILE = os.path.join(CONFIG_DIR, "pihole-FTL.db")
PIHOLE_UID = PIHOLE_GID = 1000
# The keys the web UI's local DNS pages edit, as FTL names them.
UI_KEYS = {"dns/hosts": "dns_hosts", "dns/cnameRecords": "dns_cnameRecords"}
SESSIONS = set()
TYPE_A, TYPE_CNAME, TYPE_AAAA = 1, 5, 28


def env_list(name):
    return [x.strip() for x in os.environ.get(name, "").split(";") if x.strip()]


def env_set(key):
    """FTL reads FTLCONF_<key> and marks the key read-only (FLAG_ENV_VAR) when it is set at all."""
    return ("FTLCONF_" + key) in os.environ


def load_config():
    try:
        with open(TOML_FILE, encoding="utf-8") as handle:
            text = handle.read()
    except OSError:
        return {}
    # The stand-in's pihole.toml holds one JSON object after its comment line.
    return json.loads(text.split("\n", 1)[1] or "{}")


def save_config(config):
    tmp = TOML_FILE + ".tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write("# pihole.toml written by the Pi-hole STAND-IN (JSON body)\n" + json.dumps(config) + "\n")
    os.replace(tmp, TOML_FILE)


def config_list(key):
    """A list setting: the environment's when set there (read-only), else what the UI stored."""
    if env_set(key):
        return env_list("FTLCONF_" + key)
    return list(load_config().get(key, []))


def load_hosts():
    hosts = {}
    for entry in config_list("dns_hosts"):
        parts = entry.split()
        for name in parts[1:]:
            hosts.setdefault(name.lower().rstrip("."), parts[0])
    return hosts


def load_cnames():
    cnames = {}
    for entry in config_list("dns_cnameRecords"):
        parts = [p.strip() for p in entry.split(",")]
        if len(parts) >= 2:
            cnames[parts[0].lower().rstrip(".")] = parts[1].lower().rstrip(".")
    return cnames


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


def answer(query, client_ip):
    try:
        name, qtype, qend = parse_question(query)
    except (IndexError, struct.error):
        return None
    hosts, cnames = load_hosts(), load_cnames()
    hosts.setdefault("pi.hole", own_address())
    if gdb.blocked(name, client_ip):
        # dns.blocking.mode NULL (FTL's default): 0.0.0.0 for A, :: for AAAA.
        if qtype == TYPE_A:
            data = [rr(b"\xc0\x0c", TYPE_A, socket.inet_aton("0.0.0.0"))]
        elif qtype == TYPE_AAAA:
            data = [rr(b"\xc0\x0c", TYPE_AAAA, bytes(16))]
        else:
            data = []
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
        reply = answer(data, self.client_address[0])
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
        reply = answer(data, self.client_address[0])
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
        host = (self.headers.get("Host") or "").split(":")[0].lower()
        domain = os.environ.get("FTLCONF_webserver_domain", "pi.hole").lower()  # noqa: SIM112
        if self.path.startswith("/admin"):
            self._send(200, "<html><title>Pi-hole stand-in</title><body>Pi-hole stand-in admin</body></html>\n")
        elif self.path == "/" and host == domain:
            # FTL: 308 to /admin/ only for the configured domain (webserver.c).
            self._send(308, "", headers={"Location": "/admin/"})
        elif self.path.startswith("/api/config/"):
            self._config("GET")
        elif self._list_path():
            self._lists("GET")
        else:
            self._send(404, "not found\n", "text/plain")

    def do_PUT(self):
        if self._list_path():
            return self._lists("PUT")
        return self._config("PUT")

    def do_DELETE(self):
        if self.path.split("?")[0] == "/api/auth":
            # FTL api/auth.c: DELETE ends the session, 204 (404 when there is none).
            sid = self.headers.get("X-FTL-SID")
            found = sid in SESSIONS
            SESSIONS.discard(sid)
            return self._send(204 if found else 404, "", "application/json")
        if self._list_path():
            return self._lists("DELETE")
        return self._config("DELETE")

    # --- /api/groups, /api/lists, /api/clients, /api/domains (FTL src/api/list.c) ---
    def _list_path(self):
        path = self.path.split("?")[0]
        return any(
            path == "/api/" + k or path.startswith("/api/" + k + "/") for k in ("groups", "lists", "clients", "domains")
        )

    def _payload(self):
        length = int(self.headers.get("Content-Length", 0))
        raw = self.rfile.read(length) if length else b""
        try:
            return json.loads(raw) if raw else {}
        except ValueError:
            return None

    def _lists(self, method):
        if self.headers.get("X-FTL-SID") not in SESSIONS:
            return self._error(401, "unauthorized", "Unauthorized")
        path, _sep, query = self.path.partition("?")
        parts = [urllib.parse.unquote(p) for p in path[len("/api/") :].split("/")]
        kind, rest = parts[0], parts[1:]
        params = urllib.parse.parse_qs(query)
        dtype = None
        if kind == "domains":
            # /api/domains/{type}/{kind}/{domain}; only precise lists can be written (list.c 781-826).
            if len(rest) >= 2 and (rest[0], rest[1]) in gdb.DOMAIN_TYPES:
                dtype, rest = gdb.DOMAIN_TYPES[(rest[0], rest[1])], rest[2:]
            elif method != "GET":
                return self._error(
                    400, "uri_error", "Invalid request: Specify list to modify more precisely", self.path
                )
        item = "/".join(rest) if rest else None
        list_type = (params.get("type") or [None])[0]
        if method == "GET":
            return self._send_rows(200, kind, dtype, item, list_type)
        payload = self._payload() if method != "DELETE" else {}
        if payload is None:
            return self._error(400, "bad_request", "Invalid request body data (no valid JSON)")
        if method == "DELETE":
            return self._delete(kind, dtype, item, list_type)
        return self._write(method, kind, dtype, item, payload)

    def _row_json(self, kind, row, names):
        out = {k: v for k, v in row.items() if k not in ("type",)}
        if kind == "domainlist":
            out["unicode"] = row["domain"]
            out["type"], out["kind"] = gdb.TYPE_NAMES[row["type"]]
        elif kind == "adlist":
            out["type"] = row.get("type", "block")
            for key in ("date_updated", "number", "invalid_domains", "abp_entries", "status"):
                out.setdefault(key, 0)
        elif kind == "client":
            out["name"] = None
        return out

    def _table(self, kind):
        return {"groups": "group", "lists": "adlist", "clients": "client", "domains": "domainlist"}[kind]

    def _key_field(self, kind):
        return {"groups": "name", "lists": "address", "clients": "client", "domains": "domain"}[kind]

    def _send_rows(self, code, kind, dtype, item, list_type, processed=None):
        with gdb.LOCK:
            db = gdb.load()
        table, field = self._table(kind), self._key_field(kind)
        rows = []
        for row in db[table]:
            if item is not None and row[field] != item:
                continue
            if dtype is not None and row["type"] != dtype:
                continue
            if kind == "lists" and list_type and row.get("type") != list_type:
                continue
            rows.append(self._row_json(table, row, None))
        body = {kind: rows, "took": 0.0}
        if processed is not None:
            body["processed"] = processed
        return self._send(code, json.dumps(body), "application/json")

    def _write(self, method, kind, dtype, item, payload):
        field = self._key_field(kind)
        table = self._table(kind)
        if method == "POST":
            if item:
                return self._error(
                    400, "uri_error", "Invalid request: Specify item in payload, not as URI parameter", item
                )
            items = payload.get(field)
            items = [items] if isinstance(items, str) and items else items
            if not isinstance(items, list) or not items:
                what = {"name": "name", "address": "address", "client": "client", "domain": "domain"}[field]
                return self._error(
                    400,
                    "bad_request",
                    f'Invalid request: No valid "{what}" in payload (must be either string or array)',
                )
        else:
            if not item:
                return self._error(400, "uri_error", "Invalid request: Specify item in URI")
            items = [item]
        list_type = None
        if kind == "lists":
            list_type = str(payload.get("type") or "").lower()
            if not list_type:
                return self._error(400, "bad_request", 'Invalid request: No valid item "type" in payload')
            list_type = "allow" if list_type == "allow" else "block"
        for value in items:
            if kind != "groups" and any(c in value for c in " \t\n"):
                return self._error(
                    400, "bad_request", "Spaces, newlines and tabs are not allowed in domains and URLs", value
                )
            if kind == "domains" and dtype in (0, 1) and not gdb.valid_domain(value.lower()):
                return self._error(400, "bad_request", "Invalid domain", value)
            if kind == "domains" and dtype in (2, 3):
                try:
                    re.compile(value.split(";", 1)[0])
                except re.error as exc:
                    return self._error(400, "regex_error", "Regex validation failed", str(exc))
        comment = payload.get("comment") if isinstance(payload.get("comment"), str) and payload.get("comment") else None
        enabled = payload.get("enabled") if isinstance(payload.get("enabled"), bool) else True
        groups = payload.get("groups")
        processed = {"errors": [], "success": []}
        now = int(time.time())
        with gdb.LOCK:
            db = gdb.load()
            known_groups = {g["id"] for g in db["group"]}
            for value in items:
                if kind == "domains" and dtype in (0, 1):
                    value = value.lower()

                def same(row, value=value):
                    if row[field] != value:
                        return False
                    if kind == "domains":
                        return row["type"] == dtype
                    if kind == "lists":
                        return row.get("type") == list_type
                    return True

                existing = next((r for r in db[table] if same(r)), None)
                if existing is not None and method == "POST":
                    constraint = {
                        "groups": "group.name",
                        "lists": "adlist.address, adlist.type",
                        "clients": "client.ip",
                        "domains": "domainlist.domain, domainlist.type",
                    }[kind]
                    processed["errors"].append({"item": value, "error": f"UNIQUE constraint failed: {constraint}"})
                    continue
                bad_groups = not isinstance(groups, list) or any(g not in known_groups for g in groups)
                if groups is not None and kind != "groups" and bad_groups:
                    processed["errors"].append({"item": value, "error": "FOREIGN KEY constraint failed"})
                    continue
                row = existing
                if row is None:
                    row = {"id": gdb.new_id(db), field: value, "date_added": now}
                    if kind != "groups":
                        # gravity.db's insert triggers put a new entry in the Default group.
                        row["groups"] = [0]
                    db[table].append(row)
                row["comment"] = comment
                row["date_modified"] = now
                if kind != "clients":
                    row["enabled"] = enabled
                if kind == "domains":
                    row["type"] = dtype
                if kind == "lists":
                    row["type"] = list_type
                if groups is not None and kind != "groups":
                    row["groups"] = sorted(set(groups))
                processed["success"].append({"item": value})
            gdb.save(db)
        return self._send_rows(201 if method == "POST" else 200, kind, dtype, items[-1], None, processed)

    def _delete(self, kind, dtype, item, list_type):
        if not item:
            return self._error(400, "uri_error", "Invalid request: Specify item in URI")
        field, table = self._key_field(kind), self._table(kind)
        with gdb.LOCK:
            db = gdb.load()
            keep = []
            for row in db[table]:
                hit = row[field] == item
                if hit and kind == "domains":
                    hit = row["type"] == dtype
                if hit and kind == "lists" and list_type:
                    hit = row.get("type") == list_type
                if hit and kind == "groups" and row["id"] == 0:
                    hit = False  # the Default group cannot be deleted (gravity.db trigger)
                if not hit:
                    keep.append(row)
            deleted = len(db[table]) - len(keep)
            gone = {r["id"] for r in db[table]} - {r["id"] for r in keep}
            db[table] = keep
            if kind == "lists":
                ids = {str(r["id"]) for r in keep}
                db["gravity"] = {k: v for k, v in db["gravity"].items() if k in ids}
            if kind == "groups":
                # gravity.db: *_by_group rows go with the group (ON DELETE CASCADE).
                for other in ("adlist", "domainlist", "client"):
                    for row in db[other]:
                        row["groups"] = [g for g in row.get("groups", []) if g not in gone]
            gdb.save(db)
        # list.c 726-727: 204 when something was deleted, 404 otherwise.
        return self._send(204 if deleted else 404, "", "application/json")

    def _gravity(self):
        """POST /api/action/gravity: runs `pihole -g` and streams its output (api/action.c 26-121)."""
        if self.headers.get("X-FTL-SID") not in SESSIONS:
            return self._error(401, "unauthorized", "Unauthorized")
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

        def out(text):
            data = text.encode()
            self.wfile.write(b"%X\r\n%s\r\n" % (len(data), data))

        gdb.gravity(out)
        self.wfile.write(b"0\r\n\r\n")
        return None

    def _error(self, code, key, message, hint=None):
        body = {"error": {"key": key, "message": message, "hint": hint}, "took": 0.0}
        self._send(code, json.dumps(body), "application/json")

    def _config(self, method):
        if self.headers.get("X-FTL-SID") not in SESSIONS:
            return self._error(401, "unauthorized", "Unauthorized")
        path = self.path.split("?")[0][len("/api/config/") :]
        matches = [(p, k) for p, k in UI_KEYS.items() if path == p or path.startswith(p + "/")]
        if not matches:
            return self._error(404, "not_found", "Not found")
        prefix, key = matches[0]
        if method == "GET":
            flags = {"env_var": env_set(key)}
            return self._send(200, json.dumps({"config": {key: config_list(key)}, "flags": flags}), "application/json")
        value = urllib.parse.unquote(path[len(prefix) + 1 :])
        if not value:
            return self._error(400, "bad_request", "Missing item")
        if env_set(key):
            # FTL api/config.c api_config_put_delete(): FLAG_ENV_VAR.
            return self._error(
                400,
                "bad_request",
                "Config items set via environment variables cannot be changed via the API",
                key.replace("_", "."),
            )
        config = load_config()
        items = list(config.get(key, []))
        if method == "PUT":
            if value in items:
                return self._error(400, "bad_request", "Item already present", value)
            items.append(value)
        elif value in items:
            items.remove(value)
        else:
            return self._error(404, "not_found", "Item not found")
        config[key] = items
        save_config(config)
        return self._send(
            201 if method == "PUT" else 204, json.dumps({"took": 0.0}) if method == "PUT" else "", "application/json"
        )

    def do_POST(self):
        if self.path == "/api/action/gravity":
            return self._gravity()
        if self._list_path():
            return self._lists("POST")
        if self.path != "/api/auth":
            self._send(404, "not found\n", "text/plain")
            return None
        length = int(self.headers.get("Content-Length", 0))
        try:
            password = json.loads(self.rfile.read(length) or b"{}").get("password")
        except ValueError:
            password = None
        # Pi-hole v6 spells its settings in mixed case; so must we.
        valid = password is not None and password == os.environ.get("FTLCONF_webserver_api_password")  # noqa: SIM112
        sid = secrets.token_urlsafe(16) if valid else None
        if sid:
            SESSIONS.add(sid)
        body = json.dumps({"session": {"valid": valid, "sid": sid}})
        self._send(200 if valid else 401, body, "application/json")
        return None

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


def prestart():
    """What pihole-FTL-prestart.sh (pi-hole v6.1.4) does as root at every start."""
    os.makedirs("/var/log/pihole", exist_ok=True)
    for top in (CONFIG_DIR, "/var/log/pihole"):
        for dirpath, _dirnames, filenames in os.walk(top):
            os.chown(dirpath, PIHOLE_UID, PIHOLE_GID)
            os.chmod(dirpath, 0o755)
            for name in filenames:
                path = os.path.join(dirpath, name)
                os.chown(path, PIHOLE_UID, PIHOLE_GID, follow_symlinks=False)
                if not os.path.islink(path):
                    os.chmod(path, 0o600 if name.endswith((".pem", ".crt")) else 0o640)


def drop_to_pihole():
    """start.sh runs FTL as DNSMASQ_USER=pihole (capsh --user)."""
    os.setgroups([PIHOLE_GID])
    os.setgid(PIHOLE_GID)
    os.setuid(PIHOLE_UID)


def ftl_files():
    """FTL writes its config and its database into /etc/pihole; it cannot run if it may not."""
    config = load_config()
    config["env"] = sorted(k[len("FTLCONF_") :] for k in os.environ if k.startswith("FTLCONF_") and "password" not in k)
    save_config(config)
    with sqlite3.connect(DB_FILE) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS ftl (id INTEGER PRIMARY KEY, value BLOB)")
        conn.execute("INSERT OR REPLACE INTO ftl VALUES (0, ?)", (str(os.getpid()),))


def main():
    prestart()
    servers = [
        ThreadingUDP(("0.0.0.0", 53), UDPHandler),
        ThreadingTCP(("0.0.0.0", 53), TCPHandler),
        ThreadingHTTPServer(("0.0.0.0", 80), WebHandler),
    ]
    drop_to_pihole()
    try:
        ftl_files()
        record_start()
    except OSError as exc:
        print(f"pihole stand-in: FTL cannot write {CONFIG_DIR}: {exc}", file=sys.stderr, flush=True)
        return 1
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    print("pihole stand-in: DNS on 53/udp+tcp, web on 80 (NOT Pi-hole)", flush=True)
    threading.Event().wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
