"""Feature alignment module (FAM) of MMCL."""
from typing import Dict, Optional

import torch
import torch.nn as nn
from mmaction.registry import MODELS
from mmaction.utils import ConfigType, OptConfigType
from mmengine.model import BaseModule


def build_image_encoder(cfg: ConfigType) -> nn.Module:
    """Build an image encoder, e.g. any mmpretrain backbone.

    ``type='mmpretrain.ResNet'`` (or ``'mmpretrain.MobileNetV2'``, ...)
    imports mmpretrain's models first so that the scoped name resolves.
    """
    if isinstance(cfg.get('type'), str) and \
            cfg['type'].startswith('mmpretrain.'):
        import mmpretrain.models  # noqa: F401
    return MODELS.build(cfg)


def global_pool(feats) -> torch.Tensor:
    """Globally average the last output of an image encoder.

    Args:
        feats (torch.Tensor | tuple[torch.Tensor]): Encoder output, either a
            tensor or the tuple of stage outputs mmpretrain backbones return;
            the last entry of shape (N, C, H, W) or (N, C) is used.

    Returns:
        torch.Tensor: Pooled features of shape (N, C).
    """
    if isinstance(feats, (tuple, list)):
        feats = feats[-1]
    if feats.dim() > 2:
        feats = feats.flatten(2).mean(dim=2)
    return feats


@MODELS.register_module()
class FAMHead(BaseModule):
    """Encode the RGB frame strip and align it with the skeleton feature.

    A CNN ``theta`` encodes the normalised frame strip, global pooling and an
    MLP ``M_align`` (Linear -> ReLU -> Linear) map it to F_C, which a
    contrastive loss aligns with the skeleton feature F_G. Used in training
    only.

    Args:
        encoder_channels (int): Width of the pooled encoder output.
        feat_channels (int, optional): Width C of F_G and F_C. The MMCL
            recognizer fills it in from ``cls_head.in_channels``.
        image_encoder (dict, optional): Config of the image encoder. May be
            None only when ``frozen`` and cached strip features are given.
        hidden_channels (int): Hidden width of ``M_align``. Defaults to 512.
        frozen (bool): Keep the encoder fixed (eval mode, no gradient). Then
            cached encoder features (``strip_features``), written once by
            ``tools/extract_strip_features.py``, can replace the strips.
        loss_align (dict): Config of the contrastive loss.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 encoder_channels: int,
                 feat_channels: Optional[int] = None,
                 image_encoder: OptConfigType = None,
                 hidden_channels: int = 512,
                 frozen: bool = False,
                 loss_align: ConfigType = dict(
                     type='SymmetricInfoNCELoss',
                     temperature=0.4,
                     loss_weight=0.1),
                 init_cfg: OptConfigType = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if feat_channels is None:
            raise ValueError('FAMHead needs feat_channels (the width of the '
                             'skeleton feature F_G)')
        if image_encoder is None and not frozen:
            raise ValueError('FAMHead needs an image_encoder unless '
                             'frozen=True with cached strip features')
        self.frozen = frozen
        self.image_encoder = (
            build_image_encoder(image_encoder)
            if image_encoder is not None else None)
        if self.frozen and self.image_encoder is not None:
            self.image_encoder.requires_grad_(False)
        self.align_mlp = nn.Sequential(
            nn.Linear(encoder_channels, hidden_channels),
            nn.ReLU(inplace=True),
            nn.Linear(hidden_channels, feat_channels))
        self.loss_align = MODELS.build(loss_align)

    def train(self, mode: bool = True) -> 'FAMHead':
        """Keep a frozen encoder in eval mode (fixed BN statistics)."""
        super().train(mode)
        if self.frozen and self.image_encoder is not None:
            self.image_encoder.eval()
        return self

    def encode_strips(self, strips: torch.Tensor) -> torch.Tensor:
        """Encode normalised frame strips.

        Args:
            strips (torch.Tensor): Strips of shape (N, 3, H, W).

        Returns:
            torch.Tensor: Pooled encoder features of shape
            (N, encoder_channels).
        """
        if self.image_encoder is None:
            raise RuntimeError('FAMHead has no image_encoder: give cached '
                               'strip features instead of strips')
        with torch.set_grad_enabled(torch.is_grad_enabled()
                                    and not self.frozen):
            return global_pool(self.image_encoder(strips))

    def forward(self,
                strips: Optional[torch.Tensor] = None,
                strip_features: Optional[torch.Tensor] = None
                ) -> torch.Tensor:
        """Compute the strip feature F_C.

        Args:
            strips (torch.Tensor, optional): Strips (N, 3, H, W).
            strip_features (torch.Tensor, optional): Cached encoder features
                (N, encoder_channels); used instead of ``strips`` when the
                encoder is frozen.

        Returns:
            torch.Tensor: F_C of shape (N, feat_channels).
        """
        if strip_features is not None and self.frozen:
            encoded = strip_features
        elif strips is not None:
            encoded = self.encode_strips(strips)
        elif strip_features is not None:
            raise ValueError('cached strip features need FAMHead(frozen=True)'
                             ': a trainable encoder must see the strips')
        else:
            raise ValueError('FAMHead needs frame strips or cached strip '
                             'features in training; add BuildFrameStrip or '
                             'LoadStripFeature to the train pipeline')
        return self.align_mlp(encoded)

    def loss(self,
             skeleton_feat: torch.Tensor,
             frame_strips: Optional[torch.Tensor] = None,
             strip_features: Optional[torch.Tensor] = None
             ) -> Dict[str, torch.Tensor]:
        """Contrastive alignment loss between F_G and F_C.

        The keywords are the model inputs of FAM's modalities
        (:data:`~mmcl_plugin.models.modalities.MODALITIES`).

        Args:
            skeleton_feat (torch.Tensor): F_G of shape (N, feat_channels).
            frame_strips (torch.Tensor, optional): Strips (N, 3, H, W); see
                :meth:`forward`.
            strip_features (torch.Tensor, optional): See :meth:`forward`.

        Returns:
            dict: ``loss_align``.
        """
        image_feat = self(frame_strips, strip_features)
        return dict(loss_align=self.loss_align(skeleton_feat, image_feat))
