"""Test-time prediction with or without MMCL's feature refinement (FRM).

Deployed MMCL predicts from skeletons only (S_M). Where text features of
the test samples exist (e.g. the MLLM's answers on a transfer set), the
trained FRM can refine the scores as in training: S_R = S_M * (w @ M),
with w from the text. Both paths average the clips exactly as
``RecognizerGCN.predict`` does (the head's ``average_clips``), so without
refinement the scores equal ``model.test_step``'s ``pred_score``.
"""
from typing import Optional

import torch


@torch.no_grad()
def predict_scores(model: torch.nn.Module,
                   inputs: torch.Tensor,
                   text_features: Optional[torch.Tensor] = None,
                   text_masks: Optional[torch.Tensor] = None,
                   refine: bool = False) -> torch.Tensor:
    """Clip-averaged class scores of a batch.

    Args:
        model (nn.Module): A ``RecognizerGCN``; an ``MMCLRecognizer`` with
            ``frm_head`` when ``refine``.
        inputs (torch.Tensor): Preprocessed skeletons (N, num_clips, M, T,
            V, C).
        text_features (torch.Tensor, optional): (N, P, L, D) token
            features (``MMCLDataPreprocessor``'s ``text_features``); needed
            when ``refine``.
        text_masks (torch.Tensor, optional): (N, P, L) valid-token mask.
        refine (bool): Apply the FRM to every clip's S_M before averaging.
            Defaults to False.

    Returns:
        torch.Tensor: (N, num_classes) scores (probabilities with the
        default ``average_clips='prob'``).
    """
    num_clips = inputs.shape[1]
    feats, _ = model.extract_feat(inputs)  # clips folded into the batch
    scores = model.cls_head(feats)  # (N * num_clips, C), clip-major order
    if refine:
        if not getattr(model, 'with_frm', False):
            raise ValueError('refinement needs an MMCL model with frm_head '
                             '(the training config and checkpoint, not the '
                             'exported skeleton-only model)')
        if text_features is None:
            raise ValueError('refinement needs text features')
        # every clip of a sample is refined with that sample's text
        text_features = text_features.repeat_interleave(num_clips, dim=0)
        if text_masks is not None:
            text_masks = text_masks.repeat_interleave(num_clips, dim=0)
        scores = model.frm_head(scores, text_features, text_masks)
    return model.cls_head.average_clip(scores, num_segs=num_clips)
