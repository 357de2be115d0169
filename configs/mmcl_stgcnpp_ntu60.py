# Entry point: MMCL + STGCN++ on NTU RGB+D 60 X-Sub (3-D joint), on
# mmaction2's own STGCN++ config.
# `mim train mmaction configs/mmcl_stgcnpp_ntu60.py`
_base_ = 'stgcnpp/mmcl-stgcnpp_8xb16-joint-u100-80e_ntu60-xsub-keypoint-3d.py'
