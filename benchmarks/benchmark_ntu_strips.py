"""Strips/s of the seek-only strip path against decoding every frame.

``nice python benchmarks/benchmark_ntu_strips.py [--num-videos 8]
[--frames 300] [--size 1080 1920] [--codec MJPG]``

Generates NTU-like videos (textured moving background and a moving
"person", 2-D keypoints around it, 1920x1080 by default as in NTU RGB+D),
then makes their strips through the library the tool uses
(:func:`mmcl_tools.strips.make_strips`, one process, JPEG
output included) with, for each backend:

* ``seek``: the transform's readers, which decode only the m chosen
  frames (decord: seek to the frame, decoding from the previous key
  frame; OpenCV: ``CAP_PROP_POS_FRAMES``, which decodes from up to 16
  frames before each target);
* ``decode-all``: a reader that decodes every frame in order and keeps
  the m chosen ones (the naive way; it does not even keep all frames,
  which at 1080p would take 1.9 GB per 300-frame video).

Both modes run in the same process on the same files, alternating, and
the strips they write are compared. Prints strips/s, ms per strip and the
seek/decode-all speed ratio per backend.
"""
import argparse
import os
import os.path as osp
import shutil
import statistics
import tempfile
import time
from typing import Dict, List, Tuple

import mmcl_plugin  # noqa: E402,F401  (compat fixes before mmaction)
import cv2  # noqa: E402
import numpy as np  # noqa: E402
from tqdm import tqdm  # noqa: E402

from mmcl_tools.strips import (StripSettings, make_strips, make_tasks)  # noqa: E402
from mmcl_plugin.datasets.transforms.frame_strip import (  # noqa: E402
    FRAME_READERS, DecordFrameReader, OpenCVFrameReader)


class OpenCVDecodeAllReader(OpenCVFrameReader):
    """Decodes every frame in order; keeps the requested ones."""

    def read(self, indices: np.ndarray) -> np.ndarray:
        wanted = set(int(i) for i in indices)
        kept = {}
        for index in range(self.num_frames):
            ok, frame = self.capture.read()
            if not ok:
                raise RuntimeError(f'cannot decode frame {index}')
            if index in wanted:
                kept[index] = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
        return np.stack([kept[int(i)] for i in indices])


class DecordDecodeAllReader(DecordFrameReader):
    """Decodes every frame in order; keeps the requested ones."""

    def read(self, indices: np.ndarray) -> np.ndarray:
        wanted = set(int(i) for i in indices)
        kept = {}
        for index in range(len(self.reader)):
            frame = self.reader.next()
            if index in wanted:
                kept[index] = frame.asnumpy()
        return np.stack([kept[int(i)] for i in indices])


#: Benchmark-only readers, registered in this process only.
DECODE_ALL = dict(decord='decord-decode-all', opencv='opencv-decode-all')
FRAME_READERS[DECODE_ALL['decord']] = DecordDecodeAllReader
FRAME_READERS[DECODE_ALL['opencv']] = OpenCVDecodeAllReader


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--num-videos', type=int, default=8)
    parser.add_argument('--frames', type=int, default=300,
                        help='frames per video (NTU: ~100 on average, up '
                        'to 300)')
    parser.add_argument('--size', type=int, nargs=2, default=(1080, 1920),
                        metavar=('H', 'W'), help='video size')
    parser.add_argument('--codec', default='MJPG',
                        help='FourCC of the .avi videos: MJPG (every frame '
                        'a key frame) or e.g. XVID (key frame every 12)')
    parser.add_argument('--num-frames', type=int, default=5)
    parser.add_argument('--strip-size', type=int, nargs=2,
                        default=(224, 1120), metavar=('H', 'W'))
    parser.add_argument('--backends', nargs='+', default=['decord', 'opencv'],
                        choices=['decord', 'opencv'])
    parser.add_argument('--repeats', type=int, default=2,
                        help='timed runs per mode (median reported)')
    parser.add_argument('--work-dir', default=None,
                        help='keep the videos here (default: a temporary '
                        'directory, removed)')
    return parser.parse_args()


