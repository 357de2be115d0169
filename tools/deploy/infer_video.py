"""Label a video with a trained skeleton model: top-k classes, drawn.

``python tools/deploy/infer_video.py VIDEO CONFIG CHECKPOINT
[--out OUT.mp4] [--json OUT.json] [--topk 5] [--backend blazepose]
[--class-names classes.txt]``

The pose backend finds the persons of every frame
(``mmcl_tools.videos.extract_video``, as for the training pickle, in the
joint layout of the model's graph: 17 joints -> coco17, 25 -> ntu25); the
skeleton-only model of CONFIG with CHECKPOINT (an MMCL checkpoint works:
FAM and FRM are dropped, the model is the bare GCN) scores the clip with
the config's test pipeline. Prints the top-k classes with scores and the
milliseconds per frame of each stage (decode, pose, model, drawing).
``--out`` writes the video with every person's skeleton, box and the top
classes drawn; ``--json`` writes the result. Class names: ``--class-names``, a file
with one name per line (the pickle's ``classes`` in order) or a dataset
name (ntu60, ...); by default the ``classes.txt`` beside the config's
training pickle, else numbers.

Exit status: 0 labelled, 1 the video cannot be labelled (unreadable, no
person found; the reason is printed), 2 another error (config,
checkpoint, class names).
"""
import argparse
import json
import sys
from typing import List, Optional

import mmcl_plugin  # noqa: E402,F401  (compat fixes before mmaction)

from mmcl_tools.deploy.video_inference import (STAGES,  # noqa: E402
                                               VideoExtractor,
                                               VideoClassifier,
                                               VideoInferenceError,
                                               label_video)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Top-k action classes of a video (pose + skeleton '
        'model)',
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split('\n', 2)[2])
    parser.add_argument('video')
    parser.add_argument('config', help='training config (MMCL or baseline)')
    parser.add_argument('checkpoint', help='.pth checkpoint')
    parser.add_argument('--out', help='write the labelled video here (.mp4 '
                        'or .avi)')
    parser.add_argument('--json', help='write the result as JSON here')
    parser.add_argument('--topk', type=int, default=5)
    parser.add_argument('--backend', default='blazepose',
                        help='pose backend of mmcl_tools.pose (default: '
                        '%(default)s)')
    parser.add_argument('--backend-args', default='{}',
                        help='JSON keyword arguments of the pose backend, '
                        'e.g. \'{"model_path": "pose.tflite"}\'')
    parser.add_argument('--max-persons', type=int, default=2)
    parser.add_argument('--class-names', help='file with one class name a '
                        'line, or ntu60, ntu120, ...')
    args = parser.parse_args(argv)
    if args.topk < 1:
        parser.error('--topk must be >= 1')
    try:
        args.backend_args = json.loads(args.backend_args)
    except json.JSONDecodeError as error:
        parser.error(f'--backend-args is not JSON: {error}')
    return args


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    try:
        from mmaction.utils import register_all_modules
        from mmengine.config import Config

        from mmcl_tools.evaluation import get_class_names
        register_all_modules(init_default_scope=True)
        cfg = Config.fromfile(args.config)
        classifier = VideoClassifier(cfg, args.checkpoint)
        names = get_class_names(args.class_names, classifier.num_classes) \
            if args.class_names else classifier.class_names
        from mmcl_tools.pose import build_pose_backend
        backend = build_pose_backend(args.backend, **args.backend_args)
        extract = VideoExtractor(backend, classifier.layout,
                                 args.max_persons)
    except (OSError, ValueError, KeyError, ImportError, RuntimeError,
            TypeError) as error:  # config, checkpoint, backend, its args
        print(f'error: {error}', file=sys.stderr)
        return 2
    try:
        result = label_video(args.video, classifier, names, extract=extract,
                             topk=args.topk, out_video=args.out,
                             out_json=args.json, layout=classifier.layout)
    except VideoInferenceError as error:
        print(f'error: {error}', file=sys.stderr)
        return 1
    print(f'{result.video}: {result.num_frames} frames, '
          f'{result.frames_with_pose} with a pose, '
          f'{result.frames_with_two_persons} with two persons')
    for note in result.notes:
        print(f'note: {note}')
    for rank, (class_id, name, score) in enumerate(result.topk, 1):
        print(f'{rank:>2}. {class_id:>4}  {name:<40} {score:.4f}')
    timings = ', '.join(
        f'{stage} {result.ms_per_frame[stage]:.2f}'
        for stage in STAGES if result.ms_per_frame.get(stage) is not None)
    print(f'ms/frame: {timings}')
    if args.out:
        print(f'labelled video: {args.out}')
    if args.json:
        print(f'result: {args.json}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
