"""AreaResize against a brute-force area average."""

import math

import gymnasium as gym
import numpy as np
import pytest

from envs.atari import AreaResize


class _Frames(gym.Env):
    observation_space = gym.spaces.Box(0, 255, (210, 160), np.uint8)
    action_space = gym.spaces.Discrete(1)


def _area_average(frame, size):
    height, width = frame.shape
    row_scale, col_scale = height / size, width / size
    out = np.zeros((size, size))
    for i in range(size):
        for j in range(size):
            total = 0.0
            for r in range(int(i * row_scale), math.ceil((i + 1) * row_scale)):
                row_part = min(r + 1, (i + 1) * row_scale) - max(r, i * row_scale)
                for c in range(int(j * col_scale), math.ceil((j + 1) * col_scale)):
                    col_part = min(c + 1, (j + 1) * col_scale) - max(c, j * col_scale)
                    total += row_part * col_part * frame[r, c]
            out[i, j] = total / (row_scale * col_scale)
    return out


@pytest.mark.parametrize("size", [84, 83])  # 83: no common block with 210 or 160
def test_area_resize_averages_the_covered_area(size):
    frame = np.random.default_rng(0).integers(0, 256, (210, 160), dtype=np.uint8)
    resized = AreaResize(_Frames(), size).observation(frame)
    assert resized.shape == (size, size) and resized.dtype == np.uint8
    assert np.abs(resized - _area_average(frame.astype(float), size)).max() <= 0.5 + 1e-3
