"""Load checkpoints of the official CTR-GCN, CTRS-GCN, HD-GCN and MMCL code.

The official code (CTR-GCN, Chen et al., ICCV 2021; HD-GCN, Lee et al.,
ICCV 2023; MMCL, Liu et al., ACM MM 2024, which trains the same CTR-GCN
``Model`` and releases CTRS-GCN and a copy of HD-GCN) saves plain state
dicts, with a ``module.`` prefix when saved from ``DataParallel``. Their
names map onto this plugin's ``RecognizerGCN`` / ``MMCLRecognizer`` with
the backbone of the same name (:class:`~mmcl_plugin.models.backbones.
CTRGCN`, ``CTRSGCN``, ``HDGCN``) and ``GCNHead``. Common to all three
(``U`` = ``backbone.units``):

==================================  =================================
official                            plugin
==================================  =================================
``data_bn.*``                       ``backbone.data_bn.*``
``l{i}.residual.conv/bn.*``         ``U.{i-1}.residual.0/1.*``
``fc.*``                            ``cls_head.fc.*``
==================================  =================================

CTR-GCN:

==================================  =================================
``l{i}.gcn1.convs.{k}.conv{n}.*``   ``U.{i-1}.gcn.convs.{k}.conv{n}.*``
``l{i}.gcn1.PA``                    ``U.{i-1}.gcn.A``
``l{i}.gcn1.{alpha,bn,down}...``    ``U.{i-1}.gcn.{alpha,bn,down}...``
``l{i}.tcn1.branches.{b}.{j}.*``    ``U.{i-1}.tcn.branches.{b}.{j}.*``
``l{i}.tcn1.branches.{b}.3.conv.*`` ``U.{i-1}.tcn.branches.{b}.3.0.*``
``l{i}.tcn1.branches.{b}.3.bn.*``   ``U.{i-1}.tcn.branches.{b}.3.1.*``
==================================  =================================

CTRS-GCN: ``l{i}.gcn1.PA`` / ``conv_d.{k}`` / ``bn`` / ``down`` ->
``U.{i-1}.gcn.A`` / ``convs.{k}`` / ``bn`` / ``down``; ``l{i}.tcn1.conv/bn``
-> ``U.{i-1}.tcn.0/1``.

HD-GCN: the multi-scale TCN as CTR-GCN's (the separate bias
``branches.{b}.3.bias`` of shape (1, C, 1, 1) becomes the convolution's
bias); the per-layer / per-subset modules of ``gcn1``, batched in the
plugin, are concatenated along their output channels in (layer, subset)
order: ``conv_down.{l}.0/1`` -> ``gcn.reduce.0/1``, ``conv.{l}.{k}.0/1``
(k < K) -> ``gcn.subset_conv`` / ``gcn.subset_bn``, ``conv.{l}.{K}.conv.0/1``
(EdgeConv) -> ``gcn.edge.conv`` / ``gcn.edge.bn``; ``aha.conv_down``,
``aha.edge_conv.conv.0/1``, ``aha.aggregate`` -> ``gcn.attention.reduce``,
``gcn.attention.edge.conv/bn``, ``gcn.attention.aggregate``; ``PA`` ->
``gcn.A``. The checkpoint does not say which centre of mass (CoM) it was
trained with (the official file names do, ``joint_com_1`` ...): the
config's ``graph_cfg.com`` must match, as it decides AHA's joint layers.

MMCL's training-only parameters: the FRM (``mlp.0``, ``mlp.2``: the text
MLP; ``PosMatrix``, ``NegMatrix``: the K = 2 class vectors) maps onto
``frm_head.unify.0``, ``frm_head.weight_fc`` and the rows of
``frm_head.class_matrices`` when an FRM head is wanted, and is dropped
otherwise. The FAM (``inception_v3.*``, ``FAM_Aligh.*``: a torchvision
Inception-v3 and its MLP) is always dropped: it only shapes training and
this plugin's FAM uses mmpretrain encoders.

The layouts feed the input BN with the channels ordered (M, V, C) and pool
over T, V then M, so the converted model computes the same logits (see
``tests/test_deploy/test_convert_official.py``). Official non-adaptive
CTR-GCN models keep their NTU graph out of the state dict; for them the
graph is rebuilt from the official NTU edge list
(:data:`OFFICIAL_NTU_INWARD`), which differs from mmaction2's
``'nturgb+d'`` layout at the hand joints. Non-adaptive CTRS-GCN models keep
the identity adjacencies the plugin model starts with.
"""
import re
from collections import OrderedDict
from typing import Callable, Dict, List, Mapping, NamedTuple, Optional, Tuple