def make_videos(root: str, num_videos: int, num_frames: int,
                size: Tuple[int, int], codec: str) -> List[Dict]:
    """Write the videos; return their annotations (2-D keypoints in the
    video's pixels, ``img_shape`` the video size)."""
    height, width = size
    rng = np.random.default_rng(0)
    annotations = []
    for v in tqdm(range(num_videos), desc='videos', unit='video'):
        name = f'S001C001P{v + 1:03d}R001A{v % 60 + 1:03d}'
        # Smooth texture (upscaled noise): JPEG sizes like camera frames,
        # unlike solid colours or white noise.
        texture = cv2.resize(
            rng.integers(0, 256, (height // 16, width // 16, 3), np.uint8),
            (width, height), interpolation=cv2.INTER_CUBIC)
        writer = cv2.VideoWriter(osp.join(root, f'{name}_rgb.avi'),
                                 cv2.VideoWriter_fourcc(*codec), 30,
                                 (width, height))
        if not writer.isOpened():
            raise RuntimeError(f'OpenCV cannot write {codec} videos')
        box_w, box_h = width // 6, height // 2
        keypoint_2d = np.zeros((1, num_frames, 25, 2), np.float32)
        for t in range(num_frames):
            frame = np.roll(texture, 4 * t, axis=1)
            x0 = int((width - box_w) * t / max(1, num_frames - 1))
            y0 = height // 4
            frame[y0:y0 + box_h, x0:x0 + box_w] = (40 + v * 20, 200, 90)
            writer.write(frame)
            keypoint_2d[0, t, :, 0] = rng.uniform(x0, x0 + box_w, 25)
            keypoint_2d[0, t, :, 1] = rng.uniform(y0, y0 + box_h, 25)
        writer.release()
        annotations.append(
            dict(frame_dir=name, total_frames=num_frames,
                 img_shape=(height, width), keypoint_2d=keypoint_2d))
    return annotations


def time_mode(annotations: List[Dict], video_root: str, out_dir: str,
              settings: StripSettings) -> float:
    """Seconds to make all strips into an empty ``out_dir``."""
    shutil.rmtree(out_dir, ignore_errors=True)
    tasks = make_tasks(annotations, video_root, out_dir, ext=settings.ext)
    start = time.perf_counter()
    report = make_strips(tasks, settings, workers=0)
    seconds = time.perf_counter() - start
    if report.failures or report.written != len(tasks):
        raise RuntimeError(f'strips failed: {report.failures}')
    return seconds


def read_strips(out_dir: str) -> Dict[str, np.ndarray]:
    return {
        name: cv2.imread(osp.join(out_dir, name))
        for name in sorted(os.listdir(out_dir)) if name.endswith('.jpg')
    }


def main() -> None:
    args = parse_args()
    # One decoder thread: the tool's workers run one strip each.
    cv2.setNumThreads(1)
    root = args.work_dir or tempfile.mkdtemp(prefix='strip_bench_')
    os.makedirs(root, exist_ok=True)
    try:
        annotations = make_videos(root, args.num_videos, args.frames,
                                  tuple(args.size), args.codec)
        video_mb = sum(
            osp.getsize(osp.join(root, f)) for f in os.listdir(root)
            if f.endswith('.avi')) / 2**20
        print(f'{args.num_videos} videos, {args.frames} frames '
              f'{args.size[1]}x{args.size[0]} {args.codec} '
              f'({video_mb:.0f} MB); strips of {args.num_frames} frames, '
              f'{args.strip_size[0]}x{args.strip_size[1]} JPEG; 1 process, '
              f'{args.repeats} timed runs per mode (median), after one '
              f'warm-up run each')
        rows = []
        for backend in args.backends:
            modes = dict(seek=backend, decode_all=DECODE_ALL[backend])
            times: Dict[str, List[float]] = {m: [] for m in modes}
            strips = {}
            for run in range(args.repeats + 1):
                for mode, reader in modes.items():
                    settings = StripSettings(
                        strip=dict(num_frames=args.num_frames,
                                   strip_size=tuple(args.strip_size),
                                   io_backend=reader))
                    out_dir = osp.join(root, f'strips_{reader}')
                    seconds = time_mode(annotations, root, out_dir, settings)
                    if run > 0:  # the first run warms the page cache
                        times[mode].append(seconds)
                    strips[mode] = read_strips(out_dir)
            same = all(
                np.array_equal(strips['seek'][n], strips['decode_all'][n])
                for n in strips['seek'])
            seek = statistics.median(times['seek'])
            full = statistics.median(times['decode_all'])
            n = len(annotations)
            rows.append((backend, n / seek, 1e3 * seek / n, n / full,
                         1e3 * full / n, full / seek, same))
        print('\n| backend | seek strips/s (ms/strip) | decode-all strips/s '
              '(ms/strip) | seek speed-up | same strips |')
        print('| --- | --- | --- | --- | --- |')
        for backend, s_rate, s_ms, f_rate, f_ms, ratio, same in rows:
            print(f'| {backend} | {s_rate:.2f} ({s_ms:.0f}) | {f_rate:.2f} '
                  f'({f_ms:.0f}) | {ratio:.1f}x | {"yes" if same else "NO"} |')
    finally:
        if args.work_dir is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == '__main__':
    main()
