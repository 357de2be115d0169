"""pyskl's STGCN++ and CTR-GCN checkpoints into mmaction2's STGCN and the
plugin's CTRGCN (``--from pyskl``)."""
import importlib.util
import os.path as osp

import pytest
import torch
from mmaction.registry import MODELS
from mmengine.config import Config

from mmcl_tools.deploy.convert_pyskl import (convert_pyskl_state_dict,
                                             map_pyskl_key,
                                             pyskl_backbone_problem)
from mmcl_tools.deploy.convert_official import load_converted

import pyskl_layout  # noqa: E402
from numerics import (GCN_TERMS, assert_within_rounding,  # noqa: E402
                      default_dtype, double_state)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
NUM_CLASSES = 10
STGCNPP = dict(type='STGCN', gcn_adaptive='init', gcn_with_res=True,
               tcn_type='mstcn',
               graph_cfg=dict(layout='nturgb+d', mode='spatial'))
CTRGCN = dict(type='CTRGCN', tcn_relu=True,
              graph_cfg=dict(layout='nturgb+d', mode='spatial'))


pytestmark = [pytest.mark.usefixtures('single_thread'), pytest.mark.numerics]


def recognizer(backbone, in_channels=256):
    """Built in float64: the parity tests compare float64 logits."""
    with default_dtype(torch.float64):
        return MODELS.build(dict(
            type='RecognizerGCN', backbone=backbone,
            cls_head=dict(type='GCNHead', num_classes=NUM_CLASSES,
                          in_channels=in_channels)))


def logits(model, x):
    model.double().eval()
    with torch.no_grad():
        return model.cls_head(model.backbone(x.double()))


def assert_pyskl_logits(got, expected):
    """float64 on both sides: equal up to rounding over the network's
    depth, far below any mapping error."""
    assert got.dtype == expected.dtype == torch.float64
    assert_within_rounding(got, expected, terms=GCN_TERMS, msg='logits')


@pytest.mark.parametrize('layout,V,base', [('nturgb+d', 25, 64),
                                           ('coco', 17, 16)])
def test_stgcnpp_checkpoint_gives_pyskl_logits_in_mmaction_stgcn(
        layout, V, base):
    """The 3-D NTU model at full width, a narrow HRNet 2-D (COCO) one."""
    sd = pyskl_layout.stgcnpp_state_dict(NUM_CLASSES, num_point=V, base=base,
                                         seed=0)
    converted = convert_pyskl_state_dict(sd, 'STGCN')
    assert converted.dropped == []
    assert 'cls_head.fc.weight' in converted.state_dict
    model = recognizer(dict(STGCNPP, base_channels=base,
                            graph_cfg=dict(layout=layout, mode='spatial')),
                       in_channels=4 * base)
    load_converted(model, double_state(converted.state_dict), arch='STGCN')
    torch.manual_seed(0)
    x = torch.randn(2, 2, 12, V, 3, dtype=torch.float64)
    expected = pyskl_layout.stgcnpp_forward(double_state(sd), x, base=base)
    assert expected.abs().max() > 0.5
    assert_pyskl_logits(logits(model, x), expected)


def test_ctrgcn_checkpoint_gives_pyskl_logits_in_the_plugin_ctrgcn():
    sd = pyskl_layout.ctrgcn_state_dict(NUM_CLASSES, seed=1)
    converted = convert_pyskl_state_dict(sd, 'CTRGCN')
    assert converted.dropped == ['backbone.A']
    state = converted.state_dict
    # the exact mapping of pyskl's transposed CTR-GC
    torch.testing.assert_close(
        state['backbone.units.3.gcn.A'],
        sd['backbone.net.3.gcn1.A'].transpose(-1, -2))
    torch.testing.assert_close(
        state['backbone.units.3.gcn.convs.1.conv1.weight'],
        sd['backbone.net.3.gcn1.convs.1.conv2.weight'])
    torch.testing.assert_close(
        state['backbone.units.3.gcn.convs.1.conv4.weight'],
        -sd['backbone.net.3.gcn1.convs.1.conv4.weight'])
    model = recognizer(CTRGCN)
    load_converted(model, double_state(state), arch='CTRGCN')
    torch.manual_seed(0)
    x = torch.randn(2, 2, 12, 25, 3, dtype=torch.float64)
    expected = pyskl_layout.ctrgcn_forward(double_state(sd), x)
    assert expected.abs().max() > 0.5
    assert_pyskl_logits(logits(model, x), expected)
    # the same tensors in a model without pyskl's TCN ReLU: other logits
    plain = recognizer(dict(CTRGCN, tcn_relu=False))
    load_converted(plain, double_state(state), arch='CTRGCN')
    assert not torch.allclose(logits(plain, x), expected, atol=1e-2)


