# CTR-GCN as the official code builds it for NW-UCLA
# (github.com/Uason-Chen/CTR-GCN, model/ctrgcn.py, graph/ucla.py): the
# official NW-UCLA graph ('ctrgcn_nwucla', 20 joints), one person, 10
# classes, the official initialisation and logits as test scores (as
# ctrgcn_official.py). No FAM / FRM (the deployed model); MMCL configs add
# them (`mmcl_model` of ../mmcl.py).
model = dict(
    type='MMCLRecognizer',
    backbone=dict(
        type='CTRGCN',
        graph_cfg=dict(layout='ctrgcn_nwucla', mode='spatial'),
        num_person=1,
        init_scheme='official'),
    cls_head=dict(
        type='CTRGCNHead',
        num_classes=10,
        in_channels=256,
        average_clips='score'),
    data_preprocessor=dict(type='MMCLDataPreprocessor'))
