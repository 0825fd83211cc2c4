"""Training and evaluation environments of a run, shared by every algorithm's pipeline.

A config passed here needs the fields env_id, max_episode_steps, frame_stack, clip_rewards and
terminal_on_life_loss (every preset dataclass has them).
"""

from typing import Dict, List

from tf_agents.environments import batched_py_environment, py_environment

import envs


def env_options(config, training: bool) -> Dict:
    """Keyword options of envs.load: Atari preprocessing only for Atari; training-only shaping."""
    if not envs.is_atari(config.env_id):
        for field in ("clip_rewards", "terminal_on_life_loss"):
            if getattr(config, field, False):
                raise ValueError(
                    f"config.{field} is for Atari games, and '{config.env_id}' is "
                    f"not one: set config.{field}=false"
                )
        return {}
    return envs.atari_options_for(
        config.env_id,
        frame_stack=config.frame_stack,
        clip_rewards=config.clip_rewards and training,
        terminal_on_life_loss=config.terminal_on_life_loss and training,
    )


def make_environments(
    config, count: int, seed: int, training: bool, backend: str = "python"
) -> List:
    """`count` PyEnvironments seeded seed, seed+1, ...; evaluation ones score the raw game.

    backend 'ale_vector' makes them one batched PyEnvironment (envs.load_vector), in a list of one.
    """
    options = env_options(config, training)
    max_episode_steps = config.max_episode_steps or None
    if backend == "ale_vector":
        if options.get("skip_start"):
            raise ValueError(
                f"config.env_backend=ale_vector cannot skip the idle start of "
                f"{config.env_id} ({options['skip_start']} agent steps at reset and "
                "after each lost life): use config.env_backend=python"
            )
        return [
            envs.load_vector(
                config.env_id, count, seed=seed, max_episode_steps=max_episode_steps, **options
            )
        ]
    return [
        envs.load(config.env_id, seed=seed + i, max_episode_steps=max_episode_steps, **options)
        for i in range(count)
    ]


def make_collector_environments(config, task: int) -> List:
    """Scale-out collector `task`'s training environments: seeds of their own, apart from the
    single-process run's (config.seed + i) and from every other collector's."""
    return make_environments(
        config,
        config.num_parallel_envs,
        seed=config.seed + 1_000 * (task + 1),
        training=True,
        backend=config.env_backend,
    )


def make_eval_environments(config) -> List:
    """The evaluations' environments (raw score, seeds apart from training's); none when
    evaluation is off."""
    if not config.eval_interval:
        return []
    return make_environments(config, config.eval_episodes, config.seed + 10_000, training=False)


def batch(environments: List) -> py_environment.PyEnvironment:
    """The environments as one batched PyEnvironment, stepped in this thread."""
    if len(environments) == 1 and environments[0].batched:
        return environments[0]
    return batched_py_environment.BatchedPyEnvironment(environments, multithreading=False)


def env_metadata(config, eval_epsilon: float) -> Dict:
    """What pipelines.evaluate needs to rebuild the evaluation environment and play as the run's
    evaluations did (env.json)."""
    return {
        "env_id": config.env_id,
        "env_options": env_options(config, training=False),
        "max_episode_steps": config.max_episode_steps or None,
        "config_name": config.name,
        "eval_epsilon": eval_epsilon,
    }


class GameScores:
    """Observer of the training environments: raw score and length of every finished game.

    On Atari the agent's episodes may end at each lost life and its rewards may be clipped; the
    environments report the real game's score in info["episode"] when a game ends. A batched
    environment (envs.load_vector) reports every game's, valid where info["_episode"] is True.
    """

    def __init__(self, environments: List):
        self._environments = environments
        self.scores: List[float] = []
        self.lengths: List[int] = []

    def __call__(self, _trajectory) -> None:
        for environment in self._environments:
            info = environment.get_info()
            episode = info.get("episode")
            if episode is not None and "_episode" in info:
                ended = info["_episode"]
                self.scores.extend(float(score) for score in episode["r"][ended])
                self.lengths.extend(int(length) for length in episode["l"][ended])
            elif episode is not None:
                self.scores.append(float(episode["r"]))
                self.lengths.append(int(episode["l"]))

    def drain(self):
        scores, lengths = self.scores, self.lengths
        self.scores, self.lengths = [], []
        return scores, lengths
