import copy

import pytest
import torch
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample

from mmcl_tools.deploy import inference_model_config, skeleton_only_state_dict


NUM_CLASSES = 5
BACKBONE = dict(
    type='STGCN',
    graph_cfg=dict(layout='nturgb+d', mode='spatial'),
    base_channels=16,
    gcn_adaptive='init',
    gcn_with_res=True,
    tcn_type='mstcn')
MMCL_CFG = dict(
    type='MMCLRecognizer',
    backbone=BACKBONE,
    cls_head=dict(type='GCNHead', num_classes=NUM_CLASSES, in_channels=64),
    fam_head=dict(
        type='FAMHead',
        image_encoder=dict(
            type='mmpretrain.ResNet', depth=18, stem_channels=8,
            base_channels=8),
        encoder_channels=64,
        hidden_channels=32),
    frm_head=dict(type='FRMHead', text_channels=12, hidden_channels=8),
    data_preprocessor=dict(type='MMCLDataPreprocessor'))


def make_batch(n=4, with_aux=True, seed=0):
    g = torch.Generator().manual_seed(seed)
    inputs = [torch.randn(1, 2, 16, 25, 3, generator=g) for _ in range(n)]
    samples = []
    for i in range(n):
        sample = ActionDataSample().set_gt_label(i % NUM_CLASSES)
        sample.set_metainfo(dict(frame_dir=f'sample{i}'))
        if with_aux:
            sample.set_field(
                torch.randint(0, 256, (3, 32, 64), generator=g,
                              dtype=torch.uint8), 'frame_strip')
            # one prompt of 2 + i tokens: (P, L, D)
            sample.set_field(torch.randn(1, 2 + i, 12, generator=g),
                             'text_feature')
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def build(cfg=MMCL_CFG, seed=0):
    torch.manual_seed(seed)
    model = MODELS.build(copy.deepcopy(cfg))
    model.init_weights()
    return model


def test_heads_get_widths_from_the_classifier():
    model = build()
    assert model.frm_head.num_classes == NUM_CLASSES
    assert model.fam_head.align_mlp[-1].out_features == 64
    assert model.with_fam and model.with_frm


def test_loss_has_all_terms_and_gradients_reach_backbone_and_fam():
    model = build()
    model.train()
    data = model.data_preprocessor(make_batch(), training=True)
    losses = model(**data, mode='loss')
    assert {'loss_cls', 'loss_align', 'loss_refine'} <= set(losses)
    total = sum(v for k, v in losses.items() if k.startswith('loss'))
    total.backward()
    assert model.backbone.gcn[0].gcn.conv.weight.grad.abs().sum() > 0
    assert model.fam_head.image_encoder.conv1.weight.grad.abs().sum() > 0
    assert model.fam_head.align_mlp[0].weight.grad.abs().sum() > 0
    assert model.frm_head.class_matrices.grad.abs().sum() > 0


#: parameter -> module group, for the per-term gradient checks
PARAM_GROUPS = {
    'backbone': 'backbone.gcn.0.gcn.conv.weight',
    'classifier': 'cls_head.fc.weight',
    'strip encoder': 'fam_head.image_encoder.conv1.weight',
    'FAM MLP': 'fam_head.align_mlp.0.weight',
    'Phi': 'frm_head.unify.0.weight',
    'Phi weights': 'frm_head.weight_fc.weight',
    'class vectors': 'frm_head.class_matrices',
}
#: loss term -> the groups it must train (every other group: no gradient).
#: Co-learning: the contrastive loss alone trains the skeleton backbone
#: (through F_G) and the FAM; the refinement loss alone trains the
#: backbone (through S_M), the classifier, Phi and the class vectors.
REACHES = {
    'loss_cls': {'backbone', 'classifier'},
    'loss_align': {'backbone', 'strip encoder', 'FAM MLP'},
    'loss_refine': {'backbone', 'classifier', 'Phi', 'Phi weights',
                    'class vectors'},
}


@pytest.mark.parametrize('term', sorted(REACHES))
def test_each_loss_term_alone_trains_its_modules(term):
    model = build()
    model.train()
    with torch.no_grad():  # M_k = 1 would make S_R independent of Phi
        model.frm_head.class_matrices.uniform_(0.5, 1.5)
    data = model.data_preprocessor(make_batch(), training=True)
    model(**data, mode='loss')[term].backward()
    params = dict(model.named_parameters())
    for group, name in PARAM_GROUPS.items():
        grad = params[name].grad
        norm = 0. if grad is None else float(grad.abs().max())
        if group in REACHES[term]:
            assert norm > 0, f'{term} alone gives {group} ({name}) no ' \
                'gradient'
        else:
            assert norm == 0, f'{term} alone reaches {group} ({name})'


