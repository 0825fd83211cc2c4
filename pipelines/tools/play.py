"""An exported greedy policy (SavedModel + env.json) playing whole episodes, one at a time, on
the environment env.json describes (pipelines.evaluate's work once its flags are checked)."""

import dataclasses
import os
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np
import tensorflow as tf
import tensorflow_probability  # noqa: F401  registers the distribution specs the SavedModel names

import envs
from pipelines.common import export, video
from pipelines.common.cli import UserError


@dataclasses.dataclass
class Episode:
    score: float  # the raw game score (info["episode"]["r"]), else the sum of rewards
    length: int  # agent steps (policy decisions); 4 frames each on Atari


@dataclasses.dataclass
class Step:
    """One state of a recorded episode: what the game shows, what the network sees, and what the
    policy chose there (None in the last state)."""

    frame: np.ndarray  # env.render(), the game's RGB frame
    observation: np.ndarray  # the network's input
    action: Optional[int]
    q_value: Optional[float]  # Q of the chosen action, when the export has Q_VALUES
    step: int  # agent steps played before this state
    score: float  # rewards so far


def describe(spec) -> str:
    """'float32 (4,)' for an observation spec, 'int64 0..3' for a discrete action spec."""
    if hasattr(spec, "minimum") and spec.shape == () and np.issubdtype(spec.dtype, np.integer):
        return f"{np.dtype(spec.dtype).name} {int(spec.minimum)}..{int(spec.maximum)}"
    return f"{np.dtype(spec.dtype).name} {tuple(spec.shape)}"


def spec_mismatch(policy_specs: Dict[str, Any], env) -> Optional[str]:
    """Why the policy cannot act in env (observation shape/dtype, action shape/dtype/range),
    or None when it fits."""
    wanted_obs = policy_specs["time_step_spec"].observation
    wanted_action = policy_specs["action_spec"]
    got_obs, got_action = env.observation_spec(), env.action_spec()
    obs_fits = tuple(wanted_obs.shape) == tuple(got_obs.shape) and np.dtype(
        wanted_obs.dtype
    ) == np.dtype(got_obs.dtype)
    action_fits = (
        tuple(wanted_action.shape) == tuple(got_action.shape)
        and np.dtype(wanted_action.dtype) == np.dtype(got_action.dtype)
        and np.array_equal(wanted_action.minimum, got_action.minimum)
        and np.array_equal(wanted_action.maximum, got_action.maximum)
    )
    if obs_fits and action_fits:
        return None
    return (
        f"it takes observations {describe(wanted_obs)} and actions {describe(wanted_action)};"
        f" the environment gives observations {describe(got_obs)} and actions "
        f"{describe(got_action)}"
    )


class ExportedPolicy:
    """The SavedModel of export.export_policy, called with TensorFlow alone (no TF-Agents
    policy classes): greedy actions and, when exported, the Q values behind them."""

    def __init__(self, export_dir: str):
        self._model = tf.saved_model.load(export_dir)
        self._q_values = getattr(self._model, export.Q_VALUES, None)
        self.train_step = int(self._model.get_train_step().numpy())

    @property
    def has_q_values(self) -> bool:
        return self._q_values is not None

    def initial_state(self):
        return self._model.get_initial_state(1)

    def action(self, time_step, state):
        """(action, next state, batched time step) for one unbatched time step."""
        batch = tf.nest.map_structure(
            lambda x: tf.convert_to_tensor(np.asarray(x)[None]), time_step
        )
        policy_step = self._model.action(batch, state)
        return int(policy_step.action.numpy()[0]), policy_step.state, batch

    def q_values(self, batch) -> np.ndarray:
        assert self._q_values is not None, "the export has no Q values (has_q_values)"
        return self._q_values(batch).numpy()[0]


class RandomPolicy:
    """Uniformly random actions, with ExportedPolicy's interface: a game's baseline score."""

    has_q_values = False

    def __init__(self, action_spec, rng: np.random.Generator):
        self._low, self._high = int(action_spec.minimum), int(action_spec.maximum)
        self._rng = rng

    def initial_state(self):
        return ()

    def action(self, _time_step, state):
        return int(self._rng.integers(self._low, self._high + 1)), state, None


def play_episode(
    policy: ExportedPolicy,
    env,
    max_steps: int = 10_000_000,
    recorder: Optional[Callable[[Step], None]] = None,
    epsilon: float = 0.0,
    rng: Optional[np.random.Generator] = None,
) -> Episode:
    """Plays one episode from a fresh reset, taking a uniformly random action with probability
    `epsilon` (drawn from `rng`). A recorder sees every state before the action taken in it, and
    the last state (action None); the env must then render rgb_array."""
    if epsilon and rng is None:
        raise ValueError("epsilon > 0 needs rng, the generator of the random actions")
    time_step = env.reset()
    state = policy.initial_state()
    action_spec = env.action_spec()
    steps, rewards = 0, 0.0
    while not time_step.is_last() and steps < max_steps:
        action, state, batch = policy.action(time_step, state)
        if epsilon and rng is not None and rng.random() < epsilon:
            action = int(rng.integers(action_spec.minimum, action_spec.maximum + 1))
        if recorder:
            q_value = None
            if policy.has_q_values:
                q_value = float(policy.q_values(batch)[action - int(action_spec.minimum)])
            recorder(Step(env.render(), time_step.observation, action, q_value, steps, rewards))
        time_step = env.step(np.asarray(action, dtype=action_spec.dtype))
        steps += 1
        rewards += float(time_step.reward)
    if recorder:
        recorder(Step(env.render(), time_step.observation, None, None, steps, rewards))
    game = env.get_info().get("episode")
    score = float(np.asarray(game["r"]).item()) if game is not None else rewards
    return Episode(score, steps)


