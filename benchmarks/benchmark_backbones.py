"""This plugin's GCN backbones against their official implementations.

``python benchmarks/benchmark_backbones.py --official-ctrgcn CTR-GCN/
--mmcl-release MMCL-Action/ [--backbones ctrgcn ctrsgcn hdgcn]
[--threads 1] [--batch-size 16] [--iters 5] [--repeats 2]
[--device cuda [--amp]] [--out benchmarks/results/backbones_speed]``

For every backbone the official model is imported from a user-fetched
checkout (never copied here): ``model/ctrgcn.py`` of CTR-GCN
(github.com/Uason-Chen/CTR-GCN), ``zero_shot/model/ctrsgcn.py`` and
``zero_shot/model/hdgcn.py`` of the MMCL release
(github.com/liujf69/MMCL-Action; HD-GCN needs ``pip install einops``).
The modules are loaded by file path, because the release's
``graph/__init__.py`` imports a module it does not ship.

The official weights are copied into the plugin's model through
:func:`mmcl_tools.deploy.convert_official.convert_official_state_dict`
and the logits compared (eval mode, largest absolute difference; the
script fails above ``--atol``). Then, on the same input (NTU60: 60
classes, 25 joints, ``--num-person`` persons, ``--clip-len`` frames) and
the same ``--threads``, it times, interleaved (official, plugin,
official, ...) so that load from other processes hits both alike:

* train step: forward, cross-entropy, backward and an SGD step (the
  official settings: momentum 0.9, Nesterov, weight decay 4e-4);
* inference: eval-mode forward without gradients.

It reports medians of ``--iters`` wall-clock times, their ratio plugin /
official (< 1: the plugin is faster), the ratio of process CPU times
(steadier on a loaded CPU machine), and repeats the whole measurement
``--repeats`` times to show the ratio's spread. ``--device cuda`` times on
a GPU (synchronised); ``--amp`` adds bf16 runs (``torch.autocast`` for the
official model, mmengine's ``AmpOptimWrapper`` with ``dtype='bfloat16'``
for the plugin's) and samples/s with and without it. Results go to
``OUT.md`` and ``OUT.json``.
"""
import argparse
import importlib.util
import json
import os.path as osp
import platform
import statistics
import sys
import time
import types
from typing import Callable, Dict, List, Optional, Tuple

import mmcl_plugin  # noqa: E402,F401  (compat fixes before mmaction)
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

from mmcl_tools.deploy.convert_official import (convert_official_state_dict,  # noqa: E402
                                                load_converted)

#: backbone -> (checkout argument, package root in the checkout, graph
#: modules, model module, official model kwargs, plugin backbone config)
SPECS = {
    'ctrgcn': ('official_ctrgcn', '', ('tools', 'ntu_rgb_d'), 'ctrgcn',
               dict(graph='graph.ntu_rgb_d.Graph',
                    graph_args=dict(labeling_mode='spatial')),
               dict(type='CTRGCN',
                    graph_cfg=dict(layout='nturgb+d', mode='spatial'))),
    'ctrsgcn': ('mmcl_release', 'zero_shot', ('tools', 'ntu_rgb_d'),
                'ctrsgcn',
                dict(graph='graph.ntu_rgb_d.Graph',
                     graph_args=dict(labeling_mode='spatial')),
                dict(type='CTRSGCN')),
    'hdgcn': ('mmcl_release', 'zero_shot',
              ('tools', 'tools_HD', 'ntu_rgb_d_hierarchy'), 'hdgcn',
              dict(graph='graph.ntu_rgb_d_hierarchy.Graph',
                   graph_args=dict(labeling_mode='spatial', CoM=1)),
              dict(type='HDGCN', graph_cfg=dict(layout='nturgb+d', com=1))),
}
ARCH = {'ctrgcn': 'CTRGCN', 'ctrsgcn': 'CTRSGCN', 'hdgcn': 'HDGCN'}
NUM_CLASSES = 60
NUM_JOINTS = 25


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--official-ctrgcn', help='CTR-GCN checkout')
    parser.add_argument('--mmcl-release', help='MMCL-Action checkout')
    parser.add_argument('--backbones', nargs='+', choices=sorted(SPECS),
                        default=['ctrgcn', 'ctrsgcn', 'hdgcn'])
    parser.add_argument('--batch-size', type=int, default=16)
    parser.add_argument('--clip-len', type=int, default=64)
    parser.add_argument('--num-person', type=int, default=2)
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--warmup', type=int, default=1)
    parser.add_argument('--iters', type=int, default=5)
    parser.add_argument('--repeats', type=int, default=2)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--amp', action='store_true',
                        help='also time bf16 autocast (CUDA)')
    parser.add_argument('--atol', type=float, default=1e-4)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--out', default=None,
                        help='write OUT.md and OUT.json')
    args = parser.parse_args(argv)
    for name in args.backbones:
        if getattr(args, SPECS[name][0]) is None:
            parser.error(f'{name} needs --{SPECS[name][0].replace("_", "-")}')
    if args.amp and not args.device.startswith('cuda'):
        parser.error("--amp needs --device cuda (mmengine's AmpOptimWrapper)")
    return args


