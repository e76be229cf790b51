# STAND-IN for Tailscale 1.102.3 (`tailscale` CLI and `tailscaled`), for tests
# only. It proves nothing about Tailscale: there is no WireGuard and no control
# server. It copies what our roles rely on (CONTRACT.md): the CLI flags of
# `tailscale up`, its "requires mentioning all non-default flags" check, the
# JSON of `tailscale status --json` and `tailscale debug prefs`, `logout`,
# `down`, `ip`, and tailscaled's unit and interface: the daemon owns
# `tailscale0` and puts the node's address on it when the node runs.
# The tun device is a veth end here (no tun/dummy in the test containers);
# its peer lives in the network namespace `ts-client`, a tailnet client.
# Installed twice, with a shebang, by build_deb.sh: as /usr/bin/tailscale
# and /usr/sbin/tailscaled.
"""Stand-in tailscale/tailscaled (see CONTRACT.md)."""

import ipaddress
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time

VERSION = "1.102.3"
DEFAULT_SOCKET = "/run/tailscale/tailscaled.sock"
DEFAULT_STATE = "/var/lib/tailscale/tailscaled.state"
DEFAULT_CONTROL = "https://controlplane.tailscale.com"
# Stand-in control server: what it hands out. Tests may override it.
CONTROL_FILE = "/etc/tailscale-standin.json"
CONTROL_DEFAULTS = {
    "ipv4": "100.100.1.1",
    "ipv6": "fd7a:115c:a1e0::1",
    "client_ipv4": "100.100.1.2",
    "client_netns": "ts-client",
    "tailnet": "tail0123.ts.net",
    "login_name": "admin@example.com",
}

# `tailscale up` flags (cmd/tailscale/cli/up.go newUpFlagSet, linux):
# name -> (kind, default). "prefless" flags are not settings.
UP_FLAGS = {
    "auth-key": ("str", ""),
    "login-server": ("str", DEFAULT_CONTROL),
    "accept-routes": ("bool", False),
    "accept-dns": ("bool", True),
    "host-routes": ("bool", True),
    "exit-node": ("str", ""),
    "exit-node-allow-lan-access": ("bool", False),
    "shields-up": ("bool", False),
    "ssh": ("bool", False),
    "advertise-tags": ("str", ""),
    "hostname": ("str", ""),
    "advertise-routes": ("str", ""),
    "advertise-connector": ("bool", False),
    "advertise-exit-node": ("bool", False),
    "report-posture": ("bool", False),
    "operator": ("str", ""),
    "snat-subnet-routes": ("bool", True),
    "stateful-filtering": ("bool", False),
    "netfilter-mode": ("str", "on"),
    "timeout": ("duration", 0.0),
    "json": ("bool", False),
    "reset": ("bool", False),
    "force-reauth": ("bool", False),
    "qr": ("bool", False),
    "accept-risk": ("str", ""),
}
PREFLESS = {"auth-key", "force-reauth", "reset", "qr", "json", "timeout", "accept-risk", "host-routes"}
ACCIDENTAL = (
    "Error: changing settings via 'tailscale up' requires mentioning all\n"
    "non-default flags. To proceed, either re-run your command with --reset or\n"
    "use the command below to explicitly mention the current value of\n"
    "all non-default settings:\n\n"
    "\ttailscale up"
)
IMPLEMENTED = "up, down, logout, status, ip, version, debug prefs"
NOT_RUNNING = (
    "failed to connect to local tailscaled; it doesn't appear to be running (sudo systemctl start tailscaled ?)"
)


def new_prefs():
    """ipn.NewPrefs() as `tailscale debug prefs` prints it (ipn/prefs.go)."""
    return {
        "ControlURL": "",
        "RouteAll": False,
        "ExitNodeID": "",
        "ExitNodeIP": "",
        "InternalExitNodePrior": "",
        "ExitNodeAllowLANAccess": False,
        "CorpDNS": True,
        "RunSSH": False,
        "RunWebClient": False,
        "WantRunning": False,
        "LoggedOut": False,
        "ShieldsUp": False,
        "AdvertiseTags": None,
        "Hostname": "",
        "NotepadURLs": False,
        "AdvertiseRoutes": None,
        "AdvertiseServices": None,
        "Sync": "",
        "NoSNAT": False,
        "NoStatefulFiltering": "true",
        "NetfilterMode": 2,
        "AutoUpdate": {"Check": True, "Apply": "unset"},
        "AppConnector": {"Advertise": False},
        "PostureChecking": False,
        "NetfilterKind": "",
        "RemoteConfig": False,
        "DriveShares": None,
        "Config": None,
    }