def test_loss_hands_each_head_its_modality_inputs():
    model = build()
    model.train()
    with torch.no_grad():  # M_k = 1 would make S_R independent of the text
        model.frm_head.class_matrices.uniform_(0.2, 3.0)
    data = model.data_preprocessor(make_batch(), training=True)
    assert data['text_features'].shape == (4, 1, 5, 12)
    assert data['text_masks'][0].tolist() == [[True] * 2 + [False] * 3]
    losses = model(**data, mode='loss')
    feats, _ = model.extract_feat(data['inputs'])
    scores = model.cls_head(feats)
    labels = torch.tensor([0, 1, 2, 3])
    torch.testing.assert_close(
        losses['loss_refine'],
        model.frm_head.loss(scores, data['text_features'],
                            data['text_masks'], labels)['loss_refine'])
    # without the mask the padded zeros would count
    unmasked = model.frm_head.loss(scores, data['text_features'], None,
                                   labels)['loss_refine']
    assert not torch.allclose(losses['loss_refine'], unmasked)
    torch.testing.assert_close(
        losses['loss_align'],
        model.fam_head.loss(model_feature(feats),
                            data['frame_strips'])['loss_align'])
    with pytest.raises(TypeError, match=r"unknown modality inputs \['text"):
        model(data['inputs'], data['data_samples'], mode='loss',
              text_feature=data['text_features'])


def model_feature(feats):
    from mmcl_plugin.models.recognizers import global_skeleton_feature
    return global_skeleton_feature(feats)


def test_switched_off_branches_give_the_baseline_loss():
    baseline_cfg = dict(MMCL_CFG, type='RecognizerGCN')
    baseline_cfg.pop('fam_head')
    baseline_cfg.pop('frm_head')
    plain_cfg = dict(MMCL_CFG, fam_head=None, frm_head=None)
    plain, baseline = build(plain_cfg), build(baseline_cfg)
    baseline.load_state_dict(plain.state_dict())
    plain.train(), baseline.train()
    torch.manual_seed(1)
    data = plain.data_preprocessor(make_batch(with_aux=False), True)
    loss_plain = plain(**data, mode='loss')
    torch.manual_seed(1)
    data = baseline.data_preprocessor(make_batch(with_aux=False), True)
    loss_base = baseline(**data, mode='loss')
    assert set(loss_plain) == set(loss_base)
    torch.testing.assert_close(loss_plain['loss_cls'], loss_base['loss_cls'])


def test_predict_needs_no_strip_or_text_and_matches():
    model = build().eval()
    with torch.no_grad():
        with_aux = model.test_step(make_batch(with_aux=True))
        without = model.test_step(make_batch(with_aux=False))
    assert len(without) == 4
    for a, b in zip(with_aux, without):
        assert a.pred_score.shape == (NUM_CLASSES, )
        torch.testing.assert_close(a.pred_score, b.pred_score)


def test_missing_training_modalities_are_clear_errors():
    model = build().train()
    data = model.data_preprocessor(make_batch(with_aux=False), True)
    with pytest.raises(ValueError, match='BuildFrameStrip'):
        model(**data, mode='loss')
    no_fam = build(dict(MMCL_CFG, fam_head=None)).train()
    data = no_fam.data_preprocessor(make_batch(with_aux=False), True)
    with pytest.raises(ValueError, match='LoadTextFeature'):
        no_fam(**data, mode='loss')


def test_deployed_model_is_exactly_the_baseline():
    mmcl = build()
    deployed_cfg = inference_model_config(MMCL_CFG)
    assert deployed_cfg['type'] == 'RecognizerGCN'
    assert 'fam_head' not in deployed_cfg and 'frm_head' not in deployed_cfg
    baseline_cfg = dict(MMCL_CFG, type='RecognizerGCN',
                        data_preprocessor=dict(type='ActionDataPreprocessor'))
    baseline_cfg.pop('fam_head')
    baseline_cfg.pop('frm_head')
    baseline = build(baseline_cfg)
    deployed = build(deployed_cfg)
    state = skeleton_only_state_dict(
        {f'module.{k}': v for k, v in mmcl.state_dict().items()})
    deployed.load_state_dict(state, strict=True)
    count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    assert count(deployed) == count(baseline)
    assert count(mmcl) > count(baseline)
    assert set(deployed.state_dict()) == set(baseline.state_dict())
    # the deployed model predicts exactly as the MMCL model does
    mmcl.eval(), deployed.eval()
    with torch.no_grad():
        for a, b in zip(mmcl.test_step(make_batch()),
                        deployed.test_step(make_batch())):
            torch.testing.assert_close(a.pred_score, b.pred_score)


def test_deployed_model_has_the_baseline_flops():
    from mmengine.analysis import get_model_complexity_info

    def flops(model):
        model.eval()
        model.forward = model._forward  # tensor mode: backbone + head
        return get_model_complexity_info(
            model, inputs=(torch.zeros(1, 1, 2, 16, 25, 3), 'head'),
            show_table=False, show_arch=False)['flops']

    baseline_cfg = dict(MMCL_CFG, type='RecognizerGCN',
                        data_preprocessor=dict(type='ActionDataPreprocessor'))
    baseline_cfg.pop('fam_head')
    baseline_cfg.pop('frm_head')
    deployed_flops = flops(build(inference_model_config(MMCL_CFG)))
    assert deployed_flops > 0
    assert deployed_flops == flops(build(baseline_cfg))
