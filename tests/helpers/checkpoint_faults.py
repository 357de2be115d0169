"""Fault injection for the crash-safety tests: a SafeCheckpointHook that
kills its process at a chosen stage of a save, as a kill would.

A training run gets it from a config that adds ``checkpoint_faults`` to
``custom_imports`` and sets ``default_hooks.checkpoint.type=
'FaultInjectionCheckpointHook'``, with this folder on ``PYTHONPATH``;
:data:`FAULT_ENV` names the stage.
"""
import os
import sys
from typing import Optional, Tuple

from mmaction.registry import HOOKS

from mmcl_plugin.engine.hooks.safe_checkpoint_hook import (SAVE_STAGES,
                                                           SafeCheckpointHook)

#: ``<stage>[:<file>]``: exit at that stage of a save (of that checkpoint
#: file only, e.g. ``partial-write:epoch_2.pth``). ``partial-write`` also
#: cuts the temporary file to half its size first.
FAULT_ENV = 'MMCL_CHECKPOINT_FAULT'
#: Exit status of an injected fault.
FAULT_EXIT_CODE = 86


def fault_spec() -> Optional[Tuple[str, str]]:
    """The (stage, file name) of :data:`FAULT_ENV`, or None if unset."""
    spec = os.environ.get(FAULT_ENV, '')
    if not spec:
        return None
    stage, _, filename = spec.partition(':')
    if stage not in SAVE_STAGES:
        raise ValueError(f'{FAULT_ENV}={spec!r}: unknown stage {stage!r}; '
                         f'stages: {", ".join(SAVE_STAGES)}')
    return stage, filename


@HOOKS.register_module()
class FaultInjectionCheckpointHook(SafeCheckpointHook):
    """:class:`SafeCheckpointHook` that exits the process (``os._exit``)
    at the stage :data:`FAULT_ENV` names."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        fault_spec()  # a misspelt stage fails now, not at the first save

    def reached(self,
                stage: str,
                filename: str,
                tmp_path: Optional[str] = None) -> None:
        spec = fault_spec()
        if spec is None or spec[0] != stage or spec[1] not in ('',
                                                               filename):
            return
        if stage == 'partial-write' and tmp_path is not None:
            os.truncate(tmp_path, os.path.getsize(tmp_path) // 2)
        print(f'{FAULT_ENV}: exiting at {stage} of {filename}',
              file=sys.stderr,
              flush=True)
        os._exit(FAULT_EXIT_CODE)
