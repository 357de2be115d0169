"""Extract the FRM's text features with a multimodal LLM into a cache.

Asks the MLLM each prompt about every sample's frame strip (greedy VQA)
and stores, per sample and prompt, the answer text, the hidden states of
its tokens (L x D, float16) and their mean, optionally a sentence-encoder
vector of the answer, in a sharded cache that ``LoadTextFeatureFromCache``
reads (see ``mmcl_plugin/text_cache/cache_format.py``).

    # settings and samples from a config (text_extraction = dict(...) and
    # the train dataloader of an MMCL config)
    python tools/extract_text_features.py CONFIG
    # flags only, strips from an image directory
    python tools/extract_text_features.py --strip-dir data/strips \\
        --model Salesforce/blip-vqa-base --out-dir data/cache/blip
    # 8 GPUs
    torchrun --nproc-per-node 8 tools/extract_text_features.py CONFIG

Resumable: a re-run skips complete shards (checked by size and SHA-256),
redoes missing, truncated or corrupt ones and finally writes the index. A
cache made with another model, prompt or setting is refused, and so is a
second run while another process holds this run's shards (the ranks of
one run share the directory). Data-loader workers die with the process.
Exit status: 0 done (or this rank done, another still running), 1 some
strips failed (listed; the index marks them), 2 fatal error.
"""
import argparse
import logging
import sys
from typing import Any, Dict, Optional, Sequence

import mmcl_plugin  # noqa: E402,F401  (compat fixes before mmaction)

from mmcl_tools.mllm.settings import ExtractionSettings  # noqa: E402
from mmcl_plugin.text_cache.cache_reader import TextFeatureCache  # noqa: E402

logger = logging.getLogger('extract_text_features')

#: Keys of ``text_extraction`` that are run options, not settings.
RUN_OPTIONS = ('out_dir', 'strip_dir', 'split', 'batch_size', 'shard_size',
               'num_workers', 'verify', 'retry_failed', 'strict', 'device')
RUN_DEFAULTS = dict(
    batch_size=8,
    shard_size=None,
    num_workers=2,
    verify='checksum',
    retry_failed=False,
    strict=False)

#: Flags that set a setting, as (flag destination, setting name).
SETTING_FLAGS = (('model', 'model'), ('prompt', 'prompts'),
                 ('prompt_template', 'prompt_template'),
                 ('max_new_tokens', 'max_new_tokens'), ('layer', 'layer'),
                 ('dtype', 'dtype'), ('storage_dtype', 'storage_dtype'),
                 ('pool', 'pool'), ('sentence_encoder', 'sentence_encoder'),
                 ('auto_class', 'auto_class'), ('trust_remote_code',
                                                'trust_remote_code'),
                 ('token_ids', 'token_ids'))


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split('\n', 2)[2])
    parser.add_argument(
        'config',
        nargs='?',
        default=None,
        help='config with `text_extraction = dict(...)` and/or an MMCL '
        'training config whose train dataset gives the samples')
    data = parser.add_argument_group('samples and output')
    data.add_argument(
        '--out-dir',
        help='cache directory (default: '
        'text_extraction.out_dir, else the train dataset\'s '
        'text_feature_cache)')
    data.add_argument(
        '--strip-dir',
        help='strip images <sample>.<jpg|png> '
        'instead of the config\'s dataset')
    data.add_argument(
        '--split', help='another split of the config\'s '
        'annotation file')
    model = parser.add_argument_group('model and features')
    model.add_argument('--model', help='local directory or hub id')
    model.add_argument(
        '--prompt',
        action='append',
        help='question about '
        'the strip (repeat for several; default: "whether '
        'the people are holding objects?")')
    model.add_argument(
        '--prompt-template',
        help="'auto', 'chat' or a "
        'format string with {prompt}')
    model.add_argument('--max-new-tokens', type=int)
    model.add_argument(
        '--layer',
        type=int,
        help='hidden state kept per '
        'answer token (0 embeddings, -1 last layer)')
    model.add_argument(
        '--dtype', choices=('auto', 'float32', 'bfloat16', 'float16'))
    model.add_argument('--storage-dtype', choices=('float16', 'float32'))
    model.add_argument('--pool', choices=('mean', 'none'))
    model.add_argument(
        '--sentence-encoder',
        help='sentence-transformers '
        'model that also embeds each answer')
    model.add_argument(
        '--auto-class',
        choices=('auto', 'image-text-to-text', 'visual-question-answering'))
    model.add_argument(
        '--trust-remote-code', action='store_true', default=None)
    model.add_argument(
        '--token-ids', action='store_true', default=None,
        help="also store each answer's generated token ids (the MMCL "
        "release's FRM input; LoadTextFeatureFromCache(feature="
        "'token_ids'))")
    run = parser.add_argument_group('run')
    run.add_argument('--batch-size', type=int)
    run.add_argument(
        '--shard-size',
        type=int,
        help='samples per shard '
        '(the unit of resumption; default 256 for a new '
        'cache, fixed for an existing one)')
    run.add_argument(
        '--num-workers', type=int, help='strip-making '
        'data-loader workers')
    run.add_argument('--device', help='default: cuda:<LOCAL_RANK> or cpu')
    run.add_argument('--rank', type=int, help='default: $RANK or 0')
    run.add_argument(
        '--world-size', type=int, help='default: $WORLD_SIZE or 1')
    run.add_argument(
        '--verify',
        choices=('checksum', 'size'),
        help='how finished shards are checked on resume')
    run.add_argument(
        '--retry-failed',
        action='store_true',
        default=None,
        help='redo shards with samples that failed before')
    run.add_argument(
        '--strict',
        action='store_true',
        default=None,
        help='stop at the first strip that cannot be made')
    run.add_argument('--no-progress', action='store_true')
    run.add_argument(
        '--check',
        action='store_true',
        help='only verify '
        'the finished cache (sizes and checksums) and exit')
    return parser.parse_args(argv)


