"""Cost of MMCL's training-only branches against the baseline, one run.

``python benchmarks/benchmark_train_step.py [--config C] [--batch-size N]``

On the same synthetic batch (skeletons, frame strips, text features) it
times one optimiser step (forward, backward, SGD update) of:

* the baseline (the config's model with ``fam_head=None, frm_head=None``),
* MMCL with the online image encoder (strips through the CNN every step),
* MMCL with a frozen encoder and cached strip features,

and prints the median step time and its ratio to the baseline, then the
parameters and FLOPs of the deployed (inference) model against the
baseline's, and those of the FAM image encoder on one strip as the
config's data preprocessor prepares it (e.g. resized to a shorter side of
299 for the Inception-v3 preset). The online variant's step includes that
preparation (resize, normalisation) of the uint8 strips.
``--no-timing`` prints the costs only.
"""
import argparse
import copy
import statistics
import time

import mmcl_plugin  # noqa: E402,F401  (compat fixes before mmaction)
import torch  # noqa: E402
from mmengine.config import Config  # noqa: E402

from mmcl_tools.deploy import inference_model_config  # noqa: E402
from mmcl_plugin.utils.config_helpers import (  # noqa: E402
    innermost_dataset_cfg, train_pipeline_cfg)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--config', default='configs/mmcl_ctrgcn_ntu60.py')
    parser.add_argument('--batch-size', type=int, default=16)
    parser.add_argument('--clip-len', type=int, default=64)
    parser.add_argument('--num-person', type=int, default=2)
    parser.add_argument(
        '--strip-size', type=int, nargs=2, default=None,
        help='strip H W (default: from the config BuildFrameStrip step)')
    parser.add_argument('--text-len', type=int, default=8)
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--iters', type=int, default=5)
    parser.add_argument(
        '--device',
        default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--no-timing', action='store_true',
        help='print parameters and FLOPs only (no train steps)')
    return parser.parse_args()


def strip_size_of(cfg: Config):
    """(H, W) of the config's BuildFrameStrip step."""
    for step in train_pipeline_cfg(innermost_dataset_cfg(
            cfg.train_dataloader)):
        if step['type'] == 'BuildFrameStrip':
            return tuple(step.get('strip_size', (224, 1120)))
    raise KeyError('the config has no BuildFrameStrip step')


def model_variants(model_cfg: dict) -> dict:
    """Model configs of the compared variants."""
    model_cfg = copy.deepcopy(model_cfg)
    if model_cfg.get('fam_head', None):
        model_cfg['fam_head']['image_encoder']['init_cfg'] = None
        model_cfg['fam_head']['loss_align']['gather_distributed'] = False
    baseline = dict(model_cfg, fam_head=None, frm_head=None)
    frozen = copy.deepcopy(model_cfg)
    frozen['fam_head']['frozen'] = True
    return dict(
        baseline=baseline, mmcl_online=model_cfg, mmcl_frozen_cache=frozen)


def synthetic_batch(args, strip_size, text_channels, num_joints,
                    in_channels, num_classes, encoder_channels):
    g = torch.Generator().manual_seed(args.seed)
    n = args.batch_size
    dev = args.device
    inputs = torch.randn(n, 1, args.num_person, args.clip_len, num_joints,
                         in_channels, generator=g).to(dev)
    labels = torch.randint(0, num_classes, (n, ), generator=g)
    return dict(
        inputs=inputs,
        labels=labels,
        frame_strips=torch.randint(
            0, 256, (n, 3, *strip_size), generator=g,
            dtype=torch.uint8).to(dev),
        strip_features=torch.randn(n, encoder_channels, generator=g).to(dev),
        # one prompt of text_len answer tokens: (N, P=1, L, D), (N, 1, L)
        text_features=torch.randn(n, 1, args.text_len, text_channels,
                                  generator=g).to(dev),
        text_masks=torch.ones(n, 1, args.text_len,
                              dtype=torch.bool).to(dev))


