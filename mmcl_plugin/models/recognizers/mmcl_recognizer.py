"""MMCL recognizer: skeleton GCN trained with two auxiliary modalities."""
import copy
from typing import Dict, Optional

import torch
from mmaction.models import RecognizerGCN
from mmaction.registry import MODELS
from mmaction.utils import ConfigType, OptConfigType, SampleList

from ..modalities import head_inputs

#: Prefixes of the training-only parameters; the deployed model has none.
AUX_HEAD_PREFIXES = ('fam_head.', 'frm_head.')


def global_skeleton_feature(feats: torch.Tensor) -> torch.Tensor:
    """Global skeleton feature F_G.

    Args:
        feats (torch.Tensor): Backbone output of shape (N, M, C, T, V).

    Returns:
        torch.Tensor: Mean over T and V, then over persons M: (N, C).
    """
    return feats.mean(dim=(3, 4)).mean(dim=1)


def labels_of(data_samples: SampleList) -> torch.Tensor:
    """Stack the ground-truth labels: (N, ) indices or (N, K) soft labels."""
    labels = torch.stack([sample.gt_label for sample in data_samples])
    return labels.squeeze(1) if labels.dim() == 2 and \
        labels.size(1) == 1 else labels


@MODELS.register_module()
class MMCLRecognizer(RecognizerGCN):
    """Multi-Modality Co-Learning recognizer.

    Training: the skeleton backbone gives the feature map, the GCN head the
    scores S_M (loss ``loss_cls``); the optional FAM head aligns the global
    skeleton feature F_G with the frame-strip feature (``loss_align``,
    weight lambda_1) and the optional FRM head refines S_M with text
    features (``loss_refine``, weight lambda_2). Prediction uses the
    skeleton path only, exactly as :class:`RecognizerGCN`, so strips and
    text features are never needed at test time, and the deployed model
    (without ``fam_head``/``frm_head``) is the plain baseline.

    Args:
        backbone (dict): Skeleton backbone config (CTR-GCN, STGCN++, ...).
        cls_head (dict): Classification head config (``GCNHead``).
        fam_head (dict, optional): FAM head config; None disables FAM.
            ``feat_channels`` defaults to ``cls_head.in_channels``.
        frm_head (dict, optional): FRM head config; None disables FRM.
            ``num_classes`` defaults to ``cls_head.num_classes``.
        neck, train_cfg, test_cfg, data_preprocessor: as
            :class:`RecognizerGCN`.
    """

    def __init__(self,
                 backbone: ConfigType,
                 cls_head: ConfigType,
                 fam_head: OptConfigType = None,
                 frm_head: OptConfigType = None,
                 neck: OptConfigType = None,
                 train_cfg: OptConfigType = None,
                 test_cfg: OptConfigType = None,
                 data_preprocessor: OptConfigType = None) -> None:
        super().__init__(
            backbone=backbone,
            cls_head=cls_head,
            neck=neck,
            train_cfg=train_cfg,
            test_cfg=test_cfg,
            data_preprocessor=data_preprocessor)
        if fam_head is not None:
            fam_head = copy.deepcopy(fam_head)
            fam_head.setdefault('feat_channels', self.cls_head.in_channels)
            self.fam_head = MODELS.build(fam_head)
        if frm_head is not None:
            frm_head = copy.deepcopy(frm_head)
            frm_head.setdefault('num_classes', self.cls_head.num_classes)
            self.frm_head = MODELS.build(frm_head)

    @property
    def with_fam(self) -> bool:
        """Whether the feature alignment module is enabled."""
        return getattr(self, 'fam_head', None) is not None

    @property
    def with_frm(self) -> bool:
        """Whether the feature refinement module is enabled."""
        return getattr(self, 'frm_head', None) is not None

    def loss(self, inputs: torch.Tensor, data_samples: SampleList,
             **modality_inputs: Optional[torch.Tensor]
             ) -> Dict[str, torch.Tensor]:
        """Compute the MMCL losses.

        Args:
            inputs (torch.Tensor): Skeletons (N, 1, M, T, V, C).
            data_samples (list[ActionDataSample]): With ``gt_label``.
            **modality_inputs (torch.Tensor): The batched training-only
                inputs of ``MMCLDataPreprocessor``, named by
                :data:`~mmcl_plugin.models.modalities.MODALITIES`; each
                head gets those of its modalities (None where absent):

                - ``fam_head``: ``frame_strips`` (N, 3, H, W) normalised
                  strips, ``strip_features`` (N, D_img) cached encoder
                  features of a frozen FAM;
                - ``frm_head``: ``text_features`` (N, P, L, D) text token
                  features, ``text_masks`` (N, P, L) valid-token mask.

        Returns:
            dict: ``loss_cls`` (+ accuracy logs), ``loss_align`` with FAM
            and ``loss_refine`` with FRM.

        Raises:
            TypeError: A keyword that no modality gives.
        """
        if inputs.size(1) != 1 and (self.with_fam or self.with_frm):
            raise ValueError('MMCL training expects one clip per sample, got '
                             f'num_clips={inputs.size(1)}')
        fam_inputs = head_inputs('fam_head', modality_inputs)
        frm_inputs = head_inputs('frm_head', modality_inputs)
        feats, _ = self.extract_feat(inputs)
        cls_scores = self.cls_head(feats)
        losses = self.cls_head.loss_by_feat(cls_scores, data_samples)
        if self.with_fam:
            losses.update(
                self.fam_head.loss(
                    global_skeleton_feature(feats), **fam_inputs))
        if self.with_frm:
            labels = labels_of(data_samples).to(cls_scores.device)
            losses.update(
                self.frm_head.loss(cls_scores, labels=labels, **frm_inputs))
        return losses