def gather_options(args: argparse.Namespace, cfg) -> Dict[str, Any]:
    """The config's ``text_extraction`` overridden by the flags."""
    options = dict(cfg.get('text_extraction', {}) or {}) if cfg else {}
    for flag, name in SETTING_FLAGS:
        value = getattr(args, flag)
        if value is not None:
            options[name] = value
    if options.get('pool') == 'none':
        options['pool'] = None
    for name in RUN_OPTIONS:
        value = getattr(args, name, None)
        if value is not None:
            options[name] = value
    return options


def split_options(options: Dict[str, Any]):
    """(ExtractionSettings, run options)."""
    run = dict(RUN_DEFAULTS)
    run.update({k: v for k, v in options.items() if k in RUN_OPTIONS})
    values = {k: v for k, v in options.items() if k not in RUN_OPTIONS}
    if 'model' not in values:
        raise ValueError('no model: give --model or text_extraction.model')
    return ExtractionSettings.from_dict(values), run


def default_out_dir(cfg) -> Optional[str]:
    """The train dataset's ``text_feature_cache`` of an MMCL config."""
    if cfg is None or 'train_dataloader' not in cfg:
        return None
    from mmcl_plugin.utils.config_helpers import innermost_dataset_cfg
    return innermost_dataset_cfg(
        cfg.train_dataloader).get('text_feature_cache')


def make_source(cfg, run: Dict[str, Any]):
    """The strips: an image directory, else the config's dataset."""
    from mmcl_tools.mllm.strip_sources import (DatasetStripSource,
                                               ImageDirectorySource)
    if run.get('strip_dir'):
        return ImageDirectorySource(run['strip_dir'])
    if cfg is None or 'train_dataloader' not in cfg:
        raise ValueError('no samples: give --strip-dir or a config with a '
                         'train_dataloader')
    from mmaction.utils import register_all_modules
    register_all_modules()
    return DatasetStripSource(cfg, run.get('split'))


def check_cache(out_dir: str) -> int:
    """Verify a finished cache; 0 if intact."""
    cache = TextFeatureCache(out_dir, verify=None)
    problems = cache.verify(checksum=True)
    print(f'{out_dir}: {len(cache)} samples, {len(cache.failed)} failed, '
          f'{len(cache.shards)} shards, model {cache.meta.model!r}, '
          f'prompts {cache.prompts}')
    for problem in problems:
        print(f'  BAD {problem}')
    return 1 if problems else 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.INFO,
        format='%(asctime)s %(levelname)s %(name)s: %(message)s')
    cfg = None
    if args.config:
        from mmengine.config import Config
        cfg = Config.fromfile(args.config)
    try:
        options = gather_options(args, cfg)
        out_dir = options.pop('out_dir', None) or default_out_dir(cfg)
        if not out_dir:
            raise ValueError('no output: give --out-dir, text_extraction.'
                             'out_dir or a train dataset with '
                             'text_feature_cache')
        if args.check:
            return check_cache(out_dir)
        settings, run = split_options(options)
        source = make_source(cfg, run)
    except (ValueError, KeyError, FileNotFoundError) as error:
        logger.error('%s', error)
        return 2

    import transformers
    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    from mmcl_tools.mllm.extraction import extract_text_features
    from mmcl_plugin.text_cache.cache_format import CacheMismatchError
    from mmcl_tools.runs.file_lock import LockedError
    try:
        summary = extract_text_features(
            settings,
            source,
            out_dir,
            shard_size=run['shard_size'],
            batch_size=run['batch_size'],
            num_workers=run['num_workers'],
            device=run.get('device'),
            rank=args.rank,
            world_size=args.world_size,
            verify=run['verify'],
            retry_failed=run['retry_failed'],
            strict=run['strict'],
            progress=not args.no_progress)
    except (CacheMismatchError, LockedError) as error:
        logger.error('%s', error)
        return 2
    print(f'{summary.num_own} samples of this rank, {summary.num_skipped} '
          f'already done, {summary.num_computed} computed, '
          f'{len(summary.failed)} failed')
    if not summary.index_written:
        for name, error in sorted(summary.failed.items()):
            print(f'  FAILED {name}: {error}')
        print('other ranks are still running; the last one to finish '
              'writes the index')
        return 1 if summary.failed else 0
    cache = TextFeatureCache(out_dir, verify='size')  # just written
    print(f'cache complete: {len(cache)} of {summary.num_samples} samples '
          f'-> {out_dir}')
    if cache.failed:
        print(f'{len(cache.failed)} samples without features (fix them and '
              f're-run with --retry-failed, or leave them out of the split):')
        for name, error in sorted(cache.failed.items()):
            print(f'  FAILED {name}: {error}')
    return 1 if cache.failed else 0


if __name__ == '__main__':
    sys.exit(main())
