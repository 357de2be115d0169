"""Prepare one's own labelled videos for MMCL in one command.

``python tools/data/videos/prepare_dataset.py INPUT WORKDIR [--layout coco17]
[--mllm Salesforce/blip-vqa-base] [--workers N] [--strict]``

Skeletons (``extract_skeletons.py``), frame strips cropped to the persons
(``make_ntu_strips.py``) and MLLM text features
(``extract_text_features.py``), each step resumable; ``--help`` and
:mod:`mmcl_tools.videos.preparation` have the details. Exit status: 0
everything prepared, 1 some samples failed (listed), 2 a step failed as a
whole.
"""
import sys

from mmcl_tools.videos.preparation import main

if __name__ == '__main__':
    sys.exit(main())
