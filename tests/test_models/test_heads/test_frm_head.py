import math

import numpy as np
import pytest
import torch

from mmcl_plugin.models.heads import FRMHead
from mmcl_plugin.models.heads.frm_head import masked_mean
from numerics import assert_within_rounding


def one_prompt(tokens):
    """(N, L, D) tokens of one prompt as the head's (N, 1, L, D)."""
    return tokens.unsqueeze(1)


def test_unit_class_matrices_leave_scores_unchanged():
    torch.manual_seed(0)
    head = FRMHead(text_channels=16, num_classes=7, num_weights=3)
    scores = torch.randn(5, 7)
    text = torch.randn(5, 1, 4, 16)
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
    text = torch.randn(3, 1, 2, 8)
    w = head.text_weights(text)
    expected = sum(w[:, k:k + 1] * (head.class_matrices[k] * scores)
                   for k in range(2))
    torch.testing.assert_close(head(scores, text), expected)


def test_one_prompt_refinement_by_hand():
    """S_R of one prompt, every step written out with literal numbers:
    masked token mean -> Phi (Linear, ReLU) -> softmax weights over K = 2
    -> S_M * (w @ M)."""
    head = FRMHead(text_channels=2, num_classes=3, hidden_channels=2,
                   num_weights=2)
    with torch.no_grad():
        head.unify[0].weight.copy_(torch.tensor([[1., 0.], [0., -1.]]))
        head.unify[0].bias.copy_(torch.tensor([0., 1.]))
        head.weight_fc.weight.copy_(torch.tensor([[1., 0.], [0., 0.]]))
        head.weight_fc.bias.zero_()
        head.class_matrices.copy_(torch.tensor([[2., 1., 0.], [0., 1., 4.]]))
    # tokens (1, 3), (3, 5) and a padded token: mean (2, 4)
    tokens = torch.tensor([[[[1., 3.], [3., 5.], [100., -100.]]]])
    mask = torch.tensor([[[True, True, False]]])
    scores = torch.tensor([[1., -2., 0.5]])
    # Phi: relu((2, -4 + 1)) = (2, 0); logits (2, 0)
    w0 = math.exp(2) / (math.exp(2) + 1)
    w1 = 1 - w0
    # w @ M = (2 w0, w0 + w1, 4 w1) = (2 w0, 1, 4 w1)
    expected = torch.tensor([[2 * w0, -2., 0.5 * 4 * w1]])
    torch.testing.assert_close(head(scores, tokens, mask), expected)
    torch.testing.assert_close(head.text_weights(tokens, mask),
                               torch.tensor([[w0, w1]]))


def test_one_prompt_matches_a_numpy_reference():
    """The same pipeline recomputed in numpy from the head's parameters,
    for a batch with padded tokens."""
    torch.manual_seed(0)
    head = FRMHead(text_channels=5, num_classes=4, hidden_channels=6,
                   num_weights=3)
    with torch.no_grad():
        head.class_matrices.uniform_(0.5, 2.0)
    tokens = torch.randn(3, 1, 4, 5)
    mask = torch.tensor([[[1, 1, 1, 1]], [[1, 1, 0, 0]], [[1, 0, 0, 0]]],
                        dtype=torch.bool)
    scores = torch.randn(3, 4)
    p = {k: v.detach().double().numpy() for k, v in head.named_parameters()}
    t, m = tokens.double().numpy()[:, 0], mask.numpy()[:, 0]
    pooled = np.stack([t[i][m[i]].mean(0) for i in range(3)])
    hidden = np.maximum(pooled @ p['unify.0.weight'].T + p['unify.0.bias'],
                        0)
    logits = hidden @ p['weight_fc.weight'].T + p['weight_fc.bias']
    w = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    expected = scores.double().numpy() * (w @ p['class_matrices'])
    np.testing.assert_allclose(
        head(scores, tokens, mask).detach().numpy(), expected, rtol=1e-5,
        atol=1e-6)


def test_masked_mean_ignores_padding():
    tokens = torch.tensor([[[1., 1.], [3., 3.], [100., 100.]]])
    mask = torch.tensor([[True, True, False]])
    torch.testing.assert_close(masked_mean(tokens, mask),
                               torch.tensor([[2., 2.]]))
    torch.testing.assert_close(
        masked_mean(tokens), torch.tensor([[104. / 3, 104. / 3]]))


