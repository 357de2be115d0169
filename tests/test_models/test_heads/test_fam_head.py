import pytest
import torch

from mmcl_plugin.models.heads import FAMHead


ENCODER = dict(
    type='mmpretrain.ResNet', depth=18, stem_channels=8, base_channels=8)


def test_strip_feature_shape_and_gradients():
    head = FAMHead(encoder_channels=64, feat_channels=32,
                   image_encoder=ENCODER, hidden_channels=16)
    strips = torch.randn(4, 3, 32, 96)
    assert head(strips).shape == (4, 32)
    skeleton = torch.randn(4, 32, requires_grad=True)
    loss = head.loss(skeleton, strips)['loss_align']
    loss.backward()
    assert skeleton.grad.abs().sum() > 0
    assert head.image_encoder.conv1.weight.grad.abs().sum() > 0
    assert head.align_mlp[0].weight.grad.abs().sum() > 0


def test_frozen_encoder_gets_no_gradient_and_stays_in_eval():
    head = FAMHead(encoder_channels=64, feat_channels=32,
                   image_encoder=ENCODER, frozen=True)
    head.train()
    assert not head.image_encoder.training
    loss = head.loss(torch.randn(2, 32), torch.randn(2, 3, 32, 64))
    loss['loss_align'].backward()
    assert all(p.grad is None for p in head.image_encoder.parameters())
    assert head.align_mlp[2].weight.grad is not None


def test_cached_features_match_online_encoding():
    head = FAMHead(encoder_channels=64, feat_channels=32,
                   image_encoder=ENCODER, frozen=True).eval()
    strips = torch.randn(3, 3, 32, 64)
    cached = head.encode_strips(strips)
    torch.testing.assert_close(head(strip_features=cached), head(strips))


def test_cache_only_head_and_errors():
    head = FAMHead(encoder_channels=10, feat_channels=4, frozen=True)
    assert head(strip_features=torch.randn(2, 10)).shape == (2, 4)
    with pytest.raises(RuntimeError, match='no image_encoder'):
        head(strips=torch.randn(2, 3, 8, 8))
    with pytest.raises(ValueError, match='BuildFrameStrip'):
        head()
    with pytest.raises(ValueError, match='image_encoder'):
        FAMHead(encoder_channels=10, feat_channels=4)
    trainable = FAMHead(encoder_channels=64, feat_channels=4,
                        image_encoder=ENCODER)
    with pytest.raises(ValueError, match='frozen=True'):
        trainable(strip_features=torch.randn(2, 64))
