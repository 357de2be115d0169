"""Rank of an extraction process."""
import pytest

from mmcl_tools.mllm.distributed import default_device, dist_info


def test_from_torchrun_env(monkeypatch):
    monkeypatch.setenv('RANK', '3')
    monkeypatch.setenv('WORLD_SIZE', '4')
    monkeypatch.setenv('LOCAL_RANK', '1')
    assert dist_info() == (3, 4, 1)
    assert dist_info(rank=0, world_size=2) == (0, 2, 1)


def test_defaults_and_errors(monkeypatch):
    for name in ('RANK', 'WORLD_SIZE', 'LOCAL_RANK'):
        monkeypatch.delenv(name, raising=False)
    assert dist_info() == (0, 1, 0)
    with pytest.raises(ValueError, match='rank 2 / world size 2'):
        dist_info(rank=2, world_size=2)
    assert default_device(0) in ('cpu', 'cuda:0')
