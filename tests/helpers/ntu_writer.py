"""Write NTU RGB+D ``.skeleton`` files in the official text format."""
from typing import Dict, List, Optional, Sequence

import numpy as np

#: (frame index -> list of bodies), a body being (body_id, joints (25, 12)).
Frames = List[List[tuple]]


def standing_body(rng: np.random.Generator, centre_x: float = 0.0,
                  motion: float = 0.05) -> np.ndarray:
    """(25, 12) joint rows of a plausible standing person.

    x spread 0.4 m, y spread 1.6 m (taller than wide, so not "noisy" by the
    spread rule); colour pixels around (960 + 300 * centre_x, 540).
    """
    rows = np.zeros((25, 12))
    rows[:, 0] = centre_x + rng.uniform(-0.2, 0.2, 25) + \
        rng.normal(0, motion, 1)
    rows[:, 1] = np.linspace(-0.8, 0.8, 25) + rng.normal(0, motion, 1)
    rows[:, 2] = 3.0 + rng.uniform(-0.1, 0.1, 25)
    rows[:, 3:5] = rng.uniform(100, 400, (25, 2))  # depth pixels
    rows[:, 5] = 960 + 300 * rows[:, 0]
    rows[:, 6] = 540 - 300 * rows[:, 1]
    rows[:, 7:11] = rng.normal(size=(25, 4))  # orientation quaternion
    rows[:, 11] = 2  # tracked
    return rows.round(6)


def wide_body(rng: np.random.Generator) -> np.ndarray:
    """(25, 12) rows of a "body" wider than tall (a noisy detection)."""
    rows = standing_body(rng)
    rows[:, 0], rows[:, 1] = rows[:, 1] * 2, rows[:, 0] * 0.2
    return rows.round(6)


def skeleton_text(frames: Frames, newline: str = '\n',
                  joint_count: Optional[Dict[int, int]] = None) -> str:
    """The ``.skeleton`` text of ``frames``.

    Args:
        frames (Frames): Per frame, the bodies ``(body_id, rows)``.
        newline (str): Line end (the official files use CRLF).
        joint_count (dict, optional): Frame -> joint count to write instead
            of 25 (to make malformed files).
    """
    lines = [str(len(frames))]
    for t, bodies in enumerate(frames):
        lines.append(str(len(bodies)))
        for body_id, rows in bodies:
            lines.append(f'{body_id} 0 1 2 1 2 0 0.1 -0.2 2')
            lines.append(str((joint_count or {}).get(t, len(rows))))
            lines.extend(' '.join(f'{v:.6f}' for v in row) for row in rows)
    return newline.join(lines) + newline


def write_skeleton(path: str, frames: Frames, newline: str = '\r\n',
                   **kwargs) -> str:
    with open(path, 'w', newline='') as f:
        f.write(skeleton_text(frames, newline, **kwargs))
    return path


def one_actor_frames(num_frames: int, seed: int = 0,
                     empty: Sequence[int] = ()) -> Frames:
    """A single tracked body in every frame except ``empty`` ones."""
    rng = np.random.default_rng(seed)
    return [[] if t in empty else [('72057594037931101', standing_body(rng))]
            for t in range(num_frames)]
