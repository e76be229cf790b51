#!/usr/bin/env bash
# The zabbix_agent role's one read on a no-op (tasks/main.yml runs it with the
# raw module: no Python start), for the zabbix_agent_read filter
# (plugins/module_utils/_zabbix.py read_state). Stderr is dropped: over SSH,
# raw merges it into stdout.
exec 2>/dev/null
# Whether firewalld owns its bus name, then the rich rules of each zone,
# permanent and runtime (busctl --json; --auto-start=no: a stopped firewalld
# stays stopped); a zone firewalld does not know prints nothing.
FW=org.fedoraproject.FirewallD1
echo "fw=$(busctl --auto-start=no call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus NameHasOwner s $FW)"
for z in $ZONES; do
  p=$(busctl --auto-start=no call $FW /org/fedoraproject/FirewallD1/config $FW.config getZoneByName s "$z" | cut -d'"' -f2)
  if [ -n "$p" ]; then echo "zone=permanent $z $(busctl --auto-start=no --json=short call $FW "$p" $FW.config.zone getSettings2)"; fi
  echo "zone=runtime $z $(busctl --auto-start=no --json=short call $FW /org/fedoraproject/FirewallD1 $FW.zone getZoneSettings2 s "$z")"
done
# The servers' names as the agent resolves them (getaddrinfo).
for n in $NAMES; do
  getent ahosts "$n" | awk -v n="$n" '{print "addr=" n " " $1}' | sort -u
done
# The files: type, mode, owner and group (find: nothing for a missing path),
# and the content's SHA-1 of those in HASH only (not a key generated on the
# host); the restart marker a killed run left.
# shellcheck disable=SC2086 # the path lists are split on purpose
if [ -n "$FILES" ]; then find $FILES -maxdepth 0 -printf 'have=%p %y %m %u %g\n'; fi
# shellcheck disable=SC2086
if [ -n "$HASH" ]; then sha1sum $HASH | awk '{print "sha=" $2 " " $1}'; fi
if [ -e "$PENDING" ]; then echo pending; fi
true
