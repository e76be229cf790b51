#!/usr/bin/env bash
# The image's CMD (bash start.sh in /app/backend), as upstream's backend/start.sh:
# without WEBUI_SECRET_KEY a key is generated into .webui_secret_key HERE (the
# image's working directory, not the data volume), then the server starts on
# $HOST:$PORT.
SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" &>/dev/null && pwd)
cd "$SCRIPT_DIR" || exit
KEY_FILE=.webui_secret_key
PORT="${PORT:-8080}"
HOST="${HOST:-0.0.0.0}"
if test "$WEBUI_SECRET_KEY $WEBUI_JWT_SECRET_KEY" = " "; then
  if ! [ -e "$KEY_FILE" ]; then
    head -c 12 /dev/random | base64 >"$KEY_FILE"
  fi
  WEBUI_SECRET_KEY=$(cat "$KEY_FILE")
  export WEBUI_SECRET_KEY
fi
exec python3 openwebui_standin.py --host "$HOST" --port "$PORT"
