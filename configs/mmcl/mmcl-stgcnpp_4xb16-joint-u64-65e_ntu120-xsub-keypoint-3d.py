# MMCL + STGCN++, NTU RGB+D 120 X-Sub, 3-D joint stream: the
# NTU60 X-Sub config on NTU120 (120 classes, NTU120 annotation file and text
# features; the FRM head takes its class count from cls_head).
_base_ = './mmcl-stgcnpp_4xb16-joint-u64-65e_ntu60-xsub-keypoint-3d.py'

num_classes = 120
ann_file = 'data/skeleton/ntu120_3d.pkl'
text_feature_root = 'data/mmcl_text_features/ntu120_blip_vqa/'

model = dict(cls_head=dict(num_classes=num_classes))
train_dataloader = dict(
    dataset=dict(ann_file=ann_file, text_feature_root=text_feature_root))
val_dataloader = dict(dataset=dict(ann_file=ann_file))
test_dataloader = dict(dataset=dict(ann_file=ann_file))
