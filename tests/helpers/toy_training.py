"""A tiny mmengine training (a second per epoch) that draws random numbers
everywhere a real one does: sample "augmentation" from Python's, NumPy's
and torch's global generators, dropout, a shuffling sampler, and a
validation pipeline that re-seeds NumPy (as mmaction2's test-mode
``UniformSampleFrames`` does).

``python toy_training.py WORK_DIR MAX_EPOCHS [--resume] [--num-workers N]``
runs it in a fresh process (for kill tests); the exit status is the
training's.
"""
import argparse
import random
import uuid
from typing import Dict, Optional

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.evaluator import BaseMetric
from mmengine.logging import MessageHub
from mmengine.model import BaseModel
from mmengine.runner import Runner

from mmcl_plugin.engine import SafeRunner
from torch.utils.data import Dataset


class RandomDataset(Dataset):
    """Samples whose values depend on every global generator."""

    def __init__(self, length: int, test_mode: bool = False) -> None:
        self.length = length
        self.test_mode = test_mode

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, index: int) -> Dict:
        if self.test_mode:
            np.random.seed(255)
        noise = (torch.from_numpy(np.random.randn(4).astype(np.float32)) +
                 torch.rand(4) + random.random())
        return dict(inputs=torch.full((4, ), float(index)) + noise,
                    label=torch.tensor(index % 2))


class ToyModel(BaseModel):
    """A linear classifier behind dropout."""

    def __init__(self) -> None:
        super().__init__()
        self.drop = nn.Dropout(0.5)
        self.fc = nn.Linear(4, 2)

    def forward(self, inputs, label, mode: str = 'tensor'):
        logits = self.fc(self.drop(inputs))
        if mode == 'loss':
            return dict(loss=F.cross_entropy(logits, label))
        if mode == 'predict':
            return [
                dict(pred=p, label=t) for p, t in zip(logits.argmax(1), label)
            ]
        return logits


class TrainingProgress(BaseMetric):
    """A metric that improves at every validation, also across a resume
    (the training iteration), so that every epoch writes a new best
    checkpoint."""

    def process(self, data_batch, data_samples) -> None:
        self.results.extend(data_samples)

    def compute_metrics(self, results) -> Dict:
        return dict(
            acc=float(MessageHub.get_current_instance().get_info('iter')))


def make_runner(work_dir: str,
                max_epochs: int,
                resume: bool = False,
                num_workers: int = 0,
                hook: Optional[str] = 'SafeCheckpointHook',
                max_keep_ckpts: int = 1,
                launcher: str = 'none') -> Runner:
    """The toy training (in the runtime base's :class:`SafeRunner`);
    ``hook`` names the checkpoint hook type."""
    loader = dict(batch_size=2,
                  num_workers=num_workers,
                  persistent_workers=False,
                  collate_fn=dict(type='default_collate'))
    torch.manual_seed(0)  # the same initial weights in every run
    return SafeRunner(
        model=ToyModel(),
        work_dir=work_dir,
        train_dataloader=dict(dataset=RandomDataset(8),
                              sampler=dict(type='DefaultSampler',
                                           shuffle=True),
                              **loader),
        val_dataloader=dict(dataset=RandomDataset(4, test_mode=True),
                            sampler=dict(type='DefaultSampler', shuffle=False),
                            **loader),
        val_evaluator=[TrainingProgress()],
        val_cfg=dict(),
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs, val_interval=1),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9)),
        default_hooks=dict(checkpoint=dict(type=hook,
                                           interval=1,
                                           max_keep_ckpts=max_keep_ckpts,
                                           save_best='auto'),
                           logger=dict(type='LoggerHook', interval=1)),
        randomness=dict(seed=0),
        resume=resume,
        launcher=launcher,
        env_cfg=dict(dist_cfg=dict(backend='gloo')),
        # distributed: DDP of a model on the CPU, as the CPU configs name it
        # (the runner reads model_wrapper_cfg from its cfg only)
        cfg=None if launcher == 'none' else dict(model_wrapper_cfg=dict(
            type='CPUDistributedDataParallel', broadcast_buffers=False)),
        default_scope='mmaction',
        experiment_name=f'toy_{uuid.uuid4().hex[:12]}')


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument('work_dir')
    parser.add_argument('max_epochs', type=int)
    parser.add_argument('--resume', action='store_true')
    parser.add_argument('--num-workers', type=int, default=0)
    parser.add_argument('--launcher', default='none')
    parser.add_argument('--max-keep-ckpts', type=int, default=1)
    args = parser.parse_args()
    if args.launcher != 'none':
        # as tools/train.py does: torchrun without CUDA
        from mmcl_tools.runs.launchers import fix_cpu_launchers
        fix_cpu_launchers()
    # the fault-injecting subclass: MMCL_CHECKPOINT_FAULT kills the run at
    # a stage of a save (unset: SafeCheckpointHook's behaviour)
    runner = make_runner(args.work_dir,
                         args.max_epochs,
                         args.resume,
                         args.num_workers,
                         hook='FaultInjectionCheckpointHook',
                         max_keep_ckpts=args.max_keep_ckpts,
                         launcher=args.launcher)
    runner.train()
    model = getattr(runner.model, 'module', runner.model)
    print(
        'weights', ' '.join(f'{v:.8g}' for v in torch.cat(
            [p.detach().flatten() for p in model.state_dict().values()])))


if __name__ == '__main__':
    import checkpoint_faults  # noqa: F401  (registers the faulty hook)
    main()
