"""What a DQN learner is made of, shared by the single-process run and the scaled-out learner:
TF-Agents' Learner over batches from Reverb, the evaluation policy, and where the export goes.
(The agent itself: agent.build_agent; the replay table and its dataset: replay.)"""

import os
from typing import Optional

import tensorflow as tf
from tf_agents.policies import epsilon_greedy_policy
from tf_agents.train import learner

from pipelines.common import batched_policy, run_dir
from pipelines.dqn import replay
from pipelines.dqn.config import DqnConfig

# Sampled batches tf.data prepares ahead, on the other core, while the actor collects.
_PREFETCH_BATCHES = 64
POLICY_DIR = os.path.join("policies", "greedy_policy")


def make_learner(
    config: DqnConfig,
    run: run_dir.RunDir,
    agent,
    train_step: tf.Variable,
    replay_address: str,
    frame_stack: int,
    strategy: Optional[tf.distribute.Strategy] = None,
) -> learner.Learner:
    """TF-Agents' Learner: compiled train steps on batches prefetched from Reverb. With a
    strategy of several replicas, each replica samples its share of config.batch_size."""
    replicas = strategy.num_replicas_in_sync if strategy else 1

    def experience_dataset(_context=None):
        dataset = replay.make_dataset(
            replay_address,
            agent.collect_data_spec,
            frame_stack,
            config.n_step,
            config.batch_size // replicas,
            _PREFETCH_BATCHES,
        )
        return dataset.map(lambda trajectory: (trajectory, ()))

    # Checkpoints and summaries are ours (they count env steps), so the Learner's are off.
    return learner.Learner(
        run.path,
        train_step,
        agent,
        experience_dataset,
        checkpoint_interval=0,
        summary_interval=0,
        strategy=strategy,
    )


def make_eval_policy(config: DqnConfig, agent):
    """The greedy policy, or epsilon-greedy at eval_epsilon (Mnih et al. evaluate Atari so)."""
    policy = agent.policy
    if config.eval_epsilon > 0:
        policy = epsilon_greedy_policy.EpsilonGreedyPolicy(policy, config.eval_epsilon)
    return batched_policy.BatchedPyPolicy(policy)
