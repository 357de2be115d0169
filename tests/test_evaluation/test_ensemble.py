"""Score fusion, weight search and score-dump checks."""
import pickle

import numpy as np
import pytest
import torch

from mmcl_tools.evaluation import (ScoreDump, check_same_samples,
                                   load_score_dump, save_score_dump)
from mmcl_tools.evaluation import accuracy_report
from mmcl_tools.evaluation import (fuse_scores, scores_to_fuse, search_weights,
                                   simplex_grid)
from mmcl_tools.evaluation.metrics import topk_accuracy

pytestmark = pytest.mark.numerics

LABELS = np.array([0, 1, 2, 0])
JOINT = np.array([[0.6, 0.3, 0.1], [0.5, 0.4, 0.1], [0.2, 0.3, 0.5],
                  [0.3, 0.6, 0.1]])  # right: samples 0, 2
BONE = np.array([[0.4, 0.5, 0.1], [0.1, 0.8, 0.1], [0.1, 0.2, 0.7],
                 [0.7, 0.2, 0.1]])  # right: samples 1, 2, 3


def write_dump(path, scores, labels, names=None, as_tensor=True, kind=None):
    """A dump as mmaction2's DumpResults writes it (tensors in dicts), with
    ``score_kind`` as tools/test.py's DumpScores records it when given."""
    samples = []
    for i, (s, y) in enumerate(zip(scores, labels)):
        sample = dict(
            pred_score=torch.tensor(s, dtype=torch.float32)
            if as_tensor else np.asarray(s),
            gt_label=torch.tensor([y]) if as_tensor else int(y),
            pred_label=torch.tensor([int(np.argmax(s))]))
        if names is not None:
            sample['frame_dir'] = names[i]
        if kind is not None:
            sample['score_kind'] = kind
        samples.append(sample)
    with open(path, 'wb') as f:
        pickle.dump(samples, f)
    return str(path)


def test_fusion_by_hand():
    assert topk_accuracy(JOINT, LABELS, 1) == 0.5
    assert topk_accuracy(BONE, LABELS, 1) == 0.75
    fused = fuse_scores([JOINT, BONE], [0.6, 0.4])
    np.testing.assert_allclose(fused[3], [0.46, 0.44, 0.1])
    assert topk_accuracy(fused, LABELS, 1) == 1.0
    # joint-heavy weights lose samples 1 and 3: (0.46 vs 0.44 for class 0
    # on sample 1, 0.34 vs 0.56 for class 1 on sample 3)
    heavy = fuse_scores([JOINT, BONE], [0.9, 0.1])
    np.testing.assert_allclose(heavy[1], [0.46, 0.44, 0.1])
    assert topk_accuracy(heavy, LABELS, 1) == 0.5
    report = accuracy_report(fused, LABELS)
    assert report['mean_class'] == 1.0 and report['top5'] == 1.0
    assert accuracy_report(BONE, LABELS)['mean_class'] == \
        pytest.approx((0.5 + 1 + 1) / 3)


def test_fusion_rejects_bad_weights():
    with pytest.raises(ValueError, match='2 weights for 1 streams'):
        fuse_scores([JOINT], [1, 1])
    with pytest.raises(ValueError, match='not all 0'):
        fuse_scores([JOINT, BONE], [0, 0])
    with pytest.raises(ValueError, match='>= 0'):
        fuse_scores([JOINT, BONE], [1, -1])
    with pytest.raises(ValueError, match='different shapes'):
        fuse_scores([JOINT, BONE[:3]], [1, 1])


def test_simplex_grid():
    grid = simplex_grid(3, 0.5)
    assert grid.shape == (6, 3)
    np.testing.assert_allclose(grid.sum(1), 1)
    assert {tuple(r) for r in grid} == {
        (1, 0, 0), (0, 1, 0), (0, 0, 1), (.5, .5, 0), (.5, 0, .5),
        (0, .5, .5)}
    assert len(simplex_grid(4, 0.1)) == 286  # C(13, 3)
    assert simplex_grid(1, 0.25).tolist() == [[1.0]]
    with pytest.raises(ValueError, match='1 / step'):
        simplex_grid(2, 0.3)


