"""Random-number generator states for exact resume.

mmengine seeds the generators once at start-up and does not save their
state, so a resumed run draws different augmentations and dropout masks
than the run it continues. These helpers capture and restore the states a
training process draws from: Python's ``random``, NumPy's global
``RandomState``, torch's CPU generator and, when CUDA is available, every
CUDA device's generator. The data-loader sampler needs no state: mmengine's
``DefaultSampler`` shuffles with a generator seeded by ``seed + epoch``
(``DistSamplerSeedHook`` sets the epoch) and ``InfiniteSampler`` with
``seed``; only the seed is recorded, and restored if the resumed sampler
drew another one. Data-loader workers are re-seeded by mmengine's
``worker_init_fn`` from the seed, the worker id and the rank whenever they
start, so with non-persistent workers they need nothing either.

Everything here is plain data (tuples of ints, NumPy ``uint32`` arrays,
``uint8`` tensors), which the weights-only checkpoint loader accepts.
"""
import random
from typing import Any, Dict, Optional

import numpy as np
import torch


def capture_rng_state() -> Dict[str, Any]:
    """The current states of this process's generators.

    Returns:
        dict: ``python`` (``random.getstate()``), ``numpy``
        (``np.random.get_state()``), ``torch`` (uint8 tensor) and, with
        CUDA, ``cuda`` (a list of uint8 tensors, one per device).
    """
    state = dict(python=random.getstate(),
                 numpy=np.random.get_state(),
                 torch=torch.get_rng_state())
    if torch.cuda.is_available():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def restore_rng_state(state: Dict[str, Any]) -> None:
    """Set the generators to a state of :func:`capture_rng_state`.

    Args:
        state (dict): The captured state. CUDA states are restored only if
            CUDA is available and the device count matches.
    """
    version, internal, gauss = state['python']
    random.setstate((version, tuple(internal), gauss))
    np.random.set_state(tuple(state['numpy']))
    torch.set_rng_state(state['torch'].cpu())
    cuda = state.get('cuda')
    if (cuda is not None and torch.cuda.is_available()
            and len(cuda) == torch.cuda.device_count()):
        torch.cuda.set_rng_state_all([s.cpu() for s in cuda])


def sampler_state(sampler: Any) -> Dict[str, Any]:
    """What decides a sampler's order: its type, seed and epoch.

    Args:
        sampler: The training data loader's sampler.

    Returns:
        dict: ``type`` (class name), ``seed`` and ``epoch`` (None where the
        sampler has no such attribute).
    """
    return dict(type=type(sampler).__name__,
                seed=getattr(sampler, 'seed', None),
                epoch=getattr(sampler, 'epoch', None))


def restore_sampler_seed(sampler: Any, state: Dict[str, Any]) -> Optional[int]:
    """Give a sampler the seed recorded in ``state``.

    Args:
        sampler: The training data loader's sampler.
        state (dict): A :func:`sampler_state`.

    Returns:
        int, optional: The sampler's previous seed if it was changed, else
        None.
    """
    seed = state.get('seed')
    if (seed is None or not hasattr(sampler, 'seed')
            or state.get('type') != type(sampler).__name__
            or sampler.seed == seed):
        return None
    previous, sampler.seed = sampler.seed, seed
    return previous
