"""Units of issue 25 (the entry-point tests are in
``tests/test_reliability/test_run_safety.py``): checksums, the NaN-loss
hook without device syncs, strict fitting of state dicts, the owned
lock, ``--cfg-options`` spaces, config values and media kinds."""
import argparse
import math
import os
import subprocess
import sys
from collections import OrderedDict
from unittest import mock

import cv2
import numpy as np
import pytest
import torch
from mmengine.logging import MessageHub

from mmcl_plugin.datasets.media import MediaError, read_image_file
from mmcl_plugin.engine.checkpoint_checksum import (CheckpointChecksumError,
                                                    add_checksum,
                                                    verify_checksum)
from mmcl_plugin.engine.checkpoint_loading import load_from_local
from mmcl_plugin.engine.hooks.finite_loss_hook import (FiniteLossHook,
                                                       NonFiniteLossError)
from mmcl_tools.runs.strict_loading import (CheckpointMismatchError,
                                               fit_state_dict)
from mmcl_tools.runs.file_lock import LockedError, OwnedLock
from mmcl_tools.runs.config_values import config_value_problems
from mmcl_tools.runs.dict_action import DictAction


# -------------------------------------------------------------- checksums
def test_checksum_covers_every_tensor_and_array(tmp_path):
    checkpoint = dict(
        meta=dict(epoch=1, iter=3),
        state_dict=OrderedDict(w=torch.randn(3, 2),
                               b=torch.zeros((), dtype=torch.bfloat16),
                               n=torch.tensor(7)),
        optimizer=dict(state={0: dict(momentum_buffer=torch.ones(2))}),
        rng_state=dict(numpy=('MT19937', np.arange(4, dtype=np.uint32))))
    add_checksum(checkpoint)
    path = str(tmp_path / 'c.pth')
    torch.save(checkpoint, path)
    loaded = load_from_local(path)
    assert verify_checksum(loaded, path) is True
    for change in (lambda c: c['state_dict']['w'].__setitem__((0, 0), 9.),
                   lambda c: c['optimizer']['state'][0]['momentum_buffer']
                   .mul_(2),
                   lambda c: c['rng_state']['numpy'][1].__setitem__(0, 5),
                   lambda c: c['state_dict'].__setitem__(
                       'w', c['state_dict']['w'].reshape(2, 3))):
        changed = load_from_local(path)
        change(changed)
        with pytest.raises(CheckpointChecksumError,
                           match=f'{path}: checksum mismatch'):
            verify_checksum(changed, path)


def test_a_checkpoint_without_checksum_loads_with_a_warning(tmp_path):
    path = str(tmp_path / 'official.pth')
    torch.save(dict(state_dict=dict(w=torch.ones(1))), path)
    with mock.patch('mmcl_plugin.engine.checkpoint_loading.print_log') as log:
        assert load_from_local(path)['state_dict']['w'].item() == 1
        load_from_local(path)  # one warning per file
    assert log.call_count == 1
    assert f'{path} carries no checksum' in log.call_args[0][0]


# ------------------------------------------------------------- NaN losses
class _NoSync:
    """A loss value that fails if the hook reads it (a device sync)."""

    def __float__(self):
        raise AssertionError('FiniteLossHook read a tensor')

    item = __float__


class _Runner:

    def __init__(self, losses):
        self.message_hub = MessageHub(f'finite_{id(self)}')
        for key, value in losses.items():  # as RuntimeInfoHook does
            self.message_hub.update_scalar(f'train/{key}', value)
        self.epoch, self.iter, self.hooks = 2, 17, []
        self.train_dataloader = [None] * 8


def test_finite_loss_hook_reads_the_logged_floats_only():
    hook = FiniteLossHook()
    outputs = dict(loss=_NoSync(), loss_cls=_NoSync(), top1_acc=_NoSync())
    hook.after_train_iter(_Runner(dict(loss=1.5, loss_cls=1.0,
                                       top1_acc=0.5)), 1, None, outputs)
    with pytest.raises(NonFiniteLossError) as error:
        hook.after_train_iter(
            _Runner(dict(loss=math.inf, loss_cls=0.3, top1_acc=0.5)), 1,
            None, outputs)
    assert str(error.value).startswith(
        'Non-finite loss at epoch 3, iteration 2 of 8 (iteration 18 of the '
        'run): loss=inf. Training stopped before saving anything')


