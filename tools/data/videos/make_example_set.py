"""Cut a small labelled video set out of the three real videos.

``python tools/data/videos/make_example_set.py VIDEO_DIR OUT
[--clips-per-class 4] [--clip-frames 32] [--max-side 640]``

VIDEO_DIR holds ``demo_skeleton.mp4``, ``test_video_structuralize.mp4``
and ``demo.mp4`` (``../shared/data/videos``); OUT gets
``videos/<class>/<class>_<i>.mp4`` (classes ``arm_wrestling``,
``basketball``, ``interacting``; the input of
``tools/data/videos/prepare_dataset.py``) and one held-out clip per class,
``held_out/<class>.mp4``. See :mod:`mmcl_tools.videos.example_set`.
Exit status: 0 written (or already there), 2 an error (named).
"""
import argparse
import sys
from typing import List, Optional

from mmcl_tools.videos.example_set import make_example_set
from mmcl_tools.videos.video_reader import VideoError


def main(argv: Optional[List[str]] = None) -> int:
    """Run the tool; returns the exit status."""
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split('\n', 2)[2])
    parser.add_argument('video_dir', help='folder of the real videos')
    parser.add_argument('out', help='output folder')
    parser.add_argument('--clips-per-class', type=int, default=4)
    parser.add_argument('--clip-frames', type=int, default=32)
    parser.add_argument('--max-side', type=int, default=640,
                        help='longer side of the frames at most; 0 keeps '
                        'the size (default: %(default)s)')
    args = parser.parse_args(argv)
    try:
        example = make_example_set(args.video_dir, args.out,
                                   args.clips_per_class, args.clip_frames,
                                   args.max_side or None)
    except (OSError, VideoError, ValueError) as error:
        print(f'error: {error}', file=sys.stderr)
        return 2
    total = sum(len(c) for c in example.clips.values())
    print(f'{total} clips in {len(example.clips)} classes -> '
          f'{example.video_dir} ({example.written} written); held out: '
          + ' '.join(example.held_out[c] for c in sorted(example.held_out)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
