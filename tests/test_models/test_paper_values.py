"""The paper's values, pinned: F_G pooling and the code defaults.

MMCL (ACM MM 2024): F_G is the skeleton feature map averaged over time and
joints, then over persons (the release's ``FAM_Aligh``:
``x.mean(2).mean(2).reshape(N, M, C).mean(1)``); the loss is
``CE(S_M) + 0.1 L_align + 0.2 CE(S_R)`` with the InfoNCE temperature 0.4
and K = 2 class vectors. Each test fails if one of these drifts (a max
instead of a mean, the first person only, a changed default weight).
"""
import inspect

import pytest
import torch
import torch.nn as nn
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample

from mmcl_plugin.models.recognizers import global_skeleton_feature
from mmcl_plugin.models.heads import FAMHead, FRMHead
from mmcl_plugin.models.losses import SymmetricInfoNCELoss, info_nce

pytestmark = pytest.mark.numerics

LAMBDA1, LAMBDA2, TAU, NUM_WEIGHTS = 0.1, 0.2, 0.4, 2


def hand_built_feature_map() -> torch.Tensor:
    """(N=2, M=2, C=2, T=2, V=2) where the mean over (T, V) then persons,
    the max over (T, V), the first person alone and a max over persons all
    give different vectors."""
    sample0 = [
        # person 0: channel means 3, 1; maxima 6, 4
        [[[1., 2.], [3., 6.]], [[0., 0.], [0., 4.]]],
        # person 1: channel means 5, 3; maxima 5, 6
        [[[5., 5.], [5., 5.]], [[2., 2.], [2., 6.]]],
    ]
    sample1 = [
        # person 0: means -1, 2; person 1 (padding, all zero): 0, 0
        [[[-4., 0.], [0., 0.]], [[8., 0.], [0., 0.]]],
        [[[0., 0.], [0., 0.]], [[0., 0.], [0., 0.]]],
    ]
    return torch.tensor([sample0, sample1])


#: F_G of :func:`hand_built_feature_map`, computed by hand.
EXPECTED_FG = torch.tensor([[4.0, 2.0], [-0.5, 1.0]])


def test_fg_is_the_mean_over_time_joints_then_persons():
    feats = hand_built_feature_map()
    fg = global_skeleton_feature(feats)
    torch.testing.assert_close(fg, EXPECTED_FG)
    # the wrong poolings give other values on this tensor
    wrong = {
        'max over T, V': feats.amax(dim=(3, 4)).mean(dim=1),
        'first person': feats[:, 0].mean(dim=(2, 3)),
        'max over persons': feats.mean(dim=(3, 4)).amax(dim=1),
    }
    for name, value in wrong.items():
        assert not torch.allclose(value, EXPECTED_FG), name


class FixedBackbone(nn.Module):
    """Returns the hand-built feature map, whatever the skeletons."""

    def __init__(self) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.ones(()))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return hand_built_feature_map() * self.scale


def test_fam_head_receives_fg_inside_the_recognizer():
    model = MODELS.build(
        dict(
            type='MMCLRecognizer',
            backbone=dict(
                type='STGCN',
                graph_cfg=dict(layout='nturgb+d', mode='spatial'),
                base_channels=8,
                num_stages=1),
            cls_head=dict(type='GCNHead', num_classes=3, in_channels=2),
            fam_head=dict(type='FAMHead', encoder_channels=4, frozen=True),
            data_preprocessor=dict(type='MMCLDataPreprocessor')))
    model.backbone = FixedBackbone()
    received = {}

    def spy(skeleton_feat, frame_strips=None, strip_features=None):
        received['fg'] = skeleton_feat.detach().clone()
        return dict(loss_align=skeleton_feat.sum() * 0)

    model.fam_head.loss = spy
    samples = [ActionDataSample().set_gt_label(i) for i in range(2)]
    inputs = torch.zeros(2, 1, 2, 4, 25, 3)
    model.train()
    model.loss(inputs, samples, strip_features=torch.zeros(2, 4))
    torch.testing.assert_close(received['fg'], EXPECTED_FG)


def test_code_defaults_are_the_papers():
    fam_default = inspect.signature(FAMHead).parameters['loss_align'].default
    assert fam_default == dict(
        type='SymmetricInfoNCELoss', temperature=TAU, loss_weight=LAMBDA1)
    frm_params = inspect.signature(FRMHead).parameters
    assert frm_params['loss_refine'].default == dict(
        type='CrossEntropyLoss', loss_weight=LAMBDA2)
    assert frm_params['num_weights'].default == NUM_WEIGHTS

    loss = SymmetricInfoNCELoss()
    assert (loss.temperature, loss.loss_weight) == (TAU, LAMBDA1)
    # the built heads carry them too
    fam = FAMHead(encoder_channels=4, feat_channels=4, frozen=True)
    assert (fam.loss_align.temperature,
            fam.loss_align.loss_weight) == (TAU, LAMBDA1)
    frm = FRMHead(text_channels=4, num_classes=3)
    assert frm.loss_refine.loss_weight == LAMBDA2
    assert frm.class_matrices.shape == (NUM_WEIGHTS, 3)
    torch.testing.assert_close(frm.class_matrices, torch.ones(2, 3))


@pytest.mark.float64
def test_default_losses_are_weighted_as_in_the_paper():
    """loss_align = 0.1 * InfoNCE(tau 0.4), loss_refine = 0.2 * CE(S_R).

    float64: the same sums in another order differ by < 100 eps64 of the
    loss (4 x 8 logits, 3 classes), so rel=1e-12 separates rounding from a
    wrong weight (which is off by >= 50 %)."""
    torch.manual_seed(0)
    fam = FAMHead(encoder_channels=6, feat_channels=4, frozen=True)
    frm = FRMHead(text_channels=5, num_classes=3)
    fg = torch.randn(4, 4)
    cached = torch.randn(4, 6)
    fc = fam(strip_features=cached)
    expected_align = 0.5 * (info_nce(fg, fc, 0.4) + info_nce(fc, fg, 0.4))
    assert fam.loss(fg, strip_features=cached)['loss_align'].item() == \
        pytest.approx(LAMBDA1 * expected_align.mean().item(), rel=1e-12)

    scores, text = torch.randn(4, 3), torch.randn(4, 1, 1, 5)  # (N, P, L, D)
    labels = torch.tensor([0, 1, 2, 0])
    refined = frm(scores, text)
    expected_refine = nn.functional.cross_entropy(refined, labels)
    assert frm.loss(scores, text, None, labels)['loss_refine'].item() == \
        pytest.approx(LAMBDA2 * expected_refine.item(), rel=1e-12)
