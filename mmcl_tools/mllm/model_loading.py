"""Loading a multimodal LLM and its processor with transformers' own
``from_pretrained``, through the Auto classes.

No family needs code here: transformers' ``AutoModelForImageTextToText``
covers BLIP-2, InstructBLIP, LLaVA, LLaVA-NeXT, LLaVA-OneVision, Qwen2-VL,
Qwen2.5-VL, DeepSeek-VL (``DeepseekVL[Hybrid]ForConditionalGeneration``),
GLM-4V (``Glm4vForConditionalGeneration``) and later models,
``AutoModelForVisualQuestionAnswering`` the BLIP VQA model
(``BlipForQuestionAnswering``), so a new model is a config line.
transformers is imported inside the functions: ``import mmcl_plugin``
does not pay for it.
"""
from typing import Tuple

import torch

#: transformers Auto class of each ``auto_class`` setting.
AUTO_CLASS_NAMES = {
    'image-text-to-text': 'AutoModelForImageTextToText',
    'visual-question-answering': 'AutoModelForVisualQuestionAnswering',
}


def resolve_compute_dtype(dtype: str, device: torch.device) -> str:
    """The compute dtype of the 'auto' setting: bfloat16 on a GPU that
    supports it, else float32 (CPU half-precision matmuls are slow and
    less exact)."""
    if dtype != 'auto':
        return dtype
    if device.type == 'cuda' and torch.cuda.is_bf16_supported():
        return 'bfloat16'
    return 'float32'


def _mapping_classes(mapping) -> set:
    names = set()
    for value in mapping.values():
        names.update(value if isinstance(value, (list, tuple)) else [value])
    return names


def resolve_auto_class(config, auto_class: str = 'auto') -> str:
    """Which Auto class loads a model, from its config's architectures.

    'visual-question-answering' when an architecture of the config is a
    VQA model that the image-text-to-text mapping lacks (BLIP's
    ``BlipForQuestionAnswering``), else 'image-text-to-text'.

    Args:
        config: The model's ``PretrainedConfig``.
        auto_class (str): 'auto' or an explicit key of
            :data:`AUTO_CLASS_NAMES`.
    """
    if auto_class != 'auto':
        if auto_class not in AUTO_CLASS_NAMES:
            raise ValueError(f'auto_class must be auto or one of '
                             f'{sorted(AUTO_CLASS_NAMES)}, got '
                             f'{auto_class!r}')
        return auto_class
    from transformers.models.auto import modeling_auto
    vqa = _mapping_classes(
        modeling_auto.MODEL_FOR_VISUAL_QUESTION_ANSWERING_MAPPING_NAMES)
    image_text = _mapping_classes(
        modeling_auto.MODEL_FOR_IMAGE_TEXT_TO_TEXT_MAPPING_NAMES)
    for architecture in getattr(config, 'architectures', None) or []:
        if architecture in vqa and architecture not in image_text:
            return 'visual-question-answering'
    return 'image-text-to-text'


def load_mllm(model: str,
              auto_class: str = 'auto',
              compute_dtype: str = 'float32',
              device: torch.device = torch.device('cpu'),
              trust_remote_code: bool = False) -> Tuple[object, object, str]:
    """Load a multimodal LLM for generation, in eval mode on ``device``.

    Args:
        model (str): Local directory or hub id.
        auto_class (str): See :func:`resolve_auto_class`.
        compute_dtype (str): 'float32', 'bfloat16' or 'float16'.
        device (torch.device): Where to put the model.
        trust_remote_code (bool): Passed to ``from_pretrained``.

    Returns:
        tuple: (model, processor, resolved auto class key).

    Raises:
        OSError: transformers cannot find or read the model (message
            names it).
    """
    import transformers
    try:
        config = transformers.AutoConfig.from_pretrained(
            model, trust_remote_code=trust_remote_code)
    except (OSError, ValueError) as error:
        raise OSError(f'cannot load the config of model {model!r}: '
                      f'{error}') from error
    auto_class = resolve_auto_class(config, auto_class)
    model_class = getattr(transformers, AUTO_CLASS_NAMES[auto_class])
    loaded = model_class.from_pretrained(
        model,
        dtype=getattr(torch, compute_dtype),
        trust_remote_code=trust_remote_code)
    loaded.to(device).eval()
    processor = transformers.AutoProcessor.from_pretrained(
        model, trust_remote_code=trust_remote_code)
    return loaded, processor, auto_class


__all__ = ['load_mllm', 'resolve_auto_class', 'resolve_compute_dtype']
