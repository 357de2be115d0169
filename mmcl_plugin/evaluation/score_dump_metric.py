"""The metric that writes ``tools/test.py --dump`` files (read by
:mod:`mmcl_tools.evaluation.score_dumps`)."""
from typing import Any, Optional, Sequence

from mmaction.registry import METRICS
from mmengine.evaluator import DumpResults

#: What a dump's scores can be.
SCORE_KINDS = ('probs', 'logits')
#: The per-sample field that records the kind.
SCORE_KIND_KEY = 'score_kind'

#: mmaction2's ``average_clips`` of the head that gives each score kind:
#: the mean of the clips' softmax, or the mean of their raw logits.
AVERAGE_CLIPS = dict(probs='prob', logits='score')


@METRICS.register_module()
class DumpScores(DumpResults):
    """mmengine's ``DumpResults`` that also records what the scores are.

    Every dumped sample gets ``score_kind`` ('probs' or 'logits'), so that
    the ensemble tool knows what it fuses. The kind must be what the head
    computes: ``tools/test.py --dump-kind`` sets the head's
    ``average_clips`` to match (:data:`AVERAGE_CLIPS`).

    Args:
        out_file_path (str): The ``.pkl`` file.
        score_kind (str): 'probs' (default) or 'logits'.
        collect_device (str): As :class:`DumpResults`.
        collect_dir (str, optional): As :class:`DumpResults`.
    """

    def __init__(self,
                 out_file_path: str,
                 score_kind: str = 'probs',
                 collect_device: str = 'cpu',
                 collect_dir: Optional[str] = None) -> None:
        if score_kind not in SCORE_KINDS:
            raise ValueError(f'score_kind must be one of {SCORE_KINDS}, got '
                             f'{score_kind!r}')
        super().__init__(
            out_file_path,
            collect_device=collect_device,
            collect_dir=collect_dir)
        self.score_kind = score_kind

    def process(self, data_batch: Any, predictions: Sequence[dict]) -> None:
        """Keep the predictions (on the CPU) with their score kind."""
        start = len(self.results)
        super().process(data_batch, predictions)
        for sample in self.results[start:]:
            sample[SCORE_KIND_KEY] = self.score_kind


__all__ = ['DumpScores', 'AVERAGE_CLIPS']
