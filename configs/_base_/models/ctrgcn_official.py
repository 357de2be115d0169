# CTR-GCN as the official code builds it (github.com/Uason-Chen/CTR-GCN,
# model/ctrgcn.py, graph/ntu_rgb_d.py): the official NTU RGB+D graph
# ('ctrgcn_ntu': hand tip -> thumb -> hand), the official initialisation
# (TCN BN weights N(1, 0.02); CTRGCNHead: classifier N(0, sqrt(2 /
# num_classes)), default Linear bias) and logits as test scores; 25 joints,
# 2 persons, 60 classes. No FAM / FRM (the deployed model); MMCL configs add
# them (`mmcl_model` of ../mmcl.py). NW-UCLA: ctrgcn_official_nwucla.py.
model = dict(
    type='MMCLRecognizer',
    backbone=dict(
        type='CTRGCN',
        graph_cfg=dict(layout='ctrgcn_ntu', mode='spatial'),
        num_person=2,
        init_scheme='official'),
    cls_head=dict(
        type='CTRGCNHead',
        num_classes=60,
        in_channels=256,
        average_clips='score'),
    data_preprocessor=dict(type='MMCLDataPreprocessor'))
