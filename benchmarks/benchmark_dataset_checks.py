"""Seconds of the start-up sample checks on an NTU-size split, against the
checks they replace, in one run.

``nice python benchmarks/benchmark_dataset_checks.py [--samples 57000]
[--frames 100] [--distinct 2000] [--repeats 3]``

A synthetic annotation list of ``--samples`` NTU RGB+D-layout samples
(one person, ``--frames`` frames, 25 joints, float32 metres, label,
``total_frames``, 2-D keypoints and image shape), whose skeletons cycle
through ``--distinct`` separate arrays (2000 x 100 x 25 x 3 floats =
60 MB, beyond the CPU caches, without 57k arrays in memory):

* ``checks``: :func:`mmcl_plugin.datasets.sample_checks.sample_problems`
  as ``MMCLPoseDataset`` runs it for every split: labels in
  [0, num_classes), joints, finite and bounded coordinates,
  ``total_frames``, 2-D keypoints inside the image;
* ``baseline``: the check of the training split before (shape, joints,
  ``np.isfinite(keypoint).all()`` per sample; no labels, no bound).

Prints the median seconds of each, per 1000 samples, and the ratio, and
checks that a planted bad label, coordinate and frame count are found.
"""
import argparse
import statistics
import time

import numpy as np  # noqa: E402

from mmcl_plugin.datasets.sample_checks import sample_problems  # noqa: E402


def baseline_problems(data_list, num_joints):
    """The skeleton check before: 4-D, joints, all finite."""
    problems = []
    for info in data_list:
        keypoint = np.asarray(info['keypoint'])
        if keypoint.ndim != 4 or keypoint.shape[2] != num_joints or \
                not np.isfinite(keypoint).all():
            problems.append(info['frame_dir'])
    return problems


def make_annotations(num_samples, frames, distinct, seed=0):
    rng = np.random.default_rng(seed)
    skeletons = [
        rng.normal(0, 1, (1, frames, 25, 3)).astype(np.float32)
        for _ in range(distinct)
    ]
    pixels = [
        rng.uniform(0, 1920, (1, frames, 25, 2)).astype(np.float32)
        for _ in range(distinct)
    ]
    return [
        dict(frame_dir=f'S{i // 1000:03d}C001P001R001A{i % 1000:03d}',
             label=i % 120,
             total_frames=frames,
             img_shape=(1080, 1920),
             original_shape=(1080, 1920),
             keypoint=skeletons[i % distinct],
             keypoint_2d=pixels[i % distinct]) for i in range(num_samples)
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--samples', type=int, default=57000)
    parser.add_argument('--frames', type=int, default=100)
    parser.add_argument('--distinct', type=int, default=2000)
    parser.add_argument('--repeats', type=int, default=3)
    args = parser.parse_args()
    data_list = make_annotations(args.samples, args.frames, args.distinct)

    def checks():
        return sample_problems(data_list, num_classes=120, num_joints=25,
                               image_keypoint_key='keypoint_2d')

    def baseline():
        return baseline_problems(data_list, 25)

    assert checks() == [] and baseline() == []
    runs = {'checks': [], 'baseline': []}
    for _ in range(args.repeats):
        for name, func in (('checks', checks), ('baseline', baseline)):
            start = time.perf_counter()
            func()
            runs[name].append(time.perf_counter() - start)
    for name, times in runs.items():
        median = statistics.median(times)
        print(f'{name:9s} {median:.3f} s for {args.samples} samples '
              f'({1000 * median / args.samples * 1000:.1f} ms per 1000)')
    print(f'checks / baseline: '
          f'{statistics.median(runs["checks"]) / statistics.median(runs["baseline"]):.2f}')  # noqa: E501

    # the planted faults are found (on copies: the skeletons are shared)
    bad = [dict(info) for info in data_list[:3]]
    bad[0]['label'] = 120
    bad[1]['keypoint'] = bad[1]['keypoint'].copy()
    bad[1]['keypoint'][0, 7, 3, 0] = 1e30
    bad[2]['total_frames'] = 0
    found = sample_problems(bad + data_list[3:], num_classes=120,
                            num_joints=25, image_keypoint_key='keypoint_2d')
    assert [name for name, _ in found] == [i['frame_dir'] for i in bad], found
    print('planted faults found:', '; '.join(p for _, p in found))


if __name__ == '__main__':
    main()
