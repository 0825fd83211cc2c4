#!/bin/sh
# Makes a stand-in for python:3.11-slim where Docker Hub is out of reach, from Debian's own
# packages: Debian 12's Python 3.11 in a venv on PATH (so `python` and `pip` exist and pip may
# install, as in the official image). Needs root, debootstrap and podman.
#
#   sudo docker/local-base.sh [ROOTFS_DIR]      # then:
#   BASE_IMAGE=localhost/python:3.11-slim-bookworm-local docker/check.sh
#
# The host's CA certificates stay out of the image: docker/check.sh mounts the host's pip CA
# bundle read-only for the build alone.
set -eu
ROOTFS=${1:-/var/tmp/python-3.11-bookworm-rootfs}
IMAGE=localhost/python:3.11-slim-bookworm-local
if [ ! -x "$ROOTFS/opt/python/bin/python" ]; then
    debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
        bookworm "$ROOTFS" http://deb.debian.org/debian
    printf 'deb http://deb.debian.org/debian %s main\n' bookworm bookworm-updates \
        >"$ROOTFS/etc/apt/sources.list"
    echo 'deb http://deb.debian.org/debian-security bookworm-security main' \
        >>"$ROOTFS/etc/apt/sources.list"
    chroot "$ROOTFS" python3 -m venv /opt/python
    rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/*.bin \
        "$ROOTFS"/var/cache/apt/archives/*.deb
fi
tar --numeric-owner -C "$ROOTFS" -c . | podman import \
    --change 'ENV PATH=/opt/python/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'CMD ["python3"]' \
    - "$IMAGE"
echo "$IMAGE"
