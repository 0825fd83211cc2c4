"""Training and evaluation entry points over one shared library.

Nothing heavy is imported here: an entry point checks its flags before TensorFlow loads. Importing
envs quiets the first import of TensorFlow and TF-Agents, by whichever module.
"""

import envs  # noqa: F401
