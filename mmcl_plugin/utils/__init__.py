from .atomic_io import (atomic_path, atomic_write, dump_json_atomic,
                        dump_pickle_atomic, save_npy_atomic,
                        write_text_atomic)

__all__ = [
    'atomic_path', 'atomic_write', 'dump_json_atomic', 'dump_pickle_atomic',
    'save_npy_atomic', 'write_text_atomic'
]
