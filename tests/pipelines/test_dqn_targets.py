"""DQN's learning math with hand-computed values, through the real pieces: the replay writer, a
Reverb table, the sampled dataset and TF-Agents' DqnAgent/DdqnAgent loss.

Q networks here are a single dense layer with zero weights, so Q(s, .) is its bias whatever s:
the online network's bias picks the greedy action, the target network's values it.
"""

import numpy as np
import pytest
import tensorflow as tf
from tf_agents.networks import q_network
from tf_agents.specs import tensor_spec
from tf_agents.trajectories import policy_step, time_step, trajectory
from tf_agents.utils import common

from pipelines.dqn import replay
from pipelines.dqn.agent import make_agent
from pipelines.dqn.config import DqnConfig

GAMMA = 0.5
ONLINE_Q = [1.0, 3.0]  # greedy action 1
TARGET_Q = [5.0, 2.0]  # DQN bootstraps max = 5; double DQN takes action 1's = 2


def _config(**overrides) -> DqnConfig:
    settings = dict(
        env_id="CartPole-v1",
        gamma=GAMMA,
        fc_layer_params=(),
        huber_loss=False,
        gradient_clipping=0.0,
        double_dqn=True,
    )
    return DqnConfig(**dict(settings, **overrides))


def _agent(config: DqnConfig):
    observation = tensor_spec.TensorSpec((1,), tf.float32, name="observation")
    specs = time_step.time_step_spec(observation)
    actions = tensor_spec.BoundedTensorSpec((), tf.int64, 0, 1, name="action")
    network = q_network.QNetwork(observation, actions, fc_layer_params=None)
    agent = make_agent(config, specs, actions, network, tf.Variable(0, dtype=tf.int64), epsilon=0.1)
    for net, bias in ((agent._q_network, ONLINE_Q), (agent._target_q_network, TARGET_Q)):
        kernel, b = net.trainable_variables if net.trainable_variables else net.variables
        kernel.assign(tf.zeros_like(kernel))
        b.assign(bias)
    return agent


def _episode(first_observation: float, rewards, end_discount: float):
    """The time steps of one episode whose k-th step has observation first_observation + k: a
    FIRST, a MID per reward but the last, and a LAST with the last reward and end_discount (0:
    terminated; 1: cut by the time limit)."""
    steps = [time_step.restart(np.array([first_observation], np.float32))]
    for k, reward in enumerate(rewards, start=1):
        observation = np.array([first_observation + k], np.float32)
        if k < len(rewards):
            steps.append(time_step.transition(observation, np.float32(reward), 1.0))
        elif end_discount:
            steps.append(time_step.truncation(observation, np.float32(reward), 1.0))
        else:
            steps.append(time_step.termination(observation, np.float32(reward)))
    return steps


def _write(n_step: int, episodes):
    """Every step of the episodes (one environment) through FrameReplayWriter into a table;
    returns the server and the collect data spec."""
    spec = trajectory.Trajectory(
        step_type=tf.TensorSpec((), tf.int32),
        observation=tf.TensorSpec((1,), tf.float32),
        action=tensor_spec.BoundedTensorSpec((), tf.int64, 0, 1),
        policy_info=(),
        next_step_type=tf.TensorSpec((), tf.int32),
        reward=tf.TensorSpec((), tf.float32),
        discount=tensor_spec.BoundedTensorSpec((), tf.float32, 0.0, 1.0),
    )
    window = replay.window_length(1, n_step)
    server = replay.start_server(
        [replay.make_table(replay.stored_step_spec(spec, 1), 1000, window)]
    )
    writer = replay.FrameReplayWriter(server.localhost_client(), 1, 1, n_step, GAMMA)
    steps = [step for episode in episodes for step in episode]
    for current, following in zip(steps, steps[1:] + [time_step.restart(np.array([99.0]))]):
        batch = trajectory.from_transition(
            tf.nest.map_structure(lambda x: np.asarray(x)[None], current),
            policy_step.PolicyStep(np.array([1], np.int64)),
            tf.nest.map_structure(lambda x: np.asarray(x)[None], following),
        )
        writer(batch)
    writer.flush()
    return server, spec


def _targets(agent, server, spec, n_step: int):
    """first observation -> the TD target of the replay item that starts there (real steps)."""
    dataset = replay.make_dataset(f"localhost:{server.port}", spec, 1, n_step, 64)
    targets = {}
    for batch in dataset.take(4):
        q = tf.gather(ONLINE_Q, batch.action[:, 0])
        info = agent._loss(batch, td_errors_loss_fn=common.element_wise_squared_loss, gamma=GAMMA)
        errors = info.extra.td_error.numpy()
        for b, first in enumerate(batch.observation[:, 0, 0].numpy()):
            if batch.step_type[b, 0] != 2:  # the boundary item carries no loss
                targets[float(first)] = float(errors[b] + q[b])
    server.stop()
    return targets


@pytest.mark.parametrize("end_discount", [0.0, 1.0], ids=["terminated", "time_limit"])
def test_n_step_targets_sum_rewards_and_bootstrap_only_what_goes_on(end_discount):
    """n = 3, gamma 0.5, rewards 1, 2, 4, 8 then the episode ends; double DQN bootstraps 2.

    From the first state: 1 + 0.5*2 + 0.25*4 + 0.125*2 = 3.25. Near the end the return is cut
    short: a terminated episode bootstraps nothing, one cut by the time limit bootstraps from
    its last observation after exactly the real steps (the writer's end padding included)."""
    config = _config(n_step=3)
    agent = _agent(config)
    server, spec = _write(
        3, [_episode(0.0, [1, 2, 4, 8], end_discount), _episode(10.0, [0] * 5, 1)]
    )
    targets = _targets(agent, server, spec, 3)
    d = end_discount
    assert targets[0.0] == pytest.approx(1 + 0.5 * 2 + 0.25 * 4 + 0.125 * 2)
    assert targets[1.0] == pytest.approx(2 + 0.5 * 4 + 0.25 * 8 + 0.125 * d * 2)
    assert targets[2.0] == pytest.approx(4 + 0.5 * 8 + 0.25 * d * 2)  # 2 real steps
    assert targets[3.0] == pytest.approx(8 + 0.5 * d * 2)  # 1 real step


def test_double_dqn_lets_the_online_network_pick_and_the_target_network_value():
    """One step, reward 1, gamma 0.5: double DQN bootstraps the target network's value of the
    online network's greedy action (2), plain DQN the target network's best value (5)."""
    for double, bootstrap in ((True, 2.0), (False, 5.0)):
        agent = _agent(_config(n_step=1, double_dqn=double))
        server, spec = _write(1, [_episode(0.0, [1, 1, 1], 1.0)])
        assert _targets(agent, server, spec, 1)[0.0] == pytest.approx(1 + 0.5 * bootstrap)
