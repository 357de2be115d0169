"""Draw one sample's frame strip in each layout / tile fit, for comparison.

``python tools/analysis/draw_strip_layouts.py data/demo/demo_ntu25.pkl \\
    data/demo/videos --sample S001C001P001R001A003 --video-suffix .mp4 \\
    --out resources/strip_layouts.png``

Rows, top to bottom, each the whole-clip strip ``BuildFrameStrip`` makes
(what ``make_ntu_strips.py`` writes and the text / feature extractors
see):

1. ``layout='tiles', tile_fit='stretch'``: earlier versions' strips;
2. ``layout='tiles', tile_fit='pad'``: today's default;
3. ``layout='release'`` with ``tile_fit='stretch'`` (as the MMCL release
   builds it) and ``'pad'``, side by side.

Strip sizes are the layouts' defaults (224 x 1120, 480 x 480) unless
``--strip-size`` / ``--canvas-size`` say otherwise; ``--scale`` shrinks
the whole figure (a PNG for a README).
"""
import argparse
import os.path as osp
import sys
from typing import List, Optional, Sequence, Tuple

import cv2
import numpy as np

from mmcl_tools.strips import load_annotations  # noqa: E402
from mmcl_plugin.datasets.transforms.frame_strip import (  # noqa: E402
    BuildFrameStrip, whole_clip_strip)
from mmcl_plugin.utils import atomic_write  # noqa: E402

#: Grey between the panels and behind the captions.
BACKGROUND = 235
CAPTION_HEIGHT = 30
GAP = 12


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='One sample\'s strip in each layout and tile fit')
    parser.add_argument('ann_file', help='skeleton pickle with 2-D '
                        'keypoints (keypoint_2d)')
    parser.add_argument('video_root', help='directory of the videos')
    parser.add_argument('--sample', required=True,
                        help='frame_dir of the sample to draw')
    parser.add_argument('--video-suffix', default='_rgb.avi',
                        help='video file: <video_root>/<sample><suffix> '
                        '(default: %(default)s)')
    parser.add_argument('--num-frames', type=int, default=5)
    parser.add_argument('--strip-size', type=int, nargs=2, default=None,
                        metavar=('H', 'W'),
                        help="tiles layout strip (default: the layout's)")
    parser.add_argument('--canvas-size', type=int, default=None,
                        help="release layout canvas side (default: the "
                        "layout's)")
    parser.add_argument('--scale', type=float, default=1.0,
                        help='resize the figure by this factor')
    parser.add_argument('--out', required=True, help='output .png')
    return parser.parse_args(argv)


def sample_info(ann_file: str, video_root: str, sample: str,
                video_suffix: str) -> dict:
    """The data info ``MMCLPoseDataset`` gives ``BuildFrameStrip``."""
    for ann in load_annotations(ann_file):
        if ann['frame_dir'] == sample:
            info = dict(ann)
            info['video_path'] = osp.join(video_root, sample + video_suffix)
            return info
    raise KeyError(f'{ann_file} has no sample {sample!r}')


def caption(text: str, width: int) -> np.ndarray:
    """A (CAPTION_HEIGHT, width, 3) strip of black text on grey."""
    image = np.full((CAPTION_HEIGHT, width, 3), BACKGROUND, np.uint8)
    cv2.putText(image, text, (4, CAPTION_HEIGHT - 9),
                cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 0, 0), 1, cv2.LINE_AA)
    return image


def place(panels: List[Tuple[str, np.ndarray]], width: int) -> np.ndarray:
    """Captioned panels side by side, padded with grey to ``width``."""
    height = max(p.shape[0] for _, p in panels)
    columns = []
    for text, panel in panels:
        padded = np.full((height, panel.shape[1], 3), BACKGROUND, np.uint8)
        padded[:panel.shape[0]] = panel
        columns.append(np.concatenate(
            [caption(text, panel.shape[1]), padded]))
        columns.append(np.full((height + CAPTION_HEIGHT, GAP, 3), BACKGROUND,
                               np.uint8))
    row = np.concatenate(columns[:-1], axis=1)
    if row.shape[1] < width:
        row = np.pad(row, ((0, 0), (0, width - row.shape[1]), (0, 0)),
                     constant_values=BACKGROUND)
    return row


def draw(info: dict, num_frames: int = 5,
         strip_size: Optional[Tuple[int, int]] = None,
         canvas_size: Optional[int] = None) -> np.ndarray:
    """The comparison figure (H, W, 3) uint8 RGB of one sample."""

    def strip(layout: str, fit: str) -> np.ndarray:
        size = strip_size if layout == 'tiles' else (
            canvas_size and (canvas_size, canvas_size))
        transform = BuildFrameStrip(num_frames=num_frames, strip_size=size,
                                    layout=layout, tile_fit=fit)
        return whole_clip_strip(transform, info)

    tiles_stretch = strip('tiles', 'stretch')
    width = tiles_stretch.shape[1]
    rows = [
        place([('tiles, stretch (earlier versions)', tiles_stretch)], width),
        place([('tiles, pad (default)', strip('tiles', 'pad'))], width),
        place([('release, stretch (as released)', strip('release',
                                                        'stretch')),
               ('release, pad', strip('release', 'pad'))], width),
    ]
    width = max(r.shape[1] for r in rows)
    gap = np.full((GAP, width, 3), BACKGROUND, np.uint8)
    figure = []
    for row in rows:
        row = np.pad(row, ((0, 0), (0, width - row.shape[1]), (0, 0)),
                     constant_values=BACKGROUND)
        figure += [row, gap]
    return np.concatenate(figure[:-1])


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = parse_args(argv)
    info = sample_info(args.ann_file, args.video_root, args.sample,
                       args.video_suffix)
    figure = draw(info, args.num_frames,
                  args.strip_size and tuple(args.strip_size),
                  args.canvas_size)
    if args.scale != 1:
        figure = cv2.resize(
            figure, None, fx=args.scale, fy=args.scale,
            interpolation=cv2.INTER_AREA)
    ok, encoded = cv2.imencode('.png', cv2.cvtColor(figure,
                                                    cv2.COLOR_RGB2BGR),
                               [cv2.IMWRITE_PNG_COMPRESSION, 9])
    if not ok:
        sys.exit(f'error: OpenCV cannot encode {args.out}')
    with atomic_write(args.out) as f:
        f.write(encoded.tobytes())
    print(f'{args.sample}: {figure.shape[1]} x {figure.shape[0]} -> '
          f'{args.out} ({len(encoded) / 1024:.0f} KiB)')


if __name__ == '__main__':
    main()
