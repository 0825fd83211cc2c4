"""IMPALA on Breakout: actor-critic with V-trace, actors and learner in one process or
scaled out (see pipelines.impala).

    python -m pipelines.breakout_impala --root_dir=runs/breakout_impala [--preset=NAME] \\
        [--config.<field>=value ...]
    python -m pipelines.launch --pipeline=breakout_impala --root_dir=runs/breakout_x2 --collectors=2
"""

from pipelines.impala.main import run_pipeline

if __name__ == "__main__":
    run_pipeline("breakout_impala")
