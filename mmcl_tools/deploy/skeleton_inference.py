"""Classify one skeleton file with a deployed model (PyTorch or ONNX).

A sample is an NTU RGB+D ``.skeleton`` file (parsed and denoised by
:mod:`mmcl_tools.converters.ntu`, exactly as for the dataset
pickles) or one annotation of an mmaction2 skeleton pickle. It goes
through the config's *test* pipeline, which gives (num_clips, M, T, V, C)
clips; the model scores every clip and the clips are averaged as the
head's ``average_clips`` says (softmax then mean for ``'prob'``), as
``tools/test.py`` does.
"""
import copy
import os.path as osp
import pickle
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn

from mmcl_plugin.utils import UntrustedPickleError, load_pickle

#: Average modes of mmaction2's heads.
AVERAGE_CLIPS = ('prob', 'score', None)


class SkeletonClassifier(nn.Module):
    """The tensor path of a skeleton recognizer: backbone then head.

    Args:
        recognizer (nn.Module): A ``RecognizerGCN`` (e.g. a deployed MMCL
            model) with ``backbone`` and ``cls_head``.

    Shapes: (N, M, T, V, C) skeleton clips -> (N, num_classes) logits.
    """

    def __init__(self, recognizer: nn.Module) -> None:
        super().__init__()
        self.backbone = recognizer.backbone
        self.cls_head = recognizer.cls_head

    def forward(self, skeleton: torch.Tensor) -> torch.Tensor:
        """(N, M, T, V, C) -> (N, num_classes) logits."""
        return self.cls_head(self.backbone(skeleton))


def build_deployed_model(cfg: Mapping, checkpoint: str) -> nn.Module:
    """The deployed (skeleton-only) model of a config, with weights.

    Args:
        cfg (Mapping): A config (MMCL or baseline); its model is turned
            into the deployed ``RecognizerGCN``.
        checkpoint (str): An MMCL, exported or converted checkpoint; every
            deployed parameter must be in it (FAM / FRM ones are dropped).

    Returns:
        nn.Module: The model in eval mode, on the CPU.
    """
    from mmaction.registry import MODELS

    from mmcl_plugin.engine import load_checkpoint_file
    from .inference_model import (inference_model_config,
                                  skeleton_only_state_dict)
    loaded = load_checkpoint_file(checkpoint, map_location='cpu')
    state = skeleton_only_state_dict(loaded.get('state_dict', loaded))
    model = MODELS.build(inference_model_config(cfg['model']))
    model.load_state_dict(state, strict=True)
    return model.eval()


def config_test_pipeline(cfg: Mapping) -> List[Dict]:
    """The test pipeline of a config (the test dataset's ``pipeline``)."""
    dataset = cfg['test_dataloader']['dataset']
    while 'pipeline' not in dataset and 'dataset' in dataset:
        dataset = dataset['dataset']
    return [dict(step) for step in dataset['pipeline']]


def input_spec(pipeline: Sequence[Mapping],
               backbone: nn.Module) -> Dict[str, int]:
    """Clip geometry that a test pipeline feeds a backbone.

    Returns:
        dict: ``num_clips`` and ``clip_len`` (``UniformSampleFrames``),
        ``num_person`` (``FormatGCNInput``), ``num_joints`` (the
        backbone's graph) and ``in_channels`` (the backbone's).
    """
    sampler = [s for s in pipeline if s['type'] == 'UniformSampleFrames']
    if len(sampler) != 1:
        raise ValueError('the test pipeline needs one UniformSampleFrames '
                         f'step, got {[s["type"] for s in pipeline]}')
    formatter = [s for s in pipeline if s['type'] == 'FormatGCNInput']
    return dict(
        num_clips=int(sampler[0].get('num_clips', 1)),
        clip_len=int(sampler[0]['clip_len']),
        num_person=int(formatter[0].get('num_person', 2)
                       if formatter else 2),
        num_joints=int(backbone.graph.num_node),
        in_channels=int(backbone.in_channels))


def clip_shape(spec: Mapping[str, int]) -> Tuple[int, int, int, int]:
    """(M, T, V, C) of one clip of :func:`input_spec`."""
    return (spec['num_person'], spec['clip_len'], spec['num_joints'],
            spec['in_channels'])


def _select(annotations: Sequence[Dict], sample: Optional[str],
            source: str) -> Dict:
    """One annotation by ``frame_dir`` or index (the only one if None)."""
    if sample is None:
        if len(annotations) != 1:
            raise ValueError(
                f'{source} holds {len(annotations)} samples; choose one by '
                'name (frame_dir) or index')
        return annotations[0]
    for annotation in annotations:
        if str(annotation.get('frame_dir')) == sample:
            return annotation
    if sample.lstrip('-').isdigit():
        index = int(sample)
        if -len(annotations) <= index < len(annotations):
            return annotations[index]
        raise ValueError(f'{source}: index {index} is outside its '
                         f'{len(annotations)} samples')
    raise ValueError(f'{source}: no sample with frame_dir {sample!r}')


