"""Training and evaluation entry points over one shared library.

Nothing heavy is imported here: an entry point checks its flags before TensorFlow loads. The
first import of TensorFlow and TF-Agents, by whichever module, is quieted (_quiet_tensorflow).
"""

from pipelines import _quiet_tensorflow

_quiet_tensorflow.install()
