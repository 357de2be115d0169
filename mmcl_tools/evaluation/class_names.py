"""Action class names of the datasets MMCL is evaluated on.

NTU RGB+D 120 lists its actions A1..A120 (Liu et al., TPAMI 2019; NTU RGB+D
60 is A1..A60, Shahroudy et al., CVPR 2016). The class index used by the
converters and by every model here is ``A-number - 1``: ``NTU120_CLASSES[0]``
is A1 "drink water", ``NTU120_CLASSES[119]`` is A120. Names are the official
ones with one normalisation: apostrophes are plain ASCII (the official
table mixes ``'`` and a typographic one). The official typo "hush (quite)"
(A67) is kept, so the names can be matched against other copies of the list.

The Kinect v1 datasets' names live with their converters (the class order
is decided there) and are re-exported here.
"""
import os.path as osp
from typing import Dict, Optional, Tuple

from mmcl_tools.converters import nwucla, sysu, utd_mhad

#: NTU RGB+D 120 actions A1..A120; 0-based index = A-number - 1.
NTU120_CLASSES: Tuple[str, ...] = (
    # A1 - A10
    'drink water', 'eat meal/snack', 'brushing teeth', 'brushing hair',
    'drop', 'pickup', 'throw', 'sitting down',
    'standing up (from sitting position)', 'clapping',
    # A11 - A20
    'reading', 'writing', 'tear up paper', 'wear jacket', 'take off jacket',
    'wear a shoe', 'take off a shoe', 'wear on glasses', 'take off glasses',
    'put on a hat/cap',
    # A21 - A30
    'take off a hat/cap', 'cheer up', 'hand waving', 'kicking something',
    'reach into pocket', 'hopping (one foot jumping)', 'jump up',
    'make a phone call/answer phone', 'playing with phone/tablet',
    'typing on a keyboard',
    # A31 - A40
    'pointing to something with finger', 'taking a selfie',
    'check time (from watch)', 'rub two hands together', 'nod head/bow',
    'shake head', 'wipe face', 'salute', 'put the palms together',
    'cross hands in front (say stop)',
    # A41 - A50
    'sneeze/cough', 'staggering', 'falling', 'touch head (headache)',
    'touch chest (stomachache/heart pain)', 'touch back (backache)',
    'touch neck (neckache)', 'nausea or vomiting condition',
    'use a fan (with hand or paper)/feeling warm',
    'punching/slapping other person',
    # A51 - A60
    'kicking other person', 'pushing other person',
    'pat on back of other person', 'point finger at the other person',
    'hugging other person', 'giving something to other person',
    "touch other person's pocket", 'handshaking',
    'walking towards each other', 'walking apart from each other',
    # A61 - A70
    'put on headphone', 'take off headphone', 'shoot at the basket',
    'bounce ball', 'tennis bat swing', 'juggling table tennis balls',
    'hush (quite)', 'flick hair', 'thumb up', 'thumb down',
    # A71 - A80
    'make ok sign', 'make victory sign', 'staple book', 'counting money',
    'cutting nails', 'cutting paper (using scissors)', 'snapping fingers',
    'open bottle', 'sniff (smell)', 'squat down',
    # A81 - A90
    'toss a coin', 'fold paper', 'ball up paper', 'play magic cube',
    'apply cream on face', 'apply cream on hand back', 'put on bag',
    'take off bag', 'put something into a bag',
    'take something out of a bag',
    # A91 - A100
    'open a box', 'move heavy objects', 'shake fist', 'throw up cap/hat',
    'hands up (both hands)', 'cross arms', 'arm circles', 'arm swings',
    'running on the spot', 'butt kicks (kick backward)',
    # A101 - A110
    'cross toe touch', 'side kick', 'yawn', 'stretch oneself', 'blow nose',
    'hit other person with something', 'wield knife towards other person',
    'knock over other person (hit with body)', "grab other person's stuff",
    'shoot at other person with a gun',
    # A111 - A120
    'step on foot', 'high-five', 'cheers and drink',
    'carry something with other person', 'take a photo of other person',
    'follow other person', "whisper in other person's ear",
    'exchange things with other person', 'support somebody with hand',
    'finger-guessing game (playing rock-paper-scissors)')

#: NTU RGB+D 60 actions A1..A60 (the first 60 of NTU120).
NTU60_CLASSES: Tuple[str, ...] = NTU120_CLASSES[:60]

#: Class names by dataset name.
DATASET_CLASSES: Dict[str, Tuple[str, ...]] = {
    'ntu60': NTU60_CLASSES,
    'ntu120': NTU120_CLASSES,
    'nwucla': tuple(nwucla.CLASS_NAMES),
    'utd_mhad': tuple(utd_mhad.CLASS_NAMES),
    'sysu': tuple(sysu.CLASS_NAMES),
}


def read_class_names(path: str) -> Tuple[str, ...]:
    """Class names from a text file, one per line (index = line number).

    Blank lines at the end are ignored; a blank line between names is an
    error, as it would shift every later index.

    Args:
        path (str): The file.

    Returns:
        tuple[str, ...]: The names.
    """
    with open(path, encoding='utf-8') as f:
        lines = [line.strip() for line in f.read().splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    for index, line in enumerate(lines):
        if not line:
            raise ValueError(f'{path} line {index + 1}: empty class name '
                             '(every line must name one class)')
    if not lines:
        raise ValueError(f'{path}: no class names')
    return tuple(lines)


def get_class_names(name: Optional[str] = None,
                    num_classes: Optional[int] = None) -> Tuple[str, ...]:
    """Class names of a dataset, of a name file, or by class count.

    Args:
        name (str, optional): A key of :data:`DATASET_CLASSES`
            (``'ntu60'``, ``'ntu120'``, ``'nwucla'``, ``'utd_mhad'``,
            ``'sysu'``) or a text file with one name per line. None picks
            the NTU list of ``num_classes`` classes (60 or 120) and
            otherwise numbers the classes (``'class 0'`` ...).
        num_classes (int, optional): If given, the names must number
            exactly this many.

    Returns:
        tuple[str, ...]: The names, index = class id.
    """
    if name is None:
        if num_classes is None:
            raise ValueError('get_class_names needs a name or num_classes')
        by_count = {len(v): v for k, v in DATASET_CLASSES.items()
                    if k.startswith('ntu')}
        names = by_count.get(
            num_classes, tuple(f'class {i}' for i in range(num_classes)))
    elif name in DATASET_CLASSES:
        names = DATASET_CLASSES[name]
    elif osp.isfile(name):
        names = read_class_names(name)
    else:
        raise ValueError(f'unknown class names {name!r}: neither one of '
                         f'{sorted(DATASET_CLASSES)} nor an existing file')
    if num_classes is not None and len(names) != num_classes:
        raise ValueError(f'class names {name!r} list {len(names)} classes, '
                         f'the model has {num_classes}')
    return names
