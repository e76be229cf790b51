#!/usr/bin/env bash
# Brings a fresh Debian machine to the point where the tests and the demo run:
# Debian packages, a running Docker engine, the Python venv, the test images.
# Idempotent and quick when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.." || exit 1

log() { printf '[setup] %s\n' "$*" >&2; }
# Root tools (dockerd, debootstrap, chroot) live in sbin; some CI shells lack it.
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
export DEBIAN_FRONTEND=noninteractive

need_pkgs=()
for p in docker.io debootstrap iproute2 python3-venv shellcheck git make redis-server; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need_pkgs+=("$p")
done
if [ "${#need_pkgs[@]}" -gt 0 ]; then
  log "apt-get install ${need_pkgs[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi

# Debian's docker.io: use its dockerd even where another docker client is
# first on PATH.
if ! /usr/bin/docker info >/dev/null 2>&1; then
  if [ -d /run/systemd/system ]; then
    log "systemctl start docker"
    systemctl start docker
  else
    log "starting dockerd (no systemd on this machine)"
    nohup /usr/sbin/dockerd >/var/log/dockerd.log 2>&1 &
  fi
  for _ in $(seq 1 60); do /usr/bin/docker info >/dev/null 2>&1 && break; sleep 1; done
  /usr/bin/docker info >/dev/null 2>&1 || { tail -20 /var/log/dockerd.log >&2 || true; log "dockerd did not start"; exit 1; }
fi

venv=.venv
stamp=$venv/.requirements.sha
want=$(sha256sum requirements-dev.txt | cut -d' ' -f1)
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  log "creating $venv from requirements-dev.txt"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --upgrade pip
  "$venv/bin/pip" install -q -r requirements-dev.txt
  echo "$want" >"$stamp"
fi

bash tests/collection_link.sh
bash tests/images/build.sh all
log "ready"