# ----------------------------------------------------------- strict fits
def test_fit_drops_only_the_training_heads():
    model = OrderedDict(w=torch.zeros(2), b=torch.zeros(1))
    ckpt = OrderedDict([('module.w', torch.ones(2)), ('b', torch.ones(1)),
                        ('fam_head.x', torch.ones(3)),
                        ('frm_head.y', torch.ones(1))])
    state, notes = fit_state_dict(model, ckpt, 'c.pth')
    assert list(state) == ['w', 'b']
    assert 'dropped the 2 parameters of the training-only fam_head, ' \
        'frm_head' in notes[0]
    with_heads = OrderedDict(model, **{'fam_head.x': torch.zeros(3)})
    state, notes = fit_state_dict(with_heads, model, 'c.pth')
    assert 'has no fam_head parameters' in notes[0]
    ckpt = OrderedDict(w=torch.ones(3), extra=torch.ones(1))
    with pytest.raises(CheckpointMismatchError) as error:
        fit_state_dict(model, ckpt, 'c.pth')
    assert str(error.value) == (
        'c.pth does not fit the model (a checkpoint of another config, '
        'class count or backbone?): 1 of another shape: w (checkpoint (3,), '
        'model (2,)); 1 missing from the checkpoint: b; 1 not in the '
        'model: extra.')


# ------------------------------------------------------------------ locks
def test_owned_lock_names_its_holder_and_reports_a_stale_one(tmp_path):
    path = str(tmp_path / 'train.lock')
    holder = subprocess.Popen([
        sys.executable, '-c',
        'import sys, time; from mmcl_tools.runs import OwnedLock; '
        'lock = OwnedLock(sys.argv[1]); lock.acquire(); '
        'print("ok", flush=True); '
        'time.sleep(60)', path
    ], stdout=subprocess.PIPE, text=True,
        env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
    try:
        assert holder.stdout.readline().strip() == 'ok'
        with pytest.raises(LockedError, match=f'held by pid {holder.pid} '):
            OwnedLock(path).acquire()
    finally:
        holder.kill()
        holder.wait()
    lock = OwnedLock(path)
    stale = lock.acquire()
    assert stale['pid'] == holder.pid
    assert lock.holder()['pid'] == os.getpid()
    lock.release()
    assert lock.holder() is None
    assert OwnedLock(path).acquire() is None  # released cleanly: not stale


# ---------------------------------------------------------- config values
def test_cfg_options_keep_spaces_of_plain_values():
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args([
        '--cfg-options', 'data_root=/data/my set/', 'a.b=3', 'c=[1, 2]',
        "d='x y'", 'e=nan', 'f=None', 'g=true'
    ])
    options = args.cfg_options
    assert options['data_root'] == '/data/my set/'
    assert options['a.b'] == 3 and options['c'] == [1, 2]
    assert options['d'] == 'x y' and math.isnan(options['e'])
    assert options['f'] is None and options['g'] is True


def test_config_values_name_the_key():
    cfg = dict(model=dict(cls_head=dict(num_classes='4')),
               train_dataloader=dict(batch_size=8.0, dataset=dict(
                   pipeline=[dict(type='S', clip_len=True)])),
               val_cfg=dict(num_classes=None))
    assert config_value_problems(cfg) == [
        "model.cls_head.num_classes is '4' (a str); it must be an int: "
        'write 4 without quotes',
        'train_dataloader.batch_size is 8.0 (a float); it must be an int',
        'train_dataloader.dataset.pipeline[0].clip_len is True (a bool); '
        'it must be an int'
    ]


# ------------------------------------------------------------------ media
def test_a_png_named_jpg_is_called_so(tmp_path):
    image = np.zeros((8, 8, 3), np.uint8)
    ok, png = cv2.imencode('.png', image)
    path = tmp_path / 'strip.jpg'
    path.write_bytes(png.tobytes())
    with pytest.raises(MediaError, match='the file is a PNG image named '
                       r'\.jpg'):
        read_image_file(str(path))
    path.write_bytes(b'<html><body>404</body></html>')
    with pytest.raises(MediaError, match="the file is text starting with "
                       "'<html><body>404</body></html>' named .jpg"):
        read_image_file(str(path))
