"""The Pi-hole STAND-IN's gravity database (not Pi-hole): groups, adlists,
domain rules and clients as FTL v6.2.3's API shows them (src/api/list.c),
gravity (download the adlists, parse them as FTL's gravity-parseList.c does)
and the blocking decision for one query. Kept as JSON in
/etc/pihole/standin-gravity.json (Pi-hole keeps it in gravity.db). Shared by
the DNS/HTTP stand-in and the `pihole` CLI stand-in. See CONTRACT.md."""

import ipaddress
import json
import os
import re
import threading
import time
import urllib.request

GRAVITY_FILE = "/etc/pihole/standin-gravity.json"
LOCK = threading.Lock()
# domainlist.type in gravity.db: 0 allow exact, 1 deny exact, 2 allow regex, 3 deny regex (list.c 557-576).
DOMAIN_TYPES = {("allow", "exact"): 0, ("deny", "exact"): 1, ("allow", "regex"): 2, ("deny", "regex"): 3}
TYPE_NAMES = {v: k for k, v in DOMAIN_TYPES.items()}
# FTL's valid_domain(): labels of letters, digits, '-', '_'.
_VALID_DOMAIN = re.compile(r"^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$")


FALSE_POSITIVES = {"localhost.localdomain", "local", "broadcasthost", "localhost", "ip6-localhost", "ip6-loopback"}


def empty():
    now = int(time.time())
    return {
        # gravity.db is created with the Default group, id 0 (pi-hole advanced/Templates/gravity.db.sql).
        "group": [
            {
                "id": 0,
                "name": "Default",
                "enabled": True,
                "comment": "The default group",
                "date_added": now,
                "date_modified": now,
            }
        ],
        "adlist": [],
        "domainlist": [],
        "client": [],
        "gravity": {},
        "next_id": 1,
    }


def load():
    try:
        with open(GRAVITY_FILE, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return empty()


def save(db):
    tmp = GRAVITY_FILE + ".tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(db, handle)
    os.replace(tmp, GRAVITY_FILE)


def valid_domain(domain):
    return bool(_VALID_DOMAIN.match(domain))


def new_id(db):
    db["next_id"] += 1
    return db["next_id"] - 1


# --------------------------------------------------------------------------
# gravity (pihole -g)
# --------------------------------------------------------------------------
def parse_list(text):
    """Domains of one adlist, as FTL's gravity-parseList.c (v6.2.3 lines 291-397) reads them."""
    domains, invalid = [], 0
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line or line[0] in "!#;[":
            continue
        hash_at = line.find("#")
        if 0 < hash_at < len(line) - 1 and line[hash_at + 1] in "#$@?%":
            continue
        if hash_at >= 0:
            line = line[:hash_at]
        for token in line.split():
            try:
                ipaddress.ip_address(token)
                continue  # hosts format: the address is skipped
            except ValueError:
                pass
            token = token.rstrip(".").lower()
            if not token:
                continue
            # valid_domain(token, len, fqdn_only=true) (lines 43-120, 367): a dot is needed;
            # hosts-file names like localhost are skipped (false_positives, lines 18-32).
            if valid_domain(token) and "." in token and token not in FALSE_POSITIVES:
                domains.append(token)
            else:
                invalid += 1
    return domains, invalid


def gravity(out):
    """Download every enabled adlist and store its domains (gravity.sh v6.1.4)."""
    with LOCK:
        db = load()
    for row in db["adlist"]:
        if not row["enabled"]:
            continue
        out(f"  [i] Target: {row['address']}\n")
        try:
            with urllib.request.urlopen(row["address"], timeout=15) as resp:
                text = resp.read().decode("utf-8", "replace")
        except (OSError, ValueError) as exc:
            out(f"  [✗] Status: Download failed ({exc})\n")
            # gravity.sh 826-833: a cached copy keeps its domains (status 3), else none (status 4).
            row["status"] = 3 if str(row["id"]) in db["gravity"] else 4
            if row["status"] == 4:
                row["number"] = 0
            continue
        domains, invalid = parse_list(text)
        before = db["gravity"].get(str(row["id"]))
        db["gravity"][str(row["id"])] = sorted(set(domains))
        row.update(
            number=len(set(domains)),
            invalid_domains=invalid,
            date_updated=int(time.time()),
            # gravity.sh compareLists 584-605: 1 changed (or first download), 2 unchanged.
            status=2 if before == sorted(set(domains)) else 1,
        )
        out(f"  [✓] Status: Retrieval successful\n  [i] Imported {row['number']} domains\n")
    with LOCK:
        current = load()
        by_id = {r["id"]: r for r in db["adlist"]}
        for row in current["adlist"]:
            if row["id"] in by_id:
                for key in ("number", "invalid_domains", "date_updated", "status"):
                    if key in by_id[row["id"]]:
                        row[key] = by_id[row["id"]][key]
        current["gravity"] = {
            k: v for k, v in db["gravity"].items() if any(str(r["id"]) == k for r in current["adlist"])
        }
        save(current)
    out("  [✓] Done.\n")
    return True


# --------------------------------------------------------------------------
# blocking
# --------------------------------------------------------------------------
def client_groups(db, client_ip):
    """The client's groups: its client row (exact address, else the longest subnet), else Default (0)."""
    best, best_len = None, -1
    try:
        addr = ipaddress.ip_address(client_ip)
    except ValueError:
        addr = None
    for row in db["client"]:
        try:
            net = ipaddress.ip_network(row["client"], strict=False)
        except ValueError:
            continue
        if addr is not None and addr.version == net.version and addr in net and net.prefixlen > best_len:
            best, best_len = row, net.prefixlen
    groups = set(best["groups"]) if best else {0}
    enabled = {g["id"] for g in db["group"] if g["enabled"]}
    return groups & enabled


def _applies(row, groups):
    return row.get("enabled", True) and bool(set(row.get("groups") or []) & groups)


def _regex_match(pattern, name):
    try:
        return re.search(pattern.split(";", 1)[0], name) is not None
    except re.error:
        return False


def blocked(name, client_ip):
    """True when FTL would block `name` for this client (allow beats deny, exact or regex or gravity)."""
    with LOCK:
        db = load()
    groups = client_groups(db, client_ip)
    rules = [r for r in db["domainlist"] if _applies(r, groups)]

    def match(rule):
        return rule["domain"] == name if rule["type"] in (0, 1) else _regex_match(rule["domain"], name)

    if any(match(r) for r in rules if r["type"] in (0, 2)):
        return False
    if any(match(r) for r in rules if r["type"] in (1, 3)):
        return True
    for row in db["adlist"]:
        if (
            row.get("type", "block") == "block"
            and _applies(row, groups)
            and name in db["gravity"].get(str(row["id"]), [])
        ):
            return True
    return False
