"""A2C, synchronous advantage actor-critic (Mnih et al. 2016), as TF-Agents' PPOAgent.

TF-Agents has no A2C agent, and A2C's update is a special case of PPO's, so the A2C entry points
run the PPO pipeline (pipelines.ppo: networks, rollouts, loop, export) with a config that makes
PPOClipAgent's update exactly A2C's, rather than a second agent beside it:
- one epoch of one minibatch: each rollout of num_parallel_envs x rollout_length env steps makes
  one gradient step, on the weights that collected it;
- no ratio or value clipping (both 0), and PPOClipAgent has no KL terms. At that single step the
  importance ratio pi/pi_old is 1, and its gradient ratio * grad(log pi) is A2C's
  grad(log pi) * A; tests/pipelines/test_a2c.py checks the gradients are the same;
- advantages: GAE(lambda), with lambda_value 1 giving A2C's n-step returns bootstrapped at the
  rollout's end; the value loss is the squared error to the same returns; entropy bonus.

What differs from the paper: TF-Agents standardizes the advantages of each batch (mean 0,
std 1) and keeps the actor and critic in two networks rather than one with two heads.
"""
