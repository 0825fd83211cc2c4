"""After-run tools over a run's files: playing an export (play), writing videos (video) and
drawing learning curves (curves). Training code uses them only for its optional videos."""
