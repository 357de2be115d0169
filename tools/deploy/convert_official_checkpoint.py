"""Convert an official CTR-GCN / MMCL checkpoint into this plugin's model.

``python tools/deploy/convert_official_checkpoint.py OFFICIAL.pt CONFIG
OUT.pth [--with-frm]``

``CONFIG`` is a config of this plugin with the same model (CTR-GCN
backbone, class count, persons, in-channels), e.g.
``configs/mmcl/mmcl-ctrgcn_4xb16-joint-u64-65e_ntu120-xsub-keypoint-3d.py``
for an NTU120 X-Sub joint checkpoint. Writes ``OUT.pth`` (mmengine
checkpoint) and ``OUT.py`` (its test config):

- by default the skeleton-only (deployed) model, a ``RecognizerGCN``:
  test it with ``tools/test.py OUT.py OUT.pth``, export it with
  ``tools/deploy/export_onnx.py``;
- with ``--with-frm`` (official MMCL checkpoints) the ``MMCLRecognizer``
  with the FRM head and without FAM, for
  ``tools/analysis/transfer_eval.py --refine``.

Every converted tensor must fit the built model (names and shapes), so a
config that does not match the checkpoint fails with the list of
mismatches; training-only FAM tensors (and the FRM ones without
``--with-frm``) are reported as dropped.
"""
import argparse
import copy
import os.path as osp
import sys
from typing import Dict, List, Optional

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(
    __file__)))))
import mmcl_plugin  # noqa: E402,F401  (compat fixes before mmaction)
from mmengine.config import Config  # noqa: E402

from mmcl_plugin.apis import (inference_model_config,  # noqa: E402
                              save_checkpoint_atomic)
from mmcl_plugin.apis.convert_official import (  # noqa: E402
    convert_official_state_dict, load_converted, load_official_checkpoint,
    summarize_dropped)
from mmcl_plugin.utils import (add_trust_argument,  # noqa: E402
                               trust_pickles)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Convert an official CTR-GCN / MMCL checkpoint')
    parser.add_argument('official', help='official checkpoint (.pt/.pth)')
    parser.add_argument('config', help='plugin config of the same model')
    parser.add_argument('out', help='output checkpoint (.pth)')
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


def convert(official: str, config: str, out: str,
            with_frm: bool = False) -> Dict:
    """Convert, verify and save; returns a summary."""
    from mmaction.registry import MODELS
    from mmaction.utils import register_all_modules
    register_all_modules()
    cfg = Config.fromfile(config)
    state = load_official_checkpoint(official)
    converted = convert_official_state_dict(state, with_frm, official)
    model_cfg = target_model_config(cfg, with_frm)
    model = MODELS.build(model_cfg)
    filled = load_converted(model, converted.state_dict, official)
    meta = dict(mmcl_converted_from=osp.abspath(official),
                mmcl_official_dropped=summarize_dropped(converted.dropped))
    save_checkpoint_atomic(
        dict(meta=meta, state_dict=model.state_dict()), out)
    cfg.model = model_cfg
    for key in ('train_dataloader', 'train_cfg', 'optim_wrapper',
                'param_scheduler', 'load_from', 'resume'):
        cfg.pop(key, None)
    cfg.dump(osp.splitext(out)[0] + '.py')
    return dict(
        num_tensors=len(converted.state_dict),
        dropped=summarize_dropped(converted.dropped),
        graph_filled=len(filled),
        num_params=sum(p.numel() for p in model.parameters()))


def main(argv: Optional[List[str]] = None) -> Dict:
    args = parse_args(argv)
    summary = convert(args.official, args.config, args.out, args.with_frm)
    dropped = ', '.join(f'{k} ({n})' for k, n in summary['dropped'].items())
    print(f'converted {summary["num_tensors"]} tensors '
          f'({summary["num_params"]:,} parameters) -> {args.out}')
    if dropped:
        print(f'dropped training-only tensors: {dropped}')
    if summary['graph_filled']:
        print(f'{summary["graph_filled"]} fixed graphs set to the official '
              'NTU graph (non-adaptive model)')
    return summary


if __name__ == '__main__':
    try:
        main()
    except ValueError as error:
        sys.exit(f'error: {error}')
