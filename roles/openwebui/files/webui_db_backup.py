# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Consistent copy of a live SQLite database: webui_db_backup.py SRC DEST [KEEP].

Uses SQLite's online backup API, which copies a consistent snapshot even
while Open WebUI writes to SRC, then checks the copy before giving it its
final name, so DEST is either a good database or absent. With KEEP, only the
KEEP newest webui-*.db files of DEST's directory are kept afterwards.
"""

import glob
import json
import os
import sqlite3
import sys


def main(src, dest, keep=None):
    tmp = dest + ".partial"
    source = sqlite3.connect(f"file:{src}?mode=ro", uri=True, timeout=30)
    target = sqlite3.connect(tmp)
    try:
        with target:
            source.backup(target)
        check = target.execute("PRAGMA integrity_check").fetchone()[0]
        tables = target.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
    finally:
        target.close()
        source.close()
    if check != "ok":
        os.unlink(tmp)
        print(json.dumps({"failed": True, "msg": f"backup of {src} failed its integrity check: {check}"}))
        return 1
    os.chmod(tmp, 0o600)
    os.replace(tmp, dest)
    removed = []
    if keep is not None:
        found = sorted(glob.glob(os.path.join(os.path.dirname(dest), "webui-*.db")), key=os.path.getmtime, reverse=True)
        for old in found[int(keep) :]:
            os.unlink(old)
            removed.append(os.path.basename(old))
    print(json.dumps({"dest": dest, "tables": tables, "size": os.path.getsize(dest), "removed": removed}))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
