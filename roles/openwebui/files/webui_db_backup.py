# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Consistent copy of a live SQLite database: webui_db_backup.py SRC DIR IMAGE KEEP.

Writes DIR/webui-<UTC time>-<tag of IMAGE>.db with SQLite's online backup
API, which copies a consistent snapshot even while Open WebUI writes to SRC,
then checks the copy before giving it its final name, so the backup is either
a good database or absent. Then keeps only the KEEP newest webui-*.db of DIR.
Without SRC (Open WebUI never started) there is nothing to copy: prints {"dest": null}.
"""

import glob
import json
import os
import re
import sqlite3
import sys
import time


def backup_name(image, now=None):
    """webui-<UTC time>-<tag>.db, the tag being what follows the image's last ':' or '/'."""
    tag = re.sub(r"[^A-Za-z0-9._-]", "_", re.sub(r"^.*[:/]", "", image))
    return "webui-{}-{}.db".format(time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now)), tag)


def main(src, directory, image, keep):
    if not os.path.exists(src):
        print(json.dumps({"dest": None, "msg": f"{src} does not exist: nothing to back up"}))
        return 0
    dest = os.path.join(directory, backup_name(image))
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
    found = sorted(glob.glob(os.path.join(directory, "webui-*.db")), key=os.path.getmtime, reverse=True)
    removed = []
    for old in found[int(keep) :]:
        os.unlink(old)
        removed.append(os.path.basename(old))
    result = {"dest": dest, "image": image, "tables": tables, "size": os.path.getsize(dest), "removed": removed}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))
