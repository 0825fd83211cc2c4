"""Training and evaluation entry points over one shared library.

Nothing heavy is imported here: an entry point checks its flags before TensorFlow loads. Modules
that use TensorFlow import `envs` (or `envs._startup`) first, which quiets its start-up.
"""
