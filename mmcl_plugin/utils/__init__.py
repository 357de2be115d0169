from .atomic_io import (atomic_path, atomic_write, dump_json_atomic,
                        dump_pickle_atomic, fsync_directory, save_npy_atomic,
                        write_text_atomic)
from .safe_pickle import (TRUST_ENV, UntrustedPickleError, add_trust_argument,
                          load_pickle, pickles_trusted, trust_pickles)

__all__ = [
    'atomic_path', 'atomic_write', 'dump_json_atomic', 'dump_pickle_atomic',
    'fsync_directory', 'save_npy_atomic', 'write_text_atomic', 'TRUST_ENV',
    'UntrustedPickleError', 'add_trust_argument', 'load_pickle',
    'pickles_trusted', 'trust_pickles'
]
