"""Seconds to open a text-feature cache with its shards' checksums
verified (the training reader's default), against opening it without, in
one run.

``nice python benchmarks/benchmark_cache_verification.py [--samples
114480] [--tokens 4] [--width 768] [--shard-size 256] [--repeats 3]
[--dir DIR]``

Writes a cache of the NTU RGB+D 120 size with the real writer: 114,480
samples, one prompt, ``--tokens`` answer tokens of ``--width`` (BLIP's
768) in float16 (about 0.7 GB of token features in 448 shards), then
times :class:`~mmcl_plugin.text_cache.cache_reader.TextFeatureCache`:

* ``index``: ``verify=None``, the index only (the baseline);
* ``size``: ``verify='size'``, one ``stat`` per shard (the check before);
* ``checksum``: ``verify='checksum'`` (default) in a process that has not
  verified the files yet: SHA-256 of every shard (files in the page
  cache: they were just written; a cold read adds the disk's time);
* ``again``: a second open in the same process (the datasets and
  transforms of a run, and the data-loader workers forked from it): the
  files are remembered by path, size, mtime and checksum.

Prints the median seconds of each, the GB/s of the checksum and the
ratios against ``index``, and what hashing adds per GB.
"""
import argparse
import os
import os.path as osp
import shutil
import statistics
import tempfile
import time

import numpy as np  # noqa: E402

from mmcl_plugin.text_cache import cache_reader  # noqa: E402
from mmcl_plugin.text_cache.cache_format import CacheMeta  # noqa: E402
from mmcl_tools.mllm.cache_writer import (PromptFeatures,  # noqa: E402
                                          TextFeatureCacheWriter)


def write_cache(cache_dir, num_samples, tokens, width, shard_size):
    meta = CacheMeta(identity=dict(model='benchmark', prompts=['q']),
                     storage_dtype='float16',
                     hidden_size=width,
                     shard_size=shard_size,
                     pool='mean')
    names = [f'S{i // 1000:03d}C001P001R001A{i % 1000:03d}'
             for i in range(num_samples)]
    writer = TextFeatureCacheWriter(cache_dir, meta, names)
    writer.write_meta()
    rng = np.random.default_rng(0)
    block = rng.normal(size=(shard_size, tokens, width)).astype(np.float32)
    for shard in writer.pending_shards():
        writer.write_shard(shard, {
            name: [PromptFeatures('yes', block[i])]
            for i, name in enumerate(shard.samples)
        }, {})
    assert writer.write_index()


def shard_bytes(cache_dir):
    folder = osp.join(cache_dir, 'shards')
    return sum(osp.getsize(osp.join(folder, f)) for f in os.listdir(folder))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--samples', type=int, default=114480)
    parser.add_argument('--tokens', type=int, default=4)
    parser.add_argument('--width', type=int, default=768)
    parser.add_argument('--shard-size', type=int, default=256)
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--dir', help='where to write the cache (a '
                        'temporary directory by default)')
    args = parser.parse_args()
    root = tempfile.mkdtemp(dir=args.dir)
    cache_dir = osp.join(root, 'cache')
    try:
        start = time.perf_counter()
        write_cache(cache_dir, args.samples, args.tokens, args.width,
                    args.shard_size)
        size = shard_bytes(cache_dir)
        print(f'wrote {args.samples} samples, {size / 1e9:.2f} GB of '
              f'shards in {time.perf_counter() - start:.0f} s')

        def opened(verify, fresh):
            if fresh:
                cache_reader._VERIFIED.clear()
            start = time.perf_counter()
            cache_reader.TextFeatureCache(cache_dir, verify=verify)
            return time.perf_counter() - start

        runs = {name: [] for name in ('index', 'size', 'checksum', 'again')}
        for _ in range(args.repeats):
            runs['index'].append(opened(None, True))
            runs['size'].append(opened('size', True))
            runs['checksum'].append(opened('checksum', True))
            runs['again'].append(opened('checksum', False))
        base = statistics.median(runs['index'])
        for name, times in runs.items():
            median = statistics.median(times)
            print(f'{name:9s} {median:.3f} s  ({median / base:.1f}x index)')
        hashing = statistics.median(runs['checksum']) - statistics.median(
            runs['size'])
        print(f'hashing adds {hashing:.3f} s: {hashing / (size / 1e9):.2f} s '
              f'per GB ({size / 1e9 / hashing:.2f} GB/s)')
    finally:
        shutil.rmtree(root)


if __name__ == '__main__':
    main()