def time_train_step(model, batch, variant, args) -> float:
    """Median seconds of one optimiser step."""
    from mmaction.structures import ActionDataSample
    samples = [
        ActionDataSample().set_gt_label(int(y)) for y in batch['labels']
    ]
    kwargs = dict(text_features=batch['text_features'],
                  text_masks=batch['text_masks'])
    if variant == 'mmcl_online':
        kwargs['frame_strips'] = None  # prepared in the timed step
    elif variant == 'mmcl_frozen_cache':
        kwargs['strip_features'] = batch['strip_features']
    else:
        kwargs = {}
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.SGD(params, lr=0.01, momentum=0.9)
    model.train()
    times = []
    for step in range(args.warmup + args.iters):
        if args.device.startswith('cuda'):
            torch.cuda.synchronize()
        start = time.perf_counter()
        if variant == 'mmcl_online':
            kwargs['frame_strips'] = model.data_preprocessor.prepare_strips(
                batch['frame_strips'])
        losses = model.loss(batch['inputs'], samples, **kwargs)
        loss = sum(v for k, v in losses.items() if k.startswith('loss'))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if args.device.startswith('cuda'):
            torch.cuda.synchronize()
        if step >= args.warmup:
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def complexity(model, args, num_joints, in_channels):
    """(params, FLOPs) of a skeleton-only model for one clip."""
    from mmengine.analysis import get_model_complexity_info
    model = copy.deepcopy(model).cpu().eval()
    model.forward = model._forward  # tensor mode: backbone + head
    shape = (1, 1, args.num_person, args.clip_len, num_joints, in_channels)
    info = get_model_complexity_info(
        model, input_shape=None, inputs=(torch.zeros(shape), 'head'),
        show_table=False, show_arch=False)
    return info['params'], info['flops']


def encoder_complexity(model, strip_size):
    """(params, FLOPs, input shape) of the FAM image encoder on one strip
    prepared by the model's data preprocessor."""
    from mmengine.analysis import get_model_complexity_info
    strip = torch.zeros(1, 3, *strip_size, dtype=torch.uint8)
    prepared = model.data_preprocessor.prepare_strips(strip).cpu()
    encoder = copy.deepcopy(model.fam_head.image_encoder).cpu()
    encoder.eval()  # mmpretrain's ResNet.train() returns None: no chaining
    info = get_model_complexity_info(
        encoder, input_shape=None, inputs=(prepared, ), show_table=False,
        show_arch=False)
    return info['params'], info['flops'], tuple(prepared.shape[-2:])


def main() -> None:
    args = parse_args()
    from mmaction.registry import MODELS
    from mmaction.utils import register_all_modules
    register_all_modules()
    cfg = Config.fromfile(args.config)
    strip_size = tuple(args.strip_size or strip_size_of(cfg))
    variants = model_variants(cfg.model.to_dict())
    mmcl_cfg = variants['mmcl_online']
    graph_layout = mmcl_cfg['backbone']['graph_cfg']['layout']
    from mmaction.models.utils import Graph
    num_joints = Graph(layout=graph_layout).num_node
    in_channels = mmcl_cfg['backbone'].get('in_channels', 3)
    batch = synthetic_batch(
        args, strip_size, mmcl_cfg['frm_head']['text_channels'], num_joints,
        in_channels, mmcl_cfg['cls_head']['num_classes'],
        mmcl_cfg['fam_head']['encoder_channels'])

    print(f'config {args.config}; device {args.device}; batch '
          f'{args.batch_size} x {args.clip_len} frames; strip {strip_size}; '
          f'{args.iters} timed steps after {args.warmup} warm-up')
    models, seconds = {}, {}
    for name, model_cfg in variants.items():
        torch.manual_seed(args.seed)
        models[name] = MODELS.build(model_cfg).to(args.device)
        if not args.no_timing:
            seconds[name] = time_train_step(models[name], batch, name, args)
    if seconds:
        print(f'{"train step":<20}{"seconds":>10}{"x baseline":>12}')
        for name, sec in seconds.items():
            print(f'{name:<20}{sec:>10.3f}'
                  f'{sec / seconds["baseline"]:>12.2f}')

    deployed = MODELS.build(inference_model_config(mmcl_cfg))
    base_params, base_flops = complexity(models['baseline'], args,
                                         num_joints, in_channels)
    dep_params, dep_flops = complexity(deployed, args, num_joints,
                                       in_channels)
    mmcl_params = sum(p.numel() for p in models['mmcl_online'].parameters())
    print(f'{"inference model":<20}{"params":>14}{"GFLOPs/clip":>14}')
    print(f'{"baseline":<20}{base_params:>14,}{base_flops / 1e9:>14.3f}')
    print(f'{"MMCL deployed":<20}{dep_params:>14,}{dep_flops / 1e9:>14.3f}')
    print(f'(MMCL in training: {mmcl_params:,} params with FAM and FRM)')
    print(f'deployed == baseline: params {dep_params == base_params}, '
          f'FLOPs {dep_flops == base_flops}')
    enc_params, enc_flops, enc_size = encoder_complexity(
        models['mmcl_online'], strip_size)
    encoder_type = mmcl_cfg['fam_head']['image_encoder']['type']
    print(f'FAM encoder {encoder_type}: {enc_params:,} params, '
          f'{enc_flops / 1e9:.2f} GFLOPs per strip (input '
          f'{enc_size[0]} x {enc_size[1]})')


if __name__ == '__main__':
    main()