def env_settings(
    env_id: str, metadata: Optional[Dict[str, Any]], max_episode_steps: Optional[int]
) -> Tuple[Dict[str, Any], Optional[int]]:
    """(envs.load options, time limit) to evaluate on env_id: env.json's preprocessing and limit
    for env.json's own game.

    Another game than env.json's keeps the options that shape the observation (Atari to Atari)
    and gets its own per-game options (auto-fire, skip-start) and time limit. max_episode_steps,
    when given, replaces the limit.
    """
    options: Dict[str, Any] = {}
    limit = None
    if metadata is not None and metadata.get("env_id") == env_id:
        options = dict(metadata.get("env_options") or {})
        limit = metadata.get("max_episode_steps")
    elif metadata is not None and envs.is_atari(env_id) and envs.is_atari(metadata["env_id"]):
        saved = metadata.get("env_options") or {}
        options = {
            key: saved[key]
            for key in ("frame_stack", "frame_skip", "screen_size", "noop_max")
            if key in saved
        }
    return options, max_episode_steps or limit


def make_env(
    policy_dir: Optional[str],
    env_id: str,
    metadata: Optional[Dict[str, Any]],
    specs: Optional[Dict[str, Any]],
    seed: int,
    max_episode_steps: Optional[int] = None,
    render: bool = False,
):
    """(environment, its envs.load options) to evaluate on; a UserError when env_id or
    env.json's options are bad, or when the policy's specs (if any) do not fit it."""
    try:  # an unknown id or a bad option in env.json: envs' own message names it
        options, limit = env_settings(env_id, metadata, max_episode_steps)
        env = envs.load(
            env_id,
            seed=seed,
            max_episode_steps=limit,
            render_mode="rgb_array" if render else None,
            **options,
        )
    except ValueError as error:
        raise UserError(str(error))
    mismatch = spec_mismatch(specs, env) if specs is not None else None
    if mismatch:
        env.close()
        exported_for = f" (it was exported for '{metadata['env_id']}')" if metadata else ""
        raise UserError(
            f"the policy in {policy_dir} does not fit '{env_id}'{exported_for}: {mismatch}"
        )
    return env, options


def load_policy(policy_dir: str) -> Tuple[Dict[str, Any], ExportedPolicy]:
    """(specs, policy) of the export; a corrupt one is a UserError naming the broken file."""
    try:
        specs = export.read_policy_specs(policy_dir)
    except Exception as error:  # protobuf's or TensorFlow's own parse errors
        raise UserError(
            f"cannot read {os.path.join(policy_dir, 'policy_specs.pbtxt')}: {_first_line(error)}"
        )
    try:
        return specs, ExportedPolicy(policy_dir)
    except Exception as error:
        raise UserError(f"cannot load the SavedModel in {policy_dir}: {_first_line(error)}")


def play_episodes(
    policy,
    env,
    num_episodes: int,
    episodes: List[Episode],
    epsilon: float,
    seed: int,
    recording: Optional[video.VideoWriter] = None,
    video_episodes: int = 1,
) -> None:
    """Appends num_episodes episodes to `episodes`, printing a table row for each; the first
    video_episodes are recorded when there is a recording."""
    print(f"{'episode':>7}  {'return':>10}  {'length':>7}", flush=True)
    rng = np.random.default_rng(seed)
    for number in range(1, num_episodes + 1):
        recorder = None
        if recording is not None and number <= video_episodes:
            recorder = _recorder(recording, number)
        episode = play_episode(
            policy,
            env,
            recorder=recorder,
            epsilon=epsilon,
            rng=rng,
        )
        episodes.append(episode)
        print(f"{number:>7}  {episode.score:>10.1f}  {episode.length:>7}", flush=True)


def _recorder(recording: video.VideoWriter, episode_number: int) -> Callable[[Step], None]:
    """Appends each step's frame: the game, the network's newest input frame beside it, and a
    caption with the episode, step, score so far and the chosen action's Q value."""

    def record(step: Step) -> None:
        side = video.network_view(step.observation, step.frame.shape[0])
        caption = f"ep {episode_number}  step {step.step}  score {step.score:g}"
        if step.action is not None:
            caption += f"  a={step.action}"
            if step.q_value is not None:
                caption += f"  Q={step.q_value:.3f}"
        recording.append(video.compose(step.frame, side, caption))

    return record


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
