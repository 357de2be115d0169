"""Tooling of the MMCL plugin: what the command-line tools under
``tools/`` and ``benchmarks/`` run, never imported by a config.

Subpackages (each may import :mod:`mmcl_plugin`, the runtime package, and
the subpackages before it; ``tests/test_layering.py``):

- :mod:`.runs`: what ``tools/train.py`` and ``tools/test.py`` add around
  mmengine's runner (work-dir lock, resume choice, strict test loading),
  and the file locks of the other tools;
- :mod:`.converters`: dataset downloads into mmaction2 skeleton pickles;
- :mod:`.pose`: pose backends (BlazePose, MediaPipe, mmpose), tracking of
  people over frames and joint layouts (COCO-17, NTU-25);
- :mod:`.strips`: frame strips written once (offline) for training;
- :mod:`.mllm`: MLLM text-feature extraction and the cache writer;
- :mod:`.videos`: your own labelled videos to skeleton pickles (pose
  extraction per video, resumable in parallel);
- :mod:`.demo`: the generated demo dataset (its text cache through
  :mod:`.mllm`'s writer);
- :mod:`.evaluation`: ensembles, transfer, analysis, figures;
- :mod:`.deploy`: checkpoint conversion, export, inference, ONNX.
"""
import mmcl_plugin  # noqa: F401  (compat fixes before mmaction)

#: Subpackages, lowest layer first.
SUBPACKAGES = ('runs', 'converters', 'pose', 'strips', 'mllm', 'videos',
               'demo', 'evaluation', 'deploy')

__all__ = ['SUBPACKAGES']
