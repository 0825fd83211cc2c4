"""Exports a policy as a SavedModel (TF-Agents' PolicySaver) with the metadata to replay it."""

import json
import os
import shutil
import tempfile
from typing import Any, Dict

from tf_agents.policies import greedy_policy, policy_saver, q_policy
from tf_agents.specs import tensor_spec

ENV_FILE = "env.json"  # beside saved_model.pb: which environment, preprocessed how
# A function of the SavedModel beside `action`: time step batch -> Q value of every action, for
# evaluation videos. Only exports of a greedy Q policy have it; older exports lack it.
Q_VALUES = "q_values"


def export_policy(policy, train_step, export_dir: str, env_metadata: Dict[str, Any]) -> None:
    """Writes the policy's current weights to export_dir, replacing any older export.

    The new SavedModel is written to a temporary sibling and renamed into place, so a kill at any
    moment leaves either the previous export or the new one, never half of one.
    """
    parent = os.path.dirname(export_dir)
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=".export-", dir=parent)
    os.chmod(staging, 0o755)  # mkdtemp makes it private; an export is meant to be shared
    saver = policy_saver.PolicySaver(policy, batch_size=None, train_step=train_step)
    _register_q_values(saver, policy)  # on the saver's own module: `policy` is not changed
    saver.save(staging)
    with open(os.path.join(staging, ENV_FILE), "w") as f:
        json.dump(env_metadata, f, indent=2, sort_keys=True)
    retired = None
    if os.path.exists(export_dir):
        retired = tempfile.mkdtemp(prefix=".retired-", dir=parent)
        os.replace(export_dir, os.path.join(retired, "policy"))
    os.replace(staging, export_dir)
    if retired:
        shutil.rmtree(retired, ignore_errors=True)
    for leftover in os.listdir(parent):  # from an export killed half-way
        if leftover.startswith((".export-", ".retired-")):
            shutil.rmtree(os.path.join(parent, leftover), ignore_errors=True)


def read_env_metadata(export_dir: str) -> Dict[str, Any]:
    with open(os.path.join(export_dir, ENV_FILE)) as f:
        return json.load(f)


def read_policy_specs(export_dir: str) -> Dict[str, Any]:
    """The specs PolicySaver wrote beside the SavedModel, without loading it: a dict with
    'time_step_spec', 'action_spec', 'policy_state_spec' and 'info_spec'."""
    path = os.path.join(export_dir, policy_saver.POLICY_SPECS_PBTXT)
    return policy_saver.specs_from_collect_data_spec(tensor_spec.from_pbtxt_file(path))


def _register_q_values(saver: policy_saver.PolicySaver, policy) -> None:
    """Adds Q_VALUES to the export of a stateless greedy Q policy (what DQN agents export).

    The Q values are the logits of the wrapped QPolicy's categorical distribution: the greedy
    action is their argmax. Any other policy is exported without them.
    """
    if not isinstance(policy, greedy_policy.GreedyPolicy):
        return
    wrapped = policy.wrapped_policy
    if not isinstance(wrapped, q_policy.QPolicy) or wrapped.policy_state_spec:
        return

    def q_values(time_step):
        return wrapped.distribution(time_step, ()).action.logits

    saver.register_function(Q_VALUES, q_values, policy.time_step_spec)
