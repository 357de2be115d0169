"""Feature refinement module (FRM) of MMCL."""
from typing import Dict, Optional

import torch
import torch.nn as nn
from mmaction.registry import MODELS
from mmaction.utils import ConfigType, OptConfigType
from mmengine.model import BaseModule


def masked_mean(tokens: torch.Tensor,
                mask: Optional[torch.Tensor] = None) -> torch.Tensor:
    """Average token features over the valid tokens.

    Args:
        tokens (torch.Tensor): Token features of shape (N, L, D).
        mask (torch.Tensor, optional): Valid-token mask of shape (N, L).
            None means all tokens are valid.

    Returns:
        torch.Tensor: Pooled features of shape (N, D).
    """
    if mask is None:
        return tokens.mean(dim=1)
    mask = mask.to(tokens.dtype).unsqueeze(-1)
    return (tokens * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1)


@MODELS.register_module()
class FRMHead(BaseModule):
    """Refine skeleton class scores with multimodal-LLM text features.

    ``Phi`` unifies the text feature (masked mean over tokens, then an MLP),
    a softmax gives K weights ``w_k``, and K learnable per-class vectors
    ``M_k`` (initialised to 1) rescale the skeleton scores::

        S_R = sum_k w_k * (M_k * S_M)

    trained with cross-entropy. Used in training only.

    Args:
        text_channels (int): Width D of the text features.
        num_classes (int, optional): Number of classes. The MMCL recognizer
            fills it in from ``cls_head.num_classes``.
        hidden_channels (int): Width of the unified text vector.
            Defaults to 256.
        num_weights (int): Number K of class matrices. Defaults to 2.
        loss_refine (dict): Config of the refinement loss
            (weight lambda_2 = 0.2 by default).
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 text_channels: int,
                 num_classes: Optional[int] = None,
                 hidden_channels: int = 256,
                 num_weights: int = 2,
                 loss_refine: ConfigType = dict(
                     type='CrossEntropyLoss', loss_weight=0.2),
                 init_cfg: OptConfigType = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if num_classes is None:
            raise ValueError('FRMHead needs num_classes')
        self.num_classes = num_classes
        self.text_channels = text_channels
        self.unify = nn.Sequential(
            nn.Linear(text_channels, hidden_channels), nn.ReLU(inplace=True))
        self.weight_fc = nn.Linear(hidden_channels, num_weights)
        self.class_matrices = nn.Parameter(
            torch.ones(num_weights, num_classes))
        self.loss_refine = MODELS.build(loss_refine)

    def text_weights(self,
                     text_features: torch.Tensor,
                     text_masks: Optional[torch.Tensor] = None
                     ) -> torch.Tensor:
        """Softmax weights ``w`` of shape (N, K) from the text features.

        Args:
            text_features (torch.Tensor): (N, L, D) token features or (N, D)
                vectors.
            text_masks (torch.Tensor, optional): (N, L) valid-token mask.
        """
        if text_features.dim() == 2:
            text_features = text_features.unsqueeze(1)
        if text_features.size(-1) != self.text_channels:
            raise ValueError(
                f'text features have width {text_features.size(-1)}, '
                f'FRMHead expects text_channels={self.text_channels}')
        unified = self.unify(masked_mean(text_features, text_masks))
        return self.weight_fc(unified).softmax(dim=1)

    def forward(self,
                cls_scores: torch.Tensor,
                text_features: torch.Tensor,
                text_masks: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Refine the skeleton scores.

        Args:
            cls_scores (torch.Tensor): S_M of shape (N, num_classes).
            text_features (torch.Tensor): (N, L, D) or (N, D).
            text_masks (torch.Tensor, optional): (N, L) valid-token mask.

        Returns:
            torch.Tensor: S_R of shape (N, num_classes).
        """
        weights = self.text_weights(text_features, text_masks)
        # sum_k w_k * (M_k * S) == S * (w @ M)
        return cls_scores * (weights @ self.class_matrices)

    def loss(self, cls_scores: torch.Tensor, text_features: torch.Tensor,
             text_masks: Optional[torch.Tensor],
             labels: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Refinement loss CE(S_R, y).

        Args:
            cls_scores (torch.Tensor): S_M of shape (N, num_classes).
            text_features (torch.Tensor): (N, L, D) or (N, D).
            text_masks (torch.Tensor, optional): (N, L) valid-token mask.
            labels (torch.Tensor): Class indices (N, ) or soft labels
                (N, num_classes).

        Returns:
            dict: ``loss_refine``.
        """
        if text_features is None:
            raise ValueError('FRMHead needs text features in training; add '
                             'LoadTextFeature to the train pipeline')
        refined = self(cls_scores, text_features, text_masks)
        return dict(loss_refine=self.loss_refine(refined, labels))
