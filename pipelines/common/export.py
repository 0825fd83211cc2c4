"""Exports a policy as a SavedModel (TF-Agents' PolicySaver) with the metadata to replay it."""
import json
import os
import shutil
import tempfile
from typing import Any, Dict

from tf_agents.policies import policy_saver

ENV_FILE = "env.json"  # beside saved_model.pb: which environment, preprocessed how


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
