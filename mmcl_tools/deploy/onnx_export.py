"""ONNX export of the deployed (skeleton-only) model and its runtime check.

The graph is :class:`~.skeleton_inference.SkeletonClassifier`: input
``skeleton`` (N, M, T, V, C) float32 with a dynamic batch N, output
``logits`` (N, num_classes). Test-time clips are rows of the batch; the
clip averaging and the data pipeline stay outside the graph and travel in
the model's metadata (``metadata_props``) so that an ``.onnx`` file alone
is enough for ``tools/deploy/infer_skeleton.py``:

- ``mmcl.test_pipeline``: the config's test pipeline (JSON);
- ``mmcl.average_clips``: the head's clip averaging (``prob``, ...);
- ``mmcl.class_names``: the class names (JSON list);
- ``mmcl.clip_shape``: (M, T, V, C) of one clip (JSON).

Exported with torch's ``torch.export``-based exporter (needs ``onnx`` and
``onnxscript``); checked with ``onnxruntime`` (``requirements/deploy.txt``).
"""
import json
from typing import Dict, Mapping, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn

from mmcl_plugin.utils import atomic_write
from .skeleton_inference import SkeletonClassifier

INPUT_NAME = 'skeleton'
OUTPUT_NAME = 'logits'
#: Opset of the exported graph (Einsum, BatchNormalization, ...).
DEFAULT_OPSET = 18
#: Largest batch the exported graph is declared for.
MAX_BATCH = 4096


def export_onnx(recognizer: nn.Module,
                clip_shape: Tuple[int, int, int, int],
                metadata: Optional[Mapping[str, str]] = None,
                opset: int = DEFAULT_OPSET):
    """Export a skeleton recognizer to an in-memory ONNX model.

    Args:
        recognizer (nn.Module): ``RecognizerGCN`` (backbone + head).
        clip_shape (tuple[int, int, int, int]): (M, T, V, C) of a clip.
        metadata (Mapping[str, str], optional): ``metadata_props`` to set.
        opset (int): ONNX opset. Defaults to :data:`DEFAULT_OPSET`.

    Returns:
        onnx.ModelProto: The checked model, batch dimension dynamic.
    """
    import onnx
    wrapper = SkeletonClassifier(recognizer).eval()
    # batch 2 in the example: a batch of 1 could be specialised away
    example = torch.zeros((2, ) + tuple(clip_shape))
    batch = torch.export.Dim('batch', min=1, max=MAX_BATCH)
    with torch.no_grad():
        program = torch.onnx.export(
            wrapper, (example, ),
            input_names=[INPUT_NAME],
            output_names=[OUTPUT_NAME],
            dynamic_shapes={INPUT_NAME: {
                0: batch
            }},
            opset_version=opset,
            dynamo=True,
            verbose=False)
    proto = program.model_proto
    if metadata:
        onnx.helper.set_model_props(proto, dict(metadata))
    onnx.checker.check_model(proto)
    return proto


def save_onnx_atomic(proto, path: str) -> None:
    """Write an ONNX model (single file) atomically."""
    with atomic_write(path) as f:
        f.write(proto.SerializeToString())


def ort_session(model, num_threads: Optional[int] = None):
    """An onnxruntime CPU session of a path, bytes or ``ModelProto``.

    Args:
        model: ``.onnx`` path, serialized bytes or ``onnx.ModelProto``.
        num_threads (int, optional): Intra-op threads (None: ORT default).
    """
    import onnxruntime as ort
    if hasattr(model, 'SerializeToString'):
        model = model.SerializeToString()
    options = ort.SessionOptions()
    if num_threads is not None:
        options.intra_op_num_threads = num_threads
        options.inter_op_num_threads = 1
    return ort.InferenceSession(
        model, sess_options=options, providers=['CPUExecutionProvider'])


def onnx_metadata(session) -> Dict[str, str]:
    """The ``metadata_props`` of a session's model."""
    return dict(session.get_modelmeta().custom_metadata_map)


def run_onnx(session, skeleton: np.ndarray) -> np.ndarray:
    """Logits (N, num_classes) of (N, M, T, V, C) clips."""
    return session.run([OUTPUT_NAME],
                       {INPUT_NAME: np.ascontiguousarray(
                           skeleton, dtype=np.float32)})[0]


def onnx_parity(session, recognizer: nn.Module,
                batches: Sequence[np.ndarray]) -> Tuple[float, float]:
    """ONNX against PyTorch on some input batches.

    Args:
        session: ``onnxruntime.InferenceSession`` of the exported model.
        recognizer (nn.Module): The PyTorch model it was exported from.
        batches (Sequence[np.ndarray]): (N, M, T, V, C) float32 inputs, of
            several batch sizes to check the dynamic batch.

    Returns:
        tuple: The largest |ONNX - PyTorch| logit difference and the largest
        |PyTorch logit| (the scale that rounding differences grow with).
    """
    wrapper = SkeletonClassifier(recognizer).eval()
    worst, scale = 0.0, 0.0
    with torch.no_grad():
        for batch in batches:
            expected = wrapper(torch.from_numpy(batch)).numpy()
            got = run_onnx(session, batch)
            if got.shape != expected.shape:
                raise ValueError(f'ONNX output shape {got.shape} != PyTorch '
                                 f'{expected.shape} for input '
                                 f'{batch.shape}')
            worst = max(worst, float(np.abs(got - expected).max()))
            scale = max(scale, float(np.abs(expected).max()))
    return worst, scale


def onnx_max_abs_diff(session, recognizer: nn.Module,
                      batches: Sequence[np.ndarray]) -> float:
    """Largest |ONNX - PyTorch| logit difference (see :func:`onnx_parity`).
    """
    return onnx_parity(session, recognizer, batches)[0]


def deployment_metadata(pipeline: Sequence[Mapping],
                        average_clips: Optional[str],
                        class_names: Sequence[str],
                        clip_shape: Sequence[int]) -> Dict[str, str]:
    """The ``mmcl.*`` metadata of an exported model (see the module doc)."""
    return {
        'mmcl.test_pipeline': json.dumps([dict(s) for s in pipeline]),
        'mmcl.average_clips': json.dumps(average_clips),
        'mmcl.class_names': json.dumps(list(class_names)),
        'mmcl.clip_shape': json.dumps(list(clip_shape)),
    }


def read_deployment_metadata(metadata: Mapping[str, str],
                             source: str = 'model') -> Dict:
    """Parse :func:`deployment_metadata`; names the file when keys lack."""
    keys = ('mmcl.test_pipeline', 'mmcl.average_clips', 'mmcl.class_names',
            'mmcl.clip_shape')
    missing = [k for k in keys if k not in metadata]
    if missing:
        raise ValueError(f'{source}: no {missing} metadata (not exported by '
                         'tools/deploy/export_onnx.py?); pass --config')
    return dict(
        test_pipeline=json.loads(metadata['mmcl.test_pipeline']),
        average_clips=json.loads(metadata['mmcl.average_clips']),
        class_names=json.loads(metadata['mmcl.class_names']),
        clip_shape=tuple(json.loads(metadata['mmcl.clip_shape'])))
