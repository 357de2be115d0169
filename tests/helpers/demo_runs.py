"""The generated demo dataset for end-to-end tests: a workspace holding
``data/demo`` (the layout the demo configs expect), the demo config with a
narrower CTR-GCN, and mmengine's scalar logs."""
import glob
import json
import os.path as osp
from typing import List

from mmcl_tools.demo import make_demo_dataset

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
#: The demo's MMCL config (FAM + FRM) with a CTR-GCN a quarter as wide:
#: 3x faster training (see the file).
NARROW_DEMO_CONFIG = osp.join(REPO, 'tests', 'helpers', 'configs',
                              'mmcl-ctrgcn-narrow_demo.py')


def demo_workspace(root, num_train: int, num_val: int) -> str:
    """Generate ``root/data/demo`` (seed 0) and return ``root``."""
    make_demo_dataset(osp.join(str(root), 'data', 'demo'), seed=0,
                      num_train=num_train, num_val=num_val, progress=False)
    return str(root)


def scalars(work_dir: str) -> List[dict]:
    """Entries of mmengine's ``scalars.json`` log of the newest run."""
    paths = glob.glob(osp.join(str(work_dir), '*', 'vis_data',
                               'scalars.json'))
    assert paths, f'no scalars.json under {work_dir}'
    with open(sorted(paths)[-1]) as f:
        return [json.loads(line) for line in f]
