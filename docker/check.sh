#!/bin/sh
# Builds the CPU image, then in it: a short CartPole DQN run, the evaluation of its export, and
# an Atari env. Prints "check OK: ..." or one "check FAILED: ..." line (exit 1).
#
#   docker/check.sh
#   BASE_IMAGE=localhost/python:3.11-local docker/check.sh   # a base other than python:3.11-slim
#
# Uses docker if its engine answers, else podman. BASE_IMAGE replaces the Dockerfile's FROM
# (podman build --from; docker: a BuildKit named context), for machines without Docker Hub.
set -u
cd "$(dirname "$0")/.."
TAG=${TAG:-atari-rl-pipelines:cpu}
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
START=$(date +%s)
$ENGINE build "$@" -f docker/Dockerfile.cpu -t "$TAG" . >>"$LOG" 2>&1 \
    || fail "$ENGINE build -f docker/Dockerfile.cpu"
SECONDS_TAKEN=$(($(date +%s) - START))
SIZE=$($ENGINE image inspect --format '{{.Size}}' "$TAG" 2>>"$LOG" || echo 0)

# The run directory belongs to whoever runs this script; the container runs as that user.
set -- --rm --user "$(id -u):$(id -g)" -v "$RUNS:/runs"
if [ "$ENGINE" = podman ] && [ "$(podman info --format '{{.Host.Security.Rootless}}')" = true ]; then
    set -- "$@" --userns=keep-id
fi
$ENGINE run "$@" "$TAG" python -m pipelines.cartpole_dqn --root_dir=/runs/cartpole \
    --config.num_env_steps=1500 --config.initial_collect_steps=500 >>"$LOG" 2>&1 \
    || fail "the CartPole run in the image"
[ -f "$RUNS/cartpole/policies/greedy_policy/saved_model.pb" ] \
    || fail "the CartPole run wrote no SavedModel under $RUNS/cartpole/policies/greedy_policy"
$ENGINE run "$@" "$TAG" python -m pipelines.evaluate \
    --policy_dir=/runs/cartpole/policies/greedy_policy --num_episodes=2 >>"$LOG" 2>&1 \
    || fail "pipelines.evaluate on the export"
tail -n 1 "$LOG" | grep -q '"mean"' || fail "pipelines.evaluate printed no result"
$ENGINE run "$@" "$TAG" python -c "import gymnasium, ale_py
gymnasium.register_envs(ale_py)
gymnasium.make('ALE/Pong-v5').reset(seed=0)" >>"$LOG" 2>&1 \
    || fail "making ALE/Pong-v5 in the image"

rm -rf "$RUNS" "$LOG"
echo "check OK: $ENGINE built $TAG in ${SECONDS_TAKEN}s ($((SIZE / 1000000)) MB); CartPole" \
    "trained, exported and evaluated; ALE/Pong-v5 made"