import torch

from mmcl_plugin.engine.checkpoint_loading import load_from_local
from mmcl_plugin.models.utils.graph_layouts import (CTRGCN_NTU_INWARD_1BASED,
                                                    CTRGCN_NTU_LAYOUT)
from mmcl_plugin.utils.safe_pickle import UntrustedPickleError
from mmcl_tools.runs.strict_loading import mismatch_problems

#: Backbones with an official layout.
OFFICIAL_ARCHS = ('CTRGCN', 'CTRSGCN', 'HDGCN')
#: Prefixes of the official MMCL FAM parameters (always dropped).
OFFICIAL_FAM_PREFIXES = ('inception_v3.', 'FAM_Aligh.')
#: Names of the official MMCL FRM parameters.
OFFICIAL_FRM_KEYS = ('mlp.0.weight', 'mlp.0.bias', 'mlp.2.weight',
                     'mlp.2.bias', 'PosMatrix', 'NegMatrix')
#: Containers a checkpoint may wrap its state dict in.
WRAPPER_KEYS = ('state_dict', 'model', 'net', 'model_state_dict')

#: The official CTR-GCN NTU graph: inward edges, 1-based (child, parent)
#: (see ``mmcl_plugin.models.utils.graph_layouts``).
OFFICIAL_NTU_INWARD = CTRGCN_NTU_INWARD_1BASED


class KeyRule(NamedTuple):
    """How official keys matching ``pattern`` become plugin keys.

    Attributes:
        pattern (re.Pattern): Matches the official key (the part after
            ``l{i}.`` for unit rules).
        target (str): ``re.sub`` template of the plugin key.
        part (callable, optional): For tensors the plugin concatenates:
            the sort key of this piece (from the match), e.g. (layer,
            subset).
        transform (callable, optional): Applied to the tensor.
    """
    pattern: 're.Pattern'
    target: str
    part: Optional[Callable[['re.Match'], Tuple[int, ...]]] = None
    transform: Optional[Callable[[torch.Tensor], torch.Tensor]] = None


def key_rules(*rules) -> Tuple[KeyRule, ...]:
    """:class:`KeyRule` tuples from (pattern string, target, ...) rows."""
    return tuple(
        KeyRule(re.compile(rule[0]), *rule[1:]) for rule in rules)


def _layer(match: 're.Match') -> Tuple[int, ...]:
    return (int(match.group(1)), )


def _layer_subset(match: 're.Match') -> Tuple[int, ...]:
    return (int(match.group(1)), int(match.group(2)))


