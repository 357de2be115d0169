from .atomic_io import (atomic_write, dump_json_atomic, dump_pickle_atomic,
                        save_npy_atomic, write_text_atomic)
from .config_helpers import find_transform, innermost_dataset_cfg

__all__ = [
    'atomic_write', 'dump_json_atomic', 'dump_pickle_atomic',
    'save_npy_atomic', 'write_text_atomic', 'find_transform',
    'innermost_dataset_cfg'
]
