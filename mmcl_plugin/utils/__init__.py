from .atomic_io import atomic_write, dump_pickle_atomic, save_npy_atomic

__all__ = ['atomic_write', 'dump_pickle_atomic', 'save_npy_atomic']
