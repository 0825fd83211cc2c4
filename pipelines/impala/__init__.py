"""IMPALA (Espeholt et al. 2018): A3C's asynchronous actor-learners in their scalable form.

Actors play with weights that lag behind the learner's and send whole rollouts through a Reverb
queue; one learner corrects the lag with V-trace (pipelines/common/vtrace.py) and pushes its
weights back through Reverb's variables table. The same --role=replay|collect|train flags and
pipelines.launch as DQN's scale-out apply; --role=all runs the server, one actor and the
learner in one process.

Build order: config -> agent (agent.py: an ActorCriticAgent, pipelines/common/actor_critic.py,
whose train() is the V-trace loss) -> the rollout queue (rollout_queue.py) -> actors (actor.py,
collect_role.py) -> server (replay_role.py) -> learner and its loop (learner_role.py, on
on_policy's loop) -> the one-process run (single_process.py).
"""
