from .ctrgcn import CTRGCN

__all__ = ['CTRGCN']
