# Entry point: MMCL + STGCN++ on NTU RGB+D 60 X-Sub (3-D joint).
# `mim train mmaction configs/mmcl_stgcnpp_ntu60.py`
_base_ = 'mmcl/mmcl-stgcnpp_4xb16-joint-u64-65e_ntu60-xsub-keypoint-3d.py'