def test_padded_tokens_do_not_change_the_refined_scores():
    torch.manual_seed(0)
    head = FRMHead(text_channels=4, num_classes=3)
    with torch.no_grad():
        head.class_matrices.uniform_(0.5, 2.0)
    scores = torch.randn(1, 3)
    text = torch.randn(1, 1, 2, 4)
    padded = torch.cat([text, 50 * torch.randn(1, 1, 3, 4)], dim=2)
    mask = torch.tensor([[[True, True, False, False, False]]])
    torch.testing.assert_close(head(scores, text), head(scores, padded, mask))
    # unmasked, the same padding does change them
    assert not torch.allclose(head(scores, text), head(scores, padded))


def test_single_vector_features_are_one_token():
    head = FRMHead(text_channels=6, num_classes=3)
    vectors = torch.randn(2, 6)
    tokens = vectors[:, None, None]  # (N, P=1, L=1, D)
    torch.testing.assert_close(head.pool_prompts(tokens), vectors[:, None])
    assert head(torch.randn(2, 3), tokens).shape == (2, 3)


def test_token_id_vector_preset_is_one_prompt_of_one_token():
    """The official FRM input, a (1, 3) vector of answer-token ids, is
    P = 1, L = 1, D = 3."""
    head = FRMHead(text_channels=3, num_classes=4)
    ids = torch.tensor([[[[2748., 1010., 102.]]], [[[2053., 1010., 102.]]]])
    torch.testing.assert_close(head.pool_prompts(ids), ids[:, :, 0])
    expected = head.weight_fc(head.unify(ids[:, 0, 0])).softmax(dim=1)
    torch.testing.assert_close(head.text_weights(ids), expected)


def test_shape_errors_are_clear():
    head = FRMHead(text_channels=6, num_classes=3)
    for shape in [(2, 6), (2, 4, 6), (2, 1, 1, 1, 6)]:
        with pytest.raises(ValueError, match=r'\(N, P, L, D\)'):
            head(torch.randn(2, 3), torch.randn(*shape))
    with pytest.raises(ValueError, match='text_channels=6'):
        head(torch.randn(2, 3), torch.randn(2, 1, 4, 5))
    with pytest.raises(ValueError, match='P=2 prompts.*num_prompts=1'):
        head(torch.randn(2, 3), torch.randn(2, 2, 4, 6))
    with pytest.raises(ValueError, match=r'mask of shape \(2, 4\)'):
        head(torch.randn(2, 3), torch.randn(2, 1, 4, 6),
             torch.ones(2, 4, dtype=torch.bool))
    mask = torch.ones(2, 1, 4, dtype=torch.bool)
    mask[1] = False
    with pytest.raises(ValueError, match='no valid token'):
        head(torch.randn(2, 3), torch.randn(2, 1, 4, 6), mask)
    with pytest.raises(ValueError, match='num_classes'):
        FRMHead(text_channels=6)


def test_loss_is_weighted_cross_entropy_and_trains_matrices():
    torch.manual_seed(0)
    head = FRMHead(text_channels=4, num_classes=3)
    scores = torch.randn(4, 3, requires_grad=True)
    labels = torch.tensor([0, 1, 2, 1])
    loss = head.loss(scores, torch.randn(4, 1, 2, 4), None, labels)
    expected = 0.2 * torch.nn.functional.cross_entropy(scores, labels)
    torch.testing.assert_close(loss['loss_refine'], expected)
    loss['loss_refine'].backward()
    assert head.class_matrices.grad.abs().sum() > 0
    assert scores.grad.abs().sum() > 0
    with pytest.raises(ValueError, match='LoadTextFeature'):
        head.loss(scores, None, None, labels)


# ------------------------------------------------------ several prompts
def test_masked_mean_over_prompts_and_tokens():
    tokens = torch.tensor([[[[1., 1.], [3., 3.]], [[5., 5.], [9., 9.]]]])
    mask = torch.tensor([[[True, True], [True, False]]])
    torch.testing.assert_close(masked_mean(tokens, mask),
                               torch.tensor([[[2., 2.], [5., 5.]]]))


@pytest.mark.parametrize('fusion,width', [('concat', 6), ('mean', 3)])
def test_prompt_fusion(fusion, width):
    torch.manual_seed(0)
    head = FRMHead(text_channels=3, num_classes=4, num_prompts=2,
                   prompt_fusion=fusion, hidden_channels=5)
    assert head.unify[0].in_features == width
    vectors = torch.randn(6, 2, 3)
    fused = vectors.flatten(1) if fusion == 'concat' else vectors.mean(1)
    expected = head.weight_fc(head.unify(fused)).softmax(dim=1)
    # one vector per prompt (L = 1)
    torch.testing.assert_close(head.text_weights(vectors.unsqueeze(2)),
                               expected)
    # tokens of different lengths per prompt pool per prompt first: the
    # vector, then padding
    tokens = torch.cat([vectors.unsqueeze(2), torch.randn(6, 2, 3, 3)],
                       dim=2)
    mask = torch.zeros(6, 2, 4, dtype=torch.bool)
    mask[..., 0] = True
    torch.testing.assert_close(head.text_weights(tokens, mask), expected)


