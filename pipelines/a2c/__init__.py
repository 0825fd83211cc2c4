"""A2C, synchronous advantage actor-critic (Mnih et al. 2016), as a special case of PPO's update.

A2C's update is PPO's with one epoch of one minibatch and no clipping, so the A2C entry points
run the PPO pipeline (pipelines.ppo: network, rollouts, loop, export) with a config that makes
it so, rather than a second agent beside it:
- one epoch of one minibatch: each rollout of num_parallel_envs x rollout_length env steps makes
  one gradient step, on the weights that collected it;
- no ratio or value clipping (both 0). At that single step the importance ratio pi/pi_old is 1,
  and its gradient ratio * grad(log pi) is A2C's grad(log pi) * A;
  tests/pipelines/test_a2c.py checks the gradients are the same;
- advantages: GAE(lambda), with lambda_value 1 giving A2C's n-step returns bootstrapped at the
  rollout's end; the value loss is the squared error to the same returns; entropy bonus.

The Atari presets keep the paper's raw advantages (normalize_advantages=false); the CartPole
preset standardizes them.
"""
