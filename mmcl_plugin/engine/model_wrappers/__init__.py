from .cpu_ddp import CPUDistributedDataParallel, cpu_ddp_device_ids_needed

__all__ = ['CPUDistributedDataParallel', 'cpu_ddp_device_ids_needed']
