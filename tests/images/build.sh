#!/usr/bin/env bash
# Builds the local test images. No registry is reachable, so every image
# starts from a debootstrapped Debian root filesystem that is `docker import`ed.
#
#   localhost/ai-stack-test:debian12          systemd host, Debian 12 (bookworm)
#   localhost/ai-stack-test:debian13          systemd host, Debian 13 (trixie)
#   localhost/ai-stack-test:debian13-docker   + docker.io, docker-compose v2, buildx
#   localhost/ai-stack-test:debian12-backup   + restic, zfs-fuse, OpenSSH client (molecule/backup)
#   localhost/ai-stack-test:debian13-sshd     + OpenSSH server (molecule/backup's SFTP repository)
#   localhost/ai-stack-test:app-base          base for service images (no systemd)
#   localhost/ai-stack-test/<svc>:test        one per tests/images/services/<svc>/
#
# The service images are also saved to $CACHE/service-images.tar, which the
# Molecule prepare step loads into the nested Docker engines.
#
# Cached: every image carries a label with the hash of its inputs; an image
# whose hash matches is not rebuilt, so a second run takes seconds.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
CACHE=${AI_STACK_IMAGE_CACHE:-/var/cache/ai-stack-test}
MIRROR=${AI_STACK_DEBIAN_MIRROR:-http://deb.debian.org/debian}
mkdir -p "$CACHE"
# The service images' archive, loaded by every Molecule prepare. Two checkouts
# building at once (worktrees) each name their own archive and take the lock
# below, so one never loads the other's stand-ins.
SERVICES_TAR=${AI_STACK_SERVICES_TAR:-service-images.tar}

log() { printf '[images] %s\n' "$*" >&2; }

# Packages every systemd test host gets: what Ansible and the roles' checks need.
HOST_PKGS=systemd,systemd-sysv,dbus,python3,python3-apt,sudo,iproute2,iputils-ping,procps,ca-certificates,curl,gnupg,kmod,bind9-dnsutils,netcat-openbsd,less,apt-transport-https,lsb-release,cron,iptables,nftables
APP_PKGS=python3,ca-certificates,curl,nginx,redis-server,sqlite3,openssl,iproute2,procps,bind9-dnsutils,tini

image_hash() { docker image inspect -f '{{ index .Config.Labels "ai-stack.hash" }}' "$1" 2>/dev/null || true; }

inputs_hash() { # hash of this script plus any extra strings/files given
  { cat "$0"; for x in "$@"; do if [ -e "$x" ]; then find "$x" -type f -print0 | sort -z | xargs -0 cat; else printf '%s' "$x"; fi; done; } | sha256sum | cut -c1-16
}

# rootfs SUITE VARIANT PKGS -> path of a cached tarball
rootfs() {
  local suite=$1 variant=$2 pkgs=$3 extra=${4:-}
  local key; key=$(printf '%s|%s|%s|%s' "$suite" "$variant" "$pkgs" "$extra" | sha256sum | cut -c1-12)
  local tarball="$CACHE/rootfs-$suite-$key.tar"
  if [ -s "$tarball" ]; then echo "$tarball"; return; fi
  local dir; dir=$(mktemp -d "$CACHE/build-$suite-XXXX")
  if [ -n "$extra" ]; then
    # Reuse the plain root filesystem and add packages inside it (apt runs
    # with the host's network, so no container networking is needed).
    local base; base=$(rootfs "$suite" "$variant" "$pkgs")
    log "add '$extra' to $suite -> $tarball"
    tar -C "$dir" -xf "$base"
    printf '#!/bin/sh\nexit 101\n' >"$dir/usr/sbin/policy-rc.d"; chmod +x "$dir/usr/sbin/policy-rc.d"
    cp /etc/resolv.conf "$dir/etc/resolv.conf"
    printf 'deb %s %s main\n' "$MIRROR" "$suite" >"$dir/etc/apt/sources.list"
    mount --bind /proc "$dir/proc"
    chroot "$dir" sh -c "export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq --no-install-recommends $extra" >"$dir.log" 2>&1 \
      || { umount "$dir/proc"; tail -30 "$dir.log" >&2; exit 1; }
    umount "$dir/proc"
    rm -f "$dir/usr/sbin/policy-rc.d"
  else
    log "debootstrap $suite ($variant) -> $tarball"
    debootstrap --variant="$variant" --include="$pkgs" "$suite" "$dir" "$MIRROR" >"$dir.log" 2>&1 \
      || { tail -30 "$dir.log" >&2; exit 1; }
  fi
  chroot "$dir" apt-get clean
  rm -rf "$dir"/var/lib/apt/lists/* "$dir"/var/cache/apt/*.bin "$dir"/tmp/* "$dir/etc/resolv.conf"
  echo "$suite" >"$dir/etc/ai-stack-test-suite"
  tar -C "$dir" --numeric-owner -cf "$tarball.tmp" .
  mv "$tarball.tmp" "$tarball"
  rm -rf "$dir" "$dir.log"
  echo "$tarball"
}

import_host() { # TAG TARBALL HASH
  local tag=$1 tarball=$2 hash=$3
  # A systemd host: no getty on a console that does not exist, no units
  # that fight the container runtime over /proc/sys or the kernel.
  # The image ships no apt lists (as many cloud images do) and says they are
  # old, so roles that refresh stale lists (cache_valid_time) really do.
  local ctx; ctx=$(mktemp -d)
  docker import \
    --change 'ENV container=docker' \
    --change 'CMD ["/lib/systemd/systemd"]' \
    "$tarball" "$tag-rootfs" >/dev/null
  cat >"$ctx/Dockerfile" <<EOF
FROM $tag-rootfs
RUN systemctl mask getty@tty1.service serial-getty@console.service console-getty.service \
      systemd-udevd.service systemd-udev-trigger.service systemd-modules-load.service \
      sys-kernel-config.mount sys-kernel-debug.mount sys-fs-fuse-connections.mount \
      systemd-remount-fs.service systemd-sysctl.service systemd-firstboot.service \
      apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer 2>/dev/null; \
    echo 'APT::Install-Recommends "false";' > /etc/apt/apt.conf.d/90ai-stack-test; \
    rm -f /var/lib/apt/periodic/update-success-stamp; touch -d 2000-01-01 /var/lib/apt/lists; \
    printf 'en_US.UTF-8 UTF-8\n' > /etc/locale.gen || true
STOPSIGNAL SIGRTMIN+3
LABEL ai-stack.hash=$hash
EOF
  docker build -q --network none -t "$tag" "$ctx" >/dev/null
  docker rmi "$tag-rootfs" >/dev/null 2>&1 || true
  rm -rf "$ctx"
}

build_host() { # TAG SUITE [EXTRA_PKGS] [DROPIN]
  local tag=$1 suite=$2 extra=${3:-}
  local hash; hash=$(inputs_hash "$suite" "$HOST_PKGS" "$extra")
  if [ "$(image_hash "$tag")" = "$hash" ]; then log "$tag is current"; return; fi
  local tarball; tarball=$(rootfs "$suite" minbase "$HOST_PKGS" "$extra")
  log "import $tag"
  import_host "$tag" "$tarball" "$hash"
}

build_docker_host() { # TAG BASE
  local tag=$1 base=$2
  local hash; hash=$(inputs_hash "$(image_hash "$base")" "$here/docker-host")
  if [ "$(image_hash "$tag")" = "$hash" ]; then log "$tag is current"; return; fi
  log "build $tag"
  # docker.io and compose are installed into the root filesystem by the
  # rootfs step (chroot apt), the Dockerfile only adds the drop-ins.
  local tarball; tarball=$(rootfs trixie minbase "$HOST_PKGS" "docker.io docker-cli docker-compose docker-buildx containerd runc iptables python3-requests python3-cryptography")
  import_host "$tag-pkgs" "$tarball" "$hash"
  docker build -q --network none --build-arg BASE="$tag-pkgs" --label ai-stack.hash="$hash" \
    -t "$tag" "$here/docker-host" >/dev/null
  docker rmi "$tag-pkgs" >/dev/null 2>&1 || true
}

build_app_base() {
  local tag=localhost/ai-stack-test:app-base
  local hash; hash=$(inputs_hash "$APP_PKGS")
  if [ "$(image_hash "$tag")" = "$hash" ]; then log "$tag is current"; return; fi
  local tarball; tarball=$(rootfs trixie minbase "$APP_PKGS")
  log "import $tag"
  docker import --change "LABEL ai-stack.hash=$hash" --change 'CMD ["/bin/sh"]' "$tarball" "$tag" >/dev/null
}

# The service tags are shared by every checkout on this machine: build and
# save them under one lock so the archive holds this checkout's images.
with_lock() {
  exec 9>"$CACHE/.services.lock"
  flock 9
  "$@"
  flock -u 9
}

build_services() {
  local names=() tags=()
  local d
  for d in "$here"/services/*/; do
    [ -f "$d/Dockerfile" ] || continue
    local name; name=$(basename "$d")
    local tag="localhost/ai-stack-test/$name:test"
    # Shared code (services/_*) counts for every service image.
    local hash; hash=$(inputs_hash "$(image_hash localhost/ai-stack-test:app-base)" "$d" "$here"/services/_*)
    names+=("$name"); tags+=("$tag")
    if [ "$(image_hash "$tag")" = "$hash" ]; then continue; fi
    log "build $tag"
    # Build context is services/ so a Dockerfile can COPY from services/_*/.
    docker build -q --network none --label ai-stack.hash="$hash" -f "$d/Dockerfile" -t "$tag" "$here/services" >/dev/null
  done
  [ "${#tags[@]}" -gt 0 ] || return 0
  local sum; sum=$(for t in "${tags[@]}"; do image_hash "$t"; done | sha256sum | cut -c1-16)
  local tar="$CACHE/$SERVICES_TAR"
  if [ -s "$tar" ] && [ "$(cat "$tar.sum" 2>/dev/null)" = "$sum" ]; then
    log "$SERVICES_TAR is current (${names[*]})"; return
  fi
  log "save ${names[*]} -> $tar"
  docker save -o "$tar.tmp" "${tags[@]}"
  mv "$tar.tmp" "$tar"
  echo "$sum" >"$tar.sum"
}

# The backup scenario's hosts carry its packages, so its runs install nothing.
build_backup_hosts() {
  build_host localhost/ai-stack-test:debian12-backup bookworm "restic zfs-fuse openssh-client"
  build_host localhost/ai-stack-test:debian13-sshd trixie "openssh-server"
}

what=${1:-all}
case "$what" in
  hosts) build_host localhost/ai-stack-test:debian12 bookworm; build_host localhost/ai-stack-test:debian13 trixie; build_backup_hosts ;;
  backup) build_backup_hosts ;;
  docker) build_host localhost/ai-stack-test:debian13 trixie; build_docker_host localhost/ai-stack-test:debian13-docker localhost/ai-stack-test:debian13 ;;
  services) build_app_base; with_lock build_services ;;
  all)
    build_host localhost/ai-stack-test:debian12 bookworm
    build_host localhost/ai-stack-test:debian13 trixie
    build_docker_host localhost/ai-stack-test:debian13-docker localhost/ai-stack-test:debian13
    build_backup_hosts
    build_app_base
    with_lock build_services
    ;;
  *) echo "usage: $0 [all|hosts|docker|backup|services]" >&2; exit 2 ;;
esac
log "done: $what"
