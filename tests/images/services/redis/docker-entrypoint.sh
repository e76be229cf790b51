#!/bin/sh
# As docker-library/redis docker-entrypoint.sh (7.4-rc/alpine, lines 1-24):
# as root, hand every file in /data not owned by redis to redis, then run
# again as redis; as any other user (compose `user:`), skip both. umask 0077.
set -e
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
	set -- redis-server "$@"
fi
if [ "$1" = 'redis-server' ] && [ "$(id -u)" = '0' ]; then
	find . \! -user redis -exec chown redis '{}' +
	exec setpriv --reuid=999 --regid=1000 --clear-groups "$0" "$@"
fi
um="$(umask)"
if [ "$um" = '0022' ]; then
	umask 0077
fi
exec "$@"
