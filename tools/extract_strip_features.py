"""Cache the frame-strip features of a frozen FAM encoder.

``python tools/extract_strip_features.py CONFIG --out-dir DIR``

Builds the FAM image encoder of CONFIG with its (pretrained) weights, makes
the strip of every training sample with the config's ``BuildFrameStrip``
settings (``strip_step``, else the train pipeline's step) over the whole
clip, and writes ``DIR/<frame_dir>.npy`` (the pooled
feature, float32). Resumable: samples with a file are skipped, writes are
atomic. Failed samples are listed at the end (``--strict`` stops at the
first). Train with ``fam_head.frozen=True`` and ``LoadStripFeature``
reading ``strip_feature_root=DIR``.
"""
import argparse
import os.path as osp
import sys

import mmcl_plugin  # noqa: E402,F401  (compat fixes before mmaction)
import torch  # noqa: E402
from mmengine.config import Config  # noqa: E402
from tqdm import tqdm  # noqa: E402

from mmcl_tools.strips import (StripDataset, collate_strips,  # noqa: E402
                               offline_data_infos, strip_step_cfg)
from mmcl_plugin.utils import DieWithParent, save_npy_atomic  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[1])
    parser.add_argument('config', help='MMCL training config')
    parser.add_argument('--out-dir', required=True, help='feature directory')
    parser.add_argument(
        '--split',
        default=None,
        help='dataset split (default: the train dataloader split)')
    parser.add_argument('--batch-size', type=int, default=32)
    parser.add_argument('--num-workers', type=int, default=2)
    parser.add_argument(
        '--device',
        default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument(
        '--strict', action='store_true', help='stop at the first failure')
    return parser.parse_args()


def build_encoder(cfg: Config, device: str):
    """The FAM head with its encoder weights, in eval mode."""
    from mmaction.registry import MODELS
    fam_cfg = dict(cfg.model.fam_head)
    fam_cfg.setdefault('feat_channels', cfg.model.cls_head.in_channels)
    head = MODELS.build(fam_cfg)
    head.init_weights()
    return head.to(device).eval()


def build_strip_preprocessor(cfg: Config, device: str):
    """The config's ``MMCLDataPreprocessor``: the strips are resized and
    normalised exactly as in training."""
    from mmaction.registry import MODELS
    preprocessor = dict(cfg.model.get('data_preprocessor') or {})
    if preprocessor.get('type') != 'MMCLDataPreprocessor':
        raise ValueError(f'model.data_preprocessor of {cfg.filename} must '
                         f'be an MMCLDataPreprocessor (it normalises the '
                         f'strips), got {preprocessor.get("type")!r}')
    return MODELS.build(preprocessor).to(device)


def main() -> None:
    args = parse_args()
    from mmaction.registry import TRANSFORMS
    from mmaction.utils import register_all_modules
    register_all_modules()
    cfg = Config.fromfile(args.config)

    strip_cfg = strip_step_cfg(cfg)
    infos = offline_data_infos(cfg, args.split)
    todo = [
        info for info in infos
        if not osp.exists(osp.join(args.out_dir, info['frame_dir'] + '.npy'))
    ]
    print(f'{len(infos)} samples, {len(infos) - len(todo)} already done')

    preprocessor = build_strip_preprocessor(cfg, args.device)
    head = build_encoder(cfg, args.device)
    loader = torch.utils.data.DataLoader(
        StripDataset(todo, TRANSFORMS.build(strip_cfg)),
        batch_size=args.batch_size,
        num_workers=args.num_workers,
        collate_fn=collate_strips,
        worker_init_fn=DieWithParent())  # no orphans after a kill

    failures = []
    with torch.no_grad(), tqdm(total=len(todo), unit='sample') as bar:
        for names, strips, errors in loader:
            for name, error in zip(names, errors):
                if error is not None:
                    if args.strict:
                        raise RuntimeError(f'{name}: {error}')
                    failures.append((name, error))
            ok = [i for i, strip in enumerate(strips) if strip is not None]
            if ok:
                batch = torch.stack([strips[i] for i in ok]).to(args.device)
                feats = head.encode_strips(preprocessor.prepare_strips(batch))
                for i, feat in zip(ok, feats.cpu().numpy()):
                    save_npy_atomic(
                        feat.astype('float32'),
                        osp.join(args.out_dir, names[i] + '.npy'))
            bar.update(len(names))
    print(f'done: {len(todo) - len(failures)} written, '
          f'{len(failures)} failed')
    for name, error in failures:
        print(f'  FAILED {name}: {error}')
    if failures:
        sys.exit(1)


if __name__ == '__main__':
    main()
