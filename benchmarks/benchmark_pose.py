"""Pose extraction on real videos: people found per frame and the time of
each stage.

``python benchmarks/benchmark_pose.py VIDEO [VIDEO ...] [--backend
blazepose] [--backend-args JSON] [--max-frames N] [--json OUT]``

For each video: frames, the share of frames with at least one and with
at least two people before tracking (the backend's raw output) and after
tracking (gaps bridged, ``--max-persons`` kept), the bridged frames per
person, and milliseconds per frame of decoding, the detector, the
landmark model (with their pre- and post-processing) and tracking with
the layout conversion.
"""
import argparse
import json
import os.path as osp
import sys
import time
from typing import Dict, List, Optional

import numpy as np

from mmcl_tools.pose import build_pose_backend
from mmcl_tools.videos.extraction import (annotation_from_poses,
                                          estimate_poses)


def measure(path: str, backend, max_persons: int = 2,
            max_frames: Optional[int] = None,
            layout: str = 'coco17') -> Dict:
    """Coverage and per-stage ms/frame of one video."""
    start = time.perf_counter()
    video = estimate_poses(path, backend, max_frames)
    annotation = annotation_from_poses(video, layout, max_persons)
    wall = time.perf_counter() - start
    raw = np.array([len(p) for p in video.poses])
    tracked = (annotation['keypoint_score'].max(-1) > 0).sum(0)
    return dict(
        video=osp.basename(path),
        frames=int(annotation['total_frames']),
        shape=list(annotation['img_shape']),
        raw_at_least_1=float(np.mean(raw >= 1)),
        raw_at_least_2=float(np.mean(raw >= 2)),
        tracked_at_least_1=float(np.mean(tracked >= 1)),
        tracked_at_least_2=float(np.mean(tracked >= 2)),
        bridged_frames=annotation['bridged_frames'].sum(1).tolist(),
        ms_per_frame={k: round(v, 1)
                      for k, v in annotation['timing'].items()},
        wall_s=round(wall, 1))


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('videos', nargs='+')
    parser.add_argument('--backend', default='blazepose')
    parser.add_argument('--backend-args', default='{}')
    parser.add_argument('--max-persons', type=int, default=2)
    parser.add_argument('--max-frames', type=int, default=None)
    parser.add_argument('--json', help='also write the results here')
    args = parser.parse_args(argv)
    backend = build_pose_backend(args.backend,
                                 **json.loads(args.backend_args))
    results = []
    for path in args.videos:
        result = measure(path, backend, args.max_persons, args.max_frames)
        results.append(result)
        print(json.dumps(result), flush=True)
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(dict(backend=args.backend,
                           backend_args=json.loads(args.backend_args),
                           results=results), f, indent=2)
    sys.exit(0)


if __name__ == '__main__':
    main()
