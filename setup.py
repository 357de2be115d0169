"""Install the MMCL plugin: ``pip install -e .``.

The exact, tested versions live in ``requirements/`` (``tools/setup_env.sh``
installs them); ``install_requires`` states the compatible ranges so that
GPU clusters can keep their own CUDA build of torch.
"""
import os.path as osp

from setuptools import find_packages, setup


def read_version() -> str:
    namespace = {}
    with open(osp.join('mmcl_plugin', 'version.py')) as f:
        exec(f.read(), namespace)
    return namespace['__version__']


setup(
    name='mmcl',
    version=read_version(),
    description='MMCL: Multi-Modality Co-Learning for efficient '
    'skeleton-based action recognition (OpenMMLab plugin)',
    long_description=open('README.md', encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    packages=find_packages(
        include=['mmcl_plugin', 'mmcl_plugin.*', 'mmcl_tools', 'mmcl_tools.*']),
    python_requires='>=3.8',
    install_requires=[
        'torch>=2.0',
        'numpy<2',
        'setuptools<81',
        'mmengine>=0.10.7,<0.11',
        'mmaction2==1.2.0',
        'mmpretrain>=1.2.0,<1.3',
        'decord>=0.6.0',
        'opencv-python>=4.5',
        'scipy',
        'tqdm',
    ],
    extras_require=dict(
        tests=['pytest', 'pytest-timeout'],
        # FRM text features (tools/extract_text_features.py)
        mllm=[
            'transformers>=5,<6', 'safetensors', 'sentence-transformers',
            'huggingface-hub'
        ],
        # ONNX export / inference (tools/deploy/), analysis figures
        deploy=['onnx', 'onnxruntime', 'onnxscript', 'matplotlib'],
        # pose estimation of your own videos (tools/data/videos/)
        pose=['mediapipe==0.10.21', 'ai-edge-litert>=1.4,<2']),
    license='Apache License 2.0',
    zip_safe=False)