def ntu_annotation(raw: bytes, file_name: str) -> Dict:
    """An NTU ``.skeleton`` file as an annotation, like the NTU pickles.

    An official name (``S001C002P003R002A013.skeleton``) gives the label;
    another name gives an annotation without one (same parsing, denoising
    and actor assignment).
    """
    from mmcl_tools.converters import ntu
    return ntu.skeleton_to_annotation(raw, file_name, require_label=False)


def load_skeleton_sample(path: str, sample: Optional[str] = None) -> Dict:
    """One skeleton annotation from an NTU ``.skeleton`` file or a pickle.

    Args:
        path (str): ``*.skeleton`` (NTU RGB+D) or ``*.pkl`` (an mmaction2
            skeleton pickle with ``annotations``, a list of annotations or
            one annotation dict).
        sample (str, optional): For a pickle of several samples: the
            ``frame_dir`` or the index of the sample.

    Returns:
        dict: The annotation, with ``keypoint`` (M, T, V, C),
        ``total_frames``, ``frame_dir`` and (when known) ``label``.
    """
    if path.endswith('.skeleton'):
        with open(path, 'rb') as f:
            raw = f.read()
        annotation = ntu_annotation(raw, osp.basename(path))
    else:
        try:
            data = load_pickle(path)
        except UntrustedPickleError:
            raise  # names the file, the refused global and the opt-in
        except (OSError, pickle.UnpicklingError, EOFError) as error:
            raise ValueError(f'{path}: cannot read ({error})') from None
        if isinstance(data, dict) and 'annotations' in data:
            annotations = data['annotations']
        elif isinstance(data, dict) and 'keypoint' in data:
            annotations = [data]
        elif isinstance(data, list):
            annotations = data
        else:
            raise ValueError(f'{path}: expected an mmaction2 skeleton '
                             'pickle (annotations) or an annotation dict')
        annotation = _select(annotations, sample, path)
    for key in ('keypoint', 'total_frames'):
        if key not in annotation:
            raise ValueError(f'{path}: the sample has no {key!r}')
    keypoint = np.asarray(annotation['keypoint'])
    if keypoint.ndim != 4 or not np.isfinite(keypoint).all():
        raise ValueError(f'{path}: keypoint must be a finite (M, T, V, C) '
                         f'array, got shape {keypoint.shape}')
    return annotation


def prepare_clips(annotation: Mapping, pipeline: Sequence[Mapping]
                  ) -> np.ndarray:
    """Run a test pipeline on one annotation.

    Args:
        annotation (Mapping): A skeleton annotation.
        pipeline (Sequence[Mapping]): Test pipeline configs (mmaction2
            transforms, ending with ``PackActionInputs``).

    Returns:
        np.ndarray: (num_clips, M, T, V, C) float32 clips.
    """
    from mmengine.dataset import Compose
    from mmengine.registry import DefaultScope
    results = copy.deepcopy(dict(annotation))
    # keys a dataset adds to every data info
    results.setdefault('start_index', 0)
    results.setdefault('modality', 'Pose')
    if DefaultScope.get_current_instance() is None:
        DefaultScope.get_instance('mmcl_skeleton_inference',
                                  scope_name='mmaction')
    packed = Compose([dict(step) for step in pipeline])(results)
    return packed['inputs'].numpy().astype(np.float32)


def average_clips(logits: np.ndarray, mode: Optional[str] = 'prob'
                  ) -> np.ndarray:
    """Average (num_clips, C) clip scores like mmaction2's heads.

    Args:
        logits (np.ndarray): Per-clip scores.
        mode (str, optional): ``'prob'``: softmax, then mean; ``'score'``:
            mean; None: mean as well (one clip has nothing to average).
    """
    if mode not in AVERAGE_CLIPS:
        raise ValueError(f'average_clips {mode!r} not in {AVERAGE_CLIPS}')
    logits = np.asarray(logits, dtype=np.float64)
    if mode == 'prob':
        shifted = logits - logits.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        logits = exp / exp.sum(axis=1, keepdims=True)
    return logits.mean(axis=0)


def topk_classes(scores: np.ndarray, class_names: Sequence[str],
                 k: int = 5) -> List[Tuple[int, str, float]]:
    """The ``k`` best classes: (class id, name, score), best first."""
    scores = np.asarray(scores)
    if scores.shape != (len(class_names), ):
        raise ValueError(f'{scores.shape} scores for {len(class_names)} '
                         'class names')
    order = np.argsort(-scores, kind='stable')[:k]
    return [(int(i), class_names[i], float(scores[i])) for i in order]
