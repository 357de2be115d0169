"""Official CTR-GCN / CTRS-GCN / HD-GCN / MMCL checkpoints into the
plugin's models."""
import os.path as osp

import pytest
import torch
from mmaction.registry import MODELS

from mmcl_tools.deploy.convert_official import (OFFICIAL_NTU_INWARD,
                                                convert_official_state_dict,
                                                load_converted,
                                                load_official_checkpoint,
                                                official_key_to_plugin,
                                                official_ntu_adjacency,
                                                summarize_dropped,
                                                unwrap_checkpoint)
from mmcl_plugin.models.utils import HierarchicalGraph

import official_ctrsgcn  # noqa: E402
from numerics import (GCN_TERMS, assert_within_rounding,  # noqa: E402
                      default_dtype, double_state)

import official_hdgcn  # noqa: E402
from official_ctrgcn import (official_forward, official_refined,  # noqa: E402
                             official_state_dict)

NUM_CLASSES = 10
BACKBONE = dict(type='CTRGCN', graph_cfg=dict(layout='nturgb+d',
                                              mode='spatial'))
DEPLOYED = dict(
    type='RecognizerGCN',
    backbone=BACKBONE,
    cls_head=dict(type='GCNHead', num_classes=NUM_CLASSES, in_channels=256))


pytestmark = [pytest.mark.usefixtures('single_thread'), pytest.mark.numerics]


@pytest.fixture(scope='module')
def official():
    return official_state_dict(NUM_CLASSES, seed=0)


def plugin_logits(model, x_plugin):
    """Logits in float64 (model and input), the parity tests' precision."""
    model.double().eval()
    with torch.no_grad():
        return model.cls_head(model.backbone(x_plugin.double()))


def assert_official_logits(got, expected, msg='logits'):
    """Both sides in float64: equal up to rounding over the network's
    depth (GCN_TERMS accumulated terms), far below any conversion error."""
    assert got.dtype == expected.dtype == torch.float64
    assert_within_rounding(got, expected, terms=GCN_TERMS, msg=msg)


def test_key_mapping_examples():
    cases = {
        'data_bn.running_var': 'backbone.data_bn.running_var',
        'l1.gcn1.convs.2.conv4.weight':
        'backbone.units.0.gcn.convs.2.conv4.weight',
        'l10.gcn1.PA': 'backbone.units.9.gcn.A',
        'l5.gcn1.down.1.num_batches_tracked':
        'backbone.units.4.gcn.down.1.num_batches_tracked',
        'l3.tcn1.branches.1.3.conv.weight':
        'backbone.units.2.tcn.branches.1.3.0.weight',
        'l3.tcn1.branches.0.3.bn.running_mean':
        'backbone.units.2.tcn.branches.0.3.1.running_mean',
        'l3.tcn1.branches.2.4.bias': 'backbone.units.2.tcn.branches.2.4.bias',
        'l8.residual.bn.weight': 'backbone.units.7.residual.1.weight',
        'fc.bias': 'cls_head.fc.bias',
    }
    for official_key, plugin_key in cases.items():
        assert official_key_to_plugin(official_key) == plugin_key
    for other in ('mlp.0.weight', 'PosMatrix', 'l0.gcn1.PA', 'l2.foo.bar',
                  'inception_v3.fc.weight'):
        assert official_key_to_plugin(other) is None


def test_converted_model_gives_the_official_logits(official):
    converted = convert_official_state_dict(official)
    assert converted.dropped == []
    model = MODELS.build(DEPLOYED)
    assert load_converted(model, converted.state_dict) == []
    torch.manual_seed(0)
    x = torch.randn(2, 2, 12, 25, 3, dtype=torch.float64)  # (N, M, T, V, C)
    expected = official_forward(double_state(official),
                                x.permute(0, 4, 2, 3, 1))
    got = plugin_logits(model, x)
    assert got.shape == (2, NUM_CLASSES)
    assert expected.abs().max() > 0.1  # a real signal, not all zeros
    assert_official_logits(got, expected)
    # every official tensor was used, nothing was left at its init
    assert len(converted.state_dict) == len(official)
    assert set(converted.state_dict) == set(model.state_dict())


