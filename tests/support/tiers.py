"""Test tiers: every test is in exactly one, as a pytest marker (`pytest -m unit`).

    unit       pure: no subprocess, no SQLite file, no socket; the whole tier runs in seconds
    local      the CLI, a directory, SQLite, subprocesses, the node validators, local HTTP servers
    aws        the AWS adapters and Lambda handlers on a moto server
    browser    headless Chromium
    wordpress  PHP, PHPUnit, MariaDB and a real WordPress (tools/wordpress/setup.sh)

A test's tier is the first of:
  1. a tier marker on the test or on its parameter (the contract suites mark each adapter's),
  2. `aws` for a test on a moto server (it uses a fixture of MOTO_FIXTURES),
  3. its entry in TEST_TIERS ("module::function", for the few tests unlike their module's),
  4. its module's entry in MODULE_TIERS.
A new test module needs an entry in MODULE_TIERS: tests/test_tiers.py fails until it has one.
A unit test that starts a process, opens a SQLite file or a socket fails, saying what it did,
so the unit tier stays what it says (`unit_guard`).
"""

from __future__ import annotations

import contextlib
import os
import socket
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

TIERS = {
    "unit": "pure tests: no subprocess, no SQLite file, no socket (make test-unit)",
    "local": "the CLI, a directory, SQLite, subprocesses, node validators, local HTTP servers",
    "aws": "the AWS adapters and Lambda handlers on a moto server",
    "browser": "headless Chromium (make chromium)",
    "wordpress": "PHP, MariaDB and a real WordPress (make wordpress-setup)",
}

# Fixtures that start or reach a moto server: a test using one (directly or through another
# fixture) is in the aws tier.
MOTO_FIXTURES = frozenset({"moto_endpoint", "moto"})

# The tier of each module's tests that are not on moto (those are `aws` by MOTO_FIXTURES).
MODULE_TIERS: dict[str, str] = {
    "test_amp_cache": "unit",
    "test_amp_corpus": "unit",
    "test_amp_embeds": "unit",
    "test_amp_fuzz": "unit",
    "test_amp_page_size": "unit",
    "test_amp_slots": "unit",
    "test_architecture": "unit",
    "test_aws_stack": "aws",
    "test_aws_template": "unit",
    "test_batch_index": "unit",
    "test_body_boilerplate": "unit",
    "test_body_media": "unit",
    "test_body_parse": "unit",
    "test_cdn_policy": "unit",
    "test_cli_person": "local",
    "test_config": "unit",
    "test_config_schema": "unit",
    "test_contract_index": "local",  # each adapter's parameter is marked (support/contracts.py)
    "test_contract_feed_items": "local",  # each adapter's parameter is marked (support/contracts.py)
    "test_contract_listing": "local",  # as test_contract_index
    "test_contract_queue": "local",
    "test_contract_store": "local",
    "test_dynamodb_requests": "unit",  # the index and queue tests are on moto (aws)
    "test_directory_store": "local",
    "test_events": "unit",
    "test_events_hostile": "unit",
    "test_feed_authors": "local",
    "test_feed_corpus": "local",
    "test_feed_formats": "unit",
    "test_feed_memo": "unit",
    "test_feed_items_kept": "local",
    "test_feed_outputs": "unit",
    "test_feed_ownership": "unit",
    "test_feed_profiles": "unit",
    "test_feed_profiles_aggregators": "local",
    "test_feed_reader_text": "local",
    "test_feed_sizes": "unit",
    "test_fuzz_atheris": "local",
    "test_fuzz_pipeline": "unit",
    "test_gone_function": "aws",
    "test_hostile_sweep": "local",
    "test_html_out": "unit",
    "test_lambda_artifact": "local",
    "test_logs": "local",
    "test_notify": "local",
    "test_output_kinds": "unit",
    "test_output_scopes": "unit",
    "test_planner": "unit",
    "test_progress": "unit",
    "test_publish_cli": "local",
    "test_quarantine": "local",
    "test_quiet_days": "local",
    "test_rebuild_sweep": "local",
    "test_rebuild_sweep_aws": "aws",
    "test_rebuild_workers": "local",
    "test_reliability_aws": "aws",
    "test_reliability_local": "local",
    "test_render_amp": "unit",
    "test_render_body_html": "unit",
    "test_render_pending": "local",
    "test_rss_items": "unit",
    "test_render_rss": "unit",
    "test_render_sitemaps": "unit",
    "test_s3_digests": "aws",
    "test_serve": "local",
    "test_serve_gone": "local",
    "test_serve_webhook": "local",
    "test_shard_coalescing": "local",
    "test_sitemap_listing": "unit",
    "test_sitemaps_boundaries": "local",
    "test_sitemaps_incremental": "local",
    "test_sitemaps_publish": "local",
    "test_sqlite_index": "local",
    "test_status": "local",
    "test_status_aws": "local",
    "test_status_facts": "local",
    "test_subscriber_teaser": "unit",
    "test_synthetic": "unit",
    "test_takedown": "local",
    "test_text_slugs": "unit",
    "test_tiers": "unit",
    "test_url_identity": "unit",
    "test_url_validity": "unit",
    "test_validate": "local",
    "test_validate_amp_limits": "local",
    "test_webhook_security": "aws",
    "test_wordpress_import": "unit",
    "test_wordpress_mapping": "unit",
    "test_wordpress_markup": "unit",
    "test_wordpress_phpunit": "wordpress",
    "test_wordpress_real": "wordpress",
}

