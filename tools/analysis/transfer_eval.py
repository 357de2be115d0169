"""Zero-shot transfer: test an NTU-trained model on another dataset.

The other dataset (UTD-MHAD, SYSU-3D, ... converted to NTU's 25-joint
layout, see README "Data") is read with the config's *test* pipeline; only
the samples of classes that the mapping table maps are evaluated::

    python tools/analysis/transfer_eval.py CONFIG deployed.pth \\
        --ann-file data/skeleton/utd_mhad_ntu25.pkl \\
        --mapping configs/transfer/utd_mhad_to_ntu120.json [--restrict]

Prints top-1 / top-5 overall and per mapped class. ``--restrict`` ranks
only the mapped NTU classes. ``--test-pipeline-from OTHER_CONFIG`` reads
the samples with another config's test pipeline instead, e.g. the
official-recipe one (``configs/ctrgcn/ctrgcn_*``: the official
centring and 95 % crop) for checkpoints converted from the official code,
which were trained on that data path. ``--refine`` applies MMCL's FRM with text
features at test time, read from ``--text-feature-root`` (one
``<frame_dir>.npy`` file per sample) or ``--text-feature-cache`` (a cache
of ``tools/extract_text_features.py``, read with the config's training
``LoadTextFeatureFromCache`` settings); it needs the MMCL checkpoint with
its FRM head, not the exported skeleton-only one. ``--out`` writes
the report as JSON, ``--dump`` the scores in ``tools/test.py --dump``'s
format (labels = the mapped NTU ids) for ``analyze_results.py``.
"""
import argparse
import copy
import logging
import os.path as osp
import sys
import tempfile
from typing import Dict, List, Optional, Tuple

import mmcl_plugin  # noqa: E402,F401  (compat fixes before mmaction)
import numpy as np  # noqa: E402
import torch  # noqa: E402
from mmengine.config import Config  # noqa: E402
from tqdm import tqdm  # noqa: E402

from mmcl_tools.deploy import (inference_model_config,  # noqa: E402
                               skeleton_only_state_dict)
from mmcl_tools.evaluation import save_score_dump  # noqa: E402
from mmcl_tools.evaluation import (format_transfer_report, load_class_mapping,  # noqa: E402
                                   predict_scores, transfer_report)
from mmcl_plugin.utils import (add_trust_argument,  # noqa: E402
                               dump_json_atomic, dump_pickle_atomic,
                               load_pickle, train_pipeline_cfg,
                               trust_pickles)
from mmcl_tools.runs.dict_action import DictAction  # noqa: E402

logger = logging.getLogger('mmcl.transfer')
#: Split name of the filtered annotation file.
SUBSET = 'transfer'


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Zero-shot transfer of a trained model to another '
        'dataset through a class mapping')
    parser.add_argument('config', help='config of the trained model')
    parser.add_argument('checkpoint', help='checkpoint (MMCL or exported)')
    parser.add_argument('--ann-file', required=True,
                        help='skeleton pickle of the other dataset')
    parser.add_argument('--mapping', required=True,
                        help='class-mapping table (configs/transfer/*.json)')
    parser.add_argument('--split', default='all',
                        help="split of the pickle to use ('all'; 'none' = "
                        'every annotation)')
    parser.add_argument('--test-pipeline-from', metavar='CONFIG',
                        help="read the samples with this config's test "
                        'pipeline (default: that of the model config)')
    parser.add_argument('--restrict', action='store_true',
                        help='rank only the mapped target classes')
    parser.add_argument('--refine', action='store_true',
                        help='apply the FRM with text features (MMCL '
                        'checkpoint needed)')
    parser.add_argument('--text-feature-root',
                        help='for --refine: one <frame_dir>.npy text '
                        'feature file per sample')
    parser.add_argument('--text-feature-cache',
                        help='for --refine: a text-feature cache of '
                        'tools/extract_text_features.py (read as the '
                        "config's LoadTextFeatureFromCache step says)")
    parser.add_argument('--batch-size', type=int, default=16)
    parser.add_argument('--num-workers', type=int, default=2)
    parser.add_argument(
        '--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--out', help='JSON report')
    parser.add_argument('--dump', help='scores in the dump format (.pkl)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries')
    add_trust_argument(parser)
    args = parser.parse_args(argv)
    if args.trust_pickles:
        trust_pickles()
    if args.refine and not (args.text_feature_root or
                            args.text_feature_cache):
        parser.error('--refine needs --text-feature-root or '
                     '--text-feature-cache')
    return args


