"""The generated demo dataset (``tools/data/make_demo_dataset.py``).

Synthetic samples of four actions in the formats of the real data: an
mmaction2 skeleton pickle with 3-D and 2-D NTU RGB+D keypoints, RGB videos
and simulated MLLM text features (optionally as a text-feature cache).

It lives under ``datasets/`` because it is data production, like the
converters and the offline strips: it writes the files that
``MMCLPoseDataset`` and its transforms read, and it needs only
``utils``, the offline process pool and (imported when a cache is asked
for) the text-feature cache writer. (Importing it imports ``mmcl_plugin`` and
mmaction2: seconds that the generation itself does not need.) One module
per concern:

* :mod:`.camera`: the pinhole camera and its camera space;
* :mod:`.skeleton`: skeleton synthesis (kinematic body, actions);
* :mod:`.samples`: classes, sample names, random streams, annotations;
* :mod:`.rendering`: the video frames;
* :mod:`.video_codec`: video files and the codec probe;
* :mod:`.text_features`: simulated text features and their cache;
* :mod:`.readme`: the dataset's README text;
* :mod:`.generator`: :func:`make_demo_dataset`, resumable and
  deterministic given the seed.
"""
from .camera import FOCAL, IMG_SHAPE, project
from .generator import make_demo_dataset, stale_samples, write_sample_files
from .readme import readme_text
from .samples import (CLASS_NAMES, HOLDING, PKL_NAME, build_annotation,
                      sample_name, sample_rng)
from .skeleton import BONES, NUM_JOINTS, PARENTS
from .text_features import (TEXT_CACHE_DIR, TEXT_DIM, TEXT_PROMPT, VOCAB,
                            text_answer, text_feature, write_text_cache)
from .video_codec import FOURCCS, FPS, pick_fourcc

__all__ = [
    'make_demo_dataset', 'stale_samples', 'write_sample_files',
    'build_annotation', 'sample_name', 'sample_rng', 'readme_text',
    'project', 'pick_fourcc', 'text_answer', 'text_feature',
    'write_text_cache', 'CLASS_NAMES', 'HOLDING', 'PKL_NAME', 'BONES',
    'NUM_JOINTS', 'PARENTS', 'IMG_SHAPE', 'FOCAL', 'FPS', 'FOURCCS',
    'TEXT_DIM', 'TEXT_PROMPT', 'TEXT_CACHE_DIR', 'VOCAB'
]
