"""The frame-dedup replay gives back exactly the transitions the agent saw (stacks included)."""

import numpy as np
import pytest
import tensorflow as tf
from tf_agents.environments import batched_py_environment
from tf_agents.policies import random_py_policy
from tf_agents.trajectories import policy_step, trajectory

import envs
from pipelines.common import reverb_server
from pipelines.dqn import replay

GAMMA = 0.99
_NEUTRAL = np.float32(1 / GAMMA)  # gamma * discount = 1: a stored step that discounts nothing


def _fill(env_id, stack, n_step, steps, **options):
    environments = [envs.load(env_id, seed=i, max_episode_steps=25, **options) for i in range(2)]
    batched = batched_py_environment.BatchedPyEnvironment(environments, multithreading=False)
    step_spec = replay.stored_step_spec(replay.collect_data_spec(batched), stack)
    window = replay.window_length(stack, n_step)
    server = reverb_server.start_server([replay.make_table(step_spec, 10_000, window)])
    writer = replay.FrameReplayWriter(server.localhost_client(), 2, stack, n_step, GAMMA)
    policy = random_py_policy.RandomPyPolicy(
        batched.time_step_spec(), batched.action_spec(), outer_dims=(2,)
    )
    seen = []  # per env, the real trajectory steps in order
    time_step = batched.reset()
    for _ in range(steps):
        action = policy.action(time_step).action
        next_time_step = batched.step(action)
        batch = trajectory.from_transition(
            time_step, policy_step.PolicyStep(action), next_time_step
        )
        writer(batch)
        seen.append(batch)
        time_step = next_time_step
    writer.flush()
    return server, replay.collect_data_spec(batched), seen


def _transitions(seen, n_step):
    """Every n-step window the replay should hold: within episodes, and at an episode's end
    the n_step - 1 windows completed by neutral padding steps (reward 0, discount 1 / gamma,
    as the boundary step is stored)."""
    windows = []
    for env in range(2):
        steps = [tf.nest.map_structure(lambda x: np.asarray(x)[env], b) for b in seen]
        episode = []
        for step in steps:
            if step.step_type == 2:  # the boundary step: stored neutral
                step = step._replace(action=np.zeros_like(step.action), discount=_NEUTRAL)
            episode.append(step)
            if step.step_type == 2:  # pad and close the episode
                for _ in range(n_step - 1):
                    episode.append(_padding_after(episode[-1]))
                windows += _windows(episode, n_step)
                episode = []
        windows += _windows(episode, n_step)
    return windows


def _padding_after(step):
    observation = step.observation
    if observation.ndim == 3:  # frames: the stack takes the newest frame once more
        observation = np.concatenate([observation[..., 1:], observation[..., -1:]], axis=-1)
    return step._replace(
        observation=observation,
        action=np.zeros_like(step.action),
        step_type=np.int32(2),
        next_step_type=np.int32(0),
        reward=np.float32(0),
        discount=_NEUTRAL,
    )


def _windows(episode, n_step):
    return [_key(episode[t : t + n_step + 1]) for t in range(len(episode) - n_step)]


def _key(window):
    return (
        window[0].observation.tobytes(),
        tuple(int(s.action) for s in window),
        tuple(float(s.reward) for s in window),
        window[-1].observation.tobytes(),
        tuple(int(s.step_type) for s in window),
        tuple(float(s.discount) for s in window),
    )


@pytest.mark.parametrize("frame_stack,n_step", [(4, 1), (4, 3)])
def test_atari_stacks_rebuilt_exactly(frame_stack, n_step):
    server, collect_spec, seen = _fill(
        "BreakoutNoFrameskip-v4", frame_stack, n_step, 120, frame_stack=frame_stack
    )
    recorded = _transitions(seen, n_step)
    size = server.localhost_client().server_info()[replay.TABLE].current_size
    assert size == len(recorded)  # one item per transition, none across episode ends
    expected = set(recorded)
    dataset = replay.make_dataset(f"localhost:{server.port}", collect_spec, frame_stack, n_step, 16)
    sampled = 0
    for batch in dataset.take(8):
        assert batch.observation.shape == (16, n_step + 1, 84, 84, frame_stack)
        assert batch.observation.dtype == tf.uint8
        for b in range(16):
            steps = [
                tf.nest.map_structure(lambda x: x[b, t].numpy(), batch) for t in range(n_step + 1)
            ]
            assert _key(steps) in expected
            sampled += 1
    assert sampled == 128
    server.stop()


def test_vector_observations_plain_layout():
    server, collect_spec, seen = _fill("CartPole-v1", 1, 1, 80)
    expected = set(_transitions(seen, 1))
    dataset = replay.make_dataset(f"localhost:{server.port}", collect_spec, 1, 1, 8)
    for batch in dataset.take(4):
        assert batch.observation.shape == (8, 2, 4)
        for b in range(8):
            steps = [tf.nest.map_structure(lambda x: x[b, t].numpy(), batch) for t in range(2)]
            assert _key(steps) in expected
    server.stop()


def test_unreachable_server_fails_fast():
    with pytest.raises(ConnectionError, match="no Reverb server answered at localhost:1"):
        reverb_server.connect("localhost:1", timeout_seconds=2)