def select_annotations(data: Dict, split: Optional[str], mapping,
                       ann_file: str) -> Tuple[List[Dict], int]:
    """The split's annotations of mapped classes, and the unmapped count."""
    if not isinstance(data, dict) or 'annotations' not in data:
        raise ValueError(f'{ann_file}: expected a dict with "split" and '
                         '"annotations" (an mmaction2 skeleton pickle)')
    annotations = data['annotations']
    if split is not None:
        splits = data.get('split') or {}
        if split not in splits:
            raise ValueError(f'{ann_file}: no split {split!r}; it has '
                             f'{sorted(splits)}')
        names = set(splits[split])
        annotations = [a for a in annotations if a['frame_dir'] in names]
    if not annotations:
        raise ValueError(f'{ann_file}: split {split!r} has no sample')
    labels = np.asarray([a['label'] for a in annotations])
    _, mapped = mapping.map_labels(labels)
    kept = [a for a, m in zip(annotations, mapped) if m]
    if not kept:
        raise ValueError(f'{ann_file}: none of the {len(annotations)} '
                         f'samples of split {split!r} is of a class mapped '
                         f'by {mapping.path}')
    return kept, int((~mapped).sum())


def unwrap_dataset(dataset: Dict) -> Dict:
    """The dataset config inside ``RepeatDataset`` wrappers."""
    while dataset.get('type') == 'RepeatDataset':
        dataset = dataset['dataset']
    return dict(dataset)


def use_test_pipeline_of(cfg: Config, other: Config) -> None:
    """Give ``cfg``'s test dataset the test pipeline of ``other``."""
    pipeline = unwrap_dataset(other.test_dataloader.dataset).get('pipeline')
    if not pipeline:
        raise ValueError(f'{other.filename}: no test pipeline '
                         '(test_dataloader.dataset.pipeline)')
    dataset = cfg.test_dataloader.dataset
    while dataset.get('type') == 'RepeatDataset':
        dataset = dataset.dataset
    dataset.pipeline = copy.deepcopy(pipeline)


def text_loading_step(cfg: Config, text_feature_cache: Optional[str]
                      ) -> Dict:
    """The step that loads text features for --refine.

    Per-sample files: ``LoadTextFeature``. A cache: the training
    pipeline's ``LoadTextFeatureFromCache`` step (same feature kind,
    prompts and checks as in training) reading ``text_feature_cache``.
    """
    if text_feature_cache is None:
        return dict(type='LoadTextFeature')
    train = unwrap_dataset(
        (cfg.get('train_dataloader') or {}).get('dataset') or {})
    steps = [dict(s) for s in train_pipeline_cfg(train)
             if s['type'] == 'LoadTextFeatureFromCache']
    step = steps[0] if steps else dict(type='LoadTextFeatureFromCache')
    step['cache_dir'] = text_feature_cache
    return step


def dataset_config(cfg: Config, ann_file: str, refine: bool,
                   text_feature_root: Optional[str] = None,
                   text_feature_cache: Optional[str] = None) -> Dict:
    """The config's test dataset, reading ``ann_file``'s transfer subset."""
    dataset = unwrap_dataset(copy.deepcopy(cfg.test_dataloader.dataset))
    for key in ('video_root', 'strip_root', 'text_feature_root',
                'strip_feature_root', 'text_feature_cache'):
        dataset.pop(key, None)
    dataset.update(ann_file=ann_file, split=SUBSET)
    pipeline = [dict(step) for step in dataset['pipeline']]
    if refine:
        dataset['type'] = 'MMCLPoseDataset'
        if text_feature_cache is None:
            dataset['text_feature_root'] = text_feature_root
        format_at = [i for i, s in enumerate(pipeline)
                     if s['type'] == 'FormatGCNInput']
        pipeline.insert(format_at[0] if format_at else len(pipeline) - 1,
                        text_loading_step(cfg, text_feature_cache))
        if pipeline[-1]['type'] == 'PackActionInputs':
            pipeline[-1]['type'] = 'PackMMCLInputs'
    dataset['pipeline'] = pipeline
    return dataset