def test_search_finds_the_grid_optimum_closest_to_uniform():
    weights, accuracy = search_weights([JOINT, BONE], LABELS, 0.1)
    assert accuracy == 1.0
    np.testing.assert_allclose(weights, [0.5, 0.5])  # ties -> uniform
    # only the bone stream is right on this split: bone-heavy weights win
    labels = np.array([1, 1, 2, 0])
    weights, accuracy = search_weights([JOINT, BONE], labels, 0.1)
    assert accuracy == 1.0
    assert topk_accuracy(fuse_scores([JOINT, BONE], weights), labels,
                         1) == 1.0
    best = max(topk_accuracy(fuse_scores([JOINT, BONE], w), labels, 1)
               for w in simplex_grid(2, 0.1))
    assert accuracy == best
    assert weights[1] > weights[0]


def test_scores_are_fused_as_probabilities_or_logits():
    logits = np.array([[2.0, 0.0], [0.0, 0.0]])
    dump = ScoreDump('l.pkl', logits, np.array([0, 1]), None, 'logits')
    probs = scores_to_fuse(dump, 'probs')
    np.testing.assert_allclose(probs.sum(1), 1)
    assert probs[0, 0] == pytest.approx(np.exp(2) / (np.exp(2) + 1))
    assert scores_to_fuse(dump, 'logits') is logits
    prob_dump = dump._replace(path='p.pkl', scores=probs, kind='probs')
    assert scores_to_fuse(prob_dump, 'probs') is probs
    with pytest.raises(ValueError, match=r'p\.pkl holds probabilities.*'
                       '--dump-kind logits'):
        scores_to_fuse(prob_dump, 'logits')
    with pytest.raises(ValueError, match='fuse must be one of'):
        scores_to_fuse(dump, 'softmax')


def test_dumps_load_and_disagreements_name_the_file(tmp_path):
    names = ['a', 'b', 'c', 'd']
    joint = load_score_dump(write_dump(tmp_path / 'j.pkl', JOINT, LABELS,
                                       names))
    np.testing.assert_allclose(joint.scores, JOINT, rtol=1e-6)
    assert joint.labels.tolist() == LABELS.tolist()
    assert joint.names == names
    plain = load_score_dump(write_dump(tmp_path / 'p.pkl', BONE, LABELS,
                                       as_tensor=False))
    assert plain.names is None
    check_same_samples([joint, plain])

    short = load_score_dump(write_dump(tmp_path / 's.pkl', BONE[:3],
                                       LABELS[:3]))
    with pytest.raises(ValueError, match=r's\.pkl has 3 samples but .*j\.pkl'
                       ' has 4'):
        check_same_samples([joint, short])
    other = load_score_dump(write_dump(tmp_path / 'o.pkl', BONE,
                                       [0, 2, 2, 0]))
    with pytest.raises(ValueError, match=r'o\.pkl: labels disagree .* 1 '
                       r'samples \(first: sample 1'):
        check_same_samples([joint, other])
    order = load_score_dump(write_dump(tmp_path / 'r.pkl', BONE, LABELS,
                                       ['a', 'c', 'b', 'd']))
    with pytest.raises(ValueError, match=r"r\.pkl: sample 1 is 'c'"):
        check_same_samples([joint, order])


def test_malformed_dumps_are_reported(tmp_path):
    bad = tmp_path / 'nan.pkl'
    write_dump(bad, [[np.nan, 1.0]], [0])
    with pytest.raises(ValueError, match=r'nan\.pkl: sample 0: pred_score'):
        load_score_dump(str(bad))
    with open(tmp_path / 'nokey.pkl', 'wb') as f:
        pickle.dump([dict(gt_label=0)], f)
    with pytest.raises(ValueError, match=r"nokey\.pkl: sample 0 has none of "
                       r"\['pred_score'"):
        load_score_dump(str(tmp_path / 'nokey.pkl'))
    write_dump(tmp_path / 'lab.pkl', [[0.1, 0.9]], [2])
    with pytest.raises(ValueError, match='gt_label 2 is outside 0..1'):
        load_score_dump(str(tmp_path / 'lab.pkl'))
    (tmp_path / 'junk.pkl').write_bytes(b'junk')
    with pytest.raises(ValueError, match='junk.pkl: cannot read'):
        load_score_dump(str(tmp_path / 'junk.pkl'))


def test_saved_dump_round_trips(tmp_path):
    path = str(tmp_path / 'fused.pkl')
    save_score_dump(JOINT, LABELS, path, ['a', 'b', 'c', 'd'],
                    extra=dict(source_label=[5, 6, 7, 8]))
    dump = load_score_dump(path)
    np.testing.assert_allclose(dump.scores, JOINT, rtol=1e-6)
    assert dump.labels.tolist() == [0, 1, 2, 0]
    with open(path, 'rb') as f:
        assert pickle.load(f)[2]['source_label'] == 7