def test_key_mapping_and_errors():
    assert map_pyskl_key('backbone.net.9.tcn1.branches.1.3.conv.weight',
                         'CTRGCN').target == \
        'backbone.units.9.tcn.branches.1.3.0.weight'
    assert map_pyskl_key('backbone.net.4.residual.bn.running_var',
                         'CTRGCN').target == \
        'backbone.units.4.residual.1.running_var'
    assert map_pyskl_key('backbone.gcn.3.tcn.transform.2.weight',
                         'STGCN').target == \
        'backbone.gcn.3.tcn.transform.2.weight'
    sd = dict(pyskl_layout.stgcnpp_state_dict(NUM_CLASSES, base=16))
    sd['neck.fc.weight'] = torch.zeros(1)
    with pytest.raises(ValueError, match=r"j\.pth: 1 keys are not of a "
                       r"pyskl STGCN recognizer: \['neck\.fc\.weight'\]"):
        convert_pyskl_state_dict(sd, 'STGCN', 'j.pth')
    with pytest.raises(ValueError, match="not 'HDGCN'"):
        convert_pyskl_state_dict(sd, 'HDGCN')
    assert 'tcn_relu=True' in pyskl_backbone_problem(dict(type='CTRGCN'))
    assert pyskl_backbone_problem(CTRGCN) is None
    assert pyskl_backbone_problem(STGCNPP) is None
    assert 'HDGCN' in pyskl_backbone_problem(dict(type='HDGCN'))


def _tool():
    path = osp.join(REPO, 'tools', 'deploy', 'convert_official_checkpoint.py')
    spec = importlib.util.spec_from_file_location('convert_tool', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_tool_converts_a_pyskl_checkpoint(tmp_path, capsys):
    sd = pyskl_layout.ctrgcn_state_dict(NUM_CLASSES, seed=2)
    checkpoint = str(tmp_path / 'j.pth')
    torch.save(dict(meta=dict(epoch=16), state_dict=sd), checkpoint)
    config = tmp_path / 'ctrgcn_pyskl.py'
    config.write_text(f'model = dict(type="RecognizerGCN", backbone='
                      f'{CTRGCN!r}, cls_head=dict(type="GCNHead", '
                      f'num_classes={NUM_CLASSES}, in_channels=256))\n')
    out = str(tmp_path / 'converted.pth')
    tool = _tool()
    summary = tool.main([checkpoint, str(config), out, '--from', 'pyskl'])
    assert summary['arch'] == 'CTRGCN'
    assert summary['dropped'] == {'backbone': 1}
    assert 'dropped unused tensors' in capsys.readouterr().out
    with default_dtype(torch.float64):
        model = MODELS.build(Config.fromfile(out[:-4] + '.py').model)
    model.load_state_dict(double_state(torch.load(out)['state_dict']))
    x = torch.randn(1, 2, 8, 25, 3, dtype=torch.float64)
    assert_pyskl_logits(logits(model, x),
                        pyskl_layout.ctrgcn_forward(double_state(sd), x))
    plain = tmp_path / 'plain.py'
    plain.write_text(config.read_text().replace("'tcn_relu': True",
                                                "'tcn_relu': False"))
    with pytest.raises(ValueError, match='plain.py: pyskl.*tcn_relu=True'):
        tool.main([checkpoint, str(plain), out, '--from', 'pyskl'])
    with pytest.raises(ValueError, match="backbone 'STGCN' has no official"):
        stgcn = tmp_path / 'stgcn.py'
        stgcn.write_text(f'model = dict(type="RecognizerGCN", backbone='
                         f'{STGCNPP!r}, cls_head=dict(type="GCNHead", '
                         f'num_classes={NUM_CLASSES}, in_channels=256))\n')
        tool.main([checkpoint, str(stgcn), out])
