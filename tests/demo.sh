#!/usr/bin/env bash
# The disposable local "homelab host" and the stack deployed onto it.
#   tests/demo.sh up     start (or reuse) the host, run site.yml, then verify.yml
#   tests/demo.sh host   only start (or reuse) and prepare the host
#   tests/demo.sh down   remove the host and its volumes
# AI_STACK_DEMO_HOST names the container (default ai-stack-demo), so the
# benchmark can use a fresh one beside a user's demo; every run is given it
# as -e ansible_host=<name>.
# The host is a systemd Debian 13 container with a nested Docker engine and a
# stand-in tailscale0 (100.100.1.1); a tailnet client lives in its network
# namespace ts-client (100.100.1.2).
set -euo pipefail
cd "$(dirname "$0")/.." || exit 1
export PATH="$PWD/.venv/bin:$PATH" ANSIBLE_CONFIG="$PWD/ansible.cfg"
bash tests/collection_link.sh
name=${AI_STACK_DEMO_HOST:-ai-stack-demo}
export AI_STACK_DEMO_HOST=$name
# The container is this run's ansible_host (the inventory names ai-stack-demo).
inv=(inventories/demo/hosts.yml -e "ansible_host=$name")
image=localhost/ai-stack-test:debian13-docker

host() {
  if ! docker container inspect "$name" >/dev/null 2>&1; then
    docker run -d --name "$name" --hostname "$name" \
      --cap-add SYS_ADMIN --cap-add NET_ADMIN \
      --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
      --cgroupns=host -v /sys/fs/cgroup:/sys/fs/cgroup:rw \
      -v /var/lib/docker -v /var/cache/ai-stack-test:/opt/ai-stack-test:ro \
      --tmpfs /run --tmpfs /tmp "$image" /lib/systemd/systemd >/dev/null
  elif [ "$(docker container inspect -f '{{.State.Running}}' "$name")" != true ]; then
    docker start "$name" >/dev/null
  fi
  ansible-playbook -i "${inv[@]}" molecule/shared/prepare.yml
}

up() {
  host
  ansible-playbook -i "${inv[@]}" site.yml "$@"
  ansible-playbook -i "${inv[@]}" playbooks/verify.yml
  cat <<MSG

The demo stack runs in the container '$name'. From the stand-in tailnet client:
  docker exec $name ip netns exec ts-client dig +short @100.100.1.1 chat.demo.home.arpa
  docker exec $name ip netns exec ts-client curl -sk https://chat.demo.home.arpa/ --resolve chat.demo.home.arpa:443:100.100.1.1
Re-run: make demo (idempotent).  Remove: make demo-down.
MSG
}

down() {
  docker rm -f -v "$name" >/dev/null 2>&1 || true
  echo "removed $name"
}

cmd=${1:-up}
[ $# -gt 0 ] && shift
case "$cmd" in
  up) up "$@" ;;
  host) host ;;
  down) down ;;
  *) echo "usage: $0 up|host|down" >&2; exit 2 ;;
esac
