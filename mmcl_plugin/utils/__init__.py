from .atomic_io import (atomic_path, atomic_write, dump_json_atomic,
                        dump_pickle_atomic, fsync_directory, save_npy_atomic,
                        write_text_atomic)
from .config_helpers import (find_transform, innermost_dataset_cfg,
                             train_pipeline_cfg, with_mmcl_steps)
from .data_producers import how_to_make, make_hint
from .parent_death import DieWithParent, die_with_parent
from .safe_pickle import (TRUST_ENV, UntrustedPickleError, add_trust_argument,
                          load_pickle, pickles_trusted, trust_pickles)

__all__ = [
    'atomic_path', 'atomic_write', 'dump_json_atomic', 'dump_pickle_atomic',
    'fsync_directory', 'save_npy_atomic', 'write_text_atomic', 'TRUST_ENV',
    'UntrustedPickleError', 'add_trust_argument', 'load_pickle',
    'pickles_trusted', 'trust_pickles', 'find_transform',
    'innermost_dataset_cfg', 'train_pipeline_cfg', 'with_mmcl_steps',
    'how_to_make', 'make_hint', 'DieWithParent', 'die_with_parent'
]
