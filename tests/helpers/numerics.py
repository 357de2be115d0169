"""Tolerances derived from what a test compares, so that a comparison holds
on every CPU (any ``ATEN_CPU_CAPABILITY``, any thread count) and still fails
on a real discrepancy.

Two evaluations of the same sums in a floating-point type (different
kernels, blockings, thread splits or FMA use) each lie within
``n * eps / 2 * sum|x_i|`` of the exact value, where ``n`` is the number of
accumulated terms (Higham, *Accuracy and Stability of Numerical
Algorithms*, 2nd ed., section 4.2, for any summation order). Two of them
therefore differ by at most ``n * eps * sum|x_i|``. :func:`rounding_bound`
gives that bound with ``sum|x_i|`` estimated as ``cancellation *
max|reference|`` (the caller states how much larger the terms can be than
the result they sum to).

Where both sides can run in float64 the tests do so: eps is 2**-52, the
bound is far below any real discrepancy (a wrong weight, a missing term:
>= 1e-3 relative), and the result cannot depend on the CPU.
"""
import contextlib
from typing import Iterator, Optional, Union

import numpy as np
import torch

ArrayLike = Union[torch.Tensor, np.ndarray]


def _as_tensor(value: ArrayLike) -> torch.Tensor:
    return value if isinstance(value, torch.Tensor) else torch.as_tensor(
        np.asarray(value))


def rounding_bound(reference: Optional[ArrayLike],
                   terms: int,
                   dtype: Optional[torch.dtype] = None,
                   cancellation: float = 1.0,
                   scale: Optional[float] = None) -> float:
    """``terms * eps(dtype) * cancellation * max|reference|``.

    Args:
        reference (Tensor | ndarray, optional): The expected values; their
            largest magnitude sets the scale. None when ``scale`` and
            ``dtype`` are given.
        terms (int): Number of terms accumulated into each value, summed
            over the layers of a network (the depth of the computation).
        dtype (torch.dtype, optional): The type the computation ran in;
            defaults to ``reference``'s.
        cancellation (float): Bound on ``sum|x_i| / max|reference|``, for
            sums whose terms are larger than the result (gradients of
            biases, normalised features). Defaults to 1.
        scale (float, optional): The magnitude of the summed terms where
            it is known better than from ``reference`` (e.g. the largest
            gradient of a layer for a bias whose exact gradient is zero).
    """
    if scale is None or dtype is None:
        reference = _as_tensor(reference)
        dtype = dtype or reference.dtype
    if scale is None:
        scale = float(reference.abs().max()) if reference.numel() else 0.
    return terms * torch.finfo(dtype).eps * cancellation * scale


def assert_within_rounding(actual: ArrayLike,
                           expected: ArrayLike,
                           terms: int,
                           dtype: Optional[torch.dtype] = None,
                           cancellation: float = 1.0,
                           scale: Optional[float] = None,
                           msg: str = '') -> None:
    """Assert ``max|actual - expected| <= rounding_bound(...)``.

    Shapes must be equal; the message gives the difference, the bound and
    how it was derived.
    """
    actual, expected = _as_tensor(actual), _as_tensor(expected)
    assert actual.shape == expected.shape, \
        f'{msg}: shape {tuple(actual.shape)} != {tuple(expected.shape)}'
    if scale is None:
        scale = float(expected.abs().max()) if expected.numel() else 0.
    bound = rounding_bound(expected, terms, dtype or expected.dtype,
                           cancellation, scale)
    diff = float((actual.to(expected.dtype) - expected).abs().max()) \
        if expected.numel() else 0.
    assert diff <= bound, (
        f'{msg}: max |diff| {diff:.3g} > {bound:.3g} = {terms} terms x eps '
        f'x {cancellation:g} x scale {scale:.3g}')


def double_state(state_dict: dict) -> dict:
    """The state dict with every floating tensor in float64."""
    return {
        k: v.double() if torch.is_tensor(v) and v.is_floating_point() else v
        for k, v in state_dict.items()
    }


#: Probabilities under this compare equal: far above float32's smallest
#: normal number (1.2e-38), under which a softmax of near-saturated logits
#: loses its relative precision.
PROBABILITY_FLOOR = 1e-30


def assert_same_log_probs(actual: ArrayLike,
                          expected: ArrayLike,
                          logit_scale: float,
                          terms: int,
                          msg: str = '') -> None:
    """Class probabilities of two float32 evaluations of one network,
    compared as log-probabilities (``log p = l - logsumexp(l)``).

    Each logit differs by at most ``d = terms * eps32 * logit_scale``
    (:func:`rounding_bound`), so ``log p`` by at most ``2 d``, plus one
    float32 rounding of the stored probability. Probabilities under
    :data:`PROBABILITY_FLOOR` compare equal.
    """
    eps = torch.finfo(torch.float32).eps
    bound = 2 * terms * eps * logit_scale + eps
    a = np.log(np.maximum(np.asarray(actual, np.float64), PROBABILITY_FLOOR))
    b = np.log(np.maximum(np.asarray(expected, np.float64),
                          PROBABILITY_FLOOR))
    assert a.shape == b.shape, f'{msg}: shape {a.shape} != {b.shape}'
    diff = float(np.abs(a - b).max())
    assert diff <= bound, (
        f'{msg}: max |diff| of log-probabilities {diff:.3g} > {bound:.3g} = '
        f'2 x {terms} terms x eps32 x max|logit| {logit_scale:.3g} + eps32')


def gcn_terms(max_channels: int = 256, joints: int = 25, units: int = 10,
              taps: int = 9) -> int:
    """Terms accumulated along a skeleton GCN (CTR-GCN, CTRS-GCN, HD-GCN,
    ST-GCN++) of ``units`` units: per unit at most ``max_channels`` inputs
    x ``taps`` temporal taps (the widest multi-scale branch), a
    ``max_channels``-wide graph convolution and a ``joints``-joint
    aggregation. Pooling and the classifier (``max_channels`` inputs) are
    one unit's worth more."""
    return (units + 1) * (max_channels * taps + max_channels + joints)


#: A full-width 10-unit GCN on NTU joints: 11 x 2585 = 28,435 terms.
GCN_TERMS = gcn_terms()


@contextlib.contextmanager
def default_dtype(dtype: torch.dtype) -> Iterator[None]:
    """Build models under ``dtype`` (constants such as 1 / 3 or normalised
    adjacencies computed at construction are then exact in that type, not
    float32 values converted later by ``.double()``)."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        yield
    finally:
        torch.set_default_dtype(previous)
