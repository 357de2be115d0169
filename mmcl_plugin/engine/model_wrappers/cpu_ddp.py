"""DDP for models that live on the CPU.

mmengine's ``Runner.wrap_model`` passes ``device_ids=[LOCAL_RANK]`` to
every ``DistributedDataParallel`` wrapper, and torch's DDP refuses device
ids for a module whose parameters are on the CPU ("DistributedDataParallel
device_ids and output_device arguments only work with single-device/
multiple-device GPU modules or CPU modules, but got device_ids [0], ..."),
so a ``torchrun`` / slurm run on CPU machines fails at start-up. Configs meant
for CPUs name :class:`CPUDistributedDataParallel` instead::

    model_wrapper_cfg = dict(
        type='CPUDistributedDataParallel', broadcast_buffers=False)

(``broadcast_buffers=False`` and torch's default
``find_unused_parameters=False`` are what the runner uses when a config
has no ``model_wrapper_cfg``.) The wrapper passes the ids on unchanged
for a model on a GPU, so such a config also runs on GPUs.
"""
import torch.nn as nn
from mmengine.model import MMDistributedDataParallel
from mmengine.registry import MODEL_WRAPPERS


def cpu_ddp_device_ids_needed() -> bool:
    """Whether mmengine passes CUDA device ids to DDP for any model.

    True while ``Runner.wrap_model`` hands ``device_ids=[LOCAL_RANK]`` to
    the default wrapper on a machine without CUDA; the test fails once
    mmengine stops doing so and this wrapper can go.
    """
    import inspect

    import torch
    from mmengine.runner import Runner
    source = inspect.getsource(Runner.wrap_model)
    return (not torch.cuda.is_available()
            and "device_ids=[int(os.environ['LOCAL_RANK'])]" in source)


def on_cpu(module: nn.Module) -> bool:
    """Whether every parameter of ``module`` is on the CPU."""
    return all(p.device.type == 'cpu' for p in module.parameters())


# Registered in mmengine's root registry, beside MMDistributedDataParallel:
# Runner.wrap_model looks the type up there before building it.
@MODEL_WRAPPERS.register_module()
class CPUDistributedDataParallel(MMDistributedDataParallel):
    """``MMDistributedDataParallel`` that also wraps a model on the CPU.

    For a module whose parameters are all on the CPU the ``device_ids``
    (and ``output_device``) that the runner passes are dropped; DDP then
    all-reduces the CPU gradients over the process group (gloo). A module
    on a GPU is wrapped exactly as by ``MMDistributedDataParallel``.

    Args:
        module (nn.Module): The model to wrap.
        detect_anomalous_params (bool): As for
            ``MMDistributedDataParallel``. Defaults to False.
        **kwargs: Arguments of ``torch.nn.parallel.DistributedDataParallel``
            (``device_ids``, ``broadcast_buffers``,
            ``find_unused_parameters`` ...).
    """

    def __init__(self,
                 module: nn.Module,
                 detect_anomalous_params: bool = False,
                 **kwargs) -> None:
        if on_cpu(module):
            kwargs['device_ids'] = None
            kwargs.pop('output_device', None)
        super().__init__(
            module=module,
            detect_anomalous_params=detect_anomalous_params,
            **kwargs)


__all__ = ['CPUDistributedDataParallel', 'cpu_ddp_device_ids_needed']
