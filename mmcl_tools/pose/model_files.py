"""The BlazePose model files and the TFLite interpreter that runs them.

The two models ship inside the ``mediapipe`` 0.10.21 wheel
(``requirements/pose.txt``); they are located through the installed
package without importing it (``import mediapipe`` loads its C++
framework, which the own pipeline does not need), and checked against
the sha256 of that release, so another mediapipe version fails with a
clear message instead of giving different poses.
"""
import hashlib
import importlib
import importlib.util
import os
import os.path as osp
from typing import Dict, Optional

#: Model file (relative to the ``mediapipe`` package) -> sha256 of the
#: file shipped with mediapipe 0.10.21.
MODEL_FILES: Dict[str, str] = {
    'modules/pose_detection/pose_detection.tflite':
    '9ba9dd3d42efaaba86b4ff0122b06f29c4122e756b329d89dca1e297fd8f866c',
    'modules/pose_landmark/pose_landmark_full.tflite':
    'e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f',
}
DETECTOR_FILE = 'modules/pose_detection/pose_detection.tflite'
LANDMARK_FILE = 'modules/pose_landmark/pose_landmark_full.tflite'

#: Interpreter modules tried in order (``ai-edge-litert`` is pinned,
#: ``tflite-runtime`` is its older name).
INTERPRETER_MODULES = ('ai_edge_litert.interpreter',
                       'tflite_runtime.interpreter')

INSTALL_HINT = 'pip install -r requirements/pose.txt'
_VERIFIED: Dict[str, str] = {}


class PoseModelError(RuntimeError):
    """A model file or the interpreter is missing or not the expected
    one."""


def sha256_of(path: str) -> str:
    """Hex sha256 of a file."""
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def model_path(name: str, model_dir: Optional[str] = None) -> str:
    """Path of one of :data:`MODEL_FILES`, checked.

    Args:
        name (str): A key of :data:`MODEL_FILES`.
        model_dir (str, optional): A folder holding the files under the
            same relative paths (e.g. extracted from the wheel); default:
            the installed ``mediapipe`` package, or the folder named by the
            environment variable ``MMCL_POSE_MODEL_DIR``.

    Raises:
        PoseModelError: The file is missing or its sha256 differs.
    """
    model_dir = model_dir or os.environ.get('MMCL_POSE_MODEL_DIR')
    if model_dir is None:
        spec = importlib.util.find_spec('mediapipe')
        if spec is None or not spec.submodule_search_locations:
            raise PoseModelError(
                'the BlazePose models come with the mediapipe package, '
                f'which is not installed ({INSTALL_HINT})')
        model_dir = list(spec.submodule_search_locations)[0]
    path = osp.join(model_dir, name)
    if not osp.isfile(path):
        raise PoseModelError(f'BlazePose model file not found: {path} '
                             f'(mediapipe 0.10.21 ships it; {INSTALL_HINT})')
    if _VERIFIED.get(path) != MODEL_FILES[name]:
        found = sha256_of(path)
        if found != MODEL_FILES[name]:
            raise PoseModelError(
                f'{path}: sha256 {found} is not the one of mediapipe '
                f'0.10.21 ({MODEL_FILES[name]})')
        _VERIFIED[path] = found
    return path


def load_interpreter(path: str, num_threads: int = 1):
    """A TFLite interpreter of a model file, tensors allocated.

    Raises:
        PoseModelError: No interpreter package is installed.
    """
    for module_name in INTERPRETER_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        interpreter = module.Interpreter(
            model_path=path, num_threads=num_threads)
        interpreter.allocate_tensors()
        return interpreter
    raise PoseModelError('no TFLite interpreter: install ai-edge-litert '
                         f'1.4.0 ({INSTALL_HINT})')


__all__ = [
    'MODEL_FILES', 'DETECTOR_FILE', 'LANDMARK_FILE', 'PoseModelError',
    'model_path', 'load_interpreter', 'sha256_of'
]
