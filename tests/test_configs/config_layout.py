"""Where the configs went in the move to per-algorithm folders (issue 22).

Every config of the snapshot (``resolved_configs.json.gz``) is either at
its old path, renamed (:func:`renamed`: the same recipe under
``configs/<algorithm>/``; ``test_configs.py`` compares it with its
snapshot), or replaced (:func:`replaced`: another recipe, e.g. the
mmaction2-style CTR-GCN family by the official one; not compared, and
``configs/README.md`` points from it to its replacement); the project
configs that moved to the official recipe are renamed
(:data:`PROJECTS_REPLACED`). Paths are relative to ``configs/``
(projects' configs to the repository root).
"""
import itertools
from typing import Dict, Optional

MODALITIES = ('joint', 'bone', 'joint-motion', 'bone-motion')
NTU_BENCHMARKS = ('ntu60-xsub', 'ntu60-xview', 'ntu120-xsub', 'ntu120-xset')
STGCNPP = ('mmaction::skeleton/stgcnpp/stgcnpp_8xb16-{}-u100-80e_ntu60-xsub-'
           'keypoint-3d.py')


def renamed() -> Dict[str, str]:
    """Old path -> new path of the configs that moved with their recipe."""
    moves = {}
    for prefix in ('', 'mmcl-'):
        folder = 'mmcl' if prefix else 'baseline'
        for name in ('ctrgcn_official_1xb64-{}-u64-65e_{}',
                     'ctrgcn_official_1xb16-{}-u52-65e_nwucla-xview'):
            for mod, bench in itertools.product(MODALITIES, NTU_BENCHMARKS):
                old = prefix + name.format(mod, bench) + '-keypoint-3d.py'
                moves['official/' + old] = 'ctrgcn/' + old.replace(
                    'ctrgcn_official_', 'ctrgcn_')
        for algo, epochs in (('ctrsgcn', '65e'), ('hdgcn', '90e-com1')):
            for mod, bench in itertools.product(('joint', 'bone'),
                                                NTU_BENCHMARKS):
                rest = f'-{mod}-u64-{epochs}_{bench}-keypoint-3d.py'
                moves[f'{folder}/{prefix}{algo}_4xb16{rest}'] = \
                    f'{algo}/{prefix}{algo}_1xb64{rest}'
    for name in ('ctrgcn_official_1xb16-joint-u52-2e-cpu_nwucla-xview',
                 'ctrgcn_official_2xb100-joint-u64-110e_ntu120-xsub'):
        moves[f'official/{name}-keypoint-3d.py'] = (
            'ctrgcn/' + name.replace('_official_', '_') + '-keypoint-3d.py')
    moves['official/mmcl-ctrgcn_official_2xb100-joint-u64-110e_ntu120-xsub-'
          'keypoint-3d.py'] = ('ctrgcn/mmcl-ctrgcn_inceptionv3-tokenids_'
                               '2xb100-joint-u64-110e_ntu120-xsub-'
                               'keypoint-3d.py')
    return moves


def replaced() -> Dict[str, Optional[str]]:
    """Old path -> the config that replaces it (another recipe; None: no
    replacement), for the configs that are gone or hold another recipe."""
    gone: Dict[str, Optional[str]] = {}
    for prefix in ('', 'mmcl-'):
        folder = 'mmcl' if prefix else 'baseline'
        for mod, bench in itertools.product(MODALITIES, NTU_BENCHMARKS):
            gone[f'{folder}/{prefix}ctrgcn_4xb16-{mod}-u64-65e_{bench}-'
                 'keypoint-3d.py'] = (f'ctrgcn/{prefix}ctrgcn_1xb64-{mod}-'
                                      f'u64-65e_{bench}-keypoint-3d.py')
            stgcnpp = None
            if bench == 'ntu60-xsub':
                stgcnpp = (f'stgcnpp/mmcl-stgcnpp_8xb16-{mod}-u100-80e_'
                           'ntu60-xsub-keypoint-3d.py'
                           if prefix else STGCNPP.format(mod))
            gone[f'{folder}/{prefix}stgcnpp_4xb16-{mod}-u64-65e_{bench}-'
                 'keypoint-3d.py'] = stgcnpp
        for mod in MODALITIES:
            name = f'{prefix}ctrgcn_1xb16-{mod}-u52-65e_nwucla-xview-' \
                'keypoint-3d.py'
            gone['nwucla/' + name] = 'ctrgcn/' + name
    for epochs in ('5e', '12e'):
        gone[f'nwucla/ctrgcn_1xb16-joint-u52-{epochs}-cpu_nwucla-xview-'
             'keypoint-3d.py'] = ('ctrgcn/ctrgcn_1xb16-joint-u52-2e-cpu_'
                                  'nwucla-xview-keypoint-3d.py')
    gone['official/mmcl-ctrgcn_4xb16-joint-u64-65e-inceptionv3_ntu120-xsub-'
         'keypoint-3d.py'] = ('ctrgcn/mmcl-ctrgcn_inceptionv3_1xb64-joint-'
                              'u64-65e_ntu120-xsub-keypoint-3d.py')
    return gone


#: Configs that stay at their path but hold another recipe now (not
#: compared with their snapshot): why.
REPLACED_IN_PLACE = {
    'configs/mmcl_ctrgcn_ntu60.py':
    'the entry point trains the official CTR-GCN recipe (was the '
    'mmaction2-style one)',
    'configs/mmcl_stgcnpp_ntu60.py':
    "the entry point trains mmaction2's own STGCN++ recipe",
    'configs/transfer/ctrgcn_1xb16-joint-u64-30e-ft_utdmhad-xsub-'
    'keypoint-3d.py':
    'fine-tunes the official-recipe NTU120 model: its model and data path',
    'configs/transfer/ctrgcn_1xb16-joint-u64-30e-ft_sysu-xsub-keypoint-3d.py':
    'fine-tunes the official-recipe NTU120 model: its model and data path',
}


#: Project configs renamed with their new recipe (the official-recipe
#: NTU60 X-Sub CTR-GCN baseline, batch 64 on one GPU; not compared):
#: old path -> new path, relative to the repository root.
PROJECTS_REPLACED = {
    f'projects/mllm_text_cache/configs/mmcl-ctrgcn-{name}_{old}-joint-u64-'
    '65e_ntu60-xsub-keypoint-3d.py':
    f'projects/mllm_text_cache/configs/mmcl-ctrgcn-{name}_{new}-joint-u64-'
    '65e_ntu60-xsub-keypoint-3d.py'
    for name in ('blipvqa-cache', 'qwen2vl-2prompts-cache')
    for old, new in [('4xb16', '1xb64')]
}