# ---------------------------------------------------------------- CLI side
def parse_go_flags(args, spec):
    """Go's flag package: -x/--x, --x=v, --x v (not for bools), stops at the first non-flag."""
    values, visited, rest = {}, [], []
    i = 0
    while i < len(args):
        arg = args[i]
        if not arg.startswith("-") or arg in ("-", "--"):
            rest = args[i + (1 if arg == "--" else 0) :]
            break
        name = arg.lstrip("-")
        value = None
        if "=" in name:
            name, value = name.split("=", 1)
        if name not in spec:
            fail(f"flag provided but not defined: -{name}", 2)
        kind = spec[name][0]
        if kind == "bool":
            if value is None:
                value = "true"
            if value not in ("true", "false", "1", "0", "t", "f", "TRUE", "FALSE", "True", "False"):
                fail(f'invalid boolean value "{value}" for -{name}: parse error', 2)
            values[name] = value.lower() in ("true", "1", "t")
        else:
            if value is None:
                i += 1
                if i >= len(args):
                    fail(f"flag needs an argument: -{name}", 2)
                value = args[i]
            if kind == "duration":
                m = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s|m|h)?", value)
                if not m:
                    fail(f'invalid value "{value}" for flag -{name}: parse error', 2)
                values[name] = float(m.group(1)) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600, None: 1}[m.group(2)]
            else:
                values[name] = value
        visited.append(name)
        i += 1
    for name, (_kind, default) in spec.items():
        values.setdefault(name, default)
    return values, visited, rest


def fail(msg, code=1):
    sys.stderr.write(msg.rstrip("\n") + "\n")
    sys.exit(code)


def call(request, sock=DEFAULT_SOCKET):
    try:
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.connect(sock)
    except OSError:
        fail(NOT_RUNNING)
    with conn:
        conn.sendall(json.dumps(request).encode() + b"\n")
        data = b""
        while not data.endswith(b"\n"):
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
    reply = json.loads(data or b"{}")
    if reply.get("error"):
        fail(reply["error"])
    return reply


def valid_hostname(name):
    return re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?", name) is not None


def prefs_from_up_args(v):
    """cmd/tailscale/cli/up.go prefsFromUpArgs (linux)."""
    routes = []
    if v["advertise-routes"]:
        for r in v["advertise-routes"].split(","):
            try:
                net = ipaddress.ip_network(r.strip(), strict=True)
            except ValueError:
                fail(f"{r!r} is not a valid IP address or CIDR prefix")
            routes.append(str(net))
    if v["advertise-exit-node"]:
        routes += ["0.0.0.0/0", "::/0"]
    tags = None
    if v["advertise-tags"]:
        tags = []
        for tag in v["advertise-tags"].split(","):
            if ":" not in tag:
                tag = "tag:" + tag
            if not re.fullmatch(r"tag:[A-Za-z][A-Za-z0-9-]*", tag):
                fail(f'tag: "{tag}": tag names can only contain numbers, letters, or dashes')
            tags.append(tag)
    if v["hostname"] and not valid_hostname(v["hostname"]):
        fail('hostname "{}" is not a valid DNS label'.format(v["hostname"]))
    if v["netfilter-mode"] not in ("on", "nodivert", "off"):
        fail('invalid value --netfilter-mode="{}"'.format(v["netfilter-mode"]))
    p = new_prefs()
    p.update(
        {
            "ControlURL": v["login-server"],
            "WantRunning": True,
            "RouteAll": v["accept-routes"],
            "ExitNodeAllowLANAccess": v["exit-node-allow-lan-access"],
            "CorpDNS": v["accept-dns"],
            "ShieldsUp": v["shields-up"],
            "RunSSH": v["ssh"],
            "AdvertiseRoutes": routes or None,
            "AdvertiseTags": tags,
            "Hostname": v["hostname"],
            "AppConnector": {"Advertise": v["advertise-connector"]},
            "PostureChecking": v["report-posture"],
            "NoSNAT": not v["snat-subnet-routes"],
            "NoStatefulFiltering": "false" if v["stateful-filtering"] else "true",
            "NetfilterMode": {"off": 0, "nodivert": 1, "on": 2}[v["netfilter-mode"]],
        }
    )
    if v["operator"]:
        p["OperatorUser"] = v["operator"]
    return p


