"""Tiny random models of every family, saved once per session, and small
frame strips, for the MLLM extraction and cache tests."""
import os.path as osp
from typing import Callable, Dict

import numpy as np
import pytest

from mllm_helpers import DEMO_TRAIN, DEMO_VAL, load_demo_generator, make_strips
from tiny_mllms import build_tiny_mllm


@pytest.fixture(scope='session', autouse=True)
def quiet_transformers():
    """No per-load progress bars or warnings of the random models."""
    import transformers
    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()


@pytest.fixture(scope='session')
def tiny_model(tmp_path_factory) -> Callable[[str], str]:
    """family -> directory of its tiny model (built on first use)."""
    root = tmp_path_factory.mktemp('tiny_mllms')
    built: Dict[str, str] = {}

    def get(family: str) -> str:
        if family not in built:
            built[family] = build_tiny_mllm(family,
                                            osp.join(str(root), family))
        return built[family]

    return get


@pytest.fixture
def strips() -> Dict[str, np.ndarray]:
    """Seven 24x80 strips."""
    return make_strips(7)


@pytest.fixture(scope='session')
def demo_workspace(tmp_path_factory) -> str:
    """A directory with data/demo (8 train + 4 val samples, videos, text
    features and their text-feature cache), as the demo configs expect."""
    root = tmp_path_factory.mktemp('demo_workspace')
    load_demo_generator().make_demo_dataset(
        str(root / 'data' / 'demo'),
        seed=0,
        num_train=DEMO_TRAIN,
        num_val=DEMO_VAL,
        progress=False,
        text_cache=True)
    return str(root)
