"""The ceiling training puts on a DQN preset's speed: compiled train steps per second alone.

    python -m benchmarks.train_step --preset=breakout --seconds=30

Builds the preset's real agent (network, optimizer, loss) and times its tf.function-compiled
train step on one fixed batch of random experience: no environment, no replay sampling. A run
does one train step every `update_period` env steps, so `update_period` times this rate bounds
the run's env steps/s on this machine, whatever collection costs. Prints one JSON line.
"""
import json
import time

from absl import app, flags

PRESETS = ("breakout", "cartpole", "lunarlander")
PRESET = flags.DEFINE_enum("preset", "breakout", PRESETS, "Which preset's agent.")
SECONDS = flags.DEFINE_float("seconds", 30.0, "Measured seconds, after 20 warm-up steps.")


def _random_batch(spec, batch_size: int, steps: int):
    """A batch of `steps`-long random trajectories matching `spec`: random observations and
    actions, mid-episode steps, rewards and float observations in [-1, 1] (samples of an
    unbounded spec overflow the loss)."""
    import tensorflow as tf
    from tf_agents.specs import tensor_spec
    batch = tensor_spec.sample_spec_nest(spec, outer_dims=(batch_size, steps))
    observation = batch.observation
    if observation.dtype.is_floating:
        observation = tf.random.uniform(observation.shape, -1.0, 1.0, observation.dtype)
    mid = tf.ones_like(batch.step_type)  # StepType.MID
    return batch._replace(observation=observation, step_type=mid, next_step_type=mid,
                          reward=tf.random.uniform(batch.reward.shape, -1.0, 1.0),
                          discount=tf.ones_like(batch.discount))


def main(_):
    from envs import _startup  # noqa: F401  (first: quiet TensorFlow start-up)
    import tensorflow as tf
    from tf_agents.utils import common

    from pipelines.common import environments
    from pipelines.dqn import config as dqn_config
    from pipelines.dqn.agent import build_agent

    config = (dqn_config.atari("BreakoutNoFrameskip-v4", "breakout_dqn")
              if PRESET.value == "breakout" else getattr(dqn_config, PRESET.value)())
    environment = environments.make_environments(config, 1, config.seed, training=True)[0]
    agent, _ = build_agent(config, environment.time_step_spec(), environment.action_spec(),
                           tf.Variable(0, dtype=tf.int64), tf.Variable(0, dtype=tf.int64))
    experience = _random_batch(agent.collect_data_spec, config.batch_size, config.n_step + 1)
    train = common.function(agent.train)
    for _ in range(20):  # traces and compiles
        train(experience)
    steps, started = 0, time.monotonic()
    while time.monotonic() - started < SECONDS.value:
        train(experience).loss.numpy()  # waits for the step
        steps += 1
    per_second = steps / (time.monotonic() - started)
    print(json.dumps({
        "name": f"train_step_{PRESET.value}", "train_steps_per_second": round(per_second, 1),
        "env_steps_per_second_ceiling": round(per_second * config.update_period, 1),
        "batch_size": config.batch_size, "update_period": config.update_period,
        "steps": steps}))


if __name__ == "__main__":
    app.run(main)
