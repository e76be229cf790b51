#!/usr/bin/env bash
# The networking role's forward policy P (tasks/apply.yml): ingress from zone
# Z only, egress to ANY, the one rich rule R. firewall-cmd has no exact-state
# verb for policies, so this compares and rewrites, reloads when it changed
# something and then prints "changed".
set -eu -o pipefail
fc() { firewall-cmd --permanent "$@"; }
changed=0
# One --info-policy read answers every question of a re-run.
if ! info=$(fc --info-policy="$P" 2>/dev/null); then
  fc --new-policy="$P" >/dev/null
  changed=1
  info=$(fc --info-policy="$P")
fi
field() { printf '%s\n' "$info" | sed -n "s/^  $1: *//p"; }
sync_list() { # KIND WANTED HAVE
  [ "$3" = "$2" ] && return 0
  for item in $3; do fc --policy="$P" --remove-"$1"="$item" >/dev/null; done
  fc --policy="$P" --add-"$1"="$2" >/dev/null
  changed=1
}
sync_list ingress-zone "$Z" "$(field ingress-zones)"
sync_list egress-zone ANY "$(field egress-zones)"
rules=$(printf '%s\n' "$info" | sed -n 's/^\t//p')
if [ "$rules" != "$R" ]; then
  while IFS= read -r rule; do
    if [ -n "$rule" ]; then fc --policy="$P" --remove-rich-rule="$rule" >/dev/null; fi
  done <<< "$rules"
  fc --policy="$P" --add-rich-rule="$R" >/dev/null
  changed=1
fi
if [ "$changed" = 1 ]; then
  firewall-cmd --reload >/dev/null
  echo changed
fi
