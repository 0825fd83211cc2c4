"""IMPALA on CartPole-v1: actor-critic with V-trace, actors and learner in one process or
scaled out (see pipelines.impala).

    python -m pipelines.cartpole_impala --root_dir=runs/cartpole_impala [--preset=NAME] \\
        [--config.<field>=value ...]
    python -m pipelines.launch --pipeline=cartpole_impala --root_dir=runs/cartpole_x2 --collectors=2
"""

from pipelines.impala.main import run_pipeline

if __name__ == "__main__":
    run_pipeline("cartpole_impala")
