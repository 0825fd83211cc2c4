"""Videos of an agent playing (pipelines.evaluate's, and training's every video_interval): the
game's own RGB frames, optionally beside what the network sees, with a caption line, written as
MP4 (imageio-ffmpeg's bundled ffmpeg) or GIF (Pillow)."""

import os
import tempfile
from typing import Any, Dict, List, Optional

import imageio.v2 as imageio
import numpy as np
from PIL import Image, ImageDraw, ImageFont

import envs
from pipelines.common import cli, run_dir

FORMATS = (".mp4", ".gif")
_CAPTION_HEIGHT = 16  # pixels, below the frames
_FONT_SIZE = 12


def check_path(path: str) -> None:
    """Raises ValueError unless `path` is an .mp4 or .gif file in a directory that exists."""
    extension = os.path.splitext(path)[1].lower()
    if extension not in FORMATS:
        raise ValueError(
            f"--video={path}: the video format is chosen by the extension, "
            f"{' or '.join(FORMATS)}; got '{extension or 'no extension'}'"
        )
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise ValueError(f"--video={path}: directory {folder} does not exist")
    if os.path.isdir(path):
        raise ValueError(f"--video={path} is a directory")
    problem = cli.unwritable(folder)
    if problem:
        raise ValueError(f"--video={path}: cannot write to {folder}: {problem}")


def network_view(observation: np.ndarray, height: int) -> Optional[np.ndarray]:
    """The newest frame of an image observation (H, W, stack) as RGB, scaled (nearest) to
    `height` pixels; None for observations that are not pictures (CartPole's 4 numbers)."""
    if observation.ndim != 3 or observation.dtype != np.uint8:
        return None
    newest = observation[..., -1]
    width = round(newest.shape[1] * height / newest.shape[0])
    scaled = Image.fromarray(newest).resize((width, height), Image.Resampling.NEAREST)
    return np.repeat(np.asarray(scaled)[..., None], 3, axis=-1)


def compose(
    frame: np.ndarray, side: Optional[np.ndarray] = None, caption: Optional[str] = None
) -> np.ndarray:
    """The game frame, `side` to its right (same height), `caption` on a strip below; padded to
    even width and height, which H.264 in yuv420p needs."""
    picture = frame if side is None else np.concatenate([frame, side], axis=1)
    if caption is not None:
        strip = Image.new("RGB", (picture.shape[1], _CAPTION_HEIGHT))
        ImageDraw.Draw(strip).text((3, 1), caption, fill=(255, 255, 255), font=_font())
        picture = np.concatenate([picture, np.asarray(strip)], axis=0)
    pad_height, pad_width = picture.shape[0] % 2, picture.shape[1] % 2
    if pad_height or pad_width:
        picture = np.pad(picture, ((0, pad_height), (0, pad_width), (0, 0)))
    return np.ascontiguousarray(picture, dtype=np.uint8)


_FONT = None


def _font():
    global _FONT
    if _FONT is None:
        _FONT = ImageFont.load_default(size=_FONT_SIZE)
    return _FONT


class VideoWriter:
    """Frames in, an .mp4 or .gif out. MP4 streams to ffmpeg; GIF keeps its (palette) frames in
    memory until close, so it suits short clips. The file appears only when close() succeeds: a
    stopped evaluation leaves no half-written video."""

    def __init__(self, path: str, fps: float):
        check_path(path)
        self.path = path
        self.frames = 0
        self._fps = fps
        self._gif = path.lower().endswith(".gif")
        folder, name = os.path.split(os.path.abspath(path))
        handle, self._staging = tempfile.mkstemp(prefix=f".{name}.", suffix=name[-4:], dir=folder)
        os.close(handle)
        self._gif_frames: List[Image.Image] = []
        self._mp4 = None
        if not self._gif:
            self._mp4 = imageio.get_writer(
                self._staging,
                format="FFMPEG",
                mode="I",
                fps=fps,
                codec="libx264",
                pixelformat="yuv420p",
                macro_block_size=2,
            )

    def append(self, frame: np.ndarray) -> None:
        if self._gif:
            self._gif_frames.append(
                Image.fromarray(frame).convert("P", palette=Image.Palette.ADAPTIVE)
            )
        else:
            assert self._mp4 is not None
            self._mp4.append_data(frame)
        self.frames += 1

    def close(self) -> None:
        """Finishes the file and moves it to `path`; raises ValueError when no frame came."""
        try:
            if self._mp4 is not None:
                self._mp4.close()
            if self.frames == 0:
                raise ValueError("no frames to write")
            if self._gif:
                self._gif_frames[0].save(
                    self._staging,
                    format="GIF",
                    save_all=True,
                    append_images=self._gif_frames[1:],
                    loop=0,
                    duration=round(1000 / self._fps),
                )
            run_dir.publish(self._staging, self.path)
        finally:
            self._gif_frames = []
            if os.path.exists(self._staging):
                os.remove(self._staging)

    def abandon(self) -> None:
        """Stops writing and removes the partial file."""
        try:
            if self._mp4 is not None:
                self._mp4.close()
        finally:
            self._gif_frames = []
            if os.path.exists(self._staging):
                os.remove(self._staging)


def real_time_fps(env_id: str, options: Dict[str, Any], env) -> float:
    """Video frames per second at the game's real speed: one frame per agent step, so 60 Hz
    over the frame skip on Atari; the env's render_fps elsewhere."""
    if envs.is_atari(env_id):
        return 60.0 / envs.atari_options_for(env_id, **options)["frame_skip"]
    return float(env.gym_env.metadata.get("render_fps") or 30)
