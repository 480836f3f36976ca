"""`alsbot export report` as an operator runs it: from the database the demo kept, a CSV, an
HTML page and a PNG, a range of days, and one clear line for each mistake."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from tests.adapters.test_cli import alsbot


def test_the_report_exports_from_a_kept_database(tmp_path: Path) -> None:
    kept = tmp_path / "kept.db"
    played = alsbot("demo", "--db", str(kept), cwd=tmp_path)
    assert played.exit_code == 0, played.output

    exported = alsbot(
        "export", "report", "--db", str(kept), "--format", "csv", "--output", "-", cwd=tmp_path
    )
    assert exported.exit_code == 0, exported.output
    rows = list(csv.reader(io.StringIO(exported.stdout.lstrip("\ufeff"), newline="")))
    sessions = [r for r in rows[1:] if r and r[0].isdigit()]
    assert [r[:2] for r in sessions][:2] == [["1", "2026-01-12"], ["2", "2026-02-10"]]
    assert "console:" not in exported.stdout, "nobody named"

    made = alsbot("export", "report", "--db", str(kept), cwd=tmp_path)
    assert made.exit_code == 0 and "wrote a report of 2 sessions to report-" in made.output
    [page] = tmp_path.glob("report-*.html")
    body = page.read_text(encoding="utf-8")
    assert "Content-Security-Policy" in body and body.count("data:image/png;base64,") == 2

    png = tmp_path / "chart.png"
    drawn = alsbot(
        "export", "report", "--db", str(kept), "--format", "png", "--output", str(png),
        cwd=tmp_path,
    )  # fmt: skip
    assert drawn.exit_code == 0 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    later = alsbot(
        "export", "report", "--db", str(kept), "--format", "csv", "--from", "2026-02-01",
        "--output", "-", cwd=tmp_path,
    )  # fmt: skip
    later_rows = list(csv.reader(io.StringIO(later.stdout.lstrip("\ufeff"), newline="")))
    assert later_rows[1][:2] == ["2", "2026-02-10"] and later_rows[2] == [], "from 1 Feb only"


def test_each_mistake_is_one_clear_line(tmp_path: Path) -> None:
    missing = alsbot("export", "report", "--db", str(tmp_path / "none.db"), cwd=tmp_path)
    assert missing.exit_code != 0 and "there is no database" in missing.output
    kept = tmp_path / "kept.db"
    assert alsbot("demo", "--db", str(kept), cwd=tmp_path).exit_code == 0
    backwards = alsbot(
        "export", "report", "--db", str(kept), "--from", "2026-03-01", "--to", "2026-02-01",
        cwd=tmp_path,
    )  # fmt: skip
    assert backwards.exit_code != 0 and "--from 2026-03-01 is after --to 2026-02-01" in (
        backwards.output
    )
    nowhere = alsbot("export", "report", "--db", str(kept), "--channel", "slack:T:C", cwd=tmp_path)
    assert nowhere.exit_code != 0 and "no set in channel 'slack:T:C'; sets: console:" in (
        nowhere.output
    )
    bad_day = alsbot("export", "report", "--db", str(kept), "--from", "1/2/26", cwd=tmp_path)
    assert bad_day.exit_code != 0 and "is not a date like 2026-09-30" in bad_day.output
    assert "Traceback" not in missing.output + backwards.output + nowhere.output + bad_day.output
