"""The runner of the runtime base: mmengine's, reading checkpoints with the
weights-only, checksum-verifying loader, formatting its config once."""
from typing import Any, Dict, List, Optional, Tuple, Union

from mmaction.registry import RUNNERS
from mmengine.config import Config
from mmengine.runner import Runner

from .checkpoint_loading import safe_checkpoint_loading
from .format_once_config import FormatOnceConfig


@RUNNERS.register_module()
class SafeRunner(Runner):
    """:class:`mmengine.runner.Runner` whose :meth:`load_checkpoint` (what
    ``load_from`` and ``resume`` use) reads local checkpoints with
    :func:`~mmcl_plugin.engine.checkpoint_loading.load_from_local`:
    weights-only with an allow-list of mmengine's types, checksum verified.

    ``configs/_base_/default_runtime.py`` sets ``runner_type='SafeRunner'``;
    ``tools/train.py``, ``tools/test.py`` and mmaction2's own tools (what
    ``mim train`` runs) build it from ``RUNNERS``. The loader is mmengine's
    only for the duration of the call.

    Its config is a :class:`~mmcl_plugin.engine.format_once_config.
    FormatOnceConfig`: the yapf-formatted config text that mmengine's
    runner logs, dumps and stores in every checkpoint is made once
    (about a second per request saved at start-up and per checkpoint).
    """

    def __init__(self,
                 *args,
                 cfg: Optional[Union[Config, Dict]] = None,
                 **kwargs) -> None:
        """See :class:`mmengine.runner.Runner`; a ``Config`` ``cfg`` is
        taken as a :class:`FormatOnceConfig`."""
        if isinstance(cfg, Config):
            cfg = FormatOnceConfig.of(cfg)
        super().__init__(*args, cfg=cfg, **kwargs)

    def load_checkpoint(self,
                        filename: str,
                        map_location: Any = 'cpu',
                        strict: bool = False,
                        revise_keys: List[Tuple[str, str]] = [(r'^module.',
                                                               '')]) -> Dict:
        """See :meth:`mmengine.runner.Runner.load_checkpoint`."""
        with safe_checkpoint_loading():
            return super().load_checkpoint(filename, map_location, strict,
                                           revise_keys)


__all__ = ['SafeRunner']
