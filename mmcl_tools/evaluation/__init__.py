"""Evaluation tooling: multi-stream ensembles, transfer to other datasets
through class mappings, per-class and fine-grained analysis, figures, FRM
refinement at test time. Pure NumPy functions (and torch for the
refinement); the command-line tools live in ``tools/analysis/``.
"""
from .analysis import (fine_grained_report, format_fine_grained_markdown,
                       most_confused_pairs, pair_stats, row_normalize)
from .class_mapping import (ClassMapping, build_class_mapping,
                            load_class_mapping, restrict_scores)
from .class_names import (DATASET_CLASSES, NTU60_CLASSES, NTU120_CLASSES,
                          get_class_names, read_class_names)
from .ensemble import (ENSEMBLE_PRESETS, FUSE_MODES, EnsemblePreset,
                       fuse_scores, scores_to_fuse, search_weights,
                       simplex_grid, softmax)
from .metrics import (accuracy_report, confusion_matrix, mean_class_accuracy,
                      per_class_accuracy, topk_accuracy, topk_hits)
from .refinement import predict_scores
from .score_dumps import (SCORE_KINDS, ScoreDump, align_by_name,
                          check_same_samples, load_score_dump,
                          parse_official_scores, parse_score_dump,
                          save_score_dump)
from .transfer import format_transfer_report, transfer_report

__all__ = [
    'fine_grained_report', 'format_fine_grained_markdown',
    'most_confused_pairs', 'pair_stats', 'row_normalize', 'ClassMapping',
    'build_class_mapping', 'load_class_mapping', 'restrict_scores',
    'DATASET_CLASSES', 'NTU60_CLASSES', 'NTU120_CLASSES', 'get_class_names',
    'read_class_names', 'ENSEMBLE_PRESETS', 'FUSE_MODES', 'EnsemblePreset',
    'fuse_scores', 'scores_to_fuse', 'search_weights', 'simplex_grid',
    'softmax', 'accuracy_report', 'confusion_matrix', 'mean_class_accuracy',
    'per_class_accuracy', 'topk_accuracy', 'topk_hits', 'predict_scores',
    'SCORE_KINDS', 'ScoreDump', 'align_by_name', 'check_same_samples',
    'load_score_dump', 'parse_official_scores', 'parse_score_dump',
    'save_score_dump', 'format_transfer_report', 'transfer_report'
]