def _load_package(root: str, package: str, names) -> None:
    """Import ``package.name`` modules of a checkout by file path."""
    pkg = types.ModuleType(package)
    pkg.__path__ = [osp.join(root, package)]
    sys.modules[package] = pkg
    for name in names:
        path = osp.join(root, package, name + '.py')
        if not osp.isfile(path):
            raise FileNotFoundError(f'{path} not found: is {root} the right '
                                    'checkout?')
        spec = importlib.util.spec_from_file_location(
            f'{package}.{name}', path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[f'{package}.{name}'] = module
        spec.loader.exec_module(module)
        setattr(pkg, name, module)


def official_model(name: str, args: argparse.Namespace) -> nn.Module:
    """The official model of ``name``, built from its checkout."""
    attr, sub, graphs, module, kwargs, _ = SPECS[name]
    root = osp.join(getattr(args, attr), sub)
    for key in [k for k in sys.modules
                if k in ('graph', 'model') or k.startswith(('graph.',
                                                            'model.'))]:
        del sys.modules[key]  # the two checkouts both have these packages
    sys.path.insert(0, root)
    try:
        _load_package(root, 'graph', graphs)
        _load_package(root, 'model', (module, ))
        model_cls = sys.modules[f'model.{module}'].Model
        return model_cls(num_class=NUM_CLASSES, num_point=NUM_JOINTS,
                         num_person=args.num_person, **kwargs)
    finally:
        sys.path.remove(root)


def plugin_model(name: str, args: argparse.Namespace) -> nn.Module:
    from mmaction.registry import MODELS
    backbone = dict(SPECS[name][5])
    backbone['num_person'] = args.num_person
    return MODELS.build(
        dict(type='RecognizerGCN', backbone=backbone,
             cls_head=dict(type='GCNHead', num_classes=NUM_CLASSES,
                           in_channels=256)))


def randomise_statistics(model: nn.Module, x: torch.Tensor) -> None:
    """Perturb the weights and set BN statistics from one batch, so that
    the logit check sees a model with trained-like statistics."""
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for param in model.parameters():
            param.add_(0.05 * torch.randn(param.shape, generator=g))
        for module in model.modules():
            if isinstance(module, nn.modules.batchnorm._BatchNorm):
                module.reset_running_stats()
                module.momentum = None
        model.train()
        model(x)
        for module in model.modules():
            if isinstance(module, nn.modules.batchnorm._BatchNorm):
                module.momentum = 0.1


class Runner:
    """One model's train step and inference on fixed inputs."""

    def __init__(self, model: nn.Module, forward: Callable, x: torch.Tensor,
                 labels: torch.Tensor, device: str, amp: bool,
                 plugin: bool) -> None:
        self.model, self.forward, self.x = model, forward, x
        self.labels, self.device, self.amp = labels, device, amp
        optimizer = torch.optim.SGD(
            model.parameters(), lr=0.01, momentum=0.9, nesterov=True,
            weight_decay=4e-4)
        self.wrapper = None
        if plugin:
            from mmengine.optim import AmpOptimWrapper, OptimWrapper
            self.wrapper = AmpOptimWrapper(
                optimizer=optimizer, dtype='bfloat16') if amp else \
                OptimWrapper(optimizer=optimizer)
        self.optimizer = optimizer

    def _sync(self) -> None:
        if self.device.startswith('cuda'):
            torch.cuda.synchronize()

    def train_step(self) -> Tuple[float, float]:
        self.model.train()
        self._sync()
        wall, cpu = time.perf_counter(), time.process_time()
        if self.wrapper is not None:
            with self.wrapper.optim_context(self.model):
                loss = nn.functional.cross_entropy(
                    self.forward(self.x).float(), self.labels)
            self.wrapper.update_params(loss)
        else:
            with torch.autocast(self.device.split(':')[0],
                                dtype=torch.bfloat16, enabled=self.amp):
                loss = nn.functional.cross_entropy(
                    self.forward(self.x).float(), self.labels)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
        self._sync()
        return time.perf_counter() - wall, time.process_time() - cpu

    def inference(self) -> Tuple[float, float]:
        self.model.eval()
        self._sync()
        wall, cpu = time.perf_counter(), time.process_time()
        with torch.no_grad(), torch.autocast(
                self.device.split(':')[0], dtype=torch.bfloat16,
                enabled=self.amp):
            self.forward(self.x)
        self._sync()
        return time.perf_counter() - wall, time.process_time() - cpu


def interleaved(runners: Dict[str, Runner], what: str, warmup: int,
                iters: int) -> Dict[str, Dict[str, float]]:
    """Median wall / CPU seconds of ``what`` for every runner."""
    times = {name: [] for name in runners}
    for step in range(warmup + iters):
        for name, runner in runners.items():
            result = getattr(runner, what)()
            if step >= warmup:
                times[name].append(result)
    return {
        name: dict(wall=statistics.median(t[0] for t in ts),
                   cpu=statistics.median(t[1] for t in ts),
                   walls=[t[0] for t in ts])
        for name, ts in times.items()
    }


def benchmark(name: str, args: argparse.Namespace) -> Dict:
    torch.manual_seed(args.seed)
    official = official_model(name, args)
    plugin = plugin_model(name, args)
    g = torch.Generator().manual_seed(args.seed)
    x_off = torch.randn(args.batch_size, 3, args.clip_len, NUM_JOINTS,
                        args.num_person, generator=g)
    randomise_statistics(official, x_off[:4, :, :16])
    converted = convert_official_state_dict(official.state_dict(),
                                            arch=ARCH[name])
    load_converted(plugin, converted.state_dict, arch=ARCH[name])
    x_plugin = x_off.permute(0, 4, 2, 3, 1).contiguous()
    labels = torch.randint(0, NUM_CLASSES, (args.batch_size, ), generator=g)
    official.eval(), plugin.eval()
    with torch.no_grad():
        diff = (official(x_off[:4]) - plugin.cls_head(
            plugin.backbone(x_plugin[:4]))).abs().max().item()
    if diff > args.atol:
        raise SystemExit(f'{name}: logits differ by {diff:.2e} > '
                         f'{args.atol}')
    device = args.device
    official.to(device), plugin.to(device)
    x_off, x_plugin = x_off.to(device), x_plugin.to(device)
    labels = labels.to(device)
    result = dict(max_abs_logit_diff=diff, modes={})
    for amp in ([False, True] if args.amp else [False]):
        runners = {
            'official': Runner(official, official, x_off, labels, device,
                               amp, plugin=False),
            'plugin': Runner(plugin,
                             lambda x: plugin.cls_head(plugin.backbone(x)),
                             x_plugin, labels, device, amp, plugin=True),
        }
        repeats = []
        for _ in range(args.repeats):
            repeats.append({
                what: interleaved(runners, what, args.warmup, args.iters)
                for what in ('train_step', 'inference')
            })
        result['modes']['bf16' if amp else 'fp32'] = repeats
    return result


def ratio(times: Dict, what: str, clock: str) -> float:
    return times[what]['plugin'][clock] / times[what]['official'][clock]


def report(results: Dict, args: argparse.Namespace) -> str:
    lines = [
        f'# GCN backbones: plugin vs official implementation\n',
        f'`{" ".join(sys.argv)}`\n',
        f'device {args.device}, {args.threads} thread(s), batch '
        f'{args.batch_size} x {args.clip_len} frames x {args.num_person} '
        f'persons x {NUM_JOINTS} joints (NTU60), {NUM_CLASSES} classes; '
        f'median of {args.iters} interleaved runs after {args.warmup} '
        f'warm-up, {args.repeats} repeats; torch {torch.__version__}, '
        f'{platform.processor() or platform.machine()}\n',
        '| backbone | precision | repeat | train s/step official | plugin |'
        ' x (wall) | x (CPU time) | inference s official | plugin | '
        'x (wall) | x (CPU time) | max abs logit diff |',
        '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |'
        ' --- |',
    ]
    for name, result in results.items():
        for mode, repeats in result['modes'].items():
            for index, times in enumerate(repeats, 1):
                tr, inf = times['train_step'], times['inference']
                lines.append(
                    f'| {name} | {mode} | {index} | '
                    f'{tr["official"]["wall"]:.3f} | '
                    f'{tr["plugin"]["wall"]:.3f} | '
                    f'{ratio(times, "train_step", "wall"):.3f} | '
                    f'{ratio(times, "train_step", "cpu"):.3f} | '
                    f'{inf["official"]["wall"]:.3f} | '
                    f'{inf["plugin"]["wall"]:.3f} | '
                    f'{ratio(times, "inference", "wall"):.3f} | '
                    f'{ratio(times, "inference", "cpu"):.3f} | '
                    f'{result["max_abs_logit_diff"]:.1e} |')
    lines += ['', 'Median over the repeats (plugin / official):', '',
              '| backbone | precision | train (wall) | train (CPU time) | '
              'inference (wall) | inference (CPU time) |',
              '| --- | --- | --- | --- | --- | --- |']
    for name, result in results.items():
        for mode, repeats in result['modes'].items():
            cells = [
                statistics.median(ratio(t, what, clock) for t in repeats)
                for what in ('train_step', 'inference')
                for clock in ('wall', 'cpu')
            ]
            lines.append(f'| {name} | {mode} | ' +
                         ' | '.join(f'{c:.3f}' for c in cells) + ' |')
    if args.amp:
        lines += ['', '| backbone | model | train samples/s fp32 | bf16 | '
                  'inference samples/s fp32 | bf16 |',
                  '| --- | --- | --- | --- | --- | --- |']
        for name, result in results.items():
            for who in ('official', 'plugin'):
                rates = []
                for what in ('train_step', 'inference'):
                    for mode in ('fp32', 'bf16'):
                        wall = statistics.median(
                            times[what][who]['wall']
                            for times in result['modes'][mode])
                        rates.append(args.batch_size / wall)
                lines.append(f'| {name} | {who} | ' +
                             ' | '.join(f'{r:.1f}' for r in
                                        (rates[0], rates[1], rates[2],
                                         rates[3])) + ' |')
    return '\n'.join(lines) + '\n'


def main(argv: Optional[List[str]] = None) -> Dict:
    args = parse_args(argv)
    from mmaction.utils import register_all_modules
    register_all_modules()
    torch.set_num_threads(args.threads)
    results = {}
    for name in args.backbones:
        results[name] = benchmark(name, args)
    text = report(results, args)
    print(text)
    if args.out:
        with open(args.out + '.md', 'w') as f:
            f.write(text)
        with open(args.out + '.json', 'w') as f:
            json.dump(dict(argv=sys.argv, args=vars(args),
                           torch=torch.__version__, results=results), f,
                      indent=1)
    return results


if __name__ == '__main__':
    main()