def prefs_to_flags(p):
    """cmd/tailscale/cli/up.go prefsToFlags: the flags that reproduce prefs."""
    routes = [r for r in (p.get("AdvertiseRoutes") or []) if r not in ("0.0.0.0/0", "::/0")]
    return {
        "login-server": p.get("ControlURL") or "",
        "accept-routes": p.get("RouteAll", False),
        "accept-dns": p.get("CorpDNS", True),
        "exit-node-allow-lan-access": p.get("ExitNodeAllowLANAccess", False),
        "shields-up": p.get("ShieldsUp", False),
        "ssh": p.get("RunSSH", False),
        "advertise-tags": ",".join(p.get("AdvertiseTags") or []),
        "hostname": p.get("Hostname", ""),
        "advertise-routes": ",".join(sorted(routes)),
        "advertise-exit-node": "0.0.0.0/0" in (p.get("AdvertiseRoutes") or []),
        "advertise-connector": p.get("AppConnector", {}).get("Advertise", False),
        "report-posture": p.get("PostureChecking", False),
        "operator": p.get("OperatorUser", ""),
        "snat-subnet-routes": not p.get("NoSNAT", False),
        "stateful-filtering": p.get("NoStatefulFiltering") == "false",
        "netfilter-mode": {0: "off", 1: "nodivert", 2: "on"}.get(p.get("NetfilterMode", 2), "on"),
    }


def fmt_flag(name, val):
    if isinstance(val, bool):
        return f"--{name}" if val else f"--{name}=false"
    return f"--{name}={val}"


def cmd_up(args):
    v, visited, rest = parse_go_flags(args, UP_FLAGS)
    if rest:
        fail(f"too many non-flag arguments: {rest!r}")
    st = call({"op": "status"})
    cur = call({"op": "prefs"})["prefs"]
    new = prefs_from_up_args(v)
    settings = [f for f in visited if f not in PREFLESS]
    # checkForAccidentalSettingReverts (skipped with --reset or before any control URL).
    if not v["reset"] and cur.get("ControlURL"):
        if not visited and cur.get("Config") and st["BackendState"] != "NeedsLogin":
            call({"op": "edit", "prefs": {"WantRunning": True}})
            return 0
        cur_flags, new_flags = prefs_to_flags(cur), prefs_to_flags(new)
        missing = [n for n in sorted(cur_flags) if n not in settings and cur_flags[n] != new_flags[n]]
        if missing:
            keep = " ".join(
                fmt_flag(n, cur_flags[n] if n in missing else new_flags[n])
                for n in sorted(set(settings) | set(missing))
            )
            fail(ACCIDENTAL + " " + keep)
    auth_key = v["auth-key"]
    if auth_key.startswith("file:"):
        try:
            with open(auth_key[5:]) as fh:
                auth_key = fh.read().strip()
        except OSError as exc:
            fail(f"resolving --auth-key: {exc}")
    control_changed = (cur.get("ControlURL") or DEFAULT_CONTROL) != new["ControlURL"] and bool(cur.get("ControlURL"))
    if control_changed and st["BackendState"] == "Running" and not v["force-reauth"]:
        fail("can't change --login-server without --force-reauth")
    tags_changed = (cur.get("AdvertiseTags") or None) != (new.get("AdvertiseTags") or None)
    just_edit = (
        st["BackendState"] == "Running"
        and not v["force-reauth"]
        and not auth_key
        and not control_changed
        and not tags_changed
    )
    if just_edit:
        mask = settings if not v["reset"] else list(prefs_to_flags(new))
        call({"op": "edit", "prefs": new, "flags": mask})
        return 0
    reply = call({"op": "start", "prefs": new, "auth_key": auth_key})
    if reply.get("state") == "Running":
        if not v["json"]:
            sys.stderr.write("Success.\n") if st["BackendState"] != "Running" or auth_key else None
        return 0
    # Needs interactive login: upstream prints the URL and waits (forever, or --timeout).
    sys.stderr.write("\nTo authenticate, visit:\n\n\thttps://login.tailscale.com/a/0standin0\n\n")
    sys.stderr.flush()
    if v["timeout"] > 0:
        time.sleep(min(v["timeout"], 5))
        fail('timeout waiting for Tailscale service to enter a Running state; check health with "tailscale status"')
    while True:
        time.sleep(3600)


