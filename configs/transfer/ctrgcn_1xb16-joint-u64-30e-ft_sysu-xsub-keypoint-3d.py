# Domain-adaptive transfer to SYSU-3D: the UTD-MHAD fine-tuning recipe
# (NTU120 X-Sub joint checkpoint, skeleton-only, 30 epochs) on SYSU-3D's
# half-subjects protocol (subjects 1-20 train, 21-40 test), 12 classes.
# SYSU-3D is converted to NTU's 25-joint layout
# (tools/data/sysu/convert_sysu.py).
_base_ = './ctrgcn_1xb16-joint-u64-30e-ft_utdmhad-xsub-keypoint-3d.py'

num_classes = 12
ann_file = 'data/skeleton/sysu_ntu25.pkl'

model = dict(cls_head=dict(num_classes=num_classes))
train_dataloader = dict(
    dataset=dict(ann_file=ann_file, num_classes=num_classes, split='train'))
val_dataloader = dict(
    dataset=dict(ann_file=ann_file, num_classes=num_classes, split='val'))
test_dataloader = dict(
    dataset=dict(ann_file=ann_file, num_classes=num_classes, split='val'))
