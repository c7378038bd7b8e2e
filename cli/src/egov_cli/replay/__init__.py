"""`egov replay`: drive the running stack through a scenario and compare it with the regulation.

Modules: :mod:`~egov_cli.replay.scenario` (the YAML files), :mod:`~egov_cli.replay.driver` (the
user's HTTP actions), :mod:`~egov_cli.replay.collect` (spans and journal entries),
:mod:`~egov_cli.replay.compare` (expected vs observed, pure), :mod:`~egov_cli.replay.report` (the
rich table and the HTML report with its sequence diagram), :mod:`~egov_cli.replay.command` (typer).
"""
