"""Auto-class choice, compute dtype and load errors."""
import types

import pytest
import torch

from mmcl_tools.mllm.model_loading import (load_mllm, resolve_auto_class,
                                           resolve_compute_dtype)


def config_of(*architectures):
    return types.SimpleNamespace(architectures=list(architectures))


def test_auto_class_from_architectures():
    assert resolve_auto_class(config_of('BlipForQuestionAnswering')) == \
        'visual-question-answering'
    for architecture in ('Blip2ForConditionalGeneration',
                         'LlavaForConditionalGeneration',
                         'Qwen2_5_VLForConditionalGeneration',
                         'DeepseekVLForConditionalGeneration',
                         'DeepseekVLHybridForConditionalGeneration',
                         'Glm4vForConditionalGeneration',
                         'SomeFutureModelForConditionalGeneration'):
        assert resolve_auto_class(config_of(architecture)) == \
            'image-text-to-text'
    assert resolve_auto_class(config_of()) == 'image-text-to-text'
    assert resolve_auto_class(
        config_of('BlipForQuestionAnswering'),
        'image-text-to-text') == 'image-text-to-text'
    with pytest.raises(ValueError, match='auto_class'):
        resolve_auto_class(config_of(), 'seq2seq')


def test_compute_dtype():
    assert resolve_compute_dtype('auto', torch.device('cpu')) == 'float32'
    assert resolve_compute_dtype('bfloat16', torch.device('cpu')) == \
        'bfloat16'


def test_load_error_names_the_model(tmp_path):
    with pytest.raises(OSError, match=f"model '{tmp_path}'"):
        load_mllm(str(tmp_path))


def test_loads_in_the_requested_dtype(tiny_model):
    model, processor, auto_class = load_mllm(
        tiny_model('llava'), compute_dtype='bfloat16')
    assert next(model.parameters()).dtype == torch.bfloat16
    assert not model.training
    assert auto_class == 'image-text-to-text'
    assert type(processor).__name__ == 'LlavaProcessor'
