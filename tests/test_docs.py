"""The README and the CI files say the same as the code."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from generator.content.schema import reference_table

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def readme_block(heading: str) -> list[str]:
    """The commands in the first ```sh block after a README heading."""
    section = README.split(f"## {heading}\n", 1)[1]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    return [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]


def test_front_matter_reference_is_generated_from_the_schema() -> None:
    match = re.search(r"<!-- reference:start[^>]*-->\n(.*?)<!-- reference:end -->", README, re.S)
    assert match, "README lost its front matter reference markers"
    assert match.group(1) == reference_table(), (
        "README's front matter reference is stale: paste generator.content.schema.reference_table() "
        "between the reference markers"
    )


def test_quickstart_is_exactly_two_commands() -> None:
    assert readme_block("Quickstart") == ["make site", "make test"]


def workflow() -> dict:
    # PyYAML reads the key `on` as True; workflows are still valid YAML.
    return yaml.safe_load((ROOT / ".github/workflows/publish.yml").read_text(encoding="utf-8"))


def test_workflow_is_a_valid_pages_workflow() -> None:
    flow = workflow()
    assert set(flow[True]) >= {"pull_request", "push", "schedule", "workflow_dispatch"}
    assert flow["concurrency"]["group"]
    jobs = flow["jobs"]
    uses = [step.get("uses", "") for job in jobs.values() for step in job["steps"]]
    assert any(u.startswith("actions/upload-pages-artifact@") for u in uses)
    assert any(u.startswith("actions/deploy-pages@") for u in uses)
    assert all(re.search(r"@v\d+\.\d+\.\d+$", u) for u in uses if u), (
        "pin every action to a release"
    )
    assert jobs["deploy"]["needs"] == "build"
    assert jobs["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}


def test_workflow_runs_the_readme_commands() -> None:
    runs = [step.get("run", "") for step in workflow()["jobs"]["build"]["steps"]]
    lines = [line.strip() for run in runs for line in run.splitlines() if line.strip()]
    expected = readme_block("What CI runs")
    start = lines.index(expected[0])
    assert lines[start : start + len(expected)] == expected


def test_gitlab_ci_runs_the_readme_commands() -> None:
    gitlab = yaml.safe_load((ROOT / ".gitlab-ci.yml").read_text(encoding="utf-8"))
    expected = readme_block("What CI runs")
    assert gitlab["check"]["script"][1:] == expected
    assert gitlab["pages"]["script"][1 : 1 + len(expected)] == expected


def test_ci_script_runs_make_test() -> None:
    assert "make test" in (ROOT / ".ci/run").read_text(encoding="utf-8")


def test_the_workflow_publishes_on_its_schedule_and_by_hand() -> None:
    """A tip dated today must appear today: deploying only on push would wait for a merge."""
    flow = workflow()
    assert flow[True]["schedule"][0]["cron"]
    condition = flow["jobs"]["deploy"]["if"]
    assert "pull_request" in condition and "push" not in condition


def test_make_test_checks_the_content_before_the_tests() -> None:
    recipe = (ROOT / "Makefile").read_text(encoding="utf-8").split("\ntest:")[1].split("\n\n")[0]
    lines = [line.strip() for line in recipe.splitlines()[1:]]
    assert lines[:2] == ["$(BIN)/tipkb check", "$(BIN)/tipkb build --strict"]
    assert lines[-1] == "$(BIN)/pytest"
