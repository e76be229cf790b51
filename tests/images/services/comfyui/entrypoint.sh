# shellcheck shell=bash
# The stand-in image's copy of YanWenKun/ComfyUI-Docker cu126-slim
# runner-scripts/entrypoint.sh (see CONTRACT.md): user scripts, ComfyUI copied
# from the bundle only when /root/ComfyUI/main.py is missing, pip into
# /root/.local, then main.py with the fixed flags and ${CLI_ARGS}.
set -e

cd /root
if [ ! -f "/root/user-scripts/set-proxy.sh" ] ; then
    mkdir -p /root/user-scripts
    cp /runner-scripts/set-proxy.sh.example /root/user-scripts/set-proxy.sh
else
    chmod +x /root/user-scripts/set-proxy.sh
    source /root/user-scripts/set-proxy.sh
fi

cd /root
if [ ! -f "/root/ComfyUI/main.py" ] ; then
    mkdir -p /root/ComfyUI
    if cp --archive --no-clobber "/default-comfyui-bundle/ComfyUI/." "/root/ComfyUI/" ; then
        echo "[INFO] Using image-bundled ComfyUI (copied to workdir)."
    else
        echo "[ERROR] Failed to copy ComfyUI bundle to '/root/ComfyUI'" >&2
        exit 1
    fi
else
    echo "[INFO] Using existing ComfyUI in user storage..."
fi

cd /root
if [ ! -f "/root/user-scripts/pre-start.sh" ] ; then
    mkdir -p /root/user-scripts
    cp /runner-scripts/pre-start.sh.example /root/user-scripts/pre-start.sh
else
    chmod +x /root/user-scripts/pre-start.sh
    source /root/user-scripts/pre-start.sh
fi

export PYTHONPYCACHEPREFIX="/root/.cache/pycache"
export PIP_USER=true
export PATH="${PATH}:/root/.local/bin"
export PIP_ROOT_USER_ACTION=ignore

cd /root
# shellcheck disable=SC2086 # CLI_ARGS is split into words on purpose, as upstream does
exec python3 ./ComfyUI/main.py --listen --port 8188 ${CLI_ARGS}
