"""`pihole` CLI STAND-IN: only `pihole allow|deny [-d|remove|delete] [-q]
[--comment TEXT] DOMAIN...`, the v6 syntax the pihole role uses. It edits
/etc/pihole/standin-lists.json, which the DNS stand-in reads. Not Pi-hole."""

import json
import sys

LISTS_FILE = "/etc/pihole/standin-lists.json"


def main(argv):
    if not argv or argv[0] not in ("allow", "deny"):
        sys.stderr.write("pihole stand-in: only 'allow' and 'deny' are implemented\n")
        return 2
    kind, add, domains, args = argv[0], True, [], iter(argv[1:])
    for arg in args:
        if arg in ("-d", "remove", "delete"):
            add = False
        elif arg == "--comment":
            next(args, None)
        elif arg in ("-q", "--quiet"):
            continue
        else:
            domains.append(arg.lower())
    try:
        with open(LISTS_FILE, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        data = {"allow": [], "deny": []}
    current = set(data.get(kind, []))
    current = current | set(domains) if add else current - set(domains)
    data[kind] = sorted(current)
    with open(LISTS_FILE, "w", encoding="utf-8") as handle:
        json.dump(data, handle)
    print(f"  [i] {'Added' if add else 'Removed'} {len(domains)} domain(s) ({kind})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
