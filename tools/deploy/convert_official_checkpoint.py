"""Convert an official CTR-GCN / CTRS-GCN / HD-GCN / MMCL checkpoint, or a
pyskl STGCN++ / CTR-GCN one, into this plugin's model.

``python tools/deploy/convert_official_checkpoint.py CKPT CONFIG OUT.pth
[--from official|pyskl] [--with-frm]``

``CONFIG`` is a config of this plugin with the same model; the
architecture is taken from its backbone (``CTRGCN``, ``CTRSGCN``,
``HDGCN``; with ``--from pyskl`` mmaction2's ``STGCN`` or ``CTRGCN`` with
``tcn_relu=True``), together with class count, persons, in-channels and
graph (for HD-GCN the CoM, which the checkpoint does not record), e.g.
``configs/ctrgcn/mmcl-ctrgcn_1xb64-joint-u64-65e_ntu120-xsub-keypoint-3d.py``
for an official NTU120 X-Sub joint CTR-GCN checkpoint. Writes ``OUT.pth``
(mmengine checkpoint) and ``OUT.py`` (its test config):

- by default the skeleton-only (deployed) model, a ``RecognizerGCN``:
  test it with ``tools/test.py OUT.py OUT.pth``, export it with
  ``tools/deploy/export_onnx.py``;
- with ``--with-frm`` (official MMCL checkpoints) the ``MMCLRecognizer``
  with the FRM head and without FAM, for
  ``tools/analysis/transfer_eval.py --refine``.

``module.`` prefixes and checkpoint wrappers (``state_dict``, ``model``,
...) are removed. Every converted tensor must fit the built model (names
and shapes), so a config that does not match the checkpoint fails with the
list of mismatches; training-only FAM tensors (and the FRM ones without
``--with-frm``) are reported as dropped.
"""
import argparse
import copy
import os.path as osp
import sys
from typing import Dict, List, Optional

import mmcl_plugin  # noqa: E402,F401  (compat fixes before mmaction)
from mmengine.config import Config  # noqa: E402

from mmcl_tools.deploy import (inference_model_config, save_checkpoint_atomic)  # noqa: E402
from mmcl_tools.deploy.convert_official import (OFFICIAL_ARCHS,  # noqa: E402
                                                convert_official_state_dict,
                                                load_converted,
                                                load_official_checkpoint,
                                                summarize_dropped)
from mmcl_tools.deploy.convert_pyskl import (convert_pyskl_state_dict,  # noqa: E402
                                             pyskl_backbone_problem)
from mmcl_plugin.utils import (add_trust_argument,  # noqa: E402
                               trust_pickles)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Convert an official CTR-GCN / CTRS-GCN / HD-GCN / MMCL '
        'or a pyskl checkpoint')
    parser.add_argument('official', help='checkpoint to convert (.pt/.pth)')
    parser.add_argument('config', help='plugin config of the same model')
    parser.add_argument('out', help='output checkpoint (.pth)')
    parser.add_argument('--from', dest='source', default='official',
                        choices=('official', 'pyskl'),
                        help='layout of the checkpoint (default: official)')
    parser.add_argument('--with-frm', action='store_true',
                        help='keep the MMCL FRM (as frm_head)')
    add_trust_argument(parser)
    args = parser.parse_args(argv)
    if args.trust_pickles:
        trust_pickles()
    return args


def target_model_config(cfg: Config, with_frm: bool) -> Dict:
    """Model config to convert into: deployed, or MMCL with FRM only."""
    if not with_frm:
        return inference_model_config(cfg.model)
    model_cfg = copy.deepcopy(cfg.model.to_dict())
    if model_cfg.get('type') != 'MMCLRecognizer' or \
            not model_cfg.get('frm_head'):
        raise ValueError(f'{cfg.filename}: --with-frm needs an MMCL config '
                         'with frm_head')
    model_cfg['fam_head'] = None
    return model_cfg


def convert(official: str, config: str, out: str, with_frm: bool = False,
            source: str = 'official') -> Dict:
    """Convert, verify and save; returns a summary."""
    from mmaction.registry import MODELS
    from mmaction.utils import register_all_modules
    register_all_modules()
    cfg = Config.fromfile(config)
    model_cfg = target_model_config(cfg, with_frm)
    arch = model_cfg['backbone']['type']
    state = load_official_checkpoint(official)
    if source == 'pyskl':
        if with_frm:
            raise ValueError('pyskl checkpoints have no MMCL FRM')
        problem = pyskl_backbone_problem(model_cfg['backbone'])
        if problem:
            raise ValueError(f'{config}: {problem}')
        converted = convert_pyskl_state_dict(state, arch, official)
    else:
        if arch not in OFFICIAL_ARCHS:
            raise ValueError(f'{config}: backbone {arch!r} has no official '
                             f'layout; official checkpoints are of '
                             f'{OFFICIAL_ARCHS} (pyskl ones: --from pyskl)')
        converted = convert_official_state_dict(state, with_frm, official,
                                                arch)
    model = MODELS.build(model_cfg)
    filled = load_converted(model, converted.state_dict, official, arch)
    meta = dict(mmcl_converted_from=osp.abspath(official),
                mmcl_converted_layout=source,
                mmcl_official_dropped=summarize_dropped(converted.dropped))
    save_checkpoint_atomic(
        dict(meta=meta, state_dict=model.state_dict()), out)
    cfg.model = model_cfg
    for key in ('train_dataloader', 'train_cfg', 'optim_wrapper',
                'param_scheduler', 'load_from', 'resume'):
        cfg.pop(key, None)
    cfg.dump(osp.splitext(out)[0] + '.py')
    return dict(
        arch=arch,
        num_tensors=len(converted.state_dict),
        dropped=summarize_dropped(converted.dropped),
        graph_filled=len(filled),
        num_params=sum(p.numel() for p in model.parameters()))


def main(argv: Optional[List[str]] = None) -> Dict:
    args = parse_args(argv)
    summary = convert(args.official, args.config, args.out, args.with_frm,
                      args.source)
    dropped = ', '.join(f'{k} ({n})' for k, n in summary['dropped'].items())
    print(f'converted {summary["num_tensors"]} tensors of a {args.source} '
          f'{summary["arch"]} ({summary["num_params"]:,} parameters) -> '
          f'{args.out}')
    if dropped:
        kind = 'training-only' if args.source == 'official' else 'unused'
        print(f'dropped {kind} tensors: {dropped}')
    if summary['graph_filled']:
        print(f'{summary["graph_filled"]} fixed graphs filled in '
              '(non-adaptive model)')
    return summary


if __name__ == '__main__':
    try:
        main()
    except ValueError as error:
        sys.exit(f'error: {error}')
