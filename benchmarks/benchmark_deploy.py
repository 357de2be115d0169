"""Deployed MMCL model: ONNX Runtime against PyTorch eager, and its cost
against the baseline, in one run.

``python benchmarks/benchmark_deploy.py [--config C] [--baseline-config B]
[--threads N]``

On the same random clips (the config's test clip shape, (M, T, V, C)):

* latency: median milliseconds of one clip (batch 1), PyTorch eager
  (``torch.inference_mode``) and ONNX Runtime (CPU provider, the model
  exported by :func:`mmcl_tools.deploy.onnx_export.export_onnx`);
* throughput: clips per second at ``--batch-size`` (default 16, the 10
  test clips of a sample and more);
* ratios ONNX Runtime / PyTorch of both, and the largest logit difference;
* parameters and FLOPs (mmengine's counter, one clip) of the deployed MMCL
  model and of the baseline config's model: they must be equal (exit
  status 1 otherwise).

Both runtimes use ``--threads`` intra-op threads. Weights are random (the
cost does not depend on them).
"""
import argparse
import copy
import statistics
import sys
import time
from typing import Callable, Dict, List, Optional

import mmcl_plugin  # noqa: E402,F401  (compat fixes before mmaction)
import numpy as np  # noqa: E402
import torch  # noqa: E402
from mmengine.config import Config  # noqa: E402

from mmcl_tools.deploy import (inference_model_config,  # noqa: E402
                               skeleton_only_state_dict)
from mmcl_tools.deploy.onnx_export import (export_onnx, onnx_max_abs_diff,  # noqa: E402
                                           ort_session, run_onnx)
from mmcl_tools.deploy.skeleton_inference import (SkeletonClassifier,  # noqa: E402
                                                  clip_shape, input_spec,
                                                  config_test_pipeline)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--config', default='configs/mmcl_ctrgcn_ntu60.py')
    parser.add_argument(
        '--baseline-config',
        default='configs/ctrgcn/'
        'ctrgcn_1xb64-joint-u64-65e_ntu60-xsub-keypoint-3d.py')
    parser.add_argument('--batch-size', type=int, default=16)
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument('--iters', type=int, default=10)
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args(argv)


def median_seconds(fn: Callable[[], object], warmup: int,
                   iters: int) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(iters):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def complexity(model: torch.nn.Module, shape) -> tuple:
    """(params, FLOPs) of a skeleton recognizer for one clip."""
    from mmengine.analysis import get_model_complexity_info
    classifier = SkeletonClassifier(copy.deepcopy(model)).eval()
    info = get_model_complexity_info(
        classifier, input_shape=None,
        inputs=(torch.zeros((1, ) + tuple(shape)), ),
        show_table=False, show_arch=False)
    return info['params'], info['flops']


def build_models(args):
    """(deployed MMCL model with the MMCL model's weights, baseline)."""
    from mmaction.registry import MODELS
    cfg = Config.fromfile(args.config)
    mmcl_cfg = cfg.model.to_dict()
    if mmcl_cfg.get('fam_head') and 'image_encoder' in mmcl_cfg['fam_head']:
        mmcl_cfg['fam_head']['image_encoder']['init_cfg'] = None  # offline
    torch.manual_seed(args.seed)
    mmcl = MODELS.build(mmcl_cfg)  # PyTorch's default init: cost only
    deployed = MODELS.build(inference_model_config(mmcl_cfg))
    deployed.load_state_dict(skeleton_only_state_dict(mmcl.state_dict()),
                             strict=True)
    baseline_cfg = Config.fromfile(args.baseline_config)
    baseline = MODELS.build(inference_model_config(baseline_cfg.model))
    return cfg, mmcl, deployed.eval(), baseline.eval()


def run(args: argparse.Namespace) -> Dict:
    from mmaction.utils import register_all_modules
    register_all_modules()
    torch.set_num_threads(args.threads)
    cfg, mmcl, deployed, baseline = build_models(args)
    shape = clip_shape(
        input_spec(config_test_pipeline(cfg), deployed.backbone))
    print(f'config {args.config}; clip (M, T, V, C) = {shape}; '
          f'{args.threads} thread(s); median of {args.iters} runs after '
          f'{args.warmup} warm-up')

    session = ort_session(export_onnx(deployed, shape), args.threads)
    rng = np.random.default_rng(args.seed)
    one = rng.standard_normal((1, ) + shape).astype(np.float32)
    many = rng.standard_normal(
        (args.batch_size, ) + shape).astype(np.float32)
    diff = onnx_max_abs_diff(session, deployed, [one, many])
    eager = SkeletonClassifier(deployed).eval()
    with torch.no_grad():
        largest = float(eager(torch.from_numpy(many)).abs().max())

    def torch_fn(x):
        tensor = torch.from_numpy(x)

        def call():
            with torch.inference_mode():
                return eager(tensor)

        return call

    def ort_fn(x):
        return lambda: run_onnx(session, x)

    results = {}
    for name, make in (('pytorch_eager', torch_fn), ('onnxruntime', ort_fn)):
        latency = median_seconds(make(one), args.warmup, args.iters)
        batch = median_seconds(make(many), args.warmup, args.iters)
        results[name] = dict(latency_ms=1000 * latency,
                             throughput=args.batch_size / batch)
    base = results['pytorch_eager']
    print(f'{"runtime":<16}{"latency ms":>12}{"x eager":>9}'
          f'{"clips/s @" + str(args.batch_size):>14}{"x eager":>9}')
    for name, r in results.items():
        print(f'{name:<16}{r["latency_ms"]:>12.1f}'
              f'{r["latency_ms"] / base["latency_ms"]:>9.2f}'
              f'{r["throughput"]:>14.1f}'
              f'{r["throughput"] / base["throughput"]:>9.2f}')
    print(f'onnxruntime vs PyTorch: max |logit diff| {diff:.2e} (largest '
          f'|logit| {largest:.3g})')

    dep_params, dep_flops = complexity(deployed, shape)
    base_params, base_flops = complexity(baseline, shape)
    mmcl_params = sum(p.numel() for p in mmcl.parameters())
    print(f'{"inference model":<20}{"params":>14}{"GFLOPs/clip":>14}')
    print(f'{"baseline":<20}{base_params:>14,}{base_flops / 1e9:>14.3f}')
    print(f'{"MMCL deployed":<20}{dep_params:>14,}{dep_flops / 1e9:>14.3f}')
    print(f'(MMCL in training: {mmcl_params:,} params with FAM and FRM)')
    equal = dep_params == base_params and dep_flops == base_flops
    print(f'deployed == baseline: params {dep_params == base_params}, '
          f'FLOPs {dep_flops == base_flops}')
    return dict(runtimes=results, max_abs_diff=diff, equal=equal,
                params=dep_params, flops=dep_flops)


def main(argv: Optional[List[str]] = None) -> Dict:
    result = run(parse_args(argv))
    if not result['equal']:
        sys.exit(1)
    return result


if __name__ == '__main__':
    main()