def test_concat_depends_on_prompt_order_mean_does_not():
    torch.manual_seed(0)
    tokens = torch.randn(4, 2, 3, 3)
    mask = torch.ones(4, 2, 3, dtype=torch.bool)
    mask[:, 1, 2] = False
    swapped, swapped_mask = tokens.flip(1), mask.flip(1)
    concat = FRMHead(text_channels=3, num_classes=2, num_prompts=2)
    mean = FRMHead(text_channels=3, num_classes=2, num_prompts=2,
                   prompt_fusion='mean')
    assert not torch.allclose(concat.text_weights(tokens, mask),
                              concat.text_weights(swapped, swapped_mask))
    torch.testing.assert_close(mean.text_weights(tokens, mask),
                               mean.text_weights(swapped, swapped_mask))


def test_binary_answer_variant_is_a_two_channel_vector():
    head = FRMHead(text_channels=2, num_classes=5)
    onehots = torch.tensor([[1., 0.], [0., 1.], [1., 0.]])[:, None, None]
    loss = head.loss(torch.randn(3, 5), onehots, None,
                     torch.tensor([0, 1, 2]))
    assert loss['loss_refine'].ndim == 0
    # the same answer gives the same weights
    weights = head.text_weights(onehots)
    torch.testing.assert_close(weights[0], weights[2])


def test_prompt_count_and_config_errors():
    head = FRMHead(text_channels=3, num_classes=2, num_prompts=2)
    with pytest.raises(ValueError, match='P=1 prompts.*num_prompts=2'):
        head(torch.randn(4, 2), torch.randn(4, 1, 5, 3))
    with pytest.raises(ValueError, match='prompt_fusion'):
        FRMHead(text_channels=3, num_classes=2, prompt_fusion='max')
    with pytest.raises(ValueError, match='num_prompts'):
        FRMHead(text_channels=3, num_classes=2, num_prompts=0)


def test_parameters_keep_their_names_and_shapes():
    """Configs and checkpoints (and the official converter's --with-frm)
    rely on them."""
    head = FRMHead(text_channels=6, num_classes=5, hidden_channels=8,
                   num_weights=3, num_prompts=2)
    assert {k: tuple(v.shape) for k, v in head.state_dict().items()} == {
        'unify.0.weight': (8, 12),
        'unify.0.bias': (8, ),
        'weight_fc.weight': (3, 8),
        'weight_fc.bias': (3, ),
        'class_matrices': (3, 5),
    }


@pytest.mark.float64
@pytest.mark.numerics
def test_phi_gets_no_gradient_until_the_class_vectors_differ():
    """With M_k = 1 (the init) S_R = S_M * (w @ M) = S_M for any weights w,
    so the exact gradient of Phi (unify, weight_fc) is zero at the first
    step; once the class vectors differ, Phi trains."""
    torch.manual_seed(0)
    head = FRMHead(text_channels=16, num_classes=7, num_weights=2,
                   hidden_channels=32)
    scores = 5 * torch.randn(8, 7)
    text = torch.randn(8, 1, 4, 16)
    labels = torch.arange(8) % 7
    head.loss(scores, text, None, labels)['loss_refine'].backward()
    matrices = float(head.class_matrices.grad.abs().max())
    assert matrices > 1e-3
    # rounding only: 32 hidden x 7 classes x 8 samples terms, on the
    # scale of the class vectors' gradient x the largest hidden feature
    hidden = float(head.unify(text.mean(2).flatten(1)).abs().max())
    for name in ('weight_fc.weight', 'weight_fc.bias', 'unify.0.weight'):
        grad = head.get_parameter(name).grad
        assert_within_rounding(grad, torch.zeros_like(grad),
                               terms=32 * 7 * 8,
                               scale=matrices * max(hidden, 1.), msg=name)
    head.zero_grad()
    with torch.no_grad():
        head.class_matrices.uniform_(0.5, 1.5)
    head.loss(scores, text, None, labels)['loss_refine'].backward()
    for name in ('weight_fc.weight', 'weight_fc.bias', 'unify.0.weight'):
        assert head.get_parameter(name).grad.abs().max() > 1e-3, name
