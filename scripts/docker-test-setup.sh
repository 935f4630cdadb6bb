#!/usr/bin/env bash
# Makes a machine ready for the Docker tests: a running dockerd and the local test image.
# Idempotent: does nothing that is already done. Needs root to start dockerd.
# The image is built from the host's static busybox so that no registry is ever contacted.
set -euo pipefail

image="farmhand-test/busybox:1"
log=/tmp/farmhand-dockerd.log
applets="sh echo cat sleep ls env true false printf wc head tail seq date id mkdir rm touch grep sed yes chown chmod dd cp mv kill ps"

if ! docker info >/dev/null 2>&1; then
  # No iptables and no default bridge: test containers run with --network none and need neither.
  echo "starting dockerd (log: $log)"
  nohup dockerd --iptables=false --bridge=none >"$log" 2>&1 &
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 0.5
  done
  if ! docker info >/dev/null 2>&1; then
    echo "dockerd did not come up within 30 s; see $log" >&2
    exit 1
  fi
fi

if ! docker image inspect "$image" >/dev/null 2>&1; then
  busybox=$(command -v busybox || true)
  if [ -z "$busybox" ] || ! file -L "$busybox" 2>/dev/null | grep -q 'statically linked'; then
    busybox=/usr/bin/busybox
  fi
  if [ ! -x "$busybox" ]; then
    echo "no static busybox found; install it with: apt-get install busybox-static" >&2
    exit 1
  fi
  dir=$(mktemp -d)
  trap 'rm -rf "$dir"' EXIT
  mkdir -p "$dir/bin" "$dir/tmp" "$dir/workspace"
  cp "$busybox" "$dir/bin/busybox"
  for applet in $applets; do ln -sf busybox "$dir/bin/$applet"; done
  tar -C "$dir" -c . | docker import -c 'ENV PATH=/bin' -c 'CMD ["/bin/sh"]' - "$image" >/dev/null
  # A dynamically linked busybox imports fine but cannot run in an image with no libc.
  if ! docker run --rm --network none "$image" true; then
    docker image rm "$image" >/dev/null
    echo "$busybox does not run in an empty image (not static?); install busybox-static" >&2
    exit 1
  fi
  echo "built $image"
fi

echo "docker ready: $(docker version --format '{{.Server.Version}}'), image $image"
