import pytest
import torch

from mmcl_plugin.models.heads import FRMHead
from mmcl_plugin.models.heads.frm_head import masked_mean


def test_unit_class_matrices_leave_scores_unchanged():
    torch.manual_seed(0)
    head = FRMHead(text_channels=16, num_classes=7, num_weights=3)
    scores = torch.randn(5, 7)
    text = torch.randn(5, 4, 16)
    refined = head(scores, text)
    # M_k = 1 and the weights sum to 1, so S_R = S_M for any weights
    torch.testing.assert_close(refined, scores)
    weights = head.text_weights(text)
    assert weights.shape == (5, 3)
    torch.testing.assert_close(weights.sum(1), torch.ones(5))


def test_refined_scores_follow_the_formula():
    torch.manual_seed(0)
    head = FRMHead(text_channels=8, num_classes=4, num_weights=2)
    with torch.no_grad():
        head.class_matrices.copy_(torch.randn(2, 4))
    scores = torch.randn(3, 4)
    text = torch.randn(3, 2, 8)
    w = head.text_weights(text)
    expected = sum(w[:, k:k + 1] * (head.class_matrices[k] * scores)
                   for k in range(2))
    torch.testing.assert_close(head(scores, text), expected)


def test_masked_mean_ignores_padding():
    tokens = torch.tensor([[[1., 1.], [3., 3.], [100., 100.]]])
    mask = torch.tensor([[True, True, False]])
    torch.testing.assert_close(masked_mean(tokens, mask),
                               torch.tensor([[2., 2.]]))
    torch.testing.assert_close(
        masked_mean(tokens), torch.tensor([[104. / 3, 104. / 3]]))


def test_padding_does_not_change_the_weights():
    torch.manual_seed(0)
    head = FRMHead(text_channels=4, num_classes=3)
    text = torch.randn(1, 2, 4)
    padded = torch.cat([text, torch.randn(1, 3, 4)], dim=1)
    mask = torch.tensor([[True, True, False, False, False]])
    torch.testing.assert_close(
        head.text_weights(text), head.text_weights(padded, mask))


def test_single_vector_features_and_width_check():
    head = FRMHead(text_channels=6, num_classes=3)
    assert head(torch.randn(2, 3), torch.randn(2, 6)).shape == (2, 3)
    with pytest.raises(ValueError, match='text_channels=6'):
        head(torch.randn(2, 3), torch.randn(2, 4, 5))
    with pytest.raises(ValueError, match='num_classes'):
        FRMHead(text_channels=6)


def test_loss_is_weighted_cross_entropy_and_trains_matrices():
    torch.manual_seed(0)
    head = FRMHead(text_channels=4, num_classes=3)
    scores = torch.randn(4, 3, requires_grad=True)
    labels = torch.tensor([0, 1, 2, 1])
    loss = head.loss(scores, torch.randn(4, 2, 4), None, labels)
    expected = 0.2 * torch.nn.functional.cross_entropy(scores, labels)
    torch.testing.assert_close(loss['loss_refine'], expected)
    loss['loss_refine'].backward()
    assert head.class_matrices.grad.abs().sum() > 0
    assert scores.grad.abs().sum() > 0
    with pytest.raises(ValueError, match='LoadTextFeature'):
        head.loss(scores, None, None, labels)
