"""tools/data/make_demo_dataset.py and its generator
(mmcl_tools.demo): formats, geometry, rendering, text features,
determinism and resumption of the generated demo dataset."""
import hashlib
import importlib.util
import os
import os.path as osp
import pickle
import re

import numpy as np
import pytest

from mmcl_tools import demo as gen

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
NUM_TRAIN, NUM_VAL = 8, 4
SEED = 0
# NTU RGB+D bones as mmaction2's 'nturgb+d' layout lists them (0-based).
NTU_EDGES = [(0, 1), (1, 20), (2, 20), (3, 2), (4, 20), (5, 4), (6, 5),
             (7, 6), (8, 20), (9, 8), (10, 9), (11, 10), (12, 0), (13, 12),
             (14, 13), (15, 14), (16, 0), (17, 16), (18, 17), (19, 18),
             (21, 22), (22, 7), (23, 24), (24, 11)]


def load_tool():
    path = osp.join(REPO, 'tools', 'data', 'make_demo_dataset.py')
    spec = importlib.util.spec_from_file_location('make_demo_dataset', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def dataset(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('demo'))
    pkl = gen.make_demo_dataset(root, seed=SEED, num_train=NUM_TRAIN,
                                num_val=NUM_VAL, progress=False)
    with open(pkl, 'rb') as f:
        content = pickle.load(f)
    return root, pkl, content


def digests(root):
    """{relative path: sha1} of every file under root."""
    out = {}
    for folder, _, files in os.walk(root):
        for name in files:
            path = osp.join(folder, name)
            with open(path, 'rb') as f:
                out[osp.relpath(path, root)] = hashlib.sha1(
                    f.read()).hexdigest()
    return out


def test_layout_and_pickle_structure(dataset):
    root, pkl, content = dataset
    assert pkl == osp.join(root, 'demo_ntu25.pkl')
    assert set(content) == {'split', 'annotations'}
    split, anns = content['split'], content['annotations']
    assert len(split['train']) == NUM_TRAIN and len(split['val']) == NUM_VAL
    names = [a['frame_dir'] for a in anns]
    assert len(set(names)) == len(names) == NUM_TRAIN + NUM_VAL
    assert set(names) == set(split['train']) | set(split['val'])
    with open(osp.join(root, 'label_map.txt')) as f:
        assert f.read().splitlines() == list(gen.CLASS_NAMES)
    assert len(gen.CLASS_NAMES) == 4
    assert osp.isfile(osp.join(root, 'README.md'))
    # No temporary files left behind.
    for sub in ('', 'videos', 'text_features'):
        assert not [n for n in os.listdir(osp.join(root, sub))
                    if n.startswith('.')]
    for ann in anns:
        name = ann['frame_dir']
        assert re.fullmatch(r'S\d{3}C\d{3}P\d{3}R\d{3}A\d{3}', name)
        assert int(name[-3:]) == ann['label'] + 1
        assert osp.isfile(osp.join(root, 'videos', name + '.mp4'))
        assert osp.isfile(osp.join(root, 'text_features', name + '.npy'))
        assert isinstance(ann['label'], int) and 0 <= ann['label'] < 4
        num_frames = ann['total_frames']
        assert isinstance(num_frames, int) and 40 <= num_frames <= 64
        assert ann['img_shape'] == ann['original_shape'] == (120, 160)
        kp, kp2d = ann['keypoint'], ann['keypoint_2d']
        assert kp.dtype == kp2d.dtype == np.float32
        assert kp.shape[0] in (1, 2)
        assert kp.shape == (kp.shape[0], num_frames, 25, 3)
        assert kp2d.shape == (kp.shape[0], num_frames, 25, 2)
        assert np.isfinite(kp).all() and (kp[..., 2] > 1.5).all()
    assert {a['keypoint'].shape[0] for a in anns} == {1, 2}


def test_labels_balanced(dataset):
    _, _, content = dataset
    label = {a['frame_dir']: a['label'] for a in content['annotations']}
    for split, num in (('train', NUM_TRAIN), ('val', NUM_VAL)):
        counts = np.bincount([label[n] for n in content['split'][split]],
                             minlength=4)
        assert (counts == num // 4).all(), (split, counts)


def test_projection_inside_image_and_person_size(dataset):
    _, _, content = dataset
    for ann in content['annotations']:
        kp, kp2d = ann['keypoint'], ann['keypoint_2d']
        np.testing.assert_allclose(kp2d, gen.project(kp), atol=1e-3)
        assert (kp2d[..., 0] >= 0).all() and (kp2d[..., 0] <= 159).all()
        assert (kp2d[..., 1] >= 0).all() and (kp2d[..., 1] <= 119).all()
        # Standing height (head to feet) on the first frame: 60-100 px.
        height = kp2d[:, 0, [15, 19], 1].max(-1) - kp2d[:, 0, 3, 1]
        assert ((height > 55) & (height < 100)).all(), height
        # Person's right on the image left (faces the camera), head on top.
        assert (kp2d[:, 0, 8, 0] < kp2d[:, 0, 4, 0]).all()
        assert (kp2d[:, 0, 3, 1] < kp2d[:, 0, 0, 1]).all()


def test_rigid_human_skeleton(dataset):
    _, _, content = dataset
    for ann in content['annotations']:
        kp = ann['keypoint'].astype(np.float64)
        for edges in (NTU_EDGES, gen.BONES):
            a, b = np.array(edges).T
            length = np.linalg.norm(kp[:, :, a] - kp[:, :, b], axis=-1)
            # Constant over time (rigid body), up to float32 rounding.
            assert np.abs(length - length[:, :1]).max() < 1e-4
        length = lambda i, j: np.linalg.norm(kp[0, 0, i] - kp[0, 0, j])  # noqa
        assert 0.22 < length(8, 9) < 0.36  # upper arm
        assert 0.19 < length(9, 10) < 0.32  # forearm
        assert 0.33 < length(16, 17) < 0.5  # thigh
        assert 0.12 < length(4, 8) < 0.42  # shoulder width
        assert 1.4 < kp[0, 0, 3, 1] - kp[0, 0, [15, 19], 1].min() < 1.9


def test_actions_move_as_named(dataset):
    _, _, content = dataset
    for ann in content['annotations']:
        kp, label, name = ann['keypoint'][0], ann['label'], ann['frame_dir']
        above_head = lambda j: (kp[:, j, 1] > kp[:, 3, 1]).any()  # noqa
        to_head = np.linalg.norm(kp[:, 11] - kp[:, 3], axis=-1).min()
        drop = kp[0, 0, 1] - kp[:, 0, 1].min()  # of the spine base
        assert above_head(11) == (label == 0), name  # wave right hand
        assert above_head(7) == (label == 1), name  # wave left hand
        assert (drop > 0.15) == (label == 2), (name, drop)  # squat
        if label == 3:  # drink: right hand up to the head, not above it
            assert to_head < 0.25, (name, to_head)
        elif label != 0:
            assert to_head > 0.4, (name, to_head)


def test_prenormalize3d_runs_without_nan(dataset):
    from mmaction.datasets.transforms.pose_transforms import PreNormalize3D
    _, _, content = dataset
    for ann in content['annotations']:
        results = PreNormalize3D().transform(
            dict(keypoint=ann['keypoint'].copy(),
                 total_frames=ann['total_frames']))
        kp = results['keypoint']
        assert np.isfinite(kp).all()
        assert results['total_frames'] == ann['total_frames']
        assert kp.shape == ann['keypoint'].shape
        np.testing.assert_allclose(kp[0, 0, 1], 0, atol=1e-6)
        # Upright: the spine (0 -> 1) near +z, the shoulders (8 -> 4) on x.
        spine = kp[0, 0, 1] - kp[0, 0, 0]
        assert spine[2] / np.linalg.norm(spine) > 0.95
        shoulders = kp[0, 0, 4] - kp[0, 0, 8]
        np.testing.assert_allclose(shoulders[1:], 0, atol=1e-5)


def read_video(path):
    import decord
    reader = decord.VideoReader(path)
    return reader, reader.get_batch(list(range(len(reader)))).asnumpy()


def test_videos_read_back(dataset):
    root, _, content = dataset
    for ann in content['annotations']:
        reader, frames = read_video(
            osp.join(root, 'videos', ann['frame_dir'] + '.mp4'))
        assert len(reader) == ann['total_frames']
        assert frames.shape == (ann['total_frames'], 120, 160, 3)
        assert abs(reader.get_avg_fps() - 30) < 0.5


def near(frame, xy, radius=2):
    x, y = np.round(xy).astype(int)
    return frame[max(y - radius, 0):y + radius + 1,
                 max(x - radius, 0):x + radius + 1].reshape(-1, 3).astype(int)


def test_video_draws_skeleton_and_cup(dataset):
    root, _, content = dataset
    for ann in content['annotations']:
        _, frames = read_video(
            osp.join(root, 'videos', ann['frame_dir'] + '.mp4'))
        kp2d = ann['keypoint_2d']
        for t in range(0, ann['total_frames'], 7):
            # RGB frames: person 0 is green around its left hand and knee
            # (the cup may hide the right hand and the head).
            for joint in (7, 13):
                patch = near(frames[t], kp2d[0, t, joint])
                green = patch[:, 1] - patch[:, [0, 2]].max(1)
                assert (green > 60).any(), (ann['frame_dir'], t, joint)
            # The cup (red) is at the right hand exactly in 'drink water'.
            patch = near(frames[t], kp2d[0, t, 11], radius=1)
            red = (patch[:, 0] - patch[:, 1:].max(1) > 60).any()
            assert red == gen.HOLDING[ann['label']], (ann['frame_dir'], t)
        # Away from people, the background is neither green nor red.
        bg = frames[0, :, :8].reshape(-1, 3).astype(int)
        assert (np.abs(bg - bg.mean(1, keepdims=True)) < 40).all()


def test_text_features(dataset):
    root, _, content = dataset
    pooled, holding = [], []
    for ann in content['annotations']:
        feat = np.load(
            osp.join(root, 'text_features', ann['frame_dir'] + '.npy'))
        assert feat.dtype == np.float16 and feat.ndim == 2
        assert 3 <= feat.shape[0] <= 8 and feat.shape[1] == 32
        assert np.isfinite(feat).all()
        vec = feat.astype(np.float64).mean(0)
        pooled.append(vec / np.linalg.norm(vec))
        holding.append(gen.HOLDING[ann['label']])
    pooled, holding = np.stack(pooled), np.array(holding)
    assert holding.any() and not holding.all()
    cos = pooled @ pooled.T
    same = holding[:, None] == holding[None]
    off_diag = ~np.eye(len(holding), dtype=bool)
    assert cos[same & off_diag].mean() > cos[~same].mean() + 0.2
    # Nearest centroid of the other samples tells holding from not holding.
    for i in range(len(holding)):
        rest = np.arange(len(holding)) != i
        centroids = [pooled[rest & (holding == h)].mean(0)
                     for h in (False, True)]
        assert bool(np.argmax([pooled[i] @ c for c in centroids])) == \
            holding[i]


def test_deterministic(dataset, tmp_path):
    root, _, content = dataset
    again = gen.make_demo_dataset(str(tmp_path / 'again'), seed=SEED,
                                  num_train=NUM_TRAIN, num_val=NUM_VAL,
                                  progress=False)
    with open(again, 'rb') as f:
        content2 = pickle.load(f)
    assert content2['split'] == content['split']
    for a, b in zip(content['annotations'], content2['annotations']):
        assert a.keys() == b.keys()
        for key in a:
            np.testing.assert_array_equal(a[key], b[key])
    assert digests(root) == digests(str(tmp_path / 'again'))
    # Another seed gives other samples; more samples keep the first ones.
    other = gen.make_demo_dataset(str(tmp_path / 'other'), seed=SEED + 1,
                                  num_train=4, num_val=4, progress=False)
    with open(other, 'rb') as f:
        content3 = pickle.load(f)
    kp_a = content['annotations'][0]['keypoint']
    kp_b = content3['annotations'][0]['keypoint']
    assert kp_a.shape != kp_b.shape or not np.allclose(kp_a, kp_b)
    val_a = {a['frame_dir']: a for a in content['annotations']}
    val_b = gen.build_annotation('val', 1, seed=SEED)
    np.testing.assert_array_equal(val_b['keypoint'],
                                  val_a[val_b['frame_dir']]['keypoint'])


def test_resume_rewrites_only_missing_files(tmp_path):
    root = str(tmp_path / 'demo')
    gen.make_demo_dataset(root, seed=3, num_train=4, num_val=4,
                          progress=False)
    before = digests(root)
    mtimes = {p: os.stat(osp.join(root, p)).st_mtime_ns for p in before}
    victim = sorted(p for p in before if p.startswith('videos'))[2]
    os.remove(osp.join(root, victim))
    os.remove(osp.join(root, 'demo_ntu25.pkl'))
    gen.make_demo_dataset(root, seed=3, num_train=4, num_val=4,
                          progress=False)
    assert digests(root) == before
    for path, mtime in mtimes.items():
        changed = os.stat(osp.join(root, path)).st_mtime_ns != mtime
        if path.startswith(('videos', 'text_features')):
            assert changed == (path == victim), path

    # A run with another seed into the same folder remakes every sample.
    gen.make_demo_dataset(root, seed=4, num_train=4, num_val=4,
                          progress=False)
    fresh = str(tmp_path / 'fresh')
    gen.make_demo_dataset(fresh, seed=4, num_train=4, num_val=4,
                          progress=False)
    assert digests(root) == digests(fresh)


def test_cli(tmp_path):
    out = str(tmp_path / 'cli')
    load_tool().main(['--out-dir', out, '--seed', '2', '--num-train', '4',
                      '--num-val', '4', '--num-workers', '2'])
    with open(osp.join(out, 'demo_ntu25.pkl'), 'rb') as f:
        content = pickle.load(f)
    assert len(content['annotations']) == 8
    assert len(os.listdir(osp.join(out, 'videos'))) == 8
    # worker processes write the same files as this process
    serial = str(tmp_path / 'serial')
    gen.make_demo_dataset(serial, seed=2, num_train=4, num_val=4,
                          progress=False)
    assert digests(out) == digests(serial)
    with pytest.raises(ValueError):
        gen.make_demo_dataset(str(tmp_path / 'bad'), num_train=0)