# Tests unlike their module's other tests ("module::function").
TEST_TIERS: dict[str, str] = {
    # The official AMP validator (node) in modules of pure renderer tests.
    "test_amp_embeds::test_provider_page_is_valid_amp": "local",
    # The sitemap listing on a SQLite index, whose rules for kept blocks DynamoDB's follow.
    "test_batch_index::test_the_listing_is_read_once_and_follows_what_the_batch_writes": "local",
    "test_batch_index::test_a_listing_write_before_any_read_reads_after_it": "local",
    "test_amp_fuzz::test_hostile_bodies_give_valid_inert_amp": "local",
    "test_amp_page_size::test_the_issue_cases_become_checkable_valid_pages": "local",
    "test_amp_slots::test_slots_are_valid_amp": "local",
    "test_render_amp::test_official_validator_passes": "local",
    "test_render_amp::test_validator_reports_failures": "local",
    "test_render_amp::test_example_corpus_is_valid_amp": "local",
    "test_subscriber_teaser::test_a_cut_teaser_page_is_valid_amp": "local",
    "test_url_validity::test_page_of_every_hostile_link_is_valid_amp": "local",
    "test_wordpress_markup::test_wordpress_markup_gives_valid_amp": "local",
    # cfn-lint runs as a process.
    "test_aws_template::test_cfn_lint_passes": "local",
    # `warta publish` (SQLite, a directory) or a local HTTP server in modules of pure tests.
    "test_amp_cache::test_the_key_file_is_a_planned_output_served_with_its_cache_control": "local",
    "test_amp_cache::test_a_cache_answering_500_then_200_is_asked_again": "local",
    "test_amp_cache::test_a_cache_that_always_fails_never_fails_the_publish": "local",
    "test_amp_cache::test_a_site_without_a_usable_key_sends_nothing_and_says_why": "local",
    "test_amp_cache::test_a_takedown_and_a_moved_url_each_flush_their_old_amp_page": "local",
    "test_amp_cache::test_no_ping_flushes_nothing": "local",
    "test_events_hostile::test_cli_publishes_the_good_events_and_names_each_hostile_field": "local",
    "test_events_hostile::test_stdin_json_lines_with_hostile_lines": "local",
    "test_feed_formats::test_a_body_that_cleans_to_nothing_gives_text_content_in_every_format": "local",
    "test_feed_ownership::test_an_author_feed_links_only_to_a_profile_on_the_site": "local",
    "test_feed_ownership::test_distinct_tags_get_distinct_feeds": "local",
    "test_feed_sizes::test_a_long_article_with_many_tags_and_authors_stays_bounded": "local",
    "test_progress::test_publish_and_validate_draw_bars_on_stderr": "local",
    "test_progress::test_progress_stays_off_stdout": "local",
    "test_progress::test_render_bar_total_counts_what_the_clock_released": "local",
    "test_subscriber_teaser::test_feeds_never_carry_a_subscriber_body": "local",
    "test_synthetic::test_bulk_load_matches_the_event_path": "local",
    "test_url_identity::test_every_variant_has_its_own_reachable_page": "local",
    "test_url_identity::test_a_live_url_is_not_taken_by_another_id_until_its_takedown": "local",
    "test_url_identity::test_an_article_may_keep_or_change_its_own_url": "local",
    "test_wordpress_import::test_synthetic_export_of_1000_posts_publishes_every_public_post": "local",
    "test_wordpress_import::test_plain_permalinks_get_one_amp_page_per_post": "local",
    "test_output_kinds::test_every_output_has_its_kinds_type_policy_and_layout": "local",
    # Pure tests in modules of CLI, SQLite, server or moto tests.
    "test_cli_person::test_a_missing_event_file_is_one_line_and_changes_nothing": "unit",
    "test_feed_profiles_aggregators::test_shortened": "unit",
    "test_lambda_artifact::test_the_lock_pins_every_runtime_dependency_of_pyproject_within_its_range": "unit",
    "test_lambda_artifact::test_the_makefile_builds_for_the_template_runtime_and_cpu": "unit",
    "test_notify::test_the_example_notify_spec_is_silent": "unit",
    "test_notify::test_backoff_is_bounded": "unit",
    "test_notify::test_websub_ping_is_hub_mode_publish": "unit",
    "test_notify::test_indexnow_batches_hold_at_most_the_limit": "unit",
    "test_notify::test_plan_pings_from_a_render_report": "unit",
    "test_quarantine::test_backoff_table": "unit",
    "test_quarantine::test_which_failures_belong_to_the_output": "unit",
    "test_quarantine::test_store_outages_fail_the_run_to_be_retried_whole": "unit",
    "test_reliability_aws::"
    "test_the_fifo_guarantee_holds_only_while_renders_end_before_their_message_reappears": "unit",
    "test_reliability_local::test_log_exercises_the_hard_cases": "unit",
    "test_serve_gone::test_serve_refuses_a_state_of_another_tree": "unit",
    "test_sitemaps_publish::test_split_index_counts_listed_bytes": "unit",
    "test_status_aws::test_the_template_keeps_the_report_private_and_lets_rejections_expire": "unit",
    "test_takedown::test_the_victim_is_findable_before_its_takedown": "unit",
    "test_validate::test_missing_out_directory_is_an_error": "unit",
    "test_webhook_security::test_the_replay_window_is_shorter_than_the_idempotency_records_live": "unit",
    "test_webhook_security::test_the_signature_is_compared_in_constant_time": "unit",
    # moto in process (mock_aws), not on a server.
    "test_validate::test_validates_an_s3_bucket": "aws",
    # Headless Chromium; PHP.
    "test_status::test_chromium_renders_the_status_page": "browser",
    "test_wordpress_mapping::test_the_plugins_php_mapping_passes_the_same_vectors": "wordpress",
}

