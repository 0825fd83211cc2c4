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

from pipelines.common import reverb_server
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
    server = reverb_server.start_server(
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


def _one_step_batch(reward: float = 1.0):
    """A batch of one 1-step transition (observation 0 -> 1, action 0, discount 1)."""
    return trajectory.Trajectory(
        step_type=tf.constant([[1, 1]]),
        observation=tf.constant([[[0.0], [1.0]]]),
        action=tf.constant([[0, 0]], tf.int64),
        policy_info=(),
        next_step_type=tf.constant([[1, 1]]),
        reward=tf.constant([[reward, 0.0]]),
        discount=tf.constant([[1.0, 1.0]]),
    )


def test_the_target_network_is_refreshed_every_period_in_train_steps(monkeypatch):
    """target_update_period counts env steps: 40 of them at a train step per 4 env steps is a
    refresh every 10 train steps; in between the target network keeps its weights."""
    from pipelines.dqn import agent as dqn_agent

    monkeypatch.setattr(dqn_agent, "make_optimizer", lambda _config: tf.keras.optimizers.SGD(0.1))
    agent = _agent(_config(n_step=1, target_update_period=40, update_period=4))
    refreshed = []
    for step in range(1, 26):
        agent.train(_one_step_batch())
        online = [v.numpy() for v in agent._q_network.variables]
        target = [v.numpy() for v in agent._target_q_network.variables]
        refreshed.append(all(np.array_equal(o, t) for o, t in zip(online, target)))
    assert [step for step, same in enumerate(refreshed, start=1) if same] == [10, 20]


@pytest.mark.parametrize("huber,loss", [(True, 0.5 + 2.0), (False, 9.0)])
def test_huber_or_squared_td_loss(huber, loss):
    """A TD error of 3 (target 1 + 0.5 * 2 + ... vs Q): Huber (delta 1) 0.5 + (3 - 1) = 2.5,
    squared 9."""
    agent = _agent(_config(n_step=1, huber_loss=huber, double_dqn=True))
    # target = r + 0.5 * 2 = r + 1; Q(s, 0) = 1: a reward of 3 makes the error 3.
    info = agent._loss(_one_step_batch(reward=3.0), gamma=GAMMA)
    assert float(info.extra.td_error[0]) == pytest.approx(3.0)
    assert float(info.loss) == pytest.approx(loss)


def test_gradient_clipping_bounds_each_gradient_norm(monkeypatch):
    """TF-Agents clips each variable's gradient to gradient_clipping's norm (not their global
    norm): with plain SGD at rate 1 no variable moves farther than it."""
    from pipelines.dqn import agent as dqn_agent

    monkeypatch.setattr(dqn_agent, "make_optimizer", lambda _config: tf.keras.optimizers.SGD(1.0))
    for clipping, bounded in ((0.0, False), (0.25, True)):
        agent = _agent(_config(n_step=1, gradient_clipping=clipping))
        before = [v.numpy() for v in agent._q_network.trainable_variables]
        agent.train(_one_step_batch(reward=100.0))
        moves = [
            np.linalg.norm(v.numpy() - b)
            for v, b in zip(agent._q_network.trainable_variables, before)
        ]
        assert (max(moves) <= 0.25 + 1e-6) == bounded


def test_epsilon_and_learning_rate_continue_from_a_restored_checkpoint(tmp_path):
    """ε follows the run's env-step counter and the learning rate the optimizer's train steps;
    both are in the checkpoint, so a resumed run picks the schedules up where they were."""
    from pipelines.dqn.agent import epsilon_schedule, make_optimizer

    config = _config(
        initial_collect_steps=1_000,
        epsilon_start=1.0,
        epsilon_end=0.1,
        epsilon_decay_steps=10_000,
        num_env_steps=41_000,
        update_period=4,
        learning_rate=1e-3,
        learning_rate_end=1e-5,
    )
    env_step = tf.Variable(0, dtype=tf.int64)
    optimizer = make_optimizer(config)
    weight = tf.Variable([1.0])
    for _ in range(5_000):  # train steps: half of (41,000 - 1,000) / 4
        optimizer.apply_gradients([(tf.constant([0.0]), weight)])
    env_step.assign(6_000)  # half way through the decay of epsilon
    tf.train.Checkpoint(env_step=env_step, optimizer=optimizer).save(str(tmp_path / "ckpt"))

    restored_step = tf.Variable(0, dtype=tf.int64)
    restored = make_optimizer(config)
    restored.apply_gradients([(tf.constant([0.0]), tf.Variable([1.0]))])  # its variables exist
    checkpoint = tf.train.Checkpoint(env_step=restored_step, optimizer=restored)
    checkpoint.restore(tf.train.latest_checkpoint(str(tmp_path)))
    assert float(epsilon_schedule(config, restored_step)()) == pytest.approx(0.55)
    rate = restored.learning_rate(restored.iterations)
    assert int(restored.iterations) == 5_000
    assert float(rate) == pytest.approx((1e-3 + 1e-5) / 2, rel=1e-4)
    assert float(epsilon_schedule(config, tf.Variable(500, dtype=tf.int64))()) == 1.0  # warm-up


def _table_server(capacity: int, rate_limiter=None):
    step_spec = (tf.TensorSpec((1,), tf.float32), tf.TensorSpec((5,), tf.float32))
    server = reverb_server.start_server([replay.make_table(step_spec, capacity, 1, rate_limiter)])
    return server, server.localhost_client()


def _insert(client, values, timeout_ms=None):
    writer = client.trajectory_writer(num_keep_alive_refs=1)
    for value in values:
        writer.append((np.array([value], np.float32), np.zeros(5, np.float32)))
        writer.create_item(replay.TABLE, 1.0, (writer.history[0][-1:], writer.history[1][-1:]))
    writer.flush(timeout_ms=timeout_ms)
    return writer


def test_the_replay_evicts_the_oldest_transitions_at_capacity():
    server, client = _table_server(capacity=5)
    _insert(client, range(8))
    seen = {float(s[0].data[0][0]) for s in client.sample(replay.TABLE, num_samples=200)}
    assert seen == {3.0, 4.0, 5.0, 6.0, 7.0}
    assert client.server_info()[replay.TABLE].current_size == 5
    server.stop()


def test_the_scale_out_rate_limiter_keeps_samples_per_insert():
    """2 samples per insert, sampling from 2 items, a slack of 2 samples: Reverb keeps
    2 * inserts - samples between 2 * 2 - 2 and 2 * 2 + 2. So 3 inserts, then 4 samples, and
    the learner waits; each insert buys 2 more; a collector 4 samples ahead waits too."""
    import reverb

    limiter = replay.experience_rate_limiter(2.0, min_size=2, batch_size=1)
    server, client = _table_server(capacity=100, rate_limiter=limiter)
    _insert(client, range(3))

    def samples_until_blocked():
        """Samples taken (the server's count) by a reader that waits 300 ms at most."""
        dataset = reverb.TrajectoryDataset(
            server_address=f"localhost:{server.port}",
            table=replay.TABLE,
            dtypes=(tf.float32, tf.float32),
            shapes=(tf.TensorShape([1, 1]), tf.TensorShape([1, 5])),
            max_in_flight_samples_per_worker=1,
            rate_limiter_timeout_ms=300,
        )
        before = client.server_info()[replay.TABLE].rate_limiter_info.sample_stats.completed
        for _ in dataset.take(20):
            pass
        return client.server_info()[replay.TABLE].rate_limiter_info.sample_stats.completed - before

    assert samples_until_blocked() == 4
    _insert(client, [3.0])
    assert samples_until_blocked() == 2
    _insert(client, [4.0, 5.0])  # 4 samples ahead: the slack's end
    with pytest.raises(reverb.errors.DeadlineExceededError):
        _insert(client, [6.0], timeout_ms=500)
    server.stop()
