"""IMPALA on Pong: actor-critic with V-trace, actors and learner in one process or
scaled out (see pipelines.impala).

    python -m pipelines.pong_impala --root_dir=runs/pong_impala [--preset=NAME] \\
        [--config.<field>=value ...]
    python -m pipelines.launch --pipeline=pong_impala --root_dir=runs/pong_x2 --collectors=2
"""

from pipelines.impala.main import run_pipeline

if __name__ == "__main__":
    run_pipeline("pong_impala")