TIER_KEY = pytest.StashKey[str]()
PROBLEMS_KEY = pytest.StashKey[list[str]]()
REFUSED_KEY = pytest.StashKey[list[str]]()


def module_name(item: pytest.Item) -> str:
    return Path(str(item.path)).stem


def tier_of(item: pytest.Item) -> tuple[str | None, str]:
    """The item's tier (None if it has none) and a problem with it ("" if none)."""
    marked = sorted({mark.name for mark in item.iter_markers() if mark.name in TIERS})
    if len(marked) > 1:
        return None, f"{item.nodeid}: marked with several tiers {marked}"
    if marked:
        return marked[0], ""
    if MOTO_FIXTURES & set(getattr(item, "fixturenames", ())):
        return "aws", ""
    module = module_name(item)
    function = getattr(item, "originalname", item.name)
    tier = TEST_TIERS.get(f"{module}::{function}") or MODULE_TIERS.get(module)
    if tier is None:
        return None, f"{item.nodeid}: module {module} has no tier in tests/support/tiers.py MODULE_TIERS"
    return tier, ""


def configure(config: pytest.Config) -> None:
    for name, meaning in TIERS.items():
        config.addinivalue_line("markers", f"{name}: {meaning}")


def assign(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every collected item with its tier; note those without exactly one."""
    problems: list[str] = []
    for item in items:
        tier, problem = tier_of(item)
        if problem:
            problems.append(problem)
        if tier is not None:
            item.add_marker(tier)
            item.stash[TIER_KEY] = tier
    config.stash[PROBLEMS_KEY] = problems


class NotAUnitTest(Exception):
    """A unit test did what only the other tiers may."""


@contextlib.contextmanager
def unit_guard(refused: list[str]) -> Iterator[None]:
    """Refuse subprocesses, forks, SQLite files and sockets; note each refusal in `refused`."""

    def refuse(what: str) -> NotAUnitTest:
        refused.append(what)
        return NotAUnitTest(
            f"a unit test {what}: give its module (or the test) another tier in tests/support/tiers.py"
        )

    def popen(self: Any, args: Any, *rest: Any, **kwargs: Any) -> None:
        raise refuse(f"started a process ({args!r:.200})")

    def fork() -> int:
        raise refuse("forked")

    def connect(database: Any, *rest: Any, **kwargs: Any) -> sqlite3.Connection:
        if str(database) == ":memory:" or str(database).startswith("file::memory:"):
            return real_connect(database, *rest, **kwargs)
        raise refuse(f"opened the SQLite file {database}")

    def sock(name: str) -> Any:
        def refused_call(self: socket.socket, address: Any, *rest: Any) -> Any:
            raise refuse(f"called socket.{name}({address!r})")

        return refused_call

    real_connect = sqlite3.connect
    patches: list[tuple[Any, str, Any]] = [
        (subprocess.Popen, "__init__", popen),
        (os, "fork", fork),
        (sqlite3, "connect", connect),
        (socket.socket, "connect", sock("connect")),
        (socket.socket, "connect_ex", sock("connect_ex")),
        (socket.socket, "bind", sock("bind")),
    ]
    saved = [(owner, name, owner.__dict__.get(name)) for owner, name, _ in patches]
    try:
        for owner, name, replacement in patches:
            setattr(owner, name, replacement)
        yield
    finally:
        for owner, name, original in saved:
            if original is None:
                delattr(owner, name)
            else:
                setattr(owner, name, original)