def test_module_prefix_and_wrappers_are_removed(official, tmp_path):
    wrapped = {'epoch': 64, 'state_dict': {f'module.{k}': v
                                           for k, v in official.items()}}
    path = str(tmp_path / 'runs-65-12345.pt')
    torch.save(wrapped, path)
    loaded = load_official_checkpoint(path)
    assert list(loaded) == list(official)
    assert unwrap_checkpoint({f'module.{k}': v for k, v in official.items()
                              }).keys() == official.keys()


def test_mmcl_checkpoint_drops_fam_and_maps_frm():
    sd = official_state_dict(NUM_CLASSES, seed=1, mmcl=True, text_channels=6)
    deployed = convert_official_state_dict(sd)
    assert summarize_dropped(deployed.dropped) == {
        'FRM': 6, 'inception_v3': 2, 'FAM_Aligh': 2}
    model = MODELS.build(DEPLOYED)
    load_converted(model, deployed.state_dict)
    x = torch.randn(3, 2, 8, 25, 3, dtype=torch.float64)
    logits = plugin_logits(model, x)
    assert_official_logits(
        logits, official_forward(double_state(sd), x.permute(0, 4, 2, 3, 1)))

    with_frm = convert_official_state_dict(sd, with_frm=True)
    assert summarize_dropped(with_frm.dropped) == {'inception_v3': 2,
                                                   'FAM_Aligh': 2}
    mmcl = MODELS.build(
        dict(DEPLOYED, type='MMCLRecognizer',
             frm_head=dict(type='FRMHead', text_channels=6,
                           hidden_channels=64, num_weights=2)))
    load_converted(mmcl, with_frm.state_dict)
    text = torch.randn(3, 6, dtype=torch.float64)
    mmcl.double().eval()
    with torch.no_grad():
        # the official (N, D) input is one prompt of one token
        refined = mmcl.frm_head(logits, text[:, None, None])
    # Phi (6 -> 64 -> 2), softmax and the rescaling: 64 + 6 + 2 terms
    assert_within_rounding(
        refined, official_refined(double_state(sd), logits, text), terms=72,
        msg='S_R')


RELEASE_PRESET = osp.join(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))),
    'configs', 'ctrgcn',
    'mmcl-ctrgcn_inceptionv3-tokenids_2xb100-joint-u64-110e_ntu120-xsub-'
    'keypoint-3d.py')


