"""The README.md written into a generated demo dataset."""
from .camera import FOCAL, IMG_SHAPE
from .samples import CLASS_NAMES, HOLDING, MAX_FRAMES, MIN_FRAMES, PKL_NAME
from .text_features import TEXT_DIM
from .video_codec import FPS


def readme_text(seed: int, num_train: int, num_val: int,
                fourcc: str = 'mp4v') -> str:
    """The generated dataset's README.md."""
    classes = '\n'.join(
        f'{i}. {name} (holding an object: {"yes" if HOLDING[i] else "no"})'
        for i, name in enumerate(CLASS_NAMES))
    height, width = IMG_SHAPE
    return f"""# MMCL demo dataset (generated)

Synthetic, for demos and tests only. Made by

    python tools/data/make_demo_dataset.py --seed {seed} \\
        --num-train {num_train} --num-val {num_val}

Classes (`label_map.txt`; label = line index):

{classes}

Files, joined by the sample name `frame_dir`:

- `{PKL_NAME}`: mmaction2 skeleton pickle,
  `dict(split=dict(train=[...], val=[...]), annotations=[...])`.
  Each annotation has
  - `frame_dir`: NTU-style name `SsssCcccPpppRrrrAaaa`, `A` = label + 1;
  - `label`, `total_frames` T ({MIN_FRAMES} to {MAX_FRAMES});
  - `img_shape`, `original_shape`: ({height}, {width}), (H, W);
  - `keypoint`: float32 (M, T, 25, 3), NTU RGB+D (Kinect v2) joints in
    metres, camera space (X to the camera's left, Y up, Z away from the
    camera). M = 2 for one sample in 16: an idle bystander stands
    beside the actor (person 0);
  - `keypoint_2d`: float32 (M, T, 25, 2), pixel (x, y) of the joints in
    the video (pinhole camera, focal {FOCAL:g} px, principal point at the
    image centre).
- `videos/<frame_dir>.mp4`: {width}x{height}, T frames, {FPS} fps, fourcc
  '{fourcc}'. The skeletons drawn over a room (person 0 green, person 1
  orange) and, for 'drink water', a red cup in the right hand.
- `text_features/<frame_dir>.npy`: float16 (L, {TEXT_DIM}), 3 <= L <= 8,
  token features of a simulated MLLM answer to "Are the people holding
  objects?" (embeddings of a fixed random vocabulary plus noise), one
  prompt (read as P = 1 of (P, L, D)). They tell whether a cup is held,
  not the action.
"""


__all__ = ['readme_text']
