#!/bin/sh
# The images built and run with podman on a root Linux machine without Docker Hub:
#
#   docker/test-images.sh        # CPU image: docker/check.sh (`make docker-check`, run by CI)
#   docker/test-images.sh gpu    # GPU image: built, its TensorFlow and CUDA wheels checked
#                                # (`make docker-gpu`; no GPU is needed or used)
#
# Installs podman, runc and debootstrap from Debian's packages if they are missing, points podman
# at docker/podman/ (vfs storage, runc, cgroupfs, no default ulimits, chroot builds), and makes
# the Debian base image the Dockerfiles' FROM stands for (docker/local-base.sh). Builds keep no
# intermediate layers: vfs stores each one as a full copy of the image so far, and the GPU
# image's steps would take some 40 GB of disk.
set -eu
cd "$(dirname "$0")/.."
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
if [ "${1:-cpu}" = cpu ]; then
    exec sh docker/check.sh
fi

TAG=atari-rl-pipelines:gpu
LOG=$(mktemp /tmp/atari-rl-docker-gpu.XXXXXX)
set -- --from "$BASE_IMAGE"
CERT=${PIP_CERT:-}
if [ -n "$CERT" ] && [ -f "$CERT" ]; then
    set -- "$@" -v "$CERT:/run/host-pip-cert.pem:ro" --build-arg PIP_CERT=/run/host-pip-cert.pem
fi
START=$(date +%s)
podman build "$@" -f docker/Dockerfile -t "$TAG" . >>"$LOG" 2>&1 || {
    echo "gpu image FAILED: podman build -f docker/Dockerfile (last line: $(tail -n 1 "$LOG");" \
        "full log: $LOG)"
    exit 1
}
BUILD_SECONDS=$(($(date +%s) - START))
SIZE=$(podman image inspect --format '{{.Size}}' "$TAG")
BUILT=$(podman run --rm "$TAG" python -c "import tensorflow as tf
info = tf.sysconfig.get_build_info()
print(f\"TensorFlow {tf.__version__} built for CUDA {info['cuda_version']}, cuDNN\",
      f\"{info['cudnn_version']}; GPUs visible here: {len(tf.config.list_physical_devices('GPU'))}\")
" 2>>"$LOG" | tail -n 1) || {
    echo "gpu image FAILED: TensorFlow does not import in it (full log: $LOG)"
    exit 1
}
rm -f "$LOG"
echo "gpu image OK: podman built $TAG in ${BUILD_SECONDS}s ($((SIZE / 1000000)) MB); $BUILT"
