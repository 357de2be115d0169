"""The test pipelines of the official-recipe configs give the official
tensors on real data.

The expected tensors are computed here, step by step, as the official
CTR-GCN code computes them (``feeders/feeder_ucla.py`` test branch;
``data/ntu/seq_transformation.py`` + ``feeders/feeder_ntu.py`` test
branch), independently of the transforms. The comparison with the
official code itself is ``benchmarks/verify_official_parity.py``.
"""
import json
import os.path as osp
import zipfile

import numpy as np
import pytest
import torch
from mmcv.transforms import Compose
from mmengine.config import Config

from mmcl_tools.converters.ntu import skeleton_to_annotation
from mmcl_tools.converters.nwucla import parse_sample

pytestmark = pytest.mark.numerics

REPO_ROOT = osp.dirname(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
from ntu_writer import (one_actor_frames, standing_body,  # noqa: E402
                        write_skeleton)
from numerics import assert_within_rounding  # noqa: E402

#: float32 operations along a test path, per value: the centring, the two
#: products and the sum of the linear resize (or the min-max scaling), the
#: bone and the motion differences, each on values of the input's scale.
PIPELINE_OPS = 16

NWUCLA_ZIP = osp.join(REPO_ROOT, '..', 'shared', 'data', 'nw_ucla',
                      'all_sqe.zip')
NWUCLA_CONFIG = ('configs/ctrgcn/ctrgcn_1xb16-{}-u52-65e_'
                 'nwucla-xview-keypoint-3d.py')
NTU_CONFIG = ('configs/ctrgcn/ctrgcn_1xb64-{}-u64-65e_'
              'ntu60-xsub-keypoint-3d.py')
#: The entry point (`mim train mmaction configs/mmcl_ctrgcn_ntu60.py`).
ENTRY_CONFIG = 'configs/mmcl_ctrgcn_ntu60.py'
# official bones, 1-based (child, parent): feeders/feeder_ucla.py and
# feeders/bone_pairs.py
UCLA_BONES = [(1, 2), (2, 3), (3, 3), (4, 3), (5, 3), (6, 5), (7, 6),
              (8, 7), (9, 3), (10, 9), (11, 10), (12, 11), (13, 1), (14, 13),
              (15, 14), (16, 15), (17, 1), (18, 17), (19, 18), (20, 19)]
NTU_BONES = [(1, 2), (2, 21), (3, 21), (4, 3), (5, 21), (6, 5), (7, 6),
             (8, 7), (9, 21), (10, 9), (11, 10), (12, 11), (13, 1), (14, 13),
             (15, 14), (16, 15), (17, 1), (18, 17), (19, 18), (20, 19),
             (22, 23), (21, 21), (23, 8), (24, 25), (25, 12)]


def config_test_pipeline(config: str) -> Compose:
    cfg = Config.fromfile(osp.join(REPO_ROOT, config))
    return Compose(cfg.test_dataloader.dataset.pipeline)


def streams(data: np.ndarray, bones, stream: str) -> np.ndarray:
    """Official bone (over axis -2) and motion (over axis -3) streams."""
    if 'bone' in stream:
        bone = np.zeros_like(data)
        for child, parent in bones:
            bone[..., child - 1, :] = (data[..., child - 1, :] -
                                       data[..., parent - 1, :])
        data = bone
    if 'motion' in stream:
        motion = np.zeros_like(data)
        motion[..., :-1, :, :] = data[..., 1:, :, :] - data[..., :-1, :, :]
        data = motion
    return data


def official_ucla_test(skeletons: list) -> np.ndarray:
    """feeder_ucla.py's test branch: (T, V, C) float64 of 52 frames."""
    value = np.array(skeletons)  # float64, as json.load gives
    value = value - value[0, 1, :]
    flat = value.reshape(-1, 3)  # identity view transform
    flat = (flat - flat.min(axis=0)) / (flat.max(axis=0) - flat.min(axis=0))
    value = (flat * 2 - 1).reshape(-1, 20, 3)
    idx = np.linspace(0, len(value) - 1, 52).astype(int)
    return value[idx]


@pytest.mark.real_data
@pytest.mark.skipif(not osp.isfile(NWUCLA_ZIP), reason='no NW-UCLA zip')
@pytest.mark.parametrize('name', ['a08_s09_e02_v03', 'a01_s10_e00_v03'])
@pytest.mark.parametrize('stream', ['joint', 'bone-motion'])
def test_nwucla_view3_clip(name, stream):
    with zipfile.ZipFile(NWUCLA_ZIP) as archive:
        raw = archive.read(f'all_sqe/{name}.json')
    expected = streams(
        official_ucla_test(json.loads(raw)['skeletons']), UCLA_BONES,
        stream)
    annotation = parse_sample(raw, name)
    packed = config_test_pipeline(NWUCLA_CONFIG.format(stream))(annotation)
    inputs = packed['inputs'].numpy()  # (1 clip, M, T, V, C)
    assert inputs.shape == (1, 1, 52, 20, 3)
    # float32 against float64: the min-max scaling maps rounding errors of
    # the raw coordinates' magnitude through 2 / (max - min) per axis
    raw = np.array(json.loads(raw)['skeletons']).reshape(-1, 3)
    raw = raw - raw[1]
    scale = float((2 * np.abs(raw).max(0) / np.ptp(raw, axis=0)).max())
    assert_within_rounding(inputs[0, 0], expected, terms=PIPELINE_OPS,
                           dtype=torch.float32, scale=scale, msg=name)


def linear_resize(data: np.ndarray, size: int) -> np.ndarray:
    """Linear interpolation along axis 1, align_corners=False (PyTorch's
    bilinear resize with an unchanged height)."""
    length = data.shape[1]
    out = np.empty((data.shape[0], size) + data.shape[2:])
    for t in range(size):
        src = max((t + 0.5) * length / size - 0.5, 0)
        i0 = int(src)
        i1 = min(i0 + 1, length - 1)
        weight = src - i0
        out[:, t] = (1 - weight) * data[:, i0] + weight * data[:, i1]
    return out


def official_ntu_test(keypoint: np.ndarray) -> np.ndarray:
    """seq_transformation (frames without bodies removed, origin on joint
    2 of actor 1 in its first frame, absent actors zero, two actors) and
    feeder_ntu.py's test crop (centre 95 %) resized to 64 frames."""
    num_actors, num_frames = keypoint.shape[:2]
    present = [[bool(np.any(keypoint[m, t] != 0)) for t in range(num_frames)]
               for m in range(num_actors)]
    frames = [t for t in range(num_frames)
              if any(present[m][t] for m in range(num_actors))]
    data = np.zeros((2, len(frames), 25, 3), np.float64)
    for m in range(num_actors):
        for i, t in enumerate(frames):
            data[m, i] = keypoint[m, t]
    first = next(i for i, t in enumerate(frames) if present[0][t])
    origin = data[0, first, 1].copy()
    for m in range(num_actors):
        for i, t in enumerate(frames):
            if present[m][t]:
                data[m, i] -= origin
    valid = len(frames)
    bias = int((1 - 0.95) * valid / 2)
    return linear_resize(data[:, bias:valid - bias], 64)


def two_actor_frames(num_frames: int, second: range, empty=()) -> list:
    rng = np.random.default_rng(4)
    frames = []
    for t in range(num_frames):
        bodies = []
        if t not in empty:
            bodies.append(('72057594037931101', standing_body(rng, -0.5)))
            if t in second:
                bodies.append(('72057594037931202',
                               standing_body(rng, 0.5, motion=0.02)))
        frames.append(bodies)
    return frames


@pytest.mark.parametrize('name,frames', [
    ('S001C002P003R001A009',
     one_actor_frames(90, seed=2, empty=(0, 1, 40, 41, 89))),
    ('S003C003P008R001A055', two_actor_frames(100, range(30, 80), (0, 1))),
])
@pytest.mark.parametrize('stream', ['joint', 'bone-motion'])
def test_ntu_skeleton_file(tmp_path, name, frames, stream):
    path = write_skeleton(str(tmp_path / f'{name}.skeleton'), frames)
    with open(path, 'rb') as f:
        annotation = skeleton_to_annotation(f.read(), f'{name}.skeleton')
    # the converter's default keeps every frame (body-less ones as zeros)
    assert annotation['keypoint'].shape[1] == len(frames)
    expected = streams(official_ntu_test(annotation['keypoint']), NTU_BONES,
                       stream)
    packed = config_test_pipeline(NTU_CONFIG.format(stream))(annotation)
    inputs = packed['inputs'].numpy()
    assert inputs.shape == (1, 2, 64, 25, 3)
    # float32 against float64, errors on the raw coordinates' scale
    scale = float(np.abs(annotation['keypoint']).max())
    assert_within_rounding(inputs[0], expected, terms=PIPELINE_OPS,
                           dtype=torch.float32, scale=scale, msg=name)


@pytest.mark.parametrize('name,frames', [
    ('S003C003P008R001A055', two_actor_frames(100, range(30, 80), (0, 1))),
])
def test_entry_config_gives_the_official_ntu_input(tmp_path, name, frames):
    """`configs/mmcl_ctrgcn_ntu60.py` tests on the official code's input
    (the official recipe's NTU60 X-Sub joint config)."""
    path = write_skeleton(str(tmp_path / f'{name}.skeleton'), frames)
    with open(path, 'rb') as f:
        annotation = skeleton_to_annotation(f.read(), f'{name}.skeleton')
    expected = official_ntu_test(annotation['keypoint'])
    packed = config_test_pipeline(ENTRY_CONFIG)(annotation)
    inputs = packed['inputs'].numpy()
    assert inputs.shape == (1, 2, 64, 25, 3)
    # float32 against float64, errors on the raw coordinates' scale
    scale = float(np.abs(annotation['keypoint']).max())
    assert_within_rounding(inputs[0], expected, terms=PIPELINE_OPS,
                           dtype=torch.float32, scale=scale, msg=name)
    cfg = Config.fromfile(osp.join(REPO_ROOT, ENTRY_CONFIG))
    assert cfg.val_dataloader.dataset.pipeline == \
        cfg.test_dataloader.dataset.pipeline