#: Multi-scale TCN (CTR-GCN, HD-GCN): TemporalConv(conv, bn) -> a
#: (conv, bn) Sequential; HD-GCN's separate (1, C, 1, 1) bias -> conv bias.
MS_TCN_RULES = key_rules(
    (r'^tcn1\.branches\.(\d+)\.(\d+)\.conv\.(\w+)$',
     r'tcn.branches.\1.\2.0.\3'),
    (r'^tcn1\.branches\.(\d+)\.(\d+)\.bn\.(\w+)$',
     r'tcn.branches.\1.\2.1.\3'),
    (r'^tcn1\.branches\.(\d+)\.3\.bias$', r'tcn.branches.\1.3.0.bias',
     None, lambda t: t.reshape(-1)),
    (r'^tcn1\.branches\.(\d+)\.(\d+)\.(\w+)$',
     r'tcn.branches.\1.\2.\3'),
)
RESIDUAL_RULES = key_rules(
    (r'^residual\.conv\.(\w+)$', r'residual.0.\1'),
    (r'^residual\.bn\.(\w+)$', r'residual.1.\1'),
)
#: Unit rules (on the part after ``l{i}.``) per architecture.
UNIT_RULES: Dict[str, Tuple[KeyRule, ...]] = {
    'CTRGCN': key_rules(
        (r'^gcn1\.convs\.(\d+)\.(conv[1-4])\.(weight|bias)$',
         r'gcn.convs.\1.\2.\3'),
        (r'^gcn1\.PA$', 'gcn.A'),
        (r'^gcn1\.alpha$', 'gcn.alpha'),
        (r'^gcn1\.bn\.(\w+)$', r'gcn.bn.\1'),
        (r'^gcn1\.down\.([01])\.(\w+)$', r'gcn.down.\1.\2'),
    ) + MS_TCN_RULES + RESIDUAL_RULES,
    'CTRSGCN': key_rules(
        (r'^gcn1\.PA$', 'gcn.A'),
        (r'^gcn1\.conv_d\.(\d+)\.(weight|bias)$', r'gcn.convs.\1.\2'),
        (r'^gcn1\.bn\.(\w+)$', r'gcn.bn.\1'),
        (r'^gcn1\.down\.([01])\.(\w+)$', r'gcn.down.\1.\2'),
        (r'^tcn1\.conv\.(\w+)$', r'tcn.0.\1'),
        (r'^tcn1\.bn\.(\w+)$', r'tcn.1.\1'),
    ) + RESIDUAL_RULES,
    'HDGCN': key_rules(
        (r'^gcn1\.PA$', 'gcn.A'),
        (r'^gcn1\.conv_down\.(\d+)\.([01])\.(\w+)$',
         r'gcn.reduce.\2.\3', _layer),
        (r'^gcn1\.conv\.(\d+)\.(\d+)\.0\.(weight|bias)$',
         r'gcn.subset_conv.\3', _layer_subset),
        (r'^gcn1\.conv\.(\d+)\.(\d+)\.1\.(\w+)$', r'gcn.subset_bn.\3',
         _layer_subset),
        (r'^gcn1\.conv\.(\d+)\.\d+\.conv\.0\.weight$',
         'gcn.edge.conv.weight', _layer),
        (r'^gcn1\.conv\.(\d+)\.\d+\.conv\.1\.(\w+)$', r'gcn.edge.bn.\2',
         _layer),
        (r'^gcn1\.aha\.conv_down\.([01])\.(\w+)$',
         r'gcn.attention.reduce.\1.\2'),
        (r'^gcn1\.aha\.edge_conv\.conv\.0\.weight$',
         'gcn.attention.edge.conv.weight'),
        (r'^gcn1\.aha\.edge_conv\.conv\.1\.(\w+)$',
         r'gcn.attention.edge.bn.\1'),
        (r'^gcn1\.aha\.aggregate\.(weight|bias)$',
         r'gcn.attention.aggregate.\1'),
        (r'^gcn1\.bn\.(\w+)$', r'gcn.bn.\1'),
        (r'^gcn1\.down\.([01])\.(\w+)$', r'gcn.down.\1.\2'),
    ) + MS_TCN_RULES + RESIDUAL_RULES,
}
_UNIT = re.compile(r'^l(\d+)\.(.+)$')
#: HD-GCN's ``HD_Gconv`` keeps its loop variable ``self.conv_d`` (the last
#: layer's module list) as an attribute, so every official HD-GCN state
#: dict holds ``l{i}.gcn1.conv_d.*`` copies of ``l{i}.gcn1.conv.{L-1}.*``.
_HD_ALIAS = re.compile(r'^(l\d+\.gcn1\.)conv_d\.(.+)$')


class MappedKey(NamedTuple):
    """An official key's place in the plugin model.

    Attributes:
        target (str): Plugin key.
        part (tuple[int, ...], optional): Sort key of the piece when
            several official tensors are concatenated into ``target``.
        transform (callable, optional): Applied to the tensor.
    """
    target: str
    part: Optional[Tuple[int, ...]] = None
    transform: Optional[Callable[[torch.Tensor], torch.Tensor]] = None


