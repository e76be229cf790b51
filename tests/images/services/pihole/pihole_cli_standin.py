"""`pihole` CLI STAND-IN: `pihole allow|deny [-d|remove|delete] [-q]
[--comment TEXT] DOMAIN...` (the v6 syntax) and `pihole -g` (gravity). It
edits the stand-in's gravity database (standin_gravity.py), which the DNS
stand-in reads. Not Pi-hole."""

import os
import sys
import time

import standin_gravity as gdb


def main(argv):
    if os.getuid() == 0:
        # Its files stay the pihole user's, as the server (running as pihole) must write them too.
        os.setgid(1000)
        os.setuid(1000)
    if argv[:1] in (["-g"], ["updateGravity"]):
        gdb.gravity(sys.stdout.write)
        return 0
    if not argv or argv[0] not in ("allow", "deny"):
        sys.stderr.write("pihole stand-in: only 'allow', 'deny' and '-g' are implemented\n")
        return 2
    kind, add, comment, domains, args = argv[0], True, None, [], iter(argv[1:])
    for arg in args:
        if arg in ("-d", "remove", "delete"):
            add = False
        elif arg == "--comment":
            comment = next(args, None)
        elif arg in ("-q", "--quiet"):
            continue
        else:
            domains.append(arg.lower())
    dtype = gdb.DOMAIN_TYPES[(kind, "exact")]
    now = int(time.time())
    with gdb.LOCK:
        db = gdb.load()
        rows = [r for r in db["domainlist"] if not (r["type"] == dtype and r["domain"] in domains)]
        if add:
            for domain in domains:
                old = next((r for r in db["domainlist"] if r["type"] == dtype and r["domain"] == domain), None)
                rows.append(
                    old
                    or {
                        "id": gdb.new_id(db),
                        "domain": domain,
                        "type": dtype,
                        "enabled": True,
                        "comment": comment,
                        "groups": [0],
                        "date_added": now,
                        "date_modified": now,
                    }
                )
        db["domainlist"] = rows
        gdb.save(db)
    print(f"  [i] {'Added' if add else 'Removed'} {len(domains)} domain(s) ({kind})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
