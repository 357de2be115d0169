"""Shared pieces of the official-layout reference models of the tests.

The reference models (``official_ctrgcn``, ``official_ctrsgcn``,
``official_hdgcn``, ``pyskl_layout``) build random state dicts with an
upstream implementation's parameter names and compute that model's logits
with plain ``torch.nn.functional`` calls on them, independently of the
plugin's modules.

Random weights alone make a badly conditioned network (BN running
statistics that do not match the activations, logits of 1e10 where float
rounding of a reordered sum shows as 1e-2 relative differences). A trained
checkpoint's statistics match its activations, so :func:`calibrate` runs
the reference once on a random batch and stores each BN's batch mean and
variance as its running statistics, as a checkpoint would have them.
"""
from typing import Callable, Dict, Optional

import torch
import torch.nn.functional as F


def add_conv(sd: Dict[str, torch.Tensor], name: str, out_c: int, in_c: int,
             g: torch.Generator, kernel: int = 1, bias: bool = True,
             dims: int = 2) -> None:
    """Random ``name.weight`` (out, in, kernel[, 1]) and ``name.bias``."""
    shape = (out_c, in_c, kernel, 1) if dims == 2 else (out_c, in_c, kernel)
    sd[name + '.weight'] = torch.randn(*shape, generator=g) * (
        2.0 / (in_c * kernel))**0.5
    if bias:
        sd[name + '.bias'] = torch.randn(out_c, generator=g) * 0.1


def add_bn(sd: Dict[str, torch.Tensor], name: str, c: int,
           g: torch.Generator) -> None:
    """Random affine parameters and running statistics of a BN."""
    sd[name + '.weight'] = 1 + 0.2 * torch.randn(c, generator=g)
    sd[name + '.bias'] = 0.1 * torch.randn(c, generator=g)
    sd[name + '.running_mean'] = 0.1 * torch.randn(c, generator=g)
    sd[name + '.running_var'] = 0.5 + torch.rand(c, generator=g)
    sd[name + '.num_batches_tracked'] = torch.tensor(100)


class Ops:
    """Functional layers reading their tensors from a state dict.

    Args:
        sd (dict): The state dict (official names).
        calibrate (bool): Normalise every BN by its batch statistics and
            store them as its running statistics (see the module doc).
    """

    def __init__(self, sd: Dict[str, torch.Tensor],
                 calibrate: bool = False) -> None:
        self.sd = sd
        self.calibrate = calibrate

    def conv(self, x: torch.Tensor, name: str, stride: int = 1,
             pad: int = 0, dilation: int = 1) -> torch.Tensor:
        """Temporal (k x 1) convolution, or 1-D when the weight is 3-D."""
        weight = self.sd[name + '.weight']
        bias = self.sd.get(name + '.bias')
        if weight.dim() == 3:
            return F.conv1d(x, weight, bias)
        return F.conv2d(x, weight, bias, stride=(stride, 1),
                        padding=(pad, 0), dilation=(dilation, 1))

    def bn(self, x: torch.Tensor, name: str) -> torch.Tensor:
        """Eval-mode BatchNorm (channels at dim 1)."""
        sd = self.sd
        if self.calibrate:
            dims = [0] + list(range(2, x.dim()))
            sd[name + '.running_mean'] = x.mean(dims).detach()
            sd[name + '.running_var'] = x.var(dims).detach() + 1e-3
        return F.batch_norm(x, sd[name + '.running_mean'],
                            sd[name + '.running_var'], sd[name + '.weight'],
                            sd[name + '.bias'], False, 0.0, 1e-5)

    def linear(self, x: torch.Tensor, name: str) -> torch.Tensor:
        return F.linear(x, self.sd[name + '.weight'], self.sd[name + '.bias'])


@torch.no_grad()
def calibrate(sd: Dict[str, torch.Tensor],
              forward: Callable[[Ops, torch.Tensor], torch.Tensor],
              shape, g: torch.Generator,
              x: Optional[torch.Tensor] = None) -> None:
    """Set the BN running statistics of ``sd`` from one random batch.

    Args:
        sd (dict): State dict, updated in place.
        forward (callable): ``forward(ops, x)`` of the reference model.
        shape (tuple): Input shape (official layout) of the batch.
        g (torch.Generator): Random source of the batch.
        x (torch.Tensor, optional): The batch itself instead.
    """
    if x is None:
        x = torch.randn(*shape, generator=g)
    forward(Ops(sd, calibrate=True), x)