class ConvertedCheckpoint(NamedTuple):
    """Result of :func:`convert_official_state_dict`.

    Attributes:
        state_dict (OrderedDict): Plugin names -> tensors.
        dropped (list[str]): Official keys left out (training-only).
    """
    state_dict: 'OrderedDict[str, torch.Tensor]'
    dropped: List[str]


def strip_module_prefix(
        state_dict: Mapping[str, torch.Tensor]) -> 'OrderedDict':
    """Remove ``module.`` prefixes (``DataParallel`` / DDP), repeatedly."""
    stripped = OrderedDict()
    for key, value in state_dict.items():
        while key.startswith('module.'):
            key = key[len('module.'):]
        if key in stripped:
            raise ValueError(f'key {key!r} occurs with and without the '
                             'module. prefix')
        stripped[key] = value
    return stripped


def unwrap_checkpoint(loaded, source: str = 'checkpoint') -> 'OrderedDict':
    """The state dict of a loaded official checkpoint.

    Accepts a plain state dict or one wrapped in a dict under one of
    :data:`WRAPPER_KEYS`; strips ``module.`` prefixes.
    """
    if not isinstance(loaded, Mapping):
        raise ValueError(f'{source}: expected a state dict, got '
                         f'{type(loaded).__name__}')
    for key in WRAPPER_KEYS:
        if key in loaded and isinstance(loaded[key], Mapping):
            loaded = loaded[key]
            break
    tensors = {k: v for k, v in loaded.items() if isinstance(v, torch.Tensor)}
    if not tensors:
        raise ValueError(f'{source}: holds no tensor (keys: '
                         f'{sorted(loaded)[:10]})')
    return strip_module_prefix(tensors)


def _check_arch(arch: str) -> None:
    if arch not in OFFICIAL_ARCHS:
        raise ValueError(f'no official layout for backbone {arch!r}; '
                         f'known: {OFFICIAL_ARCHS}')


def map_official_key(key: str, arch: str = 'CTRGCN') -> Optional[MappedKey]:
    """Where an official backbone / classifier tensor goes in the plugin.

    Args:
        key (str): Official key (no ``module.`` prefix).
        arch (str): Backbone, one of :data:`OFFICIAL_ARCHS`. Defaults to
            ``'CTRGCN'``.

    Returns:
        MappedKey or None: None for a key that is not part of the official
        skeleton model.
    """
    _check_arch(arch)
    if key.startswith('data_bn.'):
        return MappedKey('backbone.' + key)
    if key in ('fc.weight', 'fc.bias'):
        return MappedKey('cls_head.' + key)
    match = _UNIT.match(key)
    if match is None or int(match.group(1)) < 1:
        return None
    return apply_rules(match.group(2), UNIT_RULES[arch],
                       f'backbone.units.{int(match.group(1)) - 1}.')


def apply_rules(key: str, rules: Tuple[KeyRule, ...],
                prefix: str = '') -> Optional[MappedKey]:
    """The first rule matching ``key``, applied; None when none matches.

    Args:
        key (str): The (part of the) checkpoint key the rules read.
        rules (tuple[KeyRule]): Tried in order.
        prefix (str): Put before the target key.
    """
    for rule in rules:
        found = rule.pattern.match(key)
        if found:
            return MappedKey(prefix + found.expand(rule.target),
                             rule.part(found) if rule.part else None,
                             rule.transform)
    return None


def official_key_to_plugin(key: str, arch: str = 'CTRGCN') -> Optional[str]:
    """Plugin name of an official backbone / classifier key.

    Returns:
        str or None: The plugin key (for HD-GCN's batched modules the
        concatenated tensor); None for a key that is not part of the
        official skeleton model.
    """
    mapped = map_official_key(key, arch)
    return None if mapped is None else mapped.target


