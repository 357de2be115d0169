from .ctrgcn import CTRGCN
from .ctrsgcn import CTRSGCN
from .hdgcn import HDGCN

__all__ = ['CTRGCN', 'CTRSGCN', 'HDGCN']
