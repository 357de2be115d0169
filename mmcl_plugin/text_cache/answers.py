"""The paper's binary answer variant: a yes/no answer as a one-hot vector.

The official MMCL code feeds the FRM the answer of a VQA model to "whether
the people are holding objects?" as yes/no; this module turns a cached
answer text into that vector, for comparison with the token features.
"""
import re
from typing import Optional

import numpy as np

#: Columns of the one-hot vector.
YES_NO_CLASSES = ('yes', 'no')

_WORD = re.compile(r"[a-z]+")


def parse_yes_no(answer: str) -> Optional[bool]:
    """True for an answer starting with 'yes', False for 'no', else None.

    Only the first word counts (case and punctuation ignored), so
    "Yes, a cup." is yes and "No one is holding anything" is no; answers
    that do not start with either (e.g. "a cup") are None.
    """
    match = _WORD.search(answer.lower())
    if match is None:
        return None
    first = match.group(0)
    if first == 'yes':
        return True
    if first == 'no':
        return False
    return None


def yes_no_onehot(answer: str) -> Optional[np.ndarray]:
    """(2, ) float32 one-hot [yes, no] of the answer, None if it is
    neither (see :func:`parse_yes_no`)."""
    verdict = parse_yes_no(answer)
    if verdict is None:
        return None
    onehot = np.zeros(len(YES_NO_CLASSES), dtype=np.float32)
    onehot[0 if verdict else 1] = 1.0
    return onehot


__all__ = ['parse_yes_no', 'yes_no_onehot', 'YES_NO_CLASSES']
