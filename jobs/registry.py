"""Which function runs each scheduled job. When and where each runs is the PMO rhythm's
(`bot.pmo.rhythm`); this module only pairs each job's timing with its run function."""

from __future__ import annotations

from bot.core.context import AppContext
from bot.core.settings import Settings
from bot.pmo.rhythm import JOB_NAMES, SlackSettings, configured_timings, slack_settings
from bot.runtime.schedule import JobFunction, JobSpec
from jobs.acceptance_cutoff import run_acceptance_cutoff
from jobs.billing_period import run_billing_period
from jobs.forecast_accuracy import run_forecast_accuracy
from jobs.forecast_nudge import run_forecast_nudge
from jobs.forecast_prep import run_forecast_prep
from jobs.forecast_snapshot import run_forecast_snapshot
from jobs.kantata_sync import run_kantata_incremental, run_kantata_sync
from jobs.timesheet_nudge import run_timesheet_nudge
from jobs.top_customer_nudge import run_top_customer_nudge
from jobs.top_customer_open import run_top_customer_open
from jobs.top_customer_report import run_top_customer_report

RUNS: dict[str, JobFunction] = {
    "kantata_sync": run_kantata_sync,
    "forecast_prep": run_forecast_prep,
    "forecast_nudge": run_forecast_nudge,
    "top_customer_open": run_top_customer_open,
    "top_customer_nudge": run_top_customer_nudge,
    "top_customer_report": run_top_customer_report,
    "billing_period": run_billing_period,
    "timesheet_nudge": run_timesheet_nudge,
    "forecast_snapshot": run_forecast_snapshot,
    "forecast_accuracy": run_forecast_accuracy,
    "acceptance_cutoff": run_acceptance_cutoff,
    "kantata_incremental": run_kantata_incremental,
}
__all__ = ["JOB_NAMES", "configured_jobs", "current_jobs"]


def configured_jobs(settings: Settings, slack: SlackSettings | None = None) -> list[JobSpec]:
    """The jobs with this deployment's timings (and those set in Slack, when given); bad
    settings raise SettingsError."""
    timings = configured_timings(settings, slack)
    return [JobSpec.of(timing, RUNS[timing.name]) for timing in timings]


def current_jobs(ctx: AppContext) -> list[JobSpec]:
    """The jobs as they are now, with what admins set in Slack read from the database:
    every replica's runner takes these at its next tick."""
    with ctx.session_factory() as session:
        slack = slack_settings(session)
    return configured_jobs(ctx.settings, slack)