def _concatenate(pieces: Dict[str, List[Tuple[Tuple[int, ...], str,
                                              torch.Tensor]]],
                 source: str) -> 'OrderedDict[str, torch.Tensor]':
    """Join the pieces of every batched tensor in their (layer, subset)
    order; BN counters (0-d) must agree and are kept once."""
    joined = OrderedDict()
    for target, parts in pieces.items():
        parts.sort(key=lambda item: item[0])
        orders = [order for order, _, _ in parts]
        if len(set(orders)) != len(orders):
            raise ValueError(f'{source}: {target} receives the same piece '
                             f'twice: {[key for _, key, _ in parts]}')
        tensors = [tensor for _, _, tensor in parts]
        if tensors[0].dim() == 0:
            joined[target] = tensors[0]
            continue
        shapes = {tuple(t.shape[1:]) for t in tensors}
        if len(shapes) > 1:
            raise ValueError(
                f'{source}: the pieces of {target} differ in shape: ' +
                ', '.join(f'{key} {tuple(t.shape)}' for _, key, t in parts))
        joined[target] = torch.cat(tensors)
    return joined


def unknown_keys_error(source: str, keys: List[str],
                       layout: str) -> ValueError:
    """The error for checkpoint keys that belong to no known tensor."""
    return ValueError(f'{source}: {len(keys)} keys are not of {layout}: '
                      f'{keys[:10]}' + (' ...' if len(keys) > 10 else ''))


def _check_alias(key: str, value: torch.Tensor,
                 state_dict: Mapping[str, torch.Tensor], source: str) -> None:
    """An HD-GCN ``conv_d`` copy must equal the last layer's tensor."""
    match = _HD_ALIAS.match(key)
    prefix, rest = match.group(1), match.group(2)
    layers = [int(k[len(prefix + 'conv.'):].split('.')[0])
              for k in state_dict if k.startswith(prefix + 'conv.')]
    original = f'{prefix}conv.{max(layers)}.{rest}' if layers else None
    if original not in state_dict:
        raise ValueError(f'{source}: {key} (a copy of the last hierarchy '
                         'layer\'s tensor) has no original')
    if not torch.equal(value, state_dict[original]):
        raise ValueError(f'{source}: {key} differs from {original}, '
                         'which it copies')


def convert_official_state_dict(state_dict: Mapping[str, torch.Tensor],
                                with_frm: bool = False,
                                source: str = 'checkpoint',
                                arch: str = 'CTRGCN') -> ConvertedCheckpoint:
    """Rename an official CTR-GCN / CTRS-GCN / HD-GCN / MMCL state dict.

    Args:
        state_dict (Mapping[str, torch.Tensor]): Official state dict
            (``module.`` prefixes already stripped, see
            :func:`unwrap_checkpoint`).
        with_frm (bool): Map MMCL's FRM parameters onto ``frm_head``
            instead of dropping them. Defaults to False.
        source (str): Checkpoint name for error messages.
        arch (str): Backbone of the checkpoint, one of
            :data:`OFFICIAL_ARCHS`. Defaults to ``'CTRGCN'``.

    Returns:
        ConvertedCheckpoint: The renamed tensors and the dropped keys.

    Raises:
        ValueError: Keys that belong to neither layout, listed; pieces of
            a batched tensor that do not fit together.
    """
    converted: 'OrderedDict[str, torch.Tensor]' = OrderedDict()
    pieces: Dict[str, list] = OrderedDict()
    dropped, unknown = [], []
    for key, value in state_dict.items():
        if arch == 'HDGCN' and _HD_ALIAS.match(key):
            _check_alias(key, value, state_dict, source)
            continue
        mapped = map_official_key(key, arch)
        if mapped is not None:
            if mapped.transform is not None:
                value = mapped.transform(value)
            if mapped.part is None:
                converted[mapped.target] = value
            else:
                pieces.setdefault(mapped.target, []).append(
                    (mapped.part, key, value))
        elif key.startswith(OFFICIAL_FAM_PREFIXES):
            dropped.append(key)
        elif key in OFFICIAL_FRM_KEYS:
            if not with_frm:
                dropped.append(key)
        else:
            unknown.append(key)
    if unknown:
        raise unknown_keys_error(source, unknown,
                                 f'the official {arch} / MMCL model')
    converted.update(_concatenate(pieces, source))
    if with_frm:
        missing = [k for k in OFFICIAL_FRM_KEYS if k not in state_dict]
        if missing:
            raise ValueError(f'{source}: no MMCL FRM parameters {missing} '
                             '(a CTR-GCN checkpoint?); convert without FRM')
        converted['frm_head.unify.0.weight'] = state_dict['mlp.0.weight']
        converted['frm_head.unify.0.bias'] = state_dict['mlp.0.bias']
        converted['frm_head.weight_fc.weight'] = state_dict['mlp.2.weight']
        converted['frm_head.weight_fc.bias'] = state_dict['mlp.2.bias']
        # S_R = w_0 * Pos * S + w_1 * Neg * S: rows k = 0, 1 of M_k
        converted['frm_head.class_matrices'] = torch.stack(
            [state_dict['PosMatrix'], state_dict['NegMatrix']])
    return ConvertedCheckpoint(converted, dropped)


