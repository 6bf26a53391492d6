"""The main job (``beltwatch run``): a simulated day of the QZS-6/QZS-7 hosted payloads,
end to end.

truth (seeded population, injections) and the starting catalog derived from it ->
observe (survey per host) -> correlate and discover (UCT linking, batch LS) -> orbits
(batch LS, EKF; local or on Dask) -> catalog update (store) -> analytics (maneuvers,
conjunctions with Pc, proximity, new objects) -> products per partner through the release
gate (and the stream) -> scoring against the truth -> summary.json and report.html.
docs/main-job.md describes each stage and the scenario files.
"""

from beltwatch.pipeline._config import (
    ScenarioConfig,
    embedded_scenarios,
    load_run_scenario,
    scenario_from_text,
)
from beltwatch.pipeline._correlate import Correlated, correlate_and_discover
from beltwatch.pipeline._coverage import BYTES_PER_OBJECT_EPOCH
from beltwatch.pipeline._executor import DaskExecutor, Executor, LocalExecutor, make_executor
from beltwatch.pipeline._framevisits import FrameVisit, VisitResult, frame_visit_task
from beltwatch.pipeline._observe import Observed, observe
from beltwatch.pipeline._orbits import Orbits, determine_orbits
from beltwatch.pipeline._run import STAGES, RunOptions, effective_config, run_pipeline
from beltwatch.pipeline._truth import (
    Truth,
    TruthPart,
    build_truth,
    simulated_truth_states,
    truth_states_at,
)

__all__ = [
    "BYTES_PER_OBJECT_EPOCH",
    "STAGES",
    "Correlated",
    "DaskExecutor",
    "Executor",
    "FrameVisit",
    "LocalExecutor",
    "Observed",
    "Orbits",
    "RunOptions",
    "ScenarioConfig",
    "Truth",
    "TruthPart",
    "VisitResult",
    "build_truth",
    "correlate_and_discover",
    "determine_orbits",
    "effective_config",
    "embedded_scenarios",
    "frame_visit_task",
    "load_run_scenario",
    "make_executor",
    "observe",
    "run_pipeline",
    "scenario_from_text",
    "simulated_truth_states",
    "truth_states_at",
]
