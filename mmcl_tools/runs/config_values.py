"""Config values checked where they enter the tools.

A ``num_classes='4'`` ends deep inside torch as ``TypeError: empty():
argument 'size'``; :func:`config_value_problems` names the key instead.
``tools/train.py`` and ``tools/test.py`` check the merged config (file and
``--cfg-options``) before anything is built.
"""
from typing import Any, List, Mapping, Sequence

#: Keys whose values must be integers (when set, i.e. not None), wherever
#: they appear in a config.
INTEGER_KEYS = frozenset({
    'num_classes', 'num_joints', 'num_person', 'num_clips', 'clip_len',
    'batch_size', 'num_workers', 'max_epochs', 'max_iters', 'val_interval',
    'val_begin', 'max_keep_ckpts', 'in_channels', 'text_channels',
    'num_prompts'
})


def _walk(value: Any, path: str, problems: List[str]) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            where = f'{path}.{key}' if path else str(key)
            if key in INTEGER_KEYS and item is not None and (
                    isinstance(item, bool) or not isinstance(item, int)):
                problems.append(
                    f'{where} is {item!r} (a {type(item).__name__}); it '
                    f'must be an int' + (
                        f': write {item.strip()} without quotes'
                        if isinstance(item, str) and
                        item.strip().lstrip('-').isdigit() else ''))
            else:
                _walk(item, where, problems)
    elif isinstance(value, Sequence) and not isinstance(value, str):
        for index, item in enumerate(value):
            _walk(item, f'{path}[{index}]', problems)


def config_value_problems(cfg: Any) -> List[str]:
    """The keys of :data:`INTEGER_KEYS` whose values are not integers, as
    ``'model.cls_head.num_classes is '4' (a str) ...'`` lines.

    Args:
        cfg: An ``mmengine.Config`` or a mapping.
    """
    if not isinstance(cfg, Mapping) and hasattr(cfg, 'to_dict'):
        cfg = cfg.to_dict()
    problems: List[str] = []
    _walk(cfg, '', problems)
    return problems


def check_config_values(cfg: Any, source: str) -> None:
    """Raise if :func:`config_value_problems` finds anything.

    Args:
        cfg: The merged config (``mmengine.Config`` or a mapping).
        source (str): The config file, for the message.

    Raises:
        ValueError: Naming every bad key.
    """
    problems = config_value_problems(cfg)
    if problems:
        raise ValueError(f'{source} (with --cfg-options): ' +
                         ('\n  '.join([''] + problems) if len(problems) > 1
                          else problems[0]))


__all__ = ['INTEGER_KEYS', 'check_config_values', 'config_value_problems']
