"""Every shipped MMCL config trains with the paper's loss values.

lambda1 = 0.1 (FAM alignment loss), lambda2 = 0.2 (FRM refinement loss)
and tau = 0.4 (InfoNCE temperature), as they resolve after inheritance and
the code defaults, for every config under ``configs/`` and ``projects/``
whose model has a FAM or FRM head, found by globbing (the config layout
changes; no list to keep up to date). A config may differ only if its
name says so, with a tag ``-l1w<v>``, ``-l2w<v>`` or ``-tau<v>`` (``p`` for
the decimal point, e.g. ``-tau0p2``).
"""
import glob
import inspect
import os.path as osp
import re

import pytest
from mmaction.registry import MODELS
from mmengine.config import Config

from mmcl_plugin.models.heads import FAMHead, FRMHead

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
#: Paper values, and the name tag that may override each.
PAPER = dict(lambda1=0.1, lambda2=0.2, tau=0.4)
TAGS = dict(lambda1='l1w', lambda2='l2w', tau='tau')


def shipped_configs():
    """Every config file except ``_base_`` fragments."""
    paths = glob.glob(
        osp.join(REPO_ROOT, 'configs', '**', '*.py'), recursive=True)
    paths += glob.glob(
        osp.join(REPO_ROOT, 'projects', '**', '*.py'), recursive=True)
    return sorted(
        osp.relpath(p, REPO_ROOT) for p in paths
        if '_base_' not in p.split(osp.sep))


def expected_values(rel: str) -> dict:
    """The paper's values, except where the file name's tags say."""
    expected = dict(PAPER)
    name = osp.basename(rel)
    for key, tag in TAGS.items():
        match = re.search(rf'-{tag}(\d+(?:p\d+)?)(?=[-_.])', name)
        if match:
            expected[key] = float(match.group(1).replace('p', '.'))
    return expected


def resolved_loss(head_cfg: dict, key: str, head_class):
    """The loss module a head builds: its config's, else the head's
    default (built, so the loss class's own defaults apply too)."""
    loss_cfg = head_cfg.get(key)
    if loss_cfg is None:
        loss_cfg = inspect.signature(head_class).parameters[key].default
    return MODELS.build(dict(loss_cfg))


def test_tags_are_parsed():
    assert expected_values('configs/x/mmcl-a_b-tau0p2-l2w1_c.py') == dict(
        lambda1=0.1, lambda2=1.0, tau=0.2)
    assert expected_values('configs/ctrgcn/mmcl-ctrgcn_1xb64-joint-u64-65e_'
                           'ntu60-xsub-keypoint-3d.py') == PAPER


SHIPPED = shipped_configs()
# guard against a glob that finds nothing (the test would pass vacuously)
assert len(SHIPPED) > 40, SHIPPED


@pytest.mark.parametrize('rel', SHIPPED)
def test_mmcl_config_resolves_to_the_paper_values(rel):
    model = Config.fromfile(osp.join(REPO_ROOT, rel)).get('model') or {}
    fam, frm = model.get('fam_head'), model.get('frm_head')
    if not fam and not frm:
        pytest.skip('no FAM or FRM head')
    expected = expected_values(rel)
    if fam:
        align = resolved_loss(fam, 'loss_align', FAMHead)
        assert align.loss_weight == expected['lambda1'], \
            f'{rel}: lambda1 (fam_head.loss_align.loss_weight)'
        assert align.temperature == expected['tau'], \
            f'{rel}: tau (fam_head.loss_align.temperature)'
    if frm:
        refine = resolved_loss(frm, 'loss_refine', FRMHead)
        assert refine.loss_weight == expected['lambda2'], \
            f'{rel}: lambda2 (frm_head.loss_refine.loss_weight)'
