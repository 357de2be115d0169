"""Export the skeleton-only (deployed) model of an MMCL checkpoint.

``python tools/deploy/export_inference_model.py CONFIG CHECKPOINT OUT.pth``

Writes ``OUT.pth`` (state dict without the training-only FAM/FRM heads,
loadable into the baseline ``RecognizerGCN``) and ``OUT.py`` (the matching
test config), checks that the deployed model loads strictly, and prints
its parameter count.
"""
import argparse
import os.path as osp

import mmcl_plugin  # noqa: E402,F401  (compat fixes before mmaction)
from mmengine.config import Config  # noqa: E402
from mmcl_plugin.engine import load_checkpoint_file  # noqa: E402

from mmcl_tools.deploy import (inference_model_config, save_checkpoint_atomic,  # noqa: E402
                               skeleton_only_state_dict)
from mmcl_plugin.utils import (add_trust_argument,  # noqa: E402
                               trust_pickles)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Export the skeleton-only model of an MMCL checkpoint')
    parser.add_argument('config', help='training config of the checkpoint')
    parser.add_argument('checkpoint', help='MMCL checkpoint')
    parser.add_argument('out', help='output checkpoint (.pth)')
    add_trust_argument(parser)
    args = parser.parse_args()
    if args.trust_pickles:
        trust_pickles()
    return args


def export(config: str, checkpoint: str, out: str) -> int:
    """Export and verify; returns the deployed model's parameter count."""
    from mmaction.registry import MODELS
    from mmaction.utils import register_all_modules
    register_all_modules()

    cfg = Config.fromfile(config)
    loaded = load_checkpoint_file(checkpoint, map_location='cpu')
    state_dict = loaded.get('state_dict', loaded)
    deployed_state = skeleton_only_state_dict(state_dict)

    deployed_cfg = inference_model_config(cfg.model)
    model = MODELS.build(deployed_cfg)
    # strict: every deployed parameter must come from the checkpoint
    model.load_state_dict(deployed_state, strict=True)

    meta = dict(loaded.get('meta', {}) or {})
    meta['mmcl_exported_from'] = osp.abspath(checkpoint)
    save_checkpoint_atomic(dict(meta=meta, state_dict=deployed_state), out)

    cfg.model = deployed_cfg
    for key in ('train_dataloader', 'train_cfg', 'optim_wrapper',
                'param_scheduler'):
        cfg.pop(key, None)
    cfg.dump(osp.splitext(out)[0] + '.py')
    return sum(p.numel() for p in model.parameters())


def main() -> None:
    args = parse_args()
    num_params = export(args.config, args.checkpoint, args.out)
    print(f'deployed model: {num_params:,} parameters -> {args.out}')


if __name__ == '__main__':
    main()
