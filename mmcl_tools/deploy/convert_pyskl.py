"""Load pyskl checkpoints (STGCN++, CTR-GCN) into mmaction2 / this plugin.

pyskl (github kennymckormick/pyskl, the code mmaction2's skeleton models
come from) has a model zoo of trained STGCN++ and CTR-GCN checkpoints.
They are mmcv checkpoints of a ``RecognizerGCN`` (``state_dict`` with
``backbone.*`` and ``cls_head.fc_cls.*``).

- STGCN++ (pyskl's ``STGCN``) -> mmaction2's ``STGCN``: the backbone
  names are identical (mmaction2 ported it), and so are the zoo's graph
  layouts (``'nturgb+d'`` for the 3-D skeletons, ``'coco'`` for the
  HRNet 2-D ones; the checkpoints carry their adjacency tensors anyway);
  only the head's ``fc_cls`` becomes ``fc`` (mmaction2's ``GCNHead``).
- CTR-GCN -> :class:`~mmcl_plugin.models.backbones.CTRGCN` with
  ``tcn_relu=True``: pyskl's temporal module ends with a ReLU (its
  ``MSTCN``), which the official model lacks. ``backbone.net.{i}`` ->
  ``backbone.units.{i}``, ``gcn1`` -> ``gcn``, ``tcn1`` -> ``tcn``
  (``branches.{b}.3.conv/bn`` -> ``branches.{b}.3.0/1``), ``residual.
  conv/bn`` -> ``residual.0/1``. pyskl's CTR-GC aggregates with the
  transposed topology (``einsum('ncuv,nctu->nctv')``, the official code
  ``'ncuv,nctv->nctu'``); the converter maps it exactly: the shared
  topology ``gcn1.A`` is transposed, ``conv1`` and ``conv2`` swap places
  and ``conv4``'s weight changes sign (``tanh`` is odd, so
  ``conv4(tanh(a_v - b_u)) = -conv4'(tanh(b_u - a_v))`` with the
  bias unchanged). ``backbone.A`` (pyskl's unused copy of the graph) is
  dropped.
"""
import re
from collections import OrderedDict
from typing import Dict, List, Mapping, Optional

import torch

from .convert_official import (MS_TCN_RULES, RESIDUAL_RULES,
                               ConvertedCheckpoint, MappedKey, apply_rules,
                               key_rules, unknown_keys_error)

#: Backbones pyskl checkpoints convert into.
PYSKL_ARCHS = ('STGCN', 'CTRGCN')
_HEAD = re.compile(r'^cls_head\.fc_cls\.(weight|bias)$')
_CTRGCN_UNIT = re.compile(r'^backbone\.net\.(\d+)\.(.+)$')
_CTRGCN_RULES = key_rules(
    (r'^gcn1\.convs\.(\d+)\.conv1\.(weight|bias)$', r'gcn.convs.\1.conv2.\2'),
    (r'^gcn1\.convs\.(\d+)\.conv2\.(weight|bias)$', r'gcn.convs.\1.conv1.\2'),
    (r'^gcn1\.convs\.(\d+)\.conv3\.(weight|bias)$', r'gcn.convs.\1.conv3.\2'),
    (r'^gcn1\.convs\.(\d+)\.conv4\.weight$', r'gcn.convs.\1.conv4.weight',
     None, torch.neg),
    (r'^gcn1\.convs\.(\d+)\.conv4\.bias$', r'gcn.convs.\1.conv4.bias'),
    (r'^gcn1\.A$', 'gcn.A', None, lambda t: t.transpose(-1, -2)),
    (r'^gcn1\.alpha$', 'gcn.alpha'),
    (r'^gcn1\.bn\.(\w+)$', r'gcn.bn.\1'),
    (r'^gcn1\.down\.([01])\.(\w+)$', r'gcn.down.\1.\2'),
) + MS_TCN_RULES + RESIDUAL_RULES
#: pyskl tensors without a counterpart (not used by its forward).
PYSKL_DROPPED = ('backbone.A', )


def map_pyskl_key(key: str, arch: str) -> Optional[MappedKey]:
    """Where a pyskl tensor goes; None for a key of neither layout."""
    if arch not in PYSKL_ARCHS:
        raise ValueError(f'pyskl checkpoints convert into {PYSKL_ARCHS}, '
                         f'not {arch!r}')
    head = _HEAD.match(key)
    if head:
        return MappedKey(f'cls_head.fc.{head.group(1)}')
    if arch == 'STGCN':
        return MappedKey(key) if key.startswith('backbone.') else None
    if key.startswith('backbone.data_bn.'):
        return MappedKey(key)
    unit = _CTRGCN_UNIT.match(key)
    if unit is None:
        return None
    return apply_rules(unit.group(2), _CTRGCN_RULES,
                       f'backbone.units.{unit.group(1)}.')


def convert_pyskl_state_dict(state_dict: Mapping[str, torch.Tensor],
                             arch: str,
                             source: str = 'checkpoint'
                             ) -> ConvertedCheckpoint:
    """Rename (and for CTR-GCN, transform) a pyskl state dict.

    Args:
        state_dict (Mapping[str, torch.Tensor]): pyskl state dict
            (unwrapped, see
            :func:`~mmcl_tools.deploy.convert_official.unwrap_checkpoint`).
        arch (str): ``'STGCN'`` (STGCN++) or ``'CTRGCN'``.
        source (str): Checkpoint name for error messages.

    Returns:
        ConvertedCheckpoint: The converted tensors and the dropped keys.

    Raises:
        ValueError: Keys of neither layout, listed.
    """
    converted: 'OrderedDict[str, torch.Tensor]' = OrderedDict()
    dropped: List[str] = []
    unknown: List[str] = []
    for key, value in state_dict.items():
        if arch == 'CTRGCN' and key in PYSKL_DROPPED:
            dropped.append(key)
            continue
        mapped = map_pyskl_key(key, arch)
        if mapped is None:
            unknown.append(key)
            continue
        converted[mapped.target] = value if mapped.transform is None else \
            mapped.transform(value)
    if unknown:
        raise unknown_keys_error(source, unknown, f'a pyskl {arch} recognizer')
    return ConvertedCheckpoint(converted, dropped)


def pyskl_backbone_problem(backbone: Dict) -> Optional[str]:
    """Why a backbone config cannot take a pyskl checkpoint, or None.

    The converted tensors of a pyskl CTR-GCN would fit a CTRGCN without
    ``tcn_relu`` but compute something else, so this is checked before
    loading (other mismatches show as missing / misshapen tensors).
    """
    kind = backbone.get('type')
    if kind == 'CTRGCN' and not backbone.get('tcn_relu', False):
        return ("pyskl's CTR-GCN applies a ReLU to every TCN output: set "
                "the config's model.backbone.tcn_relu=True")
    if kind not in PYSKL_ARCHS:
        return (f'pyskl checkpoints convert into {PYSKL_ARCHS} backbones, '
                f'the config has {kind!r}')
    return None
