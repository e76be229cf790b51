#!/usr/bin/env bash
# Builds the stand-in as a Debian package laid out like Tailscale's own
# (CONTRACT.md: release/dist/unixpkgs/pkgs.go, release/deb/*.sh at v1.102.3):
# /usr/bin/tailscale, /usr/sbin/tailscaled, /lib/systemd/system/tailscaled.service,
# /etc/default/tailscaled (a conffile); postinst restarts the service only when
# it was enabled before (a fresh install leaves it disabled and stopped),
# prerm stops it, postrm purge removes /var/lib/tailscale.
# Usage: build_deb.sh OUT.deb (needs dpkg-deb; runs on the test host).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$1
stage=$(mktemp -d)
chmod 0755 "$stage"
trap 'rm -rf "$stage"' EXIT
install -d "$stage/usr/bin" "$stage/usr/sbin"
# The source has no shebang (ansible-test sanity): the package gives it one.
{ echo '#!/usr/bin/python3'; cat "$here/tailscale_standin.py"; } >"$stage/usr/bin/tailscale"
cp "$stage/usr/bin/tailscale" "$stage/usr/sbin/tailscaled"
chmod 0755 "$stage/usr/bin/tailscale" "$stage/usr/sbin/tailscaled"
install -d "$stage/lib/systemd/system" "$stage/etc/default" "$stage/DEBIAN"
cat >"$stage/lib/systemd/system/tailscaled.service" <<'UNIT'
# Stand-in of Tailscale's cmd/tailscaled/tailscaled.service (v1.102.3): same
# ExecStart, state, socket, directories and Type=notify.
[Unit]
Description=Tailscale node agent (STAND-IN for tests)
Wants=network-pre.target
After=network-pre.target

[Service]
EnvironmentFile=/etc/default/tailscaled
ExecStart=/usr/sbin/tailscaled --state=/var/lib/tailscale/tailscaled.state --socket=/run/tailscale/tailscaled.sock --port=${PORT} $FLAGS
ExecStopPost=/usr/sbin/tailscaled --cleanup
Restart=on-failure
RuntimeDirectory=tailscale
RuntimeDirectoryMode=0755
StateDirectory=tailscale
StateDirectoryMode=0700
CacheDirectory=tailscale
CacheDirectoryMode=0750
Type=notify

[Install]
WantedBy=multi-user.target
UNIT
printf '%s\n' '# Port tailscaled listens on for WireGuard (stand-in: unused).' 'PORT="41641"' '' '# Extra flags for tailscaled.' 'FLAGS=""' >"$stage/etc/default/tailscaled"
cat >"$stage/DEBIAN/control" <<'CTL'
Package: tailscale
Version: 1.102.3
Architecture: all
Maintainer: homelab.ai_stack tests <tests@invalid>
Depends: python3, iproute2
Section: net
Priority: extra
Description: STAND-IN for Tailscale 1.102.3 (tests only, no WireGuard)
CTL
echo /etc/default/tailscaled >"$stage/DEBIAN/conffiles"
cat >"$stage/DEBIAN/postinst" <<'SH'
#!/bin/sh
if [ "$1" = "configure" ]; then
	if [ -d /run/systemd/system ]; then
		systemctl --system daemon-reload >/dev/null || true
		if systemctl --quiet is-enabled tailscaled.service 2>/dev/null; then
			systemctl restart tailscaled.service >/dev/null || true
		fi
	fi
fi
SH
cat >"$stage/DEBIAN/prerm" <<'SH'
#!/bin/sh
set -e
if [ "$1" = "remove" ] && [ -d /run/systemd/system ]; then
	systemctl stop tailscaled.service >/dev/null || true
fi
SH
cat >"$stage/DEBIAN/postrm" <<'SH'
#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then
	systemctl --system daemon-reload >/dev/null || true
fi
if [ "$1" = "purge" ]; then
	rm -rf /var/lib/tailscale
fi
SH
chmod 0755 "$stage/DEBIAN/postinst" "$stage/DEBIAN/prerm" "$stage/DEBIAN/postrm"
dpkg-deb --root-owner-group --build "$stage" "$out" >/dev/null
echo "$out"
