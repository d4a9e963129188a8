"""`warta validate`: passes on the published corpus, and names the file and the reason on trees
broken in each way an operator meets (each test breaks a copy of the corpus tree)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

from warta.cli.main import main
from warta.validate.amp_checks import find_amp_validator

from conftest import EXAMPLE_EVENTS, EXAMPLE_SITE

NOW = "2023-09-21T00:00:00+07:00"  # after every corpus event, 023's schedule included
TAKEN_DOWN_ID = "48158"  # 022 takes down 016
TAKEN_DOWN_URL = "https://www.andalpost.com/hiburan/senandung-kabut-rilis-album-kedua-gema-lembah"
RSS_ITEM_OF_TAKEN_DOWN = f"""<item><title>Senandung Kabut</title><link>{TAKEN_DOWN_URL}</link>
<description>x</description><guid isPermaLink="false">injected-1</guid>
<pubDate>Sat, 02 Sep 2023 00:00:00 +0700</pubDate></item>"""


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("validate")
    args = ["--config", str(EXAMPLE_SITE), "--out", str(tmp / "public"), "--state", str(tmp / "state")]
    assert main(["publish", *args, "--now", NOW, str(EXAMPLE_EVENTS)]) == 0
    return tmp


@pytest.fixture
def copy(published: Path, tmp_path: Path) -> Path:
    """A copy of the published tree and state, free to break."""
    shutil.copytree(published / "public", tmp_path / "public")
    shutil.copytree(published / "state", tmp_path / "state")
    return tmp_path


def validate(root: Path, *extra: str, amp: bool = False) -> tuple[int, dict]:
    args = ["validate", "--config", str(EXAMPLE_SITE), "--out", str(root / "public")]
    args += ["--state", str(root / "state"), "--now", NOW, "--json", "--progress", "off", *extra]
    if not amp:
        args.append("--no-amp")
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(args)
    return code, json.loads(out.getvalue())


def failures(report: dict, path: str, check: str) -> list[str]:
    return [f["reason"] for f in report["failures"] if f["path"] == path and f["check"] == check]


def edit(path: Path, change: Callable[[str], str]) -> None:
    before = path.read_text(encoding="utf-8")
    after = change(before)
    assert after != before, "the test's edit changed nothing"
    path.write_text(after, encoding="utf-8")


# --- the good tree -------------------------------------------------------------------------------


def test_the_published_corpus_passes_every_check(copy: Path) -> None:
    validator = find_amp_validator()
    code, report = validate(copy, amp=not isinstance(validator, str))
    assert report["failures"] == []
    assert (code, report["ok"]) == (0, True)
    assert report["checked"]["amp"] == 20
    assert report["checked"]["feed"] >= 9
    assert {"shard", "sitemap_index", "news_sitemap", "robots"} <= report["checked"].keys()
    if isinstance(validator, str):
        assert any("AMP validator" in note for note in report["notes"])
    else:
        assert report["notes"] == []


def test_the_text_report_says_pass(copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["validate", "--config", str(EXAMPLE_SITE), "--out", str(copy / "public")]
    assert main([*args, "--state", str(copy / "state"), "--now", NOW, "--no-amp", "--progress", "off"]) == 0
    out = capsys.readouterr().out
    assert "PASS" in out and "20 amp" in out
    assert "AMP pages not checked" in out  # --no-amp says what it skipped


def test_without_state_it_checks_files_and_says_it_skipped_cross_checks(copy: Path) -> None:
    shutil.rmtree(copy / "state")
    code, report = validate(copy)
    assert code == 0
    assert any("cross-checks" in note for note in report["notes"])


# --- broken trees: each names the file and the reason --------------------------------------------


def test_truncated_xml(copy: Path) -> None:
    feed = copy / "public" / "feed" / "index.xml"
    feed.write_bytes(feed.read_bytes()[:-200])
    code, report = validate(copy)
    assert code == 2
    assert any("not well-formed" in r for r in failures(report, "feed/index.xml", "xml"))


def test_truncated_sitemap_shard(copy: Path) -> None:
    shard = copy / "public" / "sitemaps" / "2023-09.xml"
    shard.write_bytes(shard.read_bytes()[:-50])
    code, report = validate(copy)
    assert code == 2
    assert failures(report, "sitemaps/2023-09.xml", "xml")


def test_sitemap_with_an_invalid_element(copy: Path) -> None:
    edit(
        copy / "public" / "sitemaps" / "2023-09.xml",
        lambda text: text.replace("</lastmod>", "</lastmod><priority>high</priority>", 1),
    )
    code, report = validate(copy)
    assert code == 2
    reasons = failures(report, "sitemaps/2023-09.xml", "sitemap-xsd")
    assert reasons and "priority" in reasons[0]


def test_sitemap_index_with_an_unknown_element(copy: Path) -> None:
    edit(copy / "public" / "sitemap.xml", lambda text: text.replace("<sitemap>", "<sitemap><note/>", 1))
    code, report = validate(copy)
    assert code == 2
    assert any("note" in r for r in failures(report, "sitemap.xml", "sitemap-xsd"))


def test_feed_that_feedparser_calls_bozo(copy: Path) -> None:
    # A bare "&" in a title: XML parsers stop there, feed readers flag the feed as broken.
    edit(copy / "public" / "feed" / "ekonomi.xml", lambda text: text.replace("<title>", "<title>A & B ", 2))
    code, report = validate(copy)
    assert code == 2
    assert any(r.startswith("feedparser:") for r in failures(report, "feed/ekonomi.xml", "feed"))


def test_feed_breaking_rss_rules(copy: Path) -> None:
    def duplicate_first_guid(text: str) -> str:
        root = etree.fromstring(text.encode())
        guids = root.findall("channel/item/guid")
        guids[1].text = guids[0].text
        return etree.tostring(root, encoding="unicode")

    edit(copy / "public" / "feed" / "index.xml", duplicate_first_guid)
    code, report = validate(copy)
    assert code == 2
    assert any("repeats" in r for r in failures(report, "feed/index.xml", "feed"))


def test_json_feed_without_items(copy: Path) -> None:
    path = copy / "public" / "feed" / "json" / "index.json"
    if not path.exists():
        pytest.skip("the site config makes no JSON Feed")
    doc = json.loads(path.read_bytes())
    del doc["items"]
    path.write_text(json.dumps(doc))
    code, report = validate(copy)
    assert code == 2
    assert "feed has no items array" in failures(report, "feed/json/index.json", "feed")


def test_amp_page_with_a_forbidden_tag(copy: Path) -> None:
    validator = find_amp_validator()
    if isinstance(validator, str):
        pytest.skip(validator)
    page = next((copy / "public" / "amp" / "opini").glob("*.html"))
    edit(page, lambda text: text.replace("</body>", "<script>alert(1)</script></body>", 1))
    code, report = validate(copy, amp=True)
    assert code == 2
    rel = page.relative_to(copy / "public").as_posix()
    reasons = failures(report, rel, "amp")
    assert reasons and any("script" in r.lower() for r in reasons)
    assert {f["path"] for f in report["failures"]} == {rel}  # the other 19 pages pass


def test_taken_down_url_injected_into_a_feed(copy: Path) -> None:
    edit(
        copy / "public" / "feed" / "index.xml",
        lambda text: text.replace("<item>", RSS_ITEM_OF_TAKEN_DOWN + "<item>", 1),
    )
    code, report = validate(copy)
    assert code == 2
    reasons = failures(report, "feed/index.xml", "takedown")
    assert any(TAKEN_DOWN_URL in r and TAKEN_DOWN_ID in r for r in reasons)


def test_taken_down_url_anywhere_is_found(copy: Path) -> None:
    edit(
        copy / "public" / "sitemap-news.xml",
        lambda text: text.replace("<url>", f"<url><loc>{TAKEN_DOWN_URL}</loc></url><url>", 1),
    )
    code, report = validate(copy)
    assert code == 2
    assert any(TAKEN_DOWN_ID in r for r in failures(report, "sitemap-news.xml", "takedown"))


def test_a_longer_url_sharing_the_taken_down_prefix_is_not_flagged(copy: Path) -> None:
    edit(
        copy / "public" / "robots.txt",
        lambda text: text + f"# see {TAKEN_DOWN_URL}-part-2 for history\n",
    )
    code, report = validate(copy)
    assert (code, report["failures"]) == (0, [])


def test_shard_missing_from_the_sitemap_index(copy: Path) -> None:
    shard = copy / "public" / "sitemaps" / "2023-09.xml"
    shutil.copy(shard, copy / "public" / "sitemaps" / "2023-09-2.xml")  # a part nobody listed
    code, report = validate(copy)
    assert code == 2
    assert any(
        "not listed in the sitemap index" in r for r in failures(report, "sitemaps/2023-09-2.xml", "index")
    )


def test_sitemap_index_that_lost_its_shard(copy: Path) -> None:
    def drop_entries(text: str) -> str:
        root = etree.fromstring(text.encode())
        for entry in list(root):
            root.remove(entry)
        return etree.tostring(root, encoding="unicode")

    edit(copy / "public" / "sitemap.xml", drop_entries)
    code, report = validate(copy)
    assert code == 2
    assert any("not listed" in r for r in failures(report, "sitemaps/2023-09.xml", "index"))
    assert any("shard part the article index records" in r for r in failures(report, "sitemap.xml", "index"))


def test_robots_pointing_at_a_missing_file(copy: Path) -> None:
    edit(
        copy / "public" / "robots.txt",
        lambda text: text + "Sitemap: https://www.andalpost.com/sitemap-video.xml\n",
    )
    code, report = validate(copy)
    assert code == 2
    reasons = failures(report, "robots.txt", "robots")
    missing = "https://www.andalpost.com/sitemap-video.xml"
    assert reasons == [f"Sitemap: {missing} points at sitemap-video.xml, which does not exist"]


def test_live_article_without_an_amp_page(copy: Path) -> None:
    page = next((copy / "public" / "amp" / "teknologi").glob("*.html"))
    page.unlink()
    code, report = validate(copy)
    assert code == 2
    rel = page.relative_to(copy / "public").as_posix()
    assert any("has no AMP page" in r for r in failures(report, rel, "index"))


def test_live_article_missing_from_its_section_feed(copy: Path) -> None:
    def drop_first_item(text: str) -> str:
        root = etree.fromstring(text.encode())
        channel = root.find("channel")
        channel.remove(channel.find("item"))
        return etree.tostring(root, encoding="unicode")

    edit(copy / "public" / "feed" / "olahraga.xml", drop_first_item)
    code, report = validate(copy)
    assert code == 2
    assert any("missing from the feed" in r for r in failures(report, "feed/olahraga.xml", "index"))


def test_amp_page_of_a_taken_down_article(copy: Path) -> None:
    page = copy / "public" / "amp" / "hiburan" / "senandung-kabut-rilis-album-kedua-gema-lembah.html"
    shutil.copy(next((copy / "public" / "amp" / "opini").glob("*.html")), page)
    code, report = validate(copy)
    assert code == 2
    rel = page.relative_to(copy / "public").as_posix()
    assert failures(report, rel, "takedown") == [f"AMP page of taken-down article {TAKEN_DOWN_ID}"]


def test_missing_out_directory_is_an_error(tmp_path: Path) -> None:
    args = ["validate", "--config", str(EXAMPLE_SITE), "--out", str(tmp_path / "nope"), "--no-amp"]
    assert main([*args, "--state", str(tmp_path / "state")]) == 1


def test_validates_an_s3_bucket(published: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    moto = pytest.importorskip("moto")
    import boto3

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with moto.mock_aws():
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket="site")
        for file in (published / "public").rglob("*"):
            if file.is_file():
                key = "www/" + file.relative_to(published / "public").as_posix()
                body = file.read_bytes()
                if key == "www/feed/index.xml":
                    body = body[:-100]  # truncated on its way to the bucket
                s3.put_object(Bucket="site", Key=key, Body=body)
        code, report = validate(published, "--bucket", "site/www")
    assert code == 2
    assert report["checked"]["amp"] == 20
    assert {f["path"] for f in report["failures"] if f["check"] == "xml"} == {"feed/index.xml"}