def official_ntu_adjacency() -> torch.Tensor:
    """The (3, 25, 25) spatial graph of the official CTR-GCN NTU code.

    Identity, normalised inward and normalised outward adjacency of
    :data:`OFFICIAL_NTU_INWARD` (mmaction2's ``Graph`` 'spatial' mode
    computes them the same way).
    """
    from mmaction.models.utils import Graph
    return torch.tensor(
        Graph(layout=CTRGCN_NTU_LAYOUT, mode='spatial').A,
        dtype=torch.float32)


def load_converted(model: torch.nn.Module,
                   converted: Mapping[str, torch.Tensor],
                   source: str = 'checkpoint',
                   arch: str = 'CTRGCN') -> List[str]:
    """Load converted tensors into ``model``; every tensor must fit.

    The fixed graphs of non-adaptive official models (``gcn.A`` buffers,
    absent from their checkpoints) are filled in: CTR-GCN units get
    :func:`official_ntu_adjacency`, CTRS-GCN units keep the model's own
    identity adjacencies.

    Args:
        model (nn.Module): The plugin model.
        converted (Mapping[str, torch.Tensor]): From
            :func:`convert_official_state_dict` (or the pyskl converter).
        source (str): Checkpoint name for error messages.
        arch (str): Backbone of the checkpoint. Defaults to ``'CTRGCN'``.

    Returns:
        list[str]: Model keys filled in (fixed graphs).

    Raises:
        ValueError: Missing, unexpected or differently shaped tensors,
            listed with the checkpoint's name.
    """
    expected = model.state_dict()
    state = OrderedDict(converted)
    filled = []
    graph_keys = [k for k in expected
                  if k.endswith('.gcn.A') and k not in state]
    if graph_keys and arch == 'CTRSGCN':
        for key in graph_keys:
            state[key] = expected[key]
            filled.append(key)
    elif graph_keys and arch == 'CTRGCN':
        graph = official_ntu_adjacency()
        for key in graph_keys:
            if expected[key].shape != graph.shape:
                raise ValueError(
                    f'{source}: {key} of shape {tuple(expected[key].shape)} '
                    'is not in the checkpoint (a non-adaptive official '
                    'model) and only the NTU graph (3, 25, 25) is known')
            state[key] = graph
            filled.append(key)
    problems = mismatch_problems(expected, state)
    if problems:
        raise ValueError(f'{source} does not fit the model (check the '
                         "config's num_classes, base_channels, num_person, "
                         'graph): ' + '; '.join(problems))
    model.load_state_dict(state, strict=True)
    return filled


def load_official_checkpoint(path: str) -> 'OrderedDict':
    """Read an official ``.pt``/``.pth`` file (tensors only) on the CPU,
    with the weights-only checkpoint loader."""
    try:
        loaded = load_from_local(path, map_location='cpu')
    except UntrustedPickleError:
        raise  # names the file, the refused global and the opt-in
    except Exception as error:  # noqa: BLE001  (torch raises many types)
        raise ValueError(f'{path}: cannot load the checkpoint ({error})'
                         ) from None
    return unwrap_checkpoint(loaded, path)


def summarize_dropped(dropped: List[str]) -> Dict[str, int]:
    """Count dropped keys by group (``inception_v3``, ``FAM_Aligh``, FRM)."""
    groups: Dict[str, int] = {}
    for key in dropped:
        group = 'FRM' if key in OFFICIAL_FRM_KEYS else key.split('.')[0]
        groups[group] = groups.get(group, 0) + 1
    return groups