def build_model(cfg: Config, checkpoint: str, refine: bool,
                device: str) -> torch.nn.Module:
    """The skeleton-only model, or the MMCL model without FAM for --refine.

    Loads strictly: every parameter of the built model must be in the
    checkpoint.
    """
    from mmaction.registry import MODELS
    from mmcl_plugin.engine import load_checkpoint_file
    loaded = load_checkpoint_file(checkpoint, map_location='cpu')
    state = loaded.get('state_dict', loaded)
    state = {(k[len('module.'):] if k.startswith('module.') else k): v
             for k, v in state.items()}
    if refine:
        model_cfg = copy.deepcopy(cfg.model.to_dict() if hasattr(
            cfg.model, 'to_dict') else dict(cfg.model))
        if not model_cfg.get('frm_head'):
            raise ValueError(f'{cfg.filename}: --refine needs a config with '
                             'frm_head (an MMCL config)')
        model_cfg['fam_head'] = None  # the strip encoder is not needed
        state = {k: v for k, v in state.items()
                 if not k.startswith('fam_head.')}
        if not any(k.startswith('frm_head.') for k in state):
            raise ValueError(f'{checkpoint}: no frm_head parameters (an '
                             'exported skeleton-only checkpoint?); '
                             '--refine needs the MMCL checkpoint')
    else:
        model_cfg = inference_model_config(cfg.model)
        state = skeleton_only_state_dict(state)
    model = MODELS.build(model_cfg)
    if refine and not hasattr(model.data_preprocessor, 'batch_aux_inputs'):
        raise ValueError(f'{cfg.filename}: --refine needs the '
                         'MMCLDataPreprocessor (it batches text features)')
    model.load_state_dict(state, strict=True)
    return model.to(device).eval()


def run(args: argparse.Namespace) -> Dict:
    from mmaction.utils import register_all_modules
    from mmengine.runner import Runner
    register_all_modules(init_default_scope=True)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    if args.test_pipeline_from:
        use_test_pipeline_of(cfg, Config.fromfile(args.test_pipeline_from))
    mapping = load_class_mapping(args.mapping)
    num_classes = cfg.model.cls_head.num_classes
    if num_classes != len(mapping.target_names):
        raise ValueError(
            f'{args.config} has {num_classes} classes but {args.mapping} '
            f'maps to {mapping.target} ({len(mapping.target_names)})')
    data = load_pickle(args.ann_file)
    split = None if args.split == 'none' else args.split
    annotations, num_unmapped = select_annotations(data, split, mapping,
                                                   args.ann_file)
    model = build_model(cfg, args.checkpoint, args.refine, args.device)

    scores, labels, names = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        subset = osp.join(tmp, 'transfer.pkl')
        dump_pickle_atomic(
            dict(split={SUBSET: [a['frame_dir'] for a in annotations]},
                 annotations=annotations), subset)
        loader = Runner.build_dataloader(
            dict(
                batch_size=args.batch_size,
                num_workers=args.num_workers,
                persistent_workers=False,
                sampler=dict(type='DefaultSampler', shuffle=False),
                dataset=dataset_config(cfg, subset, args.refine,
                                       args.text_feature_root,
                                       args.text_feature_cache)))
        for batch in tqdm(loader, desc='transfer'):
            data_batch = model.data_preprocessor(batch, False)
            samples = data_batch['data_samples']
            aux = model.data_preprocessor.batch_aux_inputs(samples) \
                if args.refine else {}
            out = predict_scores(
                model, data_batch['inputs'], aux.get('text_features'),
                aux.get('text_masks'), refine=args.refine)
            scores.append(out.float().cpu().numpy())
            labels.extend(int(s.gt_label.item()) for s in samples)
            names.extend(str(s.metainfo.get('frame_dir')) for s in samples)
    scores = np.concatenate(scores)
    labels = np.asarray(labels, dtype=np.int64)
    report = transfer_report(scores, labels, mapping, restrict=args.restrict)
    report['num_unmapped'] = num_unmapped
    report.update(
        config=args.config,
        test_pipeline_from=args.test_pipeline_from,
        checkpoint=args.checkpoint,
        ann_file=args.ann_file,
        split=args.split,
        mapping=args.mapping,
        refined=bool(args.refine))
    print(format_transfer_report(report))
    if args.out:
        dump_json_atomic(report, args.out)
    if args.dump:
        targets, _ = mapping.map_labels(labels)
        save_score_dump(scores, targets, args.dump, names,
                        extra=dict(source_label=labels.tolist()))
    return report


def main(argv: Optional[List[str]] = None) -> Dict:
    logging.basicConfig(level=logging.INFO, format='%(levelname)s %(message)s')
    return run(parse_args(argv))


if __name__ == '__main__':
    try:
        main()
    except ValueError as error:
        sys.exit(f'error: {error}')
