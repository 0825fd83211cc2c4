#!/bin/sh
# The images built and run with podman on a root Linux machine without Docker Hub:
#
#   docker/test-images.sh        # CPU image (`make docker-check`, run by CI)
#   docker/test-images.sh gpu    # GPU image (`make docker-gpu`; no GPU is needed or used)
#
# Runs docker/check.sh once this machine is ready for it: installs podman, runc and debootstrap
# from Debian's packages if they are missing, points podman at docker/podman/ (vfs storage, runc,
# cgroupfs, no default ulimits, chroot builds), and makes the Debian base image the Dockerfiles'
# FROM stands for (docker/local-base.sh). Builds keep no intermediate layers: vfs stores each one
# as a full copy of the image so far, and the GPU image's steps would take some 40 GB of disk.
set -eu
cd "$(dirname "$0")/.."
case "${1:-cpu}" in
cpu | gpu) ;;
*)
    echo "error: no image '$1': cpu or gpu" >&2
    exit 2
    ;;
esac
if ! command -v podman >/dev/null || ! command -v runc >/dev/null \
    || ! command -v debootstrap >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman runc debootstrap >/dev/null
fi
CONTAINERS_CONF=$PWD/docker/podman/containers.conf
CONTAINERS_STORAGE_CONF=$PWD/docker/podman/storage.conf
BUILDAH_ISOLATION=chroot
BUILDAH_LAYERS=false
export CONTAINERS_CONF CONTAINERS_STORAGE_CONF BUILDAH_ISOLATION BUILDAH_LAYERS
BASE_IMAGE=$(sh docker/local-base.sh | tail -n 1)
export BASE_IMAGE
exec sh docker/check.sh "${1:-cpu}"