def test_official_mmcl_checkpoint_converts_into_the_release_preset(
        tmp_path, capsys):
    """An official MMCL NTU120 checkpoint (FRM on the (1, 3) token ids of
    BLIP VQA's answer: mlp = Linear(3, 64) -> ReLU -> Linear(64, 2)) goes
    through the tool with the release preset and ``--with-frm``: S_M is
    the official ``fc(x)``, S_R its ``soft_score``."""
    import importlib.util

    from mmengine.config import Config
    path = osp.join(osp.dirname(RELEASE_PRESET), '..', '..', 'tools',
                    'deploy', 'convert_official_checkpoint.py')
    spec = importlib.util.spec_from_file_location('convert_tool', path)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)

    official = official_state_dict(120, seed=4, mmcl=True, text_channels=3)
    checkpoint = str(tmp_path / 'runs-110-70400.pt')
    torch.save({f'module.{k}': v for k, v in official.items()}, checkpoint)
    out = str(tmp_path / 'mmcl_release.pth')
    summary = tool.main([checkpoint, RELEASE_PRESET, out, '--with-frm'])
    assert summary['dropped'] == {'inception_v3': 2, 'FAM_Aligh': 2}
    assert summary['num_tensors'] == len(official) - 4 - 2 + 1

    cfg = Config.fromfile(out[:-4] + '.py')
    assert cfg.model.fam_head is None
    model = MODELS.build(cfg.model)
    model.load_state_dict(torch.load(out)['state_dict'], strict=True)
    model.double().eval()
    frm = model.frm_head
    assert frm.class_matrices.shape == (2, 120)
    assert [tuple(m.weight.shape) for m in (frm.unify[0], frm.weight_fc)
            ] == [(64, 3), (2, 64)]

    torch.manual_seed(0)
    x = torch.randn(4, 2, 16, 25, 3, dtype=torch.float64)  # (N, M, T, V, C)
    # token ids as floats, one (1, 1, 3) per sample as
    # LoadTextFeatureFromCache(feature='token_ids') gives them: BLIP's
    # [CLS] yes / no [SEP] and two small values that mix the weights
    ids = torch.tensor([[101., 2748., 102.], [101., 2053., 102.],
                        [0.1, -0.2, 0.05], [-0.3, 0.4, 0.2]],
                       dtype=torch.float64)
    with torch.no_grad():
        s_m = model.cls_head(model.backbone(x))
        s_r = frm(s_m, ids[:, None, None])
        weights = frm.text_weights(ids[:, None, None])
    official = double_state(official)
    expected_m = official_forward(official, x.permute(0, 4, 2, 3, 1))
    expected_r = official_refined(official, expected_m, ids)
    assert expected_m.abs().max() > 0.1
    # the small ids use both class vectors, not one
    assert (weights[2:].min(dim=1).values > 1e-3).all()
    assert (expected_r - expected_m).abs().max() > 0.1  # S_R is not S_M
    # float64 on both sides (S_R reaches ~90: an absolute float32 bound
    # would sit at a few ulps); S_R adds Phi's 3 + 64 terms to S_M's depth
    assert_official_logits(s_m, expected_m, 'S_M')
    assert_within_rounding(s_r, expected_r, terms=GCN_TERMS + 67, msg='S_R')


def test_non_adaptive_model_gets_the_official_graph(official):
    sd = {k: v for k, v in official.items() if not k.endswith('.PA')}
    model = MODELS.build(
        dict(DEPLOYED, backbone=dict(BACKBONE, adaptive=False)))
    filled = load_converted(model, convert_official_state_dict(sd).state_dict)
    assert len(filled) == 10
    A = model.backbone.units[0].gcn.A
    # identity, then column-normalised inward / outward adjacency
    torch.testing.assert_close(A[0], torch.eye(25))
    inward = torch.zeros(25, 25)
    for child, parent in OFFICIAL_NTU_INWARD:
        inward[parent - 1, child - 1] = 1
    col = inward.sum(0)
    expected_in = inward / torch.where(col > 0, col, torch.ones(25))
    torch.testing.assert_close(A[1], expected_in)
    # the official hand chain differs from mmaction2's 'nturgb+d' layout:
    # hand tip 22 hangs on thumb 23, not on the hand 8
    assert A[1][22, 21] == 1 and A[1][7, 21] == 0
    assert official_ntu_adjacency().shape == (3, 25, 25)


def test_unknown_and_mismatched_tensors_are_reported(official):
    with pytest.raises(ValueError, match=r'x\.pt: 1 keys .*extra\.weight'):
        convert_official_state_dict(dict(official, **{
            'extra.weight': torch.zeros(1)}), source='x.pt')
    with pytest.raises(ValueError, match='no MMCL FRM parameters'):
        convert_official_state_dict(official, with_frm=True)
    # a config with another class count
    model = MODELS.build(dict(DEPLOYED, cls_head=dict(
        type='GCNHead', num_classes=60, in_channels=256)))
    converted = convert_official_state_dict(official).state_dict
    with pytest.raises(ValueError, match=r'ck\.pt does not fit.*cls_head\.fc'
                       r'\.weight.*\(10, 256\).*\(60, 256\)'):
        load_converted(model, converted, 'ck.pt')
    missing = {k: v for k, v in converted.items() if 'units.3.' not in k}
    with pytest.raises(ValueError,
                       match=r'missing from the checkpoint: .*units\.3\.'):
        load_converted(MODELS.build(DEPLOYED), missing)


