"""The exported SavedModel serves: its `action` signature is a TF Serving predict signature, and
the README's saved_model_cli one-liner returns the actions the policy takes."""

import os
import re
import subprocess

import numpy as np
import pipeline_cli
import pytest
import tensorflow as tf
from tensorflow.core.protobuf import saved_model_pb2
from tf_agents.trajectories import time_step as ts

# The README's example input (a CartPole time step); the test feeds it with more rows.
README_INPUT = (
    "0/step_type=[0];0/reward=[0.0];0/discount=[1.0];0/observation=[[0.01,0.02,0.03,0.04]]"
)
SAVED_MODEL_CLI = os.path.join(os.path.dirname(pipeline_cli.PYTHON), "saved_model_cli")


@pytest.fixture(scope="module")
def cartpole_policy(finished_run) -> str:
    run = finished_run("cartpole_dqn")
    assert run.result.returncode == 0, run.result.stderr
    return os.path.join(run.root_dir, "policies", "greedy_policy")


def test_action_is_a_serving_signature(cartpole_policy):
    saved_model = saved_model_pb2.SavedModel()
    with open(os.path.join(cartpole_policy, "saved_model.pb"), "rb") as f:
        saved_model.ParseFromString(f.read())
    [graph] = saved_model.meta_graphs
    assert list(graph.meta_info_def.tags) == ["serve"]
    action = graph.signature_def["action"]
    assert action.method_name == "tensorflow/serving/predict"
    assert set(action.inputs) == {"0/step_type", "0/reward", "0/discount", "0/observation"}
    assert [d.size for d in action.inputs["0/observation"].tensor_shape.dim] == [-1, 4]
    assert set(action.outputs) == {"action"}


def test_readme_saved_model_cli_line_returns_the_policys_actions(cartpole_policy):
    with open(os.path.join(pipeline_cli.REPO, "README.md")) as f:
        readme = f.read()
    assert (
        f"saved_model_cli run --dir runs/cartpole/policies/greedy_policy --tag_set serve "
        f"--signature_def action --input_exprs '{README_INPUT}'"
    ) in readme
    rng = np.random.default_rng(0)
    observations = np.concatenate([[[0.01, 0.02, 0.03, 0.04]], rng.uniform(-2, 2, (7, 4))]).astype(
        np.float32
    )
    rows = len(observations)
    expression = (
        f"0/step_type={[0] * rows};0/reward={[0.0] * rows};"
        f"0/discount={[1.0] * rows};0/observation={observations.tolist()}"
    )
    assert expression.split(";")[0] == "0/step_type=[0, 0, 0, 0, 0, 0, 0, 0]"
    done = subprocess.run(
        [
            SAVED_MODEL_CLI,
            "run",
            "--dir",
            cartpole_policy,
            "--tag_set",
            "serve",
            "--signature_def",
            "action",
            "--input_exprs",
            expression,
        ],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr
    printed = re.search(r"Result for output key action:\s*\[([^\]]*)\]", done.stdout)
    assert printed, done.stdout
    served = [int(value) for value in printed.group(1).split()]

    policy = tf.saved_model.load(cartpole_policy)
    time_step = ts.TimeStep(
        step_type=tf.zeros(rows, tf.int32),
        reward=tf.zeros(rows),
        discount=tf.ones(rows),
        observation=tf.constant(observations),
    )
    expected = policy.action(time_step, ()).action.numpy().tolist()
    assert served == expected and len(served) == rows
