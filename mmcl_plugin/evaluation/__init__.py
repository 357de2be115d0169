"""Evaluation at run time: the ``DumpScores`` metric that ``tools/test.py
--dump`` adds. Reading dumps, accuracies, ensembles, transfer, analysis and
figures are tooling (:mod:`mmcl_tools.evaluation`).
"""
from .score_dump_metric import (AVERAGE_CLIPS, SCORE_KIND_KEY, SCORE_KINDS,
                                DumpScores)

__all__ = ['AVERAGE_CLIPS', 'DumpScores', 'SCORE_KINDS', 'SCORE_KIND_KEY']