def test_unreadable_checkpoint_is_named(tmp_path):
    path = tmp_path / 'broken.pt'
    path.write_bytes(b'not a checkpoint')
    with pytest.raises(ValueError, match='broken.pt: cannot load'):
        load_official_checkpoint(str(path))
    torch.save([1, 2], str(tmp_path / 'list.pt'))
    with pytest.raises(ValueError, match='list.pt: expected a state dict'):
        load_official_checkpoint(str(tmp_path / 'list.pt'))


# CTRS-GCN and HD-GCN (MMCL release / official HD-GCN layouts)

def _deployed(backbone, num_classes=NUM_CLASSES, in_channels=256):
    with default_dtype(torch.float64):  # constants built exact in float64
        return _build_deployed(backbone, num_classes, in_channels)


def _build_deployed(backbone, num_classes, in_channels):
    return MODELS.build(dict(
        type='RecognizerGCN', backbone=backbone,
        cls_head=dict(type='GCNHead', num_classes=num_classes,
                      in_channels=in_channels)))


def test_ctrsgcn_checkpoint_gives_the_official_logits():
    sd = official_ctrsgcn.official_state_dict(NUM_CLASSES, seed=2)
    converted = convert_official_state_dict(sd, arch='CTRSGCN')
    assert converted.dropped == []
    assert official_key_to_plugin('l3.gcn1.conv_d.2.bias', 'CTRSGCN') == \
        'backbone.units.2.gcn.convs.2.bias'
    assert official_key_to_plugin('l3.tcn1.conv.weight', 'CTRSGCN') == \
        'backbone.units.2.tcn.0.weight'
    model = _deployed(dict(type='CTRSGCN'))
    load_converted(model, converted.state_dict, arch='CTRSGCN')
    assert set(converted.state_dict) == set(model.state_dict())
    torch.manual_seed(0)
    x = torch.randn(2, 2, 12, 25, 3, dtype=torch.float64)
    expected = official_ctrsgcn.official_forward(double_state(sd),
                                                 x.permute(0, 4, 2, 3, 1))
    assert expected.abs().max() > 0.5
    assert_official_logits(plugin_logits(model, x), expected)


def test_non_adaptive_ctrsgcn_keeps_its_identity_adjacencies():
    sd = {k: v for k, v in official_ctrsgcn.official_state_dict(
        NUM_CLASSES, seed=2).items() if not k.endswith('.PA')}
    model = _deployed(dict(type='CTRSGCN', adaptive=False))
    filled = load_converted(
        model, convert_official_state_dict(sd, arch='CTRSGCN').state_dict,
        arch='CTRSGCN')
    assert len(filled) == 10
    assert torch.equal(model.backbone.units[3].gcn.A,
                       torch.eye(25, dtype=torch.float64).repeat(3, 1, 1))


@pytest.mark.parametrize('layout,com,V,M,base', [('nturgb+d', 1, 25, 2, 64),
                                                 ('nw-ucla', 2, 20, 1, 16)])
