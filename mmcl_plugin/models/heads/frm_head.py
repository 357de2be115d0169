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
        tokens (torch.Tensor): Token features of shape (..., L, D), e.g.
            (N, L, D) or (N, P, L, D).
        mask (torch.Tensor, optional): Valid-token mask of shape (..., L).
            None means all tokens are valid.

    Returns:
        torch.Tensor: Pooled features of shape (..., D); zeros where no
        token is valid.
    """
    if mask is None:
        return tokens.mean(dim=-2)
    mask = mask.to(tokens.dtype).unsqueeze(-1)
    return (tokens * mask).sum(dim=-2) / mask.sum(dim=-2).clamp(min=1)


#: How the pooled features of several prompts become one vector.
PROMPT_FUSIONS = ('concat', 'mean')


def fuse_prompts(pooled: torch.Tensor, fusion: str) -> torch.Tensor:
    """One vector per sample from per-prompt vectors.

    Args:
        pooled (torch.Tensor): (N, P, D) one vector per prompt.
        fusion (str): 'concat' gives (N, P * D) (prompt 0 first), 'mean'
            (N, D).
    """
    if fusion == 'concat':
        return pooled.flatten(1)
    return pooled.mean(dim=1)


@MODELS.register_module()
class FRMHead(BaseModule):
    """Refine skeleton class scores with multimodal-LLM text features.

    ``Phi`` unifies the text feature (masked mean over tokens, then an MLP),
    a softmax gives K weights ``w_k``, and K learnable per-class vectors
    ``M_k`` (initialised to 1) rescale the skeleton scores::

        S_R = sum_k w_k * (M_k * S_M)

    trained with cross-entropy. Used in training only.

    Text features are always (N, P, L, D): P prompts (``num_prompts``) of
    L answer tokens of width D, with a (N, P, L) mask of the valid tokens
    (``MMCLDataPreprocessor`` pads the samples' token counts to L and masks
    the padding). The head takes the masked mean over L, fuses the P
    prompt vectors (``prompt_fusion`` 'concat' feeds ``Phi`` the P * D
    concatenation in prompt order, 'mean' their average) and applies
    ``Phi``. A single vector per prompt (pooled tokens, a sentence-encoder
    vector, the paper's binary yes/no one-hot with ``text_channels=2``) is
    L = 1.

    ``Phi``'s first layer takes any width D, so the features of any MLLM
    (768 for BLIP, 4096 for LLaVA-7B, ...) are projected to
    ``hidden_channels``.

    Args:
        text_channels (int): Width D of the text features (per prompt).
        num_classes (int, optional): Number of classes. The MMCL recognizer
            fills it in from ``cls_head.num_classes``.
        hidden_channels (int): Width of the unified text vector.
            Defaults to 256.
        num_weights (int): Number K of class matrices. Defaults to 2.
        num_prompts (int): Number P of prompts per sample; the text
            features must have it. Defaults to 1.
        prompt_fusion (str): 'concat' (default) or 'mean'; with one
            prompt both give its vector.
        loss_refine (dict): Config of the refinement loss
            (weight lambda_2 = 0.2 by default).
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 text_channels: int,
                 num_classes: Optional[int] = None,
                 hidden_channels: int = 256,
                 num_weights: int = 2,
                 num_prompts: int = 1,
                 prompt_fusion: str = 'concat',
                 loss_refine: ConfigType = dict(
                     type='CrossEntropyLoss', loss_weight=0.2),
                 init_cfg: OptConfigType = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if num_classes is None:
            raise ValueError('FRMHead needs num_classes')
        if num_prompts < 1:
            raise ValueError(f'num_prompts must be positive, got '
                             f'{num_prompts}')
        if prompt_fusion not in PROMPT_FUSIONS:
            raise ValueError(f'prompt_fusion must be one of '
                             f'{PROMPT_FUSIONS}, got {prompt_fusion!r}')
        self.num_classes = num_classes
        self.text_channels = text_channels
        self.num_prompts = num_prompts
        self.prompt_fusion = prompt_fusion
        fused_channels = text_channels * num_prompts \
            if prompt_fusion == 'concat' else text_channels
        self.unify = nn.Sequential(
            nn.Linear(fused_channels, hidden_channels), nn.ReLU(inplace=True))
        self.weight_fc = nn.Linear(hidden_channels, num_weights)
        self.class_matrices = nn.Parameter(
            torch.ones(num_weights, num_classes))
        self.loss_refine = MODELS.build(loss_refine)

    def pool_prompts(self,
                     text_features: torch.Tensor,
                     text_masks: Optional[torch.Tensor] = None
                     ) -> torch.Tensor:
        """One pooled vector per sample and prompt: the masked token mean.

        Args:
            text_features (torch.Tensor): (N, P, L, D) token features, P =
                ``num_prompts``, D = ``text_channels``.
            text_masks (torch.Tensor, optional): (N, P, L) bool mask of the
                valid tokens; None means all tokens are valid.

        Returns:
            torch.Tensor: (N, P, D).

        Raises:
            ValueError: The features are not (N, num_prompts, L,
                text_channels), the mask is not (N, P, L), or a prompt of
                a sample has no valid token.
        """
        if text_features.dim() != 4:
            raise ValueError(
                f'FRMHead takes text features (N, P, L, D) with a (N, P, L) '
                f'mask, got shape {tuple(text_features.shape)}')
        if text_features.size(-1) != self.text_channels:
            raise ValueError(
                f'text features have width {text_features.size(-1)}, '
                f'FRMHead expects text_channels={self.text_channels}')
        if text_features.size(1) != self.num_prompts:
            raise ValueError(
                f'text features have P={text_features.size(1)} prompts, '
                f'FRMHead expects num_prompts={self.num_prompts}')
        if text_masks is not None:
            if tuple(text_masks.shape) != tuple(text_features.shape[:-1]):
                raise ValueError(
                    f'text mask of shape {tuple(text_masks.shape)} does not '
                    f'fit text features {tuple(text_features.shape)}: '
                    f'expected (N, P, L)')
            if not bool(text_masks.any(dim=-1).all()):
                raise ValueError('a prompt of a sample has no valid token '
                                 'in the text mask')
        return masked_mean(text_features, text_masks)

    def text_weights(self,
                     text_features: torch.Tensor,
                     text_masks: Optional[torch.Tensor] = None
                     ) -> torch.Tensor:
        """Softmax weights ``w`` of shape (N, K) from the text features.

        Args:
            text_features (torch.Tensor): See :meth:`pool_prompts`.
            text_masks (torch.Tensor, optional): (N, P, L) valid-token
                mask.
        """
        pooled = self.pool_prompts(text_features, text_masks)
        unified = self.unify(fuse_prompts(pooled, self.prompt_fusion))
        return self.weight_fc(unified).softmax(dim=1)

    def forward(self,
                cls_scores: torch.Tensor,
                text_features: torch.Tensor,
                text_masks: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Refine the skeleton scores.

        Args:
            cls_scores (torch.Tensor): S_M of shape (N, num_classes).
            text_features (torch.Tensor): See :meth:`pool_prompts`.
            text_masks (torch.Tensor, optional): (N, P, L) valid-token
                mask.

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
            text_features (torch.Tensor): See :meth:`pool_prompts`.
            text_masks (torch.Tensor, optional): (N, P, L) valid-token
                mask.
            labels (torch.Tensor): Class indices (N, ) or soft labels
                (N, num_classes).

        Returns:
            dict: ``loss_refine``.
        """
        if text_features is None:
            raise ValueError('FRMHead needs text features in training; add '
                             'LoadTextFeature or LoadTextFeatureFromCache '
                             'to the train pipeline')
        refined = self(cls_scores, text_features, text_masks)
        return dict(loss_refine=self.loss_refine(refined, labels))
