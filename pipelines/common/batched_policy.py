"""A TF policy acting for a BatchedPyEnvironment with numpy in and out."""

import numpy as np
import tensorflow as tf
from tf_agents.policies import py_tf_eager_policy


class BatchedPyPolicy(py_tf_eager_policy.PyTFEagerPolicy):
    """PyTFEagerPolicy for time steps that are already batched, returning numpy actions.

    With batch_time_steps=False, PyTFEagerPolicy hands back tensors; BatchedPyEnvironment then
    splits the action tensor element by element (milliseconds per step on CartPole's 8 envs),
    and observers stack tensors. One .numpy() per step avoids both.
    """

    def __init__(self, policy, use_tf_function: bool = True):
        super().__init__(policy, use_tf_function=use_tf_function, batch_time_steps=False)

    def _action(self, time_step, policy_state, seed=None):
        policy_step = super()._action(time_step, policy_state, seed)
        return policy_step._replace(
            action=tf.nest.map_structure(np.asarray, policy_step.action),
            info=tf.nest.map_structure(np.asarray, policy_step.info),
        )
