#!/usr/bin/env bash
# The backup role's one read on a no-op (tasks/preflight.yml runs it with the
# raw module: no Python start), for the backup_read filter
# (plugins/module_utils/_backup_read.py). Its output holds the SHA-1 of the
# credentials: the task is no_log. Stderr is dropped (raw over SSH merges it).
exec 2>/dev/null
# shellcheck disable=SC2086 # the lists are split on purpose
dpkg-query -W -f='pkg=${Package}\t${Status}\n' $PACKAGES
# shellcheck disable=SC2086
systemctl show --property=Id,LoadState,ActiveState,UnitFileState $TIMERS | sed 's/^/unit=/'
# The repository record (written by the tool once restic answered) against
# restic.env and the password now (_backup.repository_key, on the host).
if [ -f "$ENV_FILE" ] && [ -f "$PASSWORD_FILE" ] && [ -f "$RECORD" ] \
  && [ "$({ cat "$ENV_FILE"; printf '\0'; cat "$PASSWORD_FILE"; } | sha256sum | cut -d' ' -f1)" = "$(tr -d '[:space:]' < "$RECORD")" ]; then
  echo repository=initialised
fi
for d in $DIRS; do
  if [ -d "$d" ]; then echo "dir=$d"; fi
done
# The files: type, mode, owner and group (nothing for a missing path), and
# the content's SHA-1.
# shellcheck disable=SC2086
find $FILES -maxdepth 0 -printf 'have=%p %y %m %u %g\n'
# shellcheck disable=SC2086
sha1sum $FILES | awk '{print "sha=" $2 " " $1}'
true
