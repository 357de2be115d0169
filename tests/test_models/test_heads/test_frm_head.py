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
    expected = vectors.flatten(1) if fusion == 'concat' else vectors.mean(1)
    unify = head.unify(expected)
    torch.testing.assert_close(head.text_weights(vectors),
                               head.weight_fc(unify).softmax(dim=1))
    # (N, P, L, D) tokens with a (N, P, L) mask pool per prompt first
    tokens = torch.cat([vectors.unsqueeze(2), torch.randn(6, 2, 3, 3)],
                       dim=2)
    mask = torch.zeros(6, 2, 4, dtype=torch.bool)
    mask[..., 0] = True
    torch.testing.assert_close(head.text_weights(tokens, mask),
                               head.text_weights(vectors))


def test_concat_depends_on_prompt_order_mean_does_not():
    torch.manual_seed(0)
    vectors = torch.randn(4, 2, 3)
    swapped = vectors.flip(1)
    concat = FRMHead(text_channels=3, num_classes=2, num_prompts=2)
    mean = FRMHead(text_channels=3, num_classes=2, num_prompts=2,
                   prompt_fusion='mean')
    assert not torch.allclose(concat.text_weights(vectors),
                              concat.text_weights(swapped))
    torch.testing.assert_close(mean.text_weights(vectors),
                               mean.text_weights(swapped))


def test_binary_answer_variant_is_a_two_channel_vector():
    head = FRMHead(text_channels=2, num_classes=5)
    onehots = torch.tensor([[1., 0.], [0., 1.], [1., 0.]])
    loss = head.loss(torch.randn(3, 5), onehots, None,
                     torch.tensor([0, 1, 2]))
    assert loss['loss_refine'].ndim == 0
    # the same answer gives the same weights
    weights = head.text_weights(onehots)
    torch.testing.assert_close(weights[0], weights[2])


def test_prompt_shape_errors():
    head = FRMHead(text_channels=3, num_classes=2, num_prompts=2)
    with pytest.raises(ValueError, match=r'\(N, 2, D\) or \(N, 2, L, D\)'):
        head(torch.randn(4, 2), torch.randn(4, 3, 3))
    with pytest.raises(ValueError, match='some samples lack prompts'):
        head(torch.randn(2, 2), torch.randn(2, 2, 3),
             torch.tensor([[True, True], [True, False]]))
    with pytest.raises(ValueError, match='prompt_fusion'):
        FRMHead(text_channels=3, num_classes=2, prompt_fusion='max')
    with pytest.raises(ValueError, match='num_prompts'):
        FRMHead(text_channels=3, num_classes=2, num_prompts=0)
