#!/usr/bin/env bash
# The networking role's one read (tasks/preflight.yml runs it with the raw
# module, its environment set by the shell_command filter, and names what to
# read). Each line is KEY=VALUE for the networking_preflight filter
# (plugins/module_utils/_networking.py read_lines). Over SSH raw allocates a
# terminal that merges stderr into stdout: none here.
exec 2>/dev/null
set -o pipefail
for b in dockerd firewalld; do
  if [ -e "/usr/bin/$b" ] || [ -e "/usr/sbin/$b" ]; then echo "bin=$b"; fi
done
# The zones, permanent and runtime, from firewalld over D-Bus (busctl: no
# Python start, unlike firewall-cmd; --auto-start=no: a stopped firewalld stays
# stopped); the zones' run is skipped when in place.
FW=org.fedoraproject.FirewallD1
for z in $ZONES; do
  echo "zone=runtime $z $(busctl --auto-start=no --json=short call $FW /org/fedoraproject/FirewallD1 $FW.zone getZoneSettings2 s "$z" 2>/dev/null)"
  p=$(busctl --auto-start=no call $FW /org/fedoraproject/FirewallD1/config $FW.config getZoneByName s "$z" 2>/dev/null | cut -d'"' -f2)
  if [ -n "$p" ]; then echo "zone=permanent $z $(busctl --auto-start=no --json=short call $FW "$p" $FW.config.zone getSettings2 2>/dev/null)"; fi
done
# shellcheck disable=SC2086 # the package names are split on purpose
if [ -n "$PACKAGES" ]; then dpkg-query -W -f='pkg=${db:Status-Abbrev} ${Package}\n' $PACKAGES 2>/dev/null; fi
echo "daemon_json=$(base64 -w0 "$DAEMON_JSON" 2>/dev/null)"
# The forward policy's permanent file (firewalld's ETC_FIREWALLD_POLICIES);
# tasks/apply.yml runs the policy script only when it differs.
echo "policy_xml=$(base64 -w0 "/etc/firewalld/policies/$POLICY.xml" 2>/dev/null)"
if command -v docker >/dev/null; then
  echo "network=$(docker network inspect "$NETWORK" --format "$NETWORK_FORMAT" 2>/dev/null)"
  if [ "$AUDIT" = True ]; then
    docker ps --format "$PS_FORMAT" 2>/dev/null | sed 's/^/ps=/'
  fi
fi
# The front door and the reboot recovery (tasks/apply.yml): the
# units and the loaded table.
for u in ai-stack-front-door ai-stack-start-published; do
  echo "unit=$u=$(systemctl is-enabled "$u.service" 2>/dev/null)"
done
if command -v nft >/dev/null && nft list table inet ai_stack_front_door >/dev/null 2>&1; then echo front_door=loaded; fi
# The files of tasks/apply.yml (the files_in_place filter compares them).
for f in $MANAGED; do
  if [ -L "$f" ]; then echo "have=$f link"
  elif [ -d "$f" ]; then echo "have=$f d $(stat -c '%a %U %G' "$f")"
  elif [ -f "$f" ]; then echo "have=$f f $(stat -c '%a %U %G' "$f") $(sha1sum < "$f" | cut -d' ' -f1)"
  elif [ -e "$f" ]; then echo "have=$f other"
  fi
done
exit 0
