"""Batched versus one-sample-at-a-time text-feature extraction, one run.

``python benchmarks/benchmark_text_extraction.py [--family llava]
[--batch-size 8] [--num-strips 32]``

Builds a small randomly initialised model of one family
(``tests/helpers/tiny_mllms.py``; no download), loads it once, and runs the
whole extraction (``extract_text_features``: strips -> greedy generation
with hidden states -> sharded cache) over the same strips twice: with
``--batch-size`` strips per generate call and with one. Prints the
samples/s of both, their ratio, and how far the two caches' features are
apart (answers that agree, largest difference of their token features).
"""
import argparse
import os.path as osp
import shutil
import tempfile
import time

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
import mmcl_plugin  # noqa: E402,F401  (compat fixes first)
import numpy as np  # noqa: E402
import torch  # noqa: E402


def tiny_mllms():
    """The tiny random models: test doubles, loaded from
    ``tests/helpers/tiny_mllms.py`` by path."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        'tiny_mllms', osp.join(REPO, 'tests', 'helpers', 'tiny_mllms.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--family',
        default='llava',
        help='tiny model family (tests/helpers/tiny_mllms.py)')
    parser.add_argument('--hidden-size', type=int, default=256)
    parser.add_argument('--num-layers', type=int, default=4)
    parser.add_argument('--image-size', type=int, default=64)
    parser.add_argument('--num-strips', type=int, default=32)
    parser.add_argument(
        '--strip-size', type=int, nargs=2, default=(64, 320), help='strip H W')
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument('--max-new-tokens', type=int, default=16)
    parser.add_argument(
        '--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args()


def timed_extraction(extractor, source, cache_dir, batch_size, device):
    """Seconds of one whole extraction into a fresh cache."""
    from mmcl_tools.mllm.extraction import extract_text_features
    shutil.rmtree(cache_dir, ignore_errors=True)
    if device.startswith('cuda'):
        torch.cuda.synchronize()
    start = time.perf_counter()
    summary = extract_text_features(
        extractor.settings,
        source,
        cache_dir,
        shard_size=len(source.names()),
        batch_size=batch_size,
        num_workers=0,
        device=device,
        progress=False,
        extractor=extractor)
    if device.startswith('cuda'):
        torch.cuda.synchronize()
    assert summary.index_written and summary.num_computed == len(
        source.names())
    return time.perf_counter() - start


def compare(batched_dir, single_dir):
    """(answers that agree, samples, max |difference| of the token
    features of agreeing answers)."""
    from mmcl_plugin.text_cache.cache_reader import TextFeatureCache
    batched = TextFeatureCache(batched_dir)
    single = TextFeatureCache(single_dir)
    agree, largest = 0, 0.0
    for name in batched.names():
        if batched.answer(name) != single.answer(name) or \
                batched.entry(name)['lengths'] != single.entry(
                    name)['lengths']:
            continue
        agree += 1
        difference = np.abs(
            batched.tokens(name).astype(np.float32) -
            single.tokens(name).astype(np.float32)).max()
        largest = max(largest, float(difference))
    return agree, len(batched), largest


def main() -> None:
    args = parse_args()
    import transformers
    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    from mmcl_tools.mllm.settings import ExtractionSettings
    from mmcl_tools.mllm.strip_sources import InMemoryStripSource
    from mmcl_tools.mllm.text_feature_extractor import TextFeatureExtractor
    build_tiny_mllm = tiny_mllms().build_tiny_mllm

    work = tempfile.mkdtemp(prefix='bench_text_extraction_')
    try:
        model_dir = build_tiny_mllm(
            args.family,
            osp.join(work, 'model'),
            hidden_size=args.hidden_size,
            num_layers=args.num_layers,
            image_size=args.image_size,
            seed=args.seed)
        settings = ExtractionSettings(
            model=model_dir, max_new_tokens=args.max_new_tokens)
        extractor = TextFeatureExtractor(settings, args.device)
        rng = np.random.default_rng(args.seed)
        strips = {
            f'S{i:04d}':
            rng.integers(
                0, 256, tuple(args.strip_size) + (3, ), dtype=np.uint8)
            for i in range(args.num_strips)
        }
        source = InMemoryStripSource(strips)
        # warm-up (first-call allocations, kernel selection)
        extractor(list(strips.values())[:args.batch_size])
        batched = timed_extraction(extractor, source,
                                   osp.join(work, 'batched'), args.batch_size,
                                   args.device)
        single = timed_extraction(extractor, source, osp.join(work, 'single'),
                                  1, args.device)
        agree, total, largest = compare(
            osp.join(work, 'batched'), osp.join(work, 'single'))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    threads = torch.get_num_threads()
    print(f'family {args.family}: hidden {args.hidden_size}, '
          f'{args.num_layers} LM layers, image {args.image_size}px; '
          f'{args.num_strips} strips of {args.strip_size[0]}x'
          f'{args.strip_size[1]}; up to {args.max_new_tokens} new tokens; '
          f'device {args.device} ({threads} threads)')
    print(f'{"extraction":<24}{"seconds":>10}{"samples/s":>12}'
          f'{"x one-at-a-time":>18}')
    for label, seconds in ((f'batched (batch {args.batch_size})', batched),
                           ('one at a time', single)):
        print(f'{label:<24}{seconds:>10.2f}{args.num_strips / seconds:>12.1f}'
              f'{single / seconds:>18.2f}')
    print(f'same answers: {agree}/{total}; largest token-feature difference '
          f'of those: {largest:.2e} (float16 storage)')


if __name__ == '__main__':
    main()