def test_hdgcn_checkpoint_gives_the_official_logits(layout, com, V, M, base):
    """Full-size NTU CoM-1 model; a narrow NW-UCLA one (5 layers)."""
    layers = HierarchicalGraph(layout, com).layers
    sd = official_hdgcn.official_state_dict(
        layers, NUM_CLASSES, num_point=V, num_person=M, base=base, seed=3)
    assert any('.gcn1.conv_d.' in k for k in sd)
    converted = convert_official_state_dict(sd, arch='HDGCN')
    assert converted.dropped == []
    model = _deployed(
        dict(type='HDGCN', graph_cfg=dict(layout=layout, com=com),
             base_channels=base, num_person=M), in_channels=4 * base)
    load_converted(model, converted.state_dict, arch='HDGCN')
    assert set(converted.state_dict) == set(model.state_dict())
    torch.manual_seed(0)
    x = torch.randn(2, M, 12, V, 3, dtype=torch.float64)
    expected = official_hdgcn.official_forward(
        double_state(sd), x.permute(0, 4, 2, 3, 1), layers, base)
    assert expected.abs().max() > 0.5
    assert_official_logits(plugin_logits(model, x), expected)


def test_hdgcn_pieces_are_concatenated_in_layer_subset_order():
    layers = HierarchicalGraph('nw-ucla', 2).layers
    sd = official_hdgcn.official_state_dict(layers, num_point=20,
                                            num_person=1, base=16)
    converted = convert_official_state_dict(sd, arch='HDGCN').state_dict
    unit = 'backbone.units.4.gcn.'
    weight = converted[unit + 'subset_conv.weight']  # (L * K * c, c, 1, 1)
    c = 8  # 2 * 16 // 4
    assert weight.shape == (5 * 3 * c, c, 1, 1)
    torch.testing.assert_close(weight[(2 * 3 + 1) * c:(2 * 3 + 2) * c],
                               sd['l5.gcn1.conv.2.1.0.weight'])
    torch.testing.assert_close(converted[unit + 'edge.bn.running_var'][
        3 * c:4 * c], sd['l5.gcn1.conv.3.3.conv.1.running_var'])
    assert converted[unit + 'reduce.1.num_batches_tracked'].dim() == 0
    bias = converted['backbone.units.4.tcn.branches.1.3.0.bias']
    torch.testing.assert_close(bias, sd['l5.tcn1.branches.1.3.bias'].view(-1))
    assert official_key_to_plugin('l5.gcn1.aha.edge_conv.conv.1.weight',
                                  'HDGCN') == \
        'backbone.units.4.gcn.attention.edge.bn.weight'


def test_hdgcn_inconsistent_checkpoints_are_named():
    layers = HierarchicalGraph('nw-ucla', 2).layers
    sd = official_hdgcn.official_state_dict(layers, num_point=20,
                                            num_person=1, base=16)
    copy = dict(sd)
    copy['l2.gcn1.conv_d.0.0.weight'] = copy['l2.gcn1.conv_d.0.0.weight'] + 1
    with pytest.raises(ValueError, match=r'hd\.pt: l2\.gcn1\.conv_d\.0\.0\.'
                       r'weight differs from l2\.gcn1\.conv\.4\.0\.0\.weight'):
        convert_official_state_dict(copy, source='hd.pt', arch='HDGCN')
    copy = dict(sd)
    copy['l2.gcn1.conv.1.2.0.weight'] = torch.zeros(4, 5, 1, 1)
    with pytest.raises(ValueError, match=r'pieces of backbone\.units\.1\.gcn'
                       r'\.subset_conv\.weight differ in shape'):
        convert_official_state_dict(copy, arch='HDGCN')
    # a CoM-2 NW-UCLA checkpoint (5 layers) into an NTU CoM-1 model (6)
    converted = convert_official_state_dict(sd, arch='HDGCN').state_dict
    model = _deployed(dict(type='HDGCN', base_channels=16, num_person=1,
                           graph_cfg=dict(layout='nturgb+d', com=1)),
                      in_channels=64)
    with pytest.raises(ValueError, match=r'units\.0\.gcn\.A.*\(5, 3, 20, 20\)'
                       r'.*\(6, 3, 25, 25\)'):
        load_converted(model, converted, arch='HDGCN')
    with pytest.raises(ValueError, match="no official layout for backbone "
                       "'STGCN'"):
        convert_official_state_dict(sd, arch='STGCN')
