from .inference_model import (inference_model_config, save_checkpoint_atomic,
                              skeleton_only_state_dict)

__all__ = [
    'inference_model_config', 'save_checkpoint_atomic',
    'skeleton_only_state_dict'
]
