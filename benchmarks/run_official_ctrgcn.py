"""Run the official CTR-GCN ``main.py`` on NW-UCLA on the CPU.

Started by ``nwucla_side_by_side.py`` (one process per run); runs in
``--run-dir``, where ``data/NW-UCLA/all_sqe`` must hold the clips (the
official feeder reads that relative path). ``main.py`` is imported from
the checkout, not copied; ``official_code.apply_shims`` adapts it to the
CPU and today's packages, and this script adds, at runtime:

- the learning rate of every iteration, read from ``--lr-file`` (a JSON
  list), set on the optimiser before each ``optimizer.step()`` (main.py
  itself only changes the lr at epoch starts: linear warm-up epochs, then
  steps); the lrs used are written to ``<work-dir>/lr_used.json``;
- optionally (``--names-file``, JSON ``{"train": [...], "test": [...]}``)
  the training and test clips restricted to those names, in name order
  (short smoke runs);
- ``<work-dir>/test_labels.json``: the test labels in the order of the
  score dumps.

The command line is main.py's own ``__main__`` logic (config file
defaults, then the arguments after ``--``), followed by
``Processor(arg).start()``.
"""
import argparse
import json
import os
import os.path as osp

BENCH_DIR = osp.dirname(osp.abspath(__file__))
import official_code  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--official', required=True)
    parser.add_argument('--run-dir', required=True)
    parser.add_argument('--lr-file', required=True)
    parser.add_argument('--names-file')
    parser.add_argument('--threads', type=int, default=0)
    parser.add_argument('main_args', nargs=argparse.REMAINDER,
                        help='-- then main.py arguments')
    args = parser.parse_args()
    if args.main_args[:1] == ['--']:
        args.main_args = args.main_args[1:]
    return args


def restrict(dataset, names) -> None:
    """Keep the clips of ``names`` (name order) in an official UCLA feeder."""
    keep = sorted((d['file_name'], i) for i, d in enumerate(dataset.data_dict)
                  if d['file_name'] in set(names))
    order = [i for _, i in keep]
    dataset.data_dict = [dataset.data_dict[i] for i in order]
    dataset.label = [dataset.label[i] for i in order]
    dataset.data = [dataset.data[i] for i in order]


def main() -> None:
    args = parse_args()
    checkout = official_code.check_checkout(args.official)
    official_code.apply_shims(cpu=True)
    official_code.add_to_path(checkout)
    import torch
    if args.threads:
        torch.set_num_threads(args.threads)
    os.chdir(args.run_dir)
    official = official_code.load_module(
        osp.join(checkout, 'main.py'), 'official_main')
    with open(args.lr_file) as f:
        lrs = json.load(f)
    names = None
    if args.names_file:
        with open(args.names_file) as f:
            names = json.load(f)

    Processor = official.Processor
    original_load_data = Processor.load_data
    original_load_optimizer = Processor.load_optimizer

    def load_data(self):
        original_load_data(self)
        if names is not None:
            for phase in ('train', 'test'):
                if phase in self.data_loader:
                    restrict(self.data_loader[phase].dataset, names[phase])
        with open(osp.join(self.arg.work_dir, 'test_labels.json'), 'w') as f:
            json.dump([int(x) for x in self.data_loader['test'].dataset.label],
                      f)

    def load_optimizer(self):
        original_load_optimizer(self)
        optimizer, step = self.optimizer, self.optimizer.step
        used = []

        def step_with_lr(*step_args, **step_kwargs):
            lr = lrs[int(self.global_step) - 1]
            for group in optimizer.param_groups:
                group['lr'] = lr
            used.append(lr)
            with open(osp.join(self.arg.work_dir, 'lr_used.json'), 'w') as f:
                json.dump(used, f)
            return step(*step_args, **step_kwargs)

        optimizer.step = step_with_lr

    Processor.load_data = load_data
    Processor.load_optimizer = load_optimizer

    # main.py's __main__ block: config file values become the defaults
    parser = official.get_parser()
    first = parser.parse_args(args.main_args)
    with open(first.config) as f:
        defaults = official.yaml.load(f)
    unknown = [k for k in defaults if k not in vars(first)]
    if unknown:
        raise SystemExit(f'{first.config}: unknown keys {unknown}')
    parser.set_defaults(**defaults)
    arg = parser.parse_args(args.main_args)
    official.init_seed(arg.seed)
    Processor(arg).start()


if __name__ == '__main__':
    main()
