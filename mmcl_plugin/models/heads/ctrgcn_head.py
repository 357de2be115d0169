"""``GCNHead`` with the official CTR-GCN classifier initialisation."""
import math

import torch.nn as nn
from mmaction.models.heads import GCNHead
from mmaction.registry import MODELS


@MODELS.register_module()
class CTRGCNHead(GCNHead):
    """``GCNHead`` initialised like the official CTR-GCN classifier.

    The official ``model/ctrgcn.py`` draws the ``fc`` weight from
    N(0, sqrt(2 / num_class)) and keeps PyTorch's default ``nn.Linear``
    bias, U(-1 / sqrt(C_in), 1 / sqrt(C_in)); mmaction2's ``GCNHead``
    draws N(0, 0.01) with a zero bias. Pooling (over T and V, then the
    mean over persons), dropout and the loss are ``GCNHead``'s, which
    match the official model's.

    Args:
        num_classes (int): Number of classes.
        in_channels (int): Feature channels C_in.
        **kwargs: Other ``GCNHead`` arguments (``loss_cls``, ``dropout``,
            ``average_clips``); ``init_cfg`` is not accepted, the
            initialisation is this class's.
    """

    def __init__(self, num_classes: int, in_channels: int, **kwargs) -> None:
        if 'init_cfg' in kwargs:
            raise TypeError('CTRGCNHead has a fixed initialisation; use '
                            'GCNHead for an init_cfg')
        super().__init__(num_classes, in_channels, init_cfg=None, **kwargs)

    def init_weights(self) -> None:
        """fc weight ~ N(0, sqrt(2 / num_classes)), bias ~ U(+-C_in^-0.5)."""
        super().init_weights()
        bound = 1 / math.sqrt(self.in_channels)
        nn.init.uniform_(self.fc.bias, -bound, bound)
        nn.init.normal_(self.fc.weight, 0, math.sqrt(2. / self.num_classes))
