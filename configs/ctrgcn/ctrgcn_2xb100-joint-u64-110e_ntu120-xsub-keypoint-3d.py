# CTR-GCN, NTU RGB+D 120 X-Sub, 3-D joint stream, with the MMCL release's
# schedule (github liujf69/MMCL-Action: config/nturgbd120-cross-subject/
# joint.yaml, main_MMCL.py): 110 epochs, batch 200 on 2 GPUs, lr 0.1 with
# 5 warm-up epochs, x0.1 at epochs 90 and 100, SGD nesterov, weight decay
# 4e-4 (_base_/schedules/sgd_110e_ntu_mmcl_release.py). The official
# CTR-GCN data path (the release's feeder), one test clip. Skeleton-only:
# the baseline of the release's MMCL recipe
# mmcl-ctrgcn_inceptionv3-tokenids_2xb100-joint-u64-110e_ntu120-xsub-
# keypoint-3d.py.
_base_ = [
    '../_base_/models/ctrgcn_official.py',
    '../_base_/datasets/ntu_official.py',
    '../_base_/schedules/sgd_110e_ntu_mmcl_release.py',
    '../_base_/default_runtime.py'
]

model = dict(cls_head=dict(num_classes=120))
train_dataloader = dict(
    batch_size=100, dataset=_base_.datasets.ntu120_xsub.j.train)
test_dataloader = dict(
    batch_size=100, dataset=_base_.datasets.ntu120_xsub.j.test)
val_dataloader = test_dataloader