def cmd_status(args):
    v, _visited, _rest = parse_go_flags(
        args, {"json": ("bool", False), "self": ("bool", True), "peers": ("bool", True), "active": ("bool", False)}
    )
    st = call({"op": "status"})
    st.pop("error", None)
    if v["json"]:
        print(json.dumps(st, indent="  "))
        return 0
    state = st["BackendState"]
    if state == "NeedsLogin":
        print("Logged out.")
        return 1
    if state == "Stopped":
        print("Tailscale is stopped.")
        return 1
    if state != "Running":
        print(state)
        return 1
    s = st["Self"]
    print(f"{s['TailscaleIPs'][0]:<15} {s['HostName']} {st['CurrentTailnet']['Name']} {s['OS']} -")
    return 0


def cmd_ip(args):
    v, _visited, _rest = parse_go_flags(args, {"4": ("bool", False), "6": ("bool", False), "1": ("bool", False)})
    st = call({"op": "status"})
    ips = st.get("TailscaleIPs") or []
    if not ips:
        fail("no current Tailscale IPs; state: {}".format(st["BackendState"]))
    for ip in ips:
        is4 = ":" not in ip
        if (v["4"] and not is4) or (v["6"] and is4):
            continue
        print(ip)
    return 0


def cli(argv):
    if not argv or argv[0] in ("-h", "--help", "help"):
        print("USAGE\n  tailscale [flags] <subcommand> [command flags]\n(stand-in: " + IMPLEMENTED + ")")
        return 0
    sub, args = argv[0], argv[1:]
    if sub == "up":
        return cmd_up(args)
    if sub == "set":
        fail("stand-in: 'tailscale set' is not implemented (CONTRACT.md)")
    if sub == "down":
        call({"op": "edit", "prefs": {"WantRunning": False}})
        return 0
    if sub == "logout":
        call({"op": "logout"})
        return 0
    if sub == "status":
        return cmd_status(args)
    if sub == "ip":
        return cmd_ip(args)
    if sub == "version":
        print(f"{VERSION}\n  tailscale commit: stand-in\n  go version: none (stand-in)")
        return 0
    if sub == "debug" and args[:1] == ["prefs"]:
        print(json.dumps(call({"op": "prefs"})["prefs"], indent="\t"))
        return 0
    fail(
        f"tailscale: unknown subcommand: {sub} (stand-in implements {IMPLEMENTED})",
        2,
    )
    return 2


# ------------------------------------------------------------- daemon side
def sh(*cmd, check=True):
    return subprocess.run(cmd, check=check, capture_output=True, text=True)


