"""Space-to-depth first conv: the same function and weights as the plain strided conv, in a layer,
in whole Q networks (plain and dueling), and in an exported policy that takes plain frames. The
bfloat16 compute path: the same Q values to bfloat16's precision, as float32."""

import dataclasses

import numpy as np
import pytest
import tensorflow as tf
from tf_agents.specs import tensor_spec
from tf_agents.trajectories import time_step as ts

from pipelines.common import environments, export
from pipelines.dqn import networks
from pipelines.dqn import presets as dqn_presets
from pipelines.dqn.agent import build_agent
from pipelines.dqn.networks import SpaceToDepthConv2D, make_q_network

NATURE_CNN = ((32, 8, 4), (64, 4, 2), (64, 3, 1))
FRAMES = tensor_spec.BoundedTensorSpec((84, 84, 4), tf.uint8, 0, 255)
ACTIONS = tensor_spec.BoundedTensorSpec((), tf.int64, 0, 3)
pytestmark = pytest.mark.filterwarnings("ignore:Encoding a StructuredValue")  # export


def _frames(batch: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (batch, 84, 84, 4), dtype=np.uint8)


def test_space_to_depth_conv_equals_the_strided_conv_with_the_same_weights():
    inputs = tf.random.stateless_uniform((3, 84, 84, 4), seed=(1, 2))
    plain = tf.keras.layers.Conv2D(32, 8, 4)
    space_to_depth = SpaceToDepthConv2D(32, 8, 4)
    expected = plain(inputs)
    space_to_depth.build(inputs.shape)
    space_to_depth.set_weights(plain.get_weights())  # same shapes: [8, 8, 4, 32] and [32]
    outputs = space_to_depth(inputs)
    assert outputs.shape == expected.shape == (3, 20, 20, 32)
    np.testing.assert_allclose(outputs, expected, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("dueling", [False, True], ids=["plain", "dueling"])
def test_q_network_with_space_to_depth_gives_the_same_q_values(dueling):
    plain = make_q_network(FRAMES, ACTIONS, NATURE_CNN, (512,), dueling, space_to_depth=False)
    fast = make_q_network(FRAMES, ACTIONS, NATURE_CNN, (512,), dueling, space_to_depth=True)
    observation = _frames(5)
    plain_q, _ = plain(observation)
    fast(observation)  # creates its variables
    assert any(isinstance(layer, SpaceToDepthConv2D) for layer in fast.submodules)
    assert not any(isinstance(layer, SpaceToDepthConv2D) for layer in plain.submodules)
    assert len(plain.trainable_variables) == len(fast.trainable_variables)
    for source, target in zip(plain.trainable_variables, fast.trainable_variables):
        assert source.shape == target.shape, (source.name, target.name)
        target.assign(source)
    fast_q, _ = fast(observation)
    assert fast_q.shape == (5, 4)
    np.testing.assert_allclose(fast_q, plain_q, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("dueling", [False, True], ids=["plain", "dueling"])
def test_a_bfloat16_q_network_computes_in_bfloat16_and_gives_float32_q_values(dueling):
    exact = make_q_network(FRAMES, ACTIONS, NATURE_CNN, (512,), dueling)
    half = make_q_network(FRAMES, ACTIONS, NATURE_CNN, (512,), dueling, compute_dtype="bfloat16")
    observation = _frames(5)
    exact_q, _ = exact(observation)
    half(observation)
    convs = [layer for layer in half.submodules if isinstance(layer, tf.keras.layers.Conv2D)]
    assert len(convs) == 3 and all(layer.compute_dtype == "bfloat16" for layer in convs)
    assert all(v.dtype == tf.float32 for v in half.trainable_variables)
    for source, target in zip(exact.trainable_variables, half.trainable_variables):
        target.assign(source)
    half_q, _ = half(observation)
    assert half_q.dtype == tf.float32
    # bfloat16 keeps 8 bits of mantissa: ~0.4% per product, averaged over long sums.
    scale = float(tf.reduce_max(tf.abs(exact_q)))
    np.testing.assert_allclose(half_q, exact_q, atol=0.05 * scale)
    assert not np.allclose(half_q, exact_q, atol=1e-7, rtol=0)  # really computed in bfloat16
    target = half.copy(name="target")
    target.create_variables()
    assert {id(v) for v in target.variables}.isdisjoint({id(v) for v in half.variables})


def test_space_to_depth_refuses_a_kernel_or_an_input_the_stride_does_not_divide():
    with pytest.raises(ValueError, match="kernel size divisible by the stride, got kernel 6"):
        SpaceToDepthConv2D(32, 6, 4)
    with pytest.raises(ValueError, match="kernel size divisible by the stride"):
        make_q_network(FRAMES, ACTIONS, ((32, 6, 4),), (512,), False, space_to_depth=True)
    with pytest.raises(ValueError, match="input divisible by the stride, got 86x86"):
        SpaceToDepthConv2D(32, 8, 4)(tf.zeros((1, 86, 86, 4)))
    vector = tensor_spec.BoundedTensorSpec((4,), tf.float32, -1, 1)
    with pytest.raises(ValueError, match="space_to_depth needs conv layers"):
        make_q_network(vector, ACTIONS, (), (64,), False, space_to_depth=True)


def test_exported_space_to_depth_policy_takes_plain_frames(tmp_path):
    config = dataclasses.replace(dqn_presets.presets("breakout_dqn")["fast"](), space_to_depth=True)
    env = environments.make_environments(config, 1, seed=0, training=False)[0]
    train_step = tf.Variable(0, dtype=tf.int64)
    agent, _ = build_agent(
        config, env.time_step_spec(), env.action_spec(), train_step, tf.Variable(0, dtype=tf.int64)
    )
    time_step = ts.restart(tf.constant(_frames(2, seed=1)), batch_size=2)
    expected, _ = agent._q_network(time_step.observation)
    export.export_policy(agent.policy, train_step, str(tmp_path / "policy"), {})
    specs = export.read_policy_specs(str(tmp_path / "policy"))
    assert specs["time_step_spec"].observation.shape == (84, 84, 4)
    assert specs["time_step_spec"].observation.dtype == tf.uint8
    loaded = tf.saved_model.load(str(tmp_path / "policy"))
    np.testing.assert_allclose(loaded.q_values(time_step), expected, atol=1e-5, rtol=1e-5)
    np.testing.assert_array_equal(loaded.action(time_step).action, tf.argmax(expected, axis=-1))


@pytest.mark.parametrize("native", [False, True], ids=["no_bf16", "native_bf16"])
def test_auto_computes_in_bfloat16_only_where_the_cpu_has_it_natively(monkeypatch, native):
    monkeypatch.setattr(networks, "native_bfloat16", lambda: native)
    expected = "bfloat16" if native else "float32"
    assert networks.resolve_compute_dtype("auto") == expected
    assert networks.resolve_compute_dtype("float32") == "float32"
    assert networks.resolve_compute_dtype("bfloat16") == "bfloat16"
    net = make_q_network(FRAMES, ACTIONS, NATURE_CNN, (512,), False, compute_dtype="auto")
    net(_frames(2))
    convs = [layer for layer in net.submodules if isinstance(layer, tf.keras.layers.Conv2D)]
    assert all(layer.compute_dtype == expected for layer in convs)
    assert networks.compute_path("auto").endswith("(compute_dtype=auto)")
    assert ("bfloat16" in networks.compute_path("auto")) == native


def test_a_float32_checkpoint_restores_into_a_bfloat16_agent(tmp_path):
    """Weights and optimizer slots are float32 whatever the compute precision, so a run may
    resume with another compute_dtype (run_dir.RESUMABLE_CHANGES)."""
    fast = dqn_presets.presets("pong_dqn")["fast"]()
    env = environments.make_environments(fast, 1, seed=0, training=False)[0]
    observation = tf.constant(_frames(2, seed=2))

    def agent_of(compute_dtype):
        config = dataclasses.replace(fast, compute_dtype=compute_dtype)
        train_step = tf.Variable(0, dtype=tf.int64)
        agent, _ = build_agent(
            config, env.time_step_spec(), env.action_spec(), train_step, tf.Variable(0, tf.int64)
        )
        agent._q_network(observation)
        agent._target_q_network(observation)
        return agent

    exact = agent_of("float32")
    path = tf.train.Checkpoint(agent=exact).save(str(tmp_path / "ckpt"))
    half = agent_of("bfloat16")
    tf.train.Checkpoint(agent=half).restore(path).assert_existing_objects_matched()
    for source, restored in zip(exact._q_network.variables, half._q_network.variables):
        np.testing.assert_array_equal(source.numpy(), restored.numpy())
    exact_q, _ = exact._q_network(observation)
    half_q, _ = half._q_network(observation)
    np.testing.assert_allclose(half_q, exact_q, atol=0.05 * float(tf.reduce_max(tf.abs(exact_q))))
