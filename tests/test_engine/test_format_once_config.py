"""FormatOnceConfig: mmengine's formatted config text, made once per
content; SafeRunner's config is one."""
import copy
import os.path as osp

import mmengine.config.config as config_module
import pytest
import torch.nn as nn
from mmengine.config import Config

from mmcl_plugin.engine import FormatOnceConfig, SafeRunner

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs', 'demo',
                  'mmcl-ctrgcn_1xb8-joint-u32-8e_demo-keypoint-3d.py')


@pytest.fixture
def format_calls(monkeypatch):
    """The number of yapf formatting calls of mmengine's Config."""
    calls = []
    format_code = config_module.FormatCode

    def counted(*args, **kwargs):
        calls.append(1)
        return format_code(*args, **kwargs)

    monkeypatch.setattr(config_module, 'FormatCode', counted)
    return calls


def test_text_is_configs_and_made_once_per_content(format_calls):
    cfg = Config.fromfile(CONFIG)
    once = FormatOnceConfig.of(cfg)
    assert once.filename == cfg.filename
    expected = cfg.pretty_text
    assert len(format_calls) == 1
    assert once.pretty_text == expected
    assert once.pretty_text == expected and once.dump() == expected
    assert len(format_calls) == 2  # once for cfg, once for `once`
    # a copy keeps the text; a changed value is formatted again
    copied = copy.deepcopy(once)
    assert type(copied) is FormatOnceConfig
    assert copied.pretty_text == expected and len(format_calls) == 2
    copied.model.cls_head.num_classes = 7
    changed = copied.pretty_text
    assert len(format_calls) == 3
    assert 'num_classes=7' in changed and changed != expected
    assert changed == Config.pretty_text.fget(copied)
    assert once.pretty_text == expected  # the original is unchanged


def test_safe_runner_formats_its_config_once(tmp_path, format_calls):
    # (mmaction's scope: the latest runner's scope is the process's)
    runner = SafeRunner(model=nn.Linear(2, 2), work_dir=str(tmp_path),
                        cfg=Config(dict(model=dict(type='Linear'), lr=0.1)),
                        default_scope='mmaction')
    assert isinstance(runner.cfg, FormatOnceConfig)
    # the log and the work dir's copy at start-up, the copy again, the
    # runtime info of the run and a checkpoint's meta: formatted once
    runner.dump_config()
    runner.message_hub.update_info('cfg', runner.cfg.pretty_text)
    assert len(format_calls) == 1
    assert (tmp_path / f'{runner.timestamp}.py').read_text() == \
        runner.cfg.pretty_text
    assert runner.cfg.pretty_text == Config(
        dict(model=dict(type='Linear'), lr=0.1)).pretty_text
    assert len(format_calls) == 2  # the reference's own formatting
