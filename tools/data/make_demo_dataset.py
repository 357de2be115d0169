"""Generate the small demo dataset for MMCL, in the formats of the real data.

``python tools/data/make_demo_dataset.py --out-dir data/demo``

Writes, for ``--num-train`` + ``--num-val`` synthetic samples of four actions
(about 3 s on one CPU core for the default 64 + 32, after the seconds that
importing ``mmcl_plugin`` takes)::

    <out>/demo_ntu25.pkl                 mmaction2 skeleton pickle (last)
    <out>/label_map.txt                  one class name a line
    <out>/videos/<frame_dir>.mp4         160x120 RGB video, 30 fps
    <out>/text_features/<frame_dir>.npy  (L, 32) float16 "MLLM answer tokens"
    <out>/README.md                      description of the formats
    <out>/text_cache/                    with --text-cache: the same text
                                         features (and answer texts) as a
                                         text-feature cache

The skeletons are made by forward kinematics of a rigid, human-sized
25-joint NTU RGB+D (Kinect v2) body, so bone lengths stay constant over time.
Coordinates follow Kinect's camera space, in metres: X towards the camera's
left, Y up, Z away from the camera; people face the camera. The videos draw
the same skeletons, projected with a pinhole camera (``FOCAL``, centre of the
image), over a static background, plus a red cup in the right hand for
'drink water'. The text features stand for an MLLM's answer to "Are the
people holding objects?": token embeddings of a fixed random vocabulary
(with a shared "holding" direction) plus noise, so they say whether a cup is
held, not which of the four actions it is.

Videos are written by OpenCV with fourcc 'mp4v' (MPEG-4 part 2), which
decord reads back frame-exact; the generator checks this once per run and
falls back to another codec if an OpenCV build cannot.

Everything is deterministic given ``--seed``; each sample draws from its own
random stream (seed, split, index), so sizes can change without changing the
other samples. Files are written atomically; samples whose files exist are
skipped (unless the pickle of an earlier run says they were made from other
skeletons, e.g. with another seed), and the pickle is written last, so an
interrupted run can be resumed and two runs give the same result.

The generator is :mod:`mmcl_tools.demo`; this is its command line.
"""
import argparse
from typing import Optional, Sequence

from mmcl_tools.demo import make_demo_dataset  # noqa: E402


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Generate the small MMCL demo dataset (skeleton pkl, '
        'videos, text features).')
    parser.add_argument('--out-dir', default='data/demo',
                        help='dataset root (default: data/demo)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--num-train', type=int, default=64)
    parser.add_argument('--num-val', type=int, default=32)
    parser.add_argument('--num-workers', type=int, default=0,
                        help='worker processes (default 0: none)')
    parser.add_argument('--text-cache', action='store_true',
                        help='also write the text features as a '
                        'text-feature cache (<out>/text_cache/, read by '
                        'LoadTextFeatureFromCache)')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = parse_args(argv)
    pkl = make_demo_dataset(args.out_dir, args.seed, args.num_train,
                            args.num_val, args.num_workers,
                            text_cache=args.text_cache)
    print(f'{args.num_train} train + {args.num_val} val samples -> {pkl}')


if __name__ == '__main__':
    main()
