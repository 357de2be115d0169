"""Export the skeleton-only model to ONNX and check it with onnxruntime.

``python tools/deploy/export_onnx.py CONFIG CHECKPOINT OUT.onnx
[--class-names ntu60]``

``CHECKPOINT`` may be an MMCL checkpoint (its FAM / FRM are dropped), an
exported one (``export_inference_model.py``) or a converted official one.
The graph takes (N, M, T, V, C) clips with a dynamic batch N and returns
(N, num_classes) logits; the config's test pipeline, clip averaging and
the class names are stored in the file's metadata for
``tools/deploy/infer_skeleton.py``. Before writing, the ONNX model is run
with onnxruntime on random clips of several batch sizes and compared with
PyTorch: the export fails if the largest logit difference exceeds
``--atol`` + ``--rtol`` x the largest |logit| (1e-4 + 1e-4 x max|logit|:
float32 rounding grows with the logits' magnitude). The file is written
atomically.
"""
import argparse
import sys
from typing import Dict, List, Optional

import mmcl_plugin  # noqa: E402,F401  (compat fixes before mmaction)
import numpy as np  # noqa: E402
from mmengine.config import Config  # noqa: E402

from mmcl_tools.deploy.onnx_export import (DEFAULT_OPSET, deployment_metadata,  # noqa: E402
                                           export_onnx, onnx_parity,
                                           ort_session, save_onnx_atomic)
from mmcl_tools.deploy.skeleton_inference import (build_deployed_model,  # noqa: E402
                                                  clip_shape, input_spec,
                                                  config_test_pipeline)
from mmcl_tools.evaluation import get_class_names  # noqa: E402
from mmcl_plugin.utils import (add_trust_argument,  # noqa: E402
                               trust_pickles)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Export the skeleton-only model to ONNX')
    parser.add_argument('config', help='config of the model')
    parser.add_argument('checkpoint', help='checkpoint (MMCL or exported)')
    parser.add_argument('out', help='output .onnx file')
    parser.add_argument(
        '--class-names',
        help='ntu60, ntu120, nwucla, utd_mhad, sysu or a file with one name '
        'per line (default: NTU by class count, else numbered)')
    parser.add_argument('--opset', type=int, default=DEFAULT_OPSET)
    parser.add_argument('--atol', type=float, default=1e-4,
                        help='allowed |ONNX - PyTorch| logit difference '
                        '(absolute part)')
    parser.add_argument('--rtol', type=float, default=1e-4,
                        help='allowed difference relative to the largest '
                        '|logit|')
    parser.add_argument('--check-batches', type=int, nargs='+',
                        default=[1, 3],
                        help='batch sizes of the parity check')
    parser.add_argument('--seed', type=int, default=0)
    add_trust_argument(parser)
    args = parser.parse_args(argv)
    if args.trust_pickles:
        trust_pickles()
    return args


def export(config: str, checkpoint: str, out: str,
           class_names: Optional[str] = None,
           opset: int = DEFAULT_OPSET,
           atol: float = 1e-4,
           check_batches: List[int] = (1, 3),
           seed: int = 0,
           rtol: float = 1e-4) -> Dict:
    """Export, check against PyTorch, write; returns a summary."""
    from mmaction.utils import register_all_modules
    register_all_modules()
    cfg = Config.fromfile(config)
    model = build_deployed_model(cfg, checkpoint)
    pipeline = config_test_pipeline(cfg)
    spec = input_spec(pipeline, model.backbone)
    shape = clip_shape(spec)
    names = get_class_names(class_names, model.cls_head.num_classes)
    metadata = deployment_metadata(pipeline, model.cls_head.average_clips,
                                   names, shape)
    proto = export_onnx(model, shape, metadata, opset)
    session = ort_session(proto)
    rng = np.random.default_rng(seed)
    batches = [rng.standard_normal((n, ) + shape).astype(np.float32)
               for n in check_batches]
    diff, scale = onnx_parity(session, model, batches)
    allowed = atol + rtol * scale
    if not diff <= allowed:
        raise ValueError(f'ONNX and PyTorch logits differ by {diff:.3g} '
                         f'(> {atol:g} + {rtol:g} x max|logit| {scale:.3g}); '
                         f'{out} not written')
    save_onnx_atomic(proto, out)
    return dict(max_abs_diff=diff, max_abs_logit=scale, clip_shape=shape,
                num_clips=spec['num_clips'],
                num_classes=model.cls_head.num_classes)


def main(argv: Optional[List[str]] = None) -> Dict:
    args = parse_args(argv)
    summary = export(args.config, args.checkpoint, args.out,
                     args.class_names, args.opset, args.atol,
                     args.check_batches, args.seed, args.rtol)
    print(f'exported {args.out}: input skeleton (N, '
          f'{", ".join(map(str, summary["clip_shape"]))}), output logits '
          f'(N, {summary["num_classes"]}); onnxruntime vs PyTorch max |diff| '
          f'{summary["max_abs_diff"]:.2e} on batches {args.check_batches}')
    return summary


if __name__ == '__main__':
    try:
        main()
    except ValueError as error:
        sys.exit(f'error: {error}')
