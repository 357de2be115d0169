"""Classify one skeleton file and print the top-5 classes with scores.

``python tools/deploy/infer_skeleton.py MODEL INPUT [--sample NAME]``

- ``MODEL``: an ``.onnx`` file of ``tools/deploy/export_onnx.py`` (run with
  onnxruntime; its metadata gives the pipeline and class names), or a
  ``.pth`` checkpoint with ``--config`` (run with PyTorch).
- ``INPUT``: an NTU RGB+D ``.skeleton`` file, or an mmaction2 skeleton
  ``.pkl`` (``--sample``: the ``frame_dir`` or index of the sample when it
  holds several).

The sample goes through the config's test pipeline (all its test clips);
the clip scores are averaged as in ``tools/test.py``.
"""
import argparse
import os.path as osp
import sys
from typing import Dict, List, Optional

import mmcl_plugin  # noqa: E402,F401  (compat fixes before mmaction)
import numpy as np  # noqa: E402
import torch  # noqa: E402

from mmcl_tools.deploy.skeleton_inference import (SkeletonClassifier,  # noqa: E402
                                                  average_clips,
                                                  build_deployed_model,
                                                  load_skeleton_sample,
                                                  prepare_clips,
                                                  config_test_pipeline,
                                                  topk_classes)
from mmcl_tools.evaluation import get_class_names  # noqa: E402
from mmcl_plugin.utils import (add_trust_argument,  # noqa: E402
                               trust_pickles)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Top-k action classes of one skeleton file')
    parser.add_argument('model', help='.onnx file, or .pth with --config')
    parser.add_argument('input', help='.skeleton (NTU) or .pkl file')
    parser.add_argument('--config', help='config (needed for a .pth model; '
                        'overrides the .onnx metadata)')
    parser.add_argument('--sample', help='frame_dir or index of the sample '
                        'in a .pkl with several')
    parser.add_argument('--class-names', help='ntu60, ntu120, ... or a '
                        'file with one name per line')
    parser.add_argument('--topk', type=int, default=5)
    add_trust_argument(parser)
    args = parser.parse_args(argv)
    if args.trust_pickles:
        trust_pickles()
    return args


class OnnxBackend:
    """Clip logits from an exported ``.onnx`` file (onnxruntime)."""

    def __init__(self, path: str) -> None:
        from mmcl_tools.deploy.onnx_export import (onnx_metadata, ort_session,
                                                   read_deployment_metadata)
        self.session = ort_session(path)
        self.meta = read_deployment_metadata(
            onnx_metadata(self.session), path)

    def __call__(self, clips: np.ndarray) -> np.ndarray:
        from mmcl_tools.deploy.onnx_export import run_onnx
        return run_onnx(self.session, clips)


class TorchBackend:
    """Clip logits from a checkpoint and its config (PyTorch)."""

    def __init__(self, config: str, checkpoint: str) -> None:
        from mmengine.config import Config
        cfg = Config.fromfile(config)
        model = build_deployed_model(cfg, checkpoint)
        self.classifier = SkeletonClassifier(model).eval()
        self.meta = dict(
            test_pipeline=config_test_pipeline(cfg),
            average_clips=model.cls_head.average_clips,
            class_names=None,
            num_classes=model.cls_head.num_classes)

    def __call__(self, clips: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return self.classifier(torch.from_numpy(clips)).numpy()


def infer(model: str,
          input_path: str,
          config: Optional[str] = None,
          sample: Optional[str] = None,
          class_names: Optional[str] = None,
          topk: int = 5) -> Dict:
    """Top-k of one sample; returns the annotation name, label and top-k."""
    from mmaction.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    if model.endswith('.onnx'):
        backend = OnnxBackend(model)
        if config is not None:
            from mmengine.config import Config
            backend.meta['test_pipeline'] = config_test_pipeline(
                Config.fromfile(config))
    else:
        if config is None:
            raise ValueError(f'{model}: a .pth model needs --config')
        backend = TorchBackend(config, model)
    annotation = load_skeleton_sample(input_path, sample)
    clips = prepare_clips(annotation, backend.meta['test_pipeline'])
    scores = average_clips(backend(clips), backend.meta['average_clips'])
    if class_names is not None or backend.meta['class_names'] is None:
        names = get_class_names(class_names, len(scores))
    else:
        names = backend.meta['class_names']
    label = annotation.get('label')
    return dict(
        frame_dir=str(annotation.get('frame_dir', osp.basename(input_path))),
        label=None if label is None else int(label),
        label_name=None if label is None or not 0 <= int(label) < len(names)
        else names[int(label)],
        num_clips=int(clips.shape[0]),
        topk=topk_classes(scores, names, topk))


def main(argv: Optional[List[str]] = None) -> Dict:
    args = parse_args(argv)
    result = infer(args.model, args.input, args.config, args.sample,
                   args.class_names, args.topk)
    truth = '' if result['label'] is None else (
        f', label {result["label"]} {result["label_name"]}')
    print(f'{result["frame_dir"]}{truth} ({result["num_clips"]} clips)')
    for rank, (class_id, name, score) in enumerate(result['topk'], 1):
        print(f'{rank:>2}. {class_id:>4}  {name:<52} {score:.4f}')
    return result


if __name__ == '__main__':
    try:
        main()
    except ValueError as error:
        sys.exit(f'error: {error}')
