"""The ``ntu25`` extraction of an NTU RGB+D clip against the clip's own
Kinect joints (colour-frame pixels).

``python benchmarks/ntu_kinect_agreement.py VIDEO SKELETON [--backend
blazepose] [--backend-args JSON] [--json OUT]``

VIDEO is an NTU RGB video (``S001C001P001R001A001_rgb.avi``), SKELETON
the same clip's ``.skeleton`` file. Prints the median and mean 2-D joint
error (pixels of the 1920 x 1080 video) with NTU's left / right labelling
and with the sides exchanged; exits 1 when the median exceeds
``--max-median`` (default 20 px).
"""
import argparse
import json
import sys

from mmcl_tools.converters.ntu import skeleton_to_annotation
from mmcl_tools.pose import build_pose_backend
from mmcl_tools.videos import extract_video
from mmcl_tools.videos.kinect_agreement import kinect_agreement


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('video')
    parser.add_argument('skeleton')
    parser.add_argument('--backend', default='blazepose')
    parser.add_argument('--backend-args', default='{}',
                        help='JSON keyword arguments of the backend')
    parser.add_argument('--max-median', type=float, default=20.0)
    parser.add_argument('--json', help='write the figures here')
    args = parser.parse_args(argv)
    with open(args.skeleton, 'rb') as f:
        kinect = skeleton_to_annotation(f.read(), args.skeleton,
                                        require_label=False)
    backend = build_pose_backend(args.backend,
                                 **json.loads(args.backend_args))
    extracted = extract_video(args.video, backend, layout='ntu25')
    result = kinect_agreement(extracted['keypoint_2d'],
                              kinect['keypoint_2d'])
    result.update(video=args.video, skeleton=args.skeleton,
                  backend=args.backend,
                  frames=dict(video=int(extracted['total_frames']),
                              skeleton=int(kinect['total_frames'])))
    print(f"{result['compared']} person-frames compared; 2-D joint error "
          f"(px): NTU's left/right median {result['median_px']:.1f}, mean "
          f"{result['mean_px']:.1f} (limbs {result['limb_median_px']:.1f}); "
          f"sides exchanged median {result['swapped_median_px']:.1f}, mean "
          f"{result['swapped_mean_px']:.1f} (limbs "
          f"{result['swapped_limb_median_px']:.1f})")
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(result, f, indent=2)
    return 0 if result['median_px'] <= args.max_median else 1


if __name__ == '__main__':
    sys.exit(main())
