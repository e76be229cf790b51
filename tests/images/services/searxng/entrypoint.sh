#!/bin/sh
# As upstream container/entrypoint.sh (searxng 9fea41204): check the volumes,
# chown them to searxng:searxng when run as root (FORCE_OWNERSHIP, default
# true), else only warn; create settings.yml from the template with a random
# secret only when it is missing; then start the server.
set -u
setup_ownership() {
    target_ownership=$(stat -c %U:%G "$1")
    if [ "$target_ownership" != "searxng:searxng" ]; then
        if [ "${FORCE_OWNERSHIP:-true}" = true ] && [ "$(id -u)" -eq 0 ]; then
            chown -R searxng:searxng "$1"
        else
            echo "!!! WARNING: \"$1\" is not owned by \"searxng:searxng\" (got $target_ownership)"
        fi
    fi
}
for d in "$__SEARXNG_CONFIG_PATH" "$__SEARXNG_DATA_PATH"; do
    [ -d "$d" ] || { echo "!!! ERROR: \"$d\" is not a valid directory, exiting..."; exit 127; }
    setup_ownership "$d"
done
target="$__SEARXNG_CONFIG_PATH/settings.yml"
if [ ! -f "$target" ]; then
    cp -pfT /usr/local/searxng/settings.template.yml "$target"
    sed -i "s/ultrasecretkey/$(head -c 24 /dev/urandom | base64 | tr -dc 'a-zA-Z0-9')/g" "$target"
fi
exec python3 /usr/local/searxng/searxng_standin.py
