from .convert_official import (convert_official_state_dict, load_converted,
                               load_official_checkpoint, unwrap_checkpoint)
from .convert_pyskl import convert_pyskl_state_dict
from .inference_model import (inference_model_config, save_checkpoint_atomic,
                              skeleton_only_state_dict)
from .skeleton_inference import (SkeletonClassifier, build_deployed_model,
                                 load_skeleton_sample, prepare_clips)
from .video_inference import (VideoClassifier, VideoExtractor,
                              VideoInferenceError, VideoLabels, label_video)

__all__ = [
    'inference_model_config', 'save_checkpoint_atomic',
    'skeleton_only_state_dict', 'convert_official_state_dict',
    'load_converted', 'load_official_checkpoint', 'unwrap_checkpoint',
    'convert_pyskl_state_dict',
    'SkeletonClassifier', 'build_deployed_model', 'load_skeleton_sample',
    'prepare_clips', 'VideoClassifier', 'VideoExtractor',
    'VideoInferenceError', 'VideoLabels', 'label_video'
]
