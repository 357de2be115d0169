"""tools/extract_text_features.py: flags or a config, resumption, exit
status, --check (run in this process on a tiny random model)."""
import importlib.util
import os.path as osp

import numpy as np
import pytest
from PIL import Image

from mmcl_plugin.mllm.cache_reader import TextFeatureCache
from mmcl_plugin.mllm.testing import build_tiny_mllm

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def load_tool():
    path = osp.join(REPO, 'tools', 'extract_text_features.py')
    spec = importlib.util.spec_from_file_location('extract_text_features',
                                                  path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tool = load_tool()


@pytest.fixture(scope='module')
def model_dir(tmp_path_factory):
    return build_tiny_mllm('qwen2-vl',
                           str(tmp_path_factory.mktemp('qwen2-vl')))


@pytest.fixture
def strip_dir(tmp_path):
    rng = np.random.default_rng(0)
    folder = tmp_path / 'strips'
    folder.mkdir()
    for i in range(5):
        Image.fromarray(rng.integers(0, 256, (24, 80, 3), np.uint8)).save(
            str(folder / f'S{i:03d}.png'))
    return str(folder)


def main(*argv):
    return tool.main([str(a) for a in argv] + ['--no-progress'])


def test_flags_only_then_resume_and_check(model_dir, strip_dir, tmp_path,
                                          capsys):
    out = tmp_path / 'cache'
    args = [
        '--strip-dir', strip_dir, '--model', model_dir, '--out-dir', out,
        '--max-new-tokens', '3', '--shard-size', '2', '--batch-size', '2',
        '--num-workers', '0', '--prompt', 'q one?', '--prompt', 'q two?',
        '--pool', 'none', '--layer', '-2'
    ]
    assert main(*args) == 0
    text = capsys.readouterr().out
    assert '5 computed' in text and 'cache complete: 5 of 5' in text
    cache = TextFeatureCache(str(out))
    assert cache.prompts == ['q one?', 'q two?']
    assert cache.meta.pool is None and cache.meta.identity['layer'] == -2
    assert cache.meta.shard_size == 2 and len(cache.shards) == 3

    assert main(*args) == 0
    assert '5 already done, 0 computed' in capsys.readouterr().out
    assert main('--out-dir', out, '--check') == 0
    with open(osp.join(str(out), 'shards', '000002.safetensors'), 'r+b') as f:
        f.seek(-2, 2)
        f.write(b'\xff\xff')
    assert main('--out-dir', out, '--check') == 1
    assert 'SHA-256 mismatch' in capsys.readouterr().out
    # other settings for the same cache: refused
    assert main(*(args[:-8] + ['--prompt', 'another?'])) == 2


def test_settings_from_a_config_and_failed_strips(model_dir, strip_dir,
                                                  tmp_path, capsys):
    (tmp_path / 'strips' / 'S009.png').write_bytes(b'broken')
    config = tmp_path / 'extract.py'
    config.write_text(
        f'text_extraction = dict(model={model_dir!r}, max_new_tokens=2, '
        f'batch_size=4, shard_size=4, num_workers=0, '
        f'strip_dir={strip_dir!r}, out_dir={str(tmp_path / "c")!r})\n')
    assert main(config) == 1
    text = capsys.readouterr().out
    assert 'FAILED S009' in text and 'S009.png' in text
    cache = TextFeatureCache(str(tmp_path / 'c'))
    assert len(cache) == 5 and list(cache.failed) == ['S009']
    assert cache.meta.identity['max_new_tokens'] == 2
    assert cache.meta.shard_size == 4
    # flags override the config
    assert main(config, '--out-dir', tmp_path / 'd', '--max-new-tokens',
                '1') == 1
    assert TextFeatureCache(str(tmp_path /
                                'd')).meta.identity['max_new_tokens'] == 1


def test_fatal_errors(strip_dir, tmp_path, caplog):
    assert main('--strip-dir', strip_dir, '--out-dir', tmp_path) == 2
    assert 'no model' in caplog.text
    assert main('--strip-dir', strip_dir, '--model', 'm') == 2
    assert 'no output' in caplog.text
    assert main('--model', 'm', '--out-dir', tmp_path) == 2
    assert 'no samples' in caplog.text
    assert main('--strip-dir', strip_dir, '--model', 'm', '--out-dir',
                tmp_path, '--max-new-tokens', '0') == 2
    assert 'max_new_tokens' in caplog.text


def test_token_ids_flag(model_dir, strip_dir, tmp_path, capsys):
    out = tmp_path / 'cache'
    assert main('--strip-dir', strip_dir, '--model', model_dir, '--out-dir',
                out, '--max-new-tokens', '2', '--num-workers', '0',
                '--token-ids') == 0
    cache = TextFeatureCache(str(out))
    assert cache.meta.identity['token_ids'] is True
    for name in cache.names():
        # Qwen2-VL is decoder-only: the ids are the answer's
        ids = cache.token_ids(name)
        assert 1 <= len(ids) <= 2
        assert cache.answer(name) == tool_tokenizer(model_dir).decode(
            ids, skip_special_tokens=True).strip()


def tool_tokenizer(model_dir):
    from transformers import AutoTokenizer
    return AutoTokenizer.from_pretrained(model_dir)
