#!/usr/bin/env bash
# The docker role's one read (tasks/preflight.yml runs it with the raw module,
# its environment set by the shell_command filter, and names what to read), for
# the docker_preflight filter (plugins/module_utils/_docker.py preflight).
# Over SSH raw allocates a terminal that merges stderr into stdout: none here.
exec 2>/dev/null
set -o pipefail
# shellcheck disable=SC2086 # the package names are split on purpose
if [ -n "$PACKAGES" ]; then dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' $PACKAGES 2>/dev/null; fi
for f in $FILES; do
  [ -e "$f" ] && echo "file $f"
done
echo "group $(getent group docker | cut -d: -f4 | tr , ' ')"
echo "unit $(systemctl is-enabled docker.service 2>/dev/null) $(systemctl is-active docker.service 2>/dev/null)"
for u in $USERS; do
  getent passwd "$u" >/dev/null && echo "user $u"
done
for f in $MANAGED; do
  if [ -L "$f" ]; then echo "have $f link"
  elif [ -d "$f" ]; then echo "have $f d $(stat -c '%a %U %G' "$f")"
  elif [ -f "$f" ]; then echo "have $f f $(stat -c '%a %U %G' "$f") $(sha1sum < "$f" | cut -d' ' -f1)"
  elif [ -e "$f" ]; then echo "have $f other"
  fi
done
if [ -e "$PENDING" ]; then echo pending; fi
true
