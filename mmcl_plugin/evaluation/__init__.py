"""Evaluation at run time: the ``DumpScores`` metric that ``tools/test.py
--dump`` adds and the score-dump format it writes. Accuracies, ensembles,
transfer, analysis and figures are tooling (:mod:`mmcl_tools.evaluation`).
"""
from .score_dump_metric import AVERAGE_CLIPS, DumpScores
from .score_dumps import (SCORE_KINDS, ScoreDump, align_by_name,
                          check_same_samples, load_score_dump,
                          parse_official_scores, parse_score_dump,
                          save_score_dump)

__all__ = [
    'AVERAGE_CLIPS',
    'DumpScores', 'SCORE_KINDS', 'ScoreDump', 'align_by_name',
    'check_same_samples', 'load_score_dump', 'parse_official_scores',
    'parse_score_dump', 'save_score_dump'
]
