"""Turn a trained MMCL model into the deployed skeleton-only model.

The deployed model is the plain baseline recognizer (``RecognizerGCN`` with
the same backbone and ``GCNHead``): the FAM and FRM heads only shape the
training, so dropping them leaves the baseline's parameters and FLOPs.
"""
import copy
from collections import OrderedDict
from typing import Dict, Mapping

import torch

from mmcl_plugin.models.recognizers.mmcl_recognizer import AUX_HEAD_PREFIXES
from mmcl_plugin.utils import atomic_write


def skeleton_only_state_dict(
        state_dict: Mapping[str, torch.Tensor]) -> 'OrderedDict':
    """Drop the training-only FAM/FRM parameters from a state dict.

    Args:
        state_dict (Mapping[str, torch.Tensor]): State dict of an
            ``MMCLRecognizer``; a ``module.`` prefix (DDP) is removed.

    Returns:
        OrderedDict: The state dict of the skeleton-only model.
    """
    deployed = OrderedDict()
    for key, value in state_dict.items():
        if key.startswith('module.'):
            key = key[len('module.'):]
        if not key.startswith(AUX_HEAD_PREFIXES):
            deployed[key] = value
    return deployed


def inference_model_config(model_cfg: Mapping) -> Dict:
    """Model config of the deployed recognizer for an MMCL model config.

    Args:
        model_cfg (Mapping): ``cfg.model`` of an MMCL (or baseline) config.

    Returns:
        dict: The same backbone, head and preprocessor as a
        ``RecognizerGCN``, without ``fam_head``/``frm_head``.
    """
    cfg = copy.deepcopy(dict(model_cfg))
    cfg.pop('fam_head', None)
    cfg.pop('frm_head', None)
    if cfg.get('type') == 'MMCLRecognizer':
        cfg['type'] = 'RecognizerGCN'
    preprocessor = cfg.get('data_preprocessor')
    if preprocessor is not None and \
            preprocessor.get('type') == 'MMCLDataPreprocessor':
        preprocessor = dict(preprocessor)
        for key in ('strip_mean', 'strip_std', 'strip_short_side'):
            preprocessor.pop(key, None)
        preprocessor['type'] = 'ActionDataPreprocessor'
        cfg['data_preprocessor'] = preprocessor
    return cfg


def save_checkpoint_atomic(checkpoint: Dict, path: str) -> None:
    """``torch.save`` ``checkpoint`` to ``path`` atomically, with the
    checksum of its tensors in ``meta`` (verified by every load, see
    :mod:`mmcl_plugin.engine.checkpoint_checksum`)."""
    from mmcl_plugin.engine.checkpoint_checksum import add_checksum
    add_checksum(checkpoint)
    with atomic_write(path) as f:
        torch.save(checkpoint, f)
