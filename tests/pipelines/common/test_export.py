"""The exported greedy policy, loaded where a user would load it: a fresh process without
TF-Agents, fed time steps from the environment env.json names, holding the final weights."""

import json
import os
import subprocess

import numpy as np
import pipeline_cli
import pytest
import tensorflow as tf
from conftest import RUNS

# Loads each SavedModel with TensorFlow and TFP only (TF-Agents is imported afterwards, by envs,
# just to build the environment), acts for a few steps, and saves what the test compares.
_LOAD_AND_ACT = """
import json, os, sys
import numpy as np
import tensorflow as tf
import tensorflow_probability  # noqa: F401  registers the distribution specs the model names

policy_dirs, out_dir = json.loads(sys.argv[1]), sys.argv[2]
policies = {name: tf.saved_model.load(path) for name, path in policy_dirs.items()}
loaded_without_tf_agents = "tf_agents" not in sys.modules

import envs

for name, policy in policies.items():
    with open(os.path.join(policy_dirs[name], "env.json")) as f:
        meta = json.load(f)
    env = envs.load(meta["env_id"], seed=0, max_episode_steps=meta["max_episode_steps"],
                    **meta["env_options"])
    spec = env.action_spec()
    time_step = env.reset()
    actions = []
    for _ in range(3):
        batch = tf.nest.map_structure(lambda x: tf.convert_to_tensor(np.asarray(x)[None]),
                                      time_step)
        action = policy.action(batch, policy.get_initial_state(1)).action.numpy()
        actions.append({"shape": list(action.shape), "dtype": str(action.dtype),
                        "value": action.tolist()})
        time_step = env.step(action[0])
    np.savez(os.path.join(out_dir, name + ".npz"),
             *[variable.numpy() for variable in policy.model_variables])
    with open(os.path.join(out_dir, name + ".json"), "w") as f:
        json.dump({"actions": actions, "minimum": int(spec.minimum), "maximum": int(spec.maximum),
                   "train_step": int(policy.get_train_step().numpy()),
                   "loaded_without_tf_agents": loaded_without_tf_agents}, f)
"""


@pytest.fixture(scope="session")
def loaded_policies(finished_run, tmp_path_factory):
    """Every run's export loaded and run once, all in one fresh process: name -> output dir."""
    runs = {name: finished_run(name) for name in RUNS}
    for name, run in runs.items():
        assert run.result.returncode == 0, (name, run.result.stderr)
    out_dir = str(tmp_path_factory.mktemp("loaded_policies"))
    policy_dirs = {
        name: os.path.join(run.root_dir, "policies", "greedy_policy") for name, run in runs.items()
    }
    done = subprocess.run(
        [pipeline_cli.PYTHON, "-c", _LOAD_AND_ACT, json.dumps(policy_dirs), out_dir],
        cwd=pipeline_cli.REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return out_dir


def _q_network_arrays(checkpoint):
    reader = tf.train.load_checkpoint(checkpoint)
    # Legacy Keras optimizers (the fused Adam) keep their slots under the variable's own path.
    names = sorted(n for n in reader.get_variable_to_shape_map() if "OPTIMIZER_SLOT" not in n)
    return (
        [reader.get_tensor(n) for n in names if n.startswith("agent/_q_network/")],
        [reader.get_tensor(n) for n in names if n.startswith("agent/_target_q_network/")],
    )


def _same_arrays(left, right):
    """True when the two lists hold the same arrays (in any order)."""
    unmatched = list(right)
    for array in left:
        match = next(
            (
                i
                for i, other in enumerate(unmatched)
                if other.shape == array.shape and np.array_equal(other, array)
            ),
            None,
        )
        if match is None:
            return False
        unmatched.pop(match)
    return not unmatched


@pytest.mark.parametrize("name", sorted(RUNS))
def test_export_acts_in_a_fresh_process(finished_run, loaded_policies, name):
    with open(os.path.join(loaded_policies, name + ".json")) as f:
        loaded = json.load(f)
    assert loaded["loaded_without_tf_agents"]
    for action in loaded["actions"]:
        assert action["shape"] == [1]
        assert action["dtype"] in ("int32", "int64")
        assert loaded["minimum"] <= action["value"][0] <= loaded["maximum"]
    summary = pipeline_cli.read_json(os.path.join(finished_run(name).root_dir, "summary.json"))
    assert loaded["train_step"] == summary["train_steps"]


@pytest.mark.parametrize("name", sorted(RUNS))
def test_export_holds_the_final_weights(finished_run, loaded_policies, name):
    with np.load(os.path.join(loaded_policies, name + ".npz")) as saved:
        exported = [saved[key] for key in saved.files]
    root_dir = finished_run(name).root_dir
    q_network, target = _q_network_arrays(pipeline_cli.latest_checkpoint(root_dir))
    assert exported and len(exported) == len(q_network)
    assert _same_arrays(exported, q_network)
    # The comparison can tell weights apart: the target network's lag behind.
    assert len(target) == len(q_network) and not _same_arrays(exported, target)


@pytest.mark.parametrize("name", sorted(RUNS))
def test_env_json_plays_at_the_runs_evaluation_epsilon(finished_run, name):
    root_dir = finished_run(name).root_dir
    config = pipeline_cli.read_json(os.path.join(root_dir, "config.json"))
    env = pipeline_cli.read_json(os.path.join(root_dir, "policies", "greedy_policy", "env.json"))
    assert env["eval_epsilon"] == config.get("eval_epsilon", 0.0)  # DQN's field only
    assert env["env_id"] == config["env_id"]