class Daemon:
    def __init__(self, state_path, socket_path, tun):
        self.state_path, self.socket_path, self.tun = state_path, socket_path, tun
        self.control = dict(CONTROL_DEFAULTS)
        if os.path.exists(CONTROL_FILE):
            with open(CONTROL_FILE) as fh:
                self.control.update(json.load(fh))
        self.state = {"prefs": new_prefs(), "node": None}
        if os.path.exists(state_path):
            with open(state_path) as fh:
                self.state = json.load(fh)

    def save(self):
        os.makedirs(os.path.dirname(self.state_path), exist_ok=True)
        tmp = self.state_path + ".tmp"
        with open(tmp, "w") as fh:
            json.dump(self.state, fh)
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.state_path)

    # The interface: created at start (the tun device), address while Running.
    def make_tun(self):
        ns, peer = self.control["client_netns"], "ts-peer"
        if sh("ip", "link", "show", self.tun, check=False).returncode == 0:
            return
        if sh("ip", "netns", "pids", ns, check=False).returncode != 0:
            sh("ip", "netns", "add", ns)
        sh("ip", "link", "add", self.tun, "type", "veth", "peer", "name", peer)
        sh("ip", "link", "set", peer, "netns", ns)
        sh("ip", "-n", ns, "addr", "add", self.control["client_ipv4"] + "/32", "dev", peer)
        sh("ip", "-n", ns, "link", "set", peer, "up")
        sh("ip", "-n", ns, "link", "set", "lo", "up")
        sh("ip", "-n", ns, "route", "add", "100.64.0.0/10", "dev", peer)
        sh("ip", "link", "set", self.tun, "up")

    def apply(self):
        running = self.backend_state() == "Running"
        addrs = sh("ip", "-j", "addr", "show", "dev", self.tun).stdout
        have = any(
            a.get("local") == self.control["ipv4"] for i in json.loads(addrs or "[]") for a in i.get("addr_info", [])
        )
        if running and not have:
            # wgengine/router/osrouter/router_linux.go: addAddress (a /32) and the CGNAT route.
            sh("ip", "addr", "add", self.control["ipv4"] + "/32", "dev", self.tun)
            sh("ip", "route", "replace", "100.64.0.0/10", "dev", self.tun)
        elif not running and have:
            sh("ip", "addr", "del", self.control["ipv4"] + "/32", "dev", self.tun, check=False)

    def remove_tun(self):
        sh("ip", "link", "del", self.tun, check=False)

    def backend_state(self):
        p, node = self.state["prefs"], self.state["node"]
        if not node or p.get("LoggedOut"):
            return "NeedsLogin"
        return "Running" if p.get("WantRunning") else "Stopped"

    def status(self):
        p, node, c = self.state["prefs"], self.state["node"], self.control
        state = self.backend_state()
        running = state == "Running"
        ips = [c["ipv4"], c["ipv6"]] if node else []
        host = (p.get("Hostname") or socket.gethostname()).lower()
        self_ = {
            "ID": node["id"] if node else "",
            "PublicKey": node["key"]
            if node
            else "nodekey:0000000000000000000000000000000000000000000000000000000000000000",
            "HostName": host,
            "DNSName": "{}.{}.".format(host, c["tailnet"]) if node else "",
            "OS": "linux",
            "UserID": 1 if node else 0,
            "TailscaleIPs": ips or None,
            "AllowedIPs": [ip + ("/32" if ":" not in ip else "/128") for ip in ips] or None,
            "Addrs": [],
            "CurAddr": "",
            "Relay": "",
            "RxBytes": 0,
            "TxBytes": 0,
            "Created": node["created"] if node else "0001-01-01T00:00:00Z",
            "LastWrite": "0001-01-01T00:00:00Z",
            "LastSeen": "0001-01-01T00:00:00Z",
            "LastHandshake": "0001-01-01T00:00:00Z",
            "Online": running,
            "ExitNode": False,
            "ExitNodeOption": False,
            "Active": False,
            "PeerAPIURL": None,
            "InNetworkMap": bool(node),
            "InMagicSock": False,
            "InEngine": False,
        }
        if node and p.get("AdvertiseTags"):
            self_["Tags"] = p["AdvertiseTags"]
        if node and p.get("AdvertiseRoutes"):
            self_["PrimaryRoutes"] = p["AdvertiseRoutes"]
        return {
            "Version": VERSION + "-stand-in",
            "TUN": True,
            "BackendState": state,
            "HaveNodeKey": bool(node),
            "AuthURL": "",
            "TailscaleIPs": ips or None,
            "Self": self_,
            "Health": [] if running else None,
            "MagicDNSSuffix": c["tailnet"] if node else "",
            "CurrentTailnet": {"Name": c["login_name"], "MagicDNSSuffix": c["tailnet"], "MagicDNSEnabled": True}
            if node
            else None,
            "CertDomains": [self_["DNSName"].rstrip(".")] if node else None,
            "Peer": None,
            "User": None,
            "ClientVersion": None,
        }

    def handle(self, req):
        op = req.get("op")
        p = self.state["prefs"]
        if op == "status":
            return self.status()
        if op == "prefs":
            return {"prefs": p}
        if op == "edit":
            for k, val in req["prefs"].items():
                if "flags" not in req or k == "WantRunning" or any(k in prefs_keys_for(f) for f in req["flags"]):
                    p[k] = val
        elif op == "start":
            key = req.get("auth_key") or ""
            node = self.state["node"]
            tags_changed = (p.get("AdvertiseTags") or None) != (req["prefs"].get("AdvertiseTags") or None)
            if key:
                # The stand-in control server accepts auth keys shaped like Tailscale's.
                if not re.fullmatch(r"tskey-(auth|client)-[A-Za-z0-9-]+", key):
                    return {"error": "backend error: invalid key: unable to validate API key"}
                node = {
                    "id": "nStandIn1CNTRL",
                    "key": "nodekey:" + "5a" * 32,
                    "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                }
            elif not node or p.get("LoggedOut") or tags_changed:
                # Tags change the node's owner: control wants a new login.
                self.state["prefs"] = dict(req["prefs"], WantRunning=False, LoggedOut=bool(p.get("LoggedOut")))
                self.save()
                self.apply()
                return {"state": "NeedsLogin"}
            new = dict(req["prefs"])
            new["LoggedOut"] = False
            new["Config"] = {
                "PrivateNodeKey": "privkey:" + "00" * 32,
                "UserProfile": {"LoginName": self.control["login_name"]},
            }
            self.state = {"prefs": new, "node": node}
        elif op == "logout":
            p["LoggedOut"] = True
            p["WantRunning"] = False
            p["Config"] = None
            self.state["node"] = None
        else:
            return {"error": f"stand-in tailscaled: unknown request {op!r}"}
        self.save()
        self.apply()
        return {"state": self.backend_state()}

    def serve(self):
        os.makedirs(os.path.dirname(self.socket_path), exist_ok=True)
        if os.path.exists(self.socket_path):
            os.unlink(self.socket_path)
        srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        srv.bind(self.socket_path)
        os.chmod(self.socket_path, 0o666)
        srv.listen(8)
        notify = os.environ.get("NOTIFY_SOCKET")
        if notify:
            n = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            n.connect("\0" + notify[1:] if notify.startswith("@") else notify)
            n.sendall(b"READY=1")
            n.close()
        while True:
            conn, _addr = srv.accept()
            with conn:
                data = b""
                while not data.endswith(b"\n"):
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                try:
                    reply = self.handle(json.loads(data))
                except Exception as exc:
                    reply = {"error": f"stand-in tailscaled: {exc}"}
                conn.sendall(json.dumps(reply).encode() + b"\n")


def prefs_keys_for(flag):
    return {
        "login-server": ["ControlURL"],
        "accept-routes": ["RouteAll"],
        "accept-dns": ["CorpDNS"],
        "exit-node-allow-lan-access": ["ExitNodeAllowLANAccess"],
        "shields-up": ["ShieldsUp"],
        "ssh": ["RunSSH"],
        "advertise-tags": ["AdvertiseTags"],
        "hostname": ["Hostname"],
        "advertise-routes": ["AdvertiseRoutes"],
        "advertise-exit-node": ["AdvertiseRoutes"],
        "advertise-connector": ["AppConnector"],
        "report-posture": ["PostureChecking"],
        "operator": ["OperatorUser"],
        "snat-subnet-routes": ["NoSNAT"],
        "stateful-filtering": ["NoStatefulFiltering"],
        "netfilter-mode": ["NetfilterMode"],
    }.get(flag, [])


def daemon(argv):
    spec = {
        "state": ("str", ""),
        "statedir": ("str", ""),
        "socket": ("str", DEFAULT_SOCKET),
        "port": ("str", "41641"),
        "tun": ("str", "tailscale0"),
        "cleanup": ("bool", False),
        "verbose": ("str", "0"),
    }
    v, _visited, _rest = parse_go_flags(argv, spec)
    state = v["state"] or (os.path.join(v["statedir"], "tailscaled.state") if v["statedir"] else DEFAULT_STATE)
    d = Daemon(state, v["socket"], v["tun"])
    if v["cleanup"]:
        d.remove_tun()
        return 0
    d.make_tun()
    d.apply()

    def stop(_sig, _frame):
        d.remove_tun()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    d.serve()
    return 0


if __name__ == "__main__":
    if os.path.basename(sys.argv[0]) == "tailscaled":
        sys.exit(daemon(sys.argv[1:]))
    sys.exit(cli(sys.argv[1:]))
