#!/bin/sh
# Builds the CPU image, then: trains CartPole DQN in it to its stop rule, with the run directory
# on a mounted volume; evaluates that export from the host (the host's .venv, else the image);
# makes an Atari env in the image. With `gpu`: builds the GPU image and imports TensorFlow in it
# (no GPU is needed or used). Prints "check OK: ..." or one "check FAILED: ..." line (exit 1).
#
#   docker/check.sh [cpu|gpu]
#   BASE_IMAGE=localhost/python:3.11-local docker/check.sh   # a base other than python:3.11-slim
#
# Uses docker if its engine answers, else podman. BASE_IMAGE replaces the Dockerfile's FROM
# (podman build --from; docker: a BuildKit named context), for machines without Docker Hub.
# Where the host's pip trusts a CA bundle of its own (PIP_CERT, or pip's `cert` setting), podman
# mounts it read-only for the build's pip alone; it is never copied into the image.
set -u
cd "$(dirname "$0")/.."
case "${1:-cpu}" in
cpu) DOCKERFILE=docker/Dockerfile.cpu ;;
gpu) DOCKERFILE=docker/Dockerfile ;;
*)
    echo "check FAILED: no image '$1': cpu or gpu"
    exit 2
    ;;
esac
TAG=${TAG:-atari-rl-pipelines:${1:-cpu}}
HOST_PYTHON=${HOST_PYTHON:-.venv/bin/python}
LOG=$(mktemp /tmp/atari-rl-docker-check.XXXXXX)
RUNS=$(mktemp -d /tmp/atari-rl-docker-runs.XXXXXX)

fail() {
    echo "check FAILED: $1 (last line: $(tail -n 1 "$LOG"); full log: $LOG)"
    exit 1
}

if docker info >/dev/null 2>&1; then
    ENGINE=docker
elif command -v podman >/dev/null 2>&1; then
    ENGINE=podman
else
    echo "check FAILED: neither a Docker engine nor podman is available"
    exit 1
fi

set --
if [ -n "${BASE_IMAGE:-}" ]; then
    if [ "$ENGINE" = podman ]; then
        set -- --from "$BASE_IMAGE"
    else
        set -- --build-context "python:3.11-slim=docker-image://$BASE_IMAGE"
    fi
fi
CERT=${PIP_CERT:-$(python3 -m pip config get global.cert 2>/dev/null || true)}
if [ "$ENGINE" = podman ] && [ -n "$CERT" ] && [ -f "$CERT" ]; then
    set -- "$@" -v "$CERT:/run/host-pip-cert.pem:ro" --build-arg PIP_CERT=/run/host-pip-cert.pem
fi
START=$(date +%s)
$ENGINE build "$@" -f "$DOCKERFILE" -t "$TAG" . >>"$LOG" 2>&1 \
    || fail "$ENGINE build -f $DOCKERFILE"
BUILD_SECONDS=$(($(date +%s) - START))
SIZE=$($ENGINE image inspect --format '{{.Size}}' "$TAG" 2>>"$LOG" || echo 0)
BUILT="$ENGINE built $TAG in ${BUILD_SECONDS}s ($((SIZE / 1000000)) MB)"

if [ "$DOCKERFILE" = docker/Dockerfile ]; then
    TF=$($ENGINE run --rm "$TAG" python -c "import tensorflow as tf
info = tf.sysconfig.get_build_info()
print(f\"TensorFlow {tf.__version__} built for CUDA {info['cuda_version']}, cuDNN\",
      f\"{info['cudnn_version']}; GPUs visible here: {len(tf.config.list_physical_devices('GPU'))}\")
" 2>>"$LOG" | tail -n 1)
    [ -n "$TF" ] || fail "TensorFlow does not import in the GPU image"
    rm -rf "$RUNS" "$LOG"
    echo "check OK: $BUILT; $TF"
    exit 0
fi

# The run directory belongs to whoever runs this script; the container runs as that user.
set -- --rm --user "$(id -u):$(id -g)" -v "$RUNS:/runs"
if [ "$ENGINE" = podman ] && [ "$(podman info --format '{{.Host.Security.Rootless}}')" = true ]; then
    set -- "$@" --userns=keep-id
fi
START=$(date +%s)
$ENGINE run "$@" "$TAG" python -m pipelines.cartpole_dqn --root_dir=/runs/cartpole >>"$LOG" 2>&1 \
    || fail "the CartPole run in the image"
TRAIN_SECONDS=$(($(date +%s) - START))
grep -q "stopped at" "$LOG" || fail "the CartPole run in the image ended without its stop rule"
POLICY=$RUNS/cartpole/policies/greedy_policy
[ -f "$POLICY/saved_model.pb" ] || fail "the CartPole run wrote no SavedModel under $POLICY"
if [ -x "$HOST_PYTHON" ]; then
    WHERE="on the host"
    "$HOST_PYTHON" -m pipelines.evaluate --policy_dir="$POLICY" --num_episodes=5 >>"$LOG" 2>&1 \
        || fail "pipelines.evaluate on the host, on the image's export"
else
    WHERE="in the image"
    $ENGINE run "$@" "$TAG" python -m pipelines.evaluate \
        --policy_dir=/runs/cartpole/policies/greedy_policy --num_episodes=5 >>"$LOG" 2>&1 \
        || fail "pipelines.evaluate in the image, on its export"
fi
SCORE=$(tail -n 1 "$LOG" | python3 -c 'import json, sys; print(json.load(sys.stdin)["mean"])' \
    2>/dev/null) || fail "pipelines.evaluate printed no result"
$ENGINE run "$@" "$TAG" python -c "import gymnasium, ale_py
gymnasium.register_envs(ale_py)
gymnasium.make('ALE/Pong-v5').reset(seed=0)" >>"$LOG" 2>&1 \
    || fail "making ALE/Pong-v5 in the image"

rm -rf "$RUNS" "$LOG"
echo "check OK: $BUILT; CartPole" \
    "trained to its stop rule in ${TRAIN_SECONDS}s, its export scored $SCORE over 5 games" \
    "$WHERE; ALE/Pong-v5 made"
