"""Account plans written back: the workbook, its import, the versioned store and what the
account review shows of an imported plan."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from kamreport import cli
from kamreport.analytics.plan_document import (
    Action,
    Objective,
    Person,
    PlanDocument,
    baseline_plan,
    plan_changes,
    plan_review,
    with_ids,
)
from kamreport.context import open_context
from kamreport.errors import KamReportError
from kamreport.reports import customer as report
from kamreport.reports.plans import import_plans, write_plans
from kamreport.workbook.plans_read import PlansImportError
from tests.conftest import libreoffice_convert

ACCOUNT = "KA0001"
NOW = dt.datetime(2026, 10, 5, 9, 30)


@pytest.fixture(scope="module")
def data(sample_dir, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("plans") / "data"
    shutil.copytree(sample_dir, folder)
    return folder


@pytest.fixture()
def overrides(data, tmp_path) -> dict:
    return {"data": {"source": str(data)}, "report": {"output_dir": str(tmp_path / "out")}}


def quiet(_message: str) -> None:
    pass


def written(overrides: dict, **scope) -> Path:
    return write_plans(None, overrides, now=NOW, say=quiet, **scope).path


def rows_of(sheet, title: str) -> list[int]:
    """The entry rows of the section whose title starts with ``title``."""
    starts = [c.row for (c,) in sheet.iter_rows(min_col=1, max_col=1)
              if isinstance(c.value, str) and " / " in c.value and c.value.split(" / ")[0] in (
                  "Objectives", "Actions", "SWOT", "Customer strategy and pressures",
                  "Key people", "Resources needed")]  # fmt: skip
    start = next(r for r in starts if sheet.cell(row=r, column=1).value.startswith(title))
    following = [r for r in starts if r > start]
    end = following[0] if following else sheet.max_row + 1
    return list(range(start + 2, end))


def free_row(sheet, title: str) -> int:
    return next(r for r in rows_of(sheet, title) if sheet.cell(row=r, column=2).value is None)


def row_of(sheet, item_id: str) -> int:
    return next(c.row for (c,) in sheet.iter_rows(min_col=1, max_col=1) if c.value == item_id)


def edit(path: Path, change, out: Path | None = None) -> Path:
    book = load_workbook(path)
    change(book)
    target = out or path
    book.save(target)
    return target


def render(overrides: dict, locale: str = "en", account: str = ACCOUNT) -> str:
    settings = {**overrides, "report": {**overrides["report"], "locale": locale}}
    context = open_context(None, settings, say=quiet)
    review = report.review(context, account)
    charts = dict.fromkeys(report.CHART_KEYS)
    return report.render_html(
        review, charts, context.fmt, context.provenance(), context.params,
        accounts=context.dataset.accounts,
    )  # fmt: skip


def plan_section(html: str) -> str:
    start = html.index('<section id="plan"')
    return html[start : html.index("</section>", start)]


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def fingerprint(folder: Path) -> dict[str, str]:
    if not folder.exists():
        return {}
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def good_edits(book) -> None:
    sheet = book[ACCOUNT]
    sheet[f"E{row_of(sheet, 'AP00002')}"] = "done / 已完成"  # an open action done
    sheet[f"E{row_of(sheet, 'AP00006')}"] = "dropped"  # dropped, in English alone
    sheet[f"B{row_of(sheet, 'AP00017')}"] = "回款周期控制在50天以内"  # an objective changed
    r = free_row(sheet, "Actions")
    sheet[f"B{r}"], sheet[f"C{r}"] = "Joint QBR with purchasing", "黄俊"
    sheet[f"D{r}"], sheet[f"E{r}"] = dt.datetime(2026, 11, 15), "进行中"
    r = free_row(sheet, "Objectives")
    sheet[f"B{r}"], sheet[f"C{r}"], sheet[f"D{r}"] = "Listed as food-grade supplier", "audit", 1
    sheet[f"E{r}"], sheet[f"F{r}"] = dt.datetime(2027, 3, 31), "open / 进行中"
    swot = rows_of(sheet, "SWOT")
    sheet[f"B{swot[0]}"] = "Three-year framework agreement <renewed>"
    threat = next(r for r in swot if sheet[f"A{r}"].value.startswith("Threats"))
    sheet[f"B{threat}"] = "竞争对手低价进入"
    context = rows_of(sheet, "Customer strategy")
    sheet[f"B{context[0]}"] = "Expand into food-grade vitamins"
    people = rows_of(sheet, "Key people")
    sheet[f"D{people[0]}"] = "supporter / 支持者"
    sheet[f"E{people[0]}"] = "黄俊"
    resources = rows_of(sheet, "Resources needed")
    sheet[f"B{resources[0]}"] = "A visit by our general manager before the renewal"


# --- pure ----------------------------------------------------------------------------


def test_changes_between_versions_are_added_changed_done_and_dropped():
    day = dt.date(2026, 12, 31)
    before = PlanDocument(
        "A",
        objectives=(Objective("O1", "Share 50%", due_date=day),),
        actions=(
            Action("A1", "Visit", due_date=day),
            Action("A2", "Train", due_date=day),
            Action("A3", "Audit", due_date=day),
            Action("A4", "Call", due_date=day),
        ),
    )
    after = PlanDocument(
        "A",
        objectives=(
            Objective("O1", "Share 55%", due_date=day),
            Objective("O2", "New", due_date=day),
        ),
        actions=(
            Action("A1", "Visit", due_date=day, status="done"),
            Action("A2", "Train", due_date=day, status="dropped"),
            Action("A3", "Audit", due_date=day),
        ),
    )
    found = {(c.id, c.change) for c in plan_changes(before, after)}
    assert found == {("O1", "changed"), ("O2", "added"), ("A1", "done"), ("A2", "dropped"),
                     ("A4", "dropped")}  # fmt: skip
    assert plan_changes(None, after) == ()
    assert plan_changes(after, after) == ()


def test_new_items_get_ids_after_the_ones_there_and_open_past_due_is_overdue():
    doc = PlanDocument(
        "KA1",
        actions=(Action("KA1-A1", "x"), Action("", "y"), Action("", "z")),
        people=(Person("", "Wang"),),
    )
    ids = [a.id for a in with_ids(doc).actions]
    assert ids == ["KA1-A1", "KA1-A2", "KA1-A3"]
    assert with_ids(doc).people[0].id == "KA1-P1"
    review = plan_review(
        PlanDocument(
            "KA1",
            actions=(
                Action("a", "late", due_date=dt.date(2026, 9, 29)),
                Action("b", "due today", due_date=dt.date(2026, 9, 30)),
                Action("c", "late but done", due_date=dt.date(2026, 1, 1), status="done"),
            ),
        ),
        None,
        dt.date(2026, 9, 30),
    )
    assert [(a.id, s) for a, s in review.action_states()] == [
        ("a", "overdue"), ("b", "open"), ("c", "done")]  # fmt: skip


def test_the_data_plan_maps_cancelled_to_dropped_and_sentiment_to_attitude(sample_tables):
    doc = baseline_plan(sample_tables["account_plans"], sample_tables["contacts"], ACCOUNT)
    plans = sample_tables["account_plans"]
    own = plans[plans["account_id"] == ACCOUNT]
    assert len(doc.objectives) + len(doc.actions) == len(own)
    cancelled = set(own.loc[own["status"] == "cancelled", "item_id"])
    assert {a.id for a in doc.actions if a.status == "dropped"} == cancelled
    contacts = sample_tables["contacts"]
    mine = contacts[contacts["account_id"] == ACCOUNT]
    assert [p.name for p in doc.people] == list(mine["name"])
    for person, sentiment in zip(doc.people, mine["sentiment"], strict=True):
        assert person.attitude == (
            "supporter" if sentiment > 0 else "opponent" if sentiment < 0 else "neutral"
        )


# --- the workbook --------------------------------------------------------------------


def test_workbook_has_a_sheet_per_account_prefilled_protected_with_lists_and_dates(overrides):
    path = written(overrides, manager="黄俊")
    assert path.name == "account-plans-黄俊.xlsx"
    assert path.parent == Path(overrides["report"]["output_dir"]) / "2026-09-30" / "en" / "plans"
    book = load_workbook(path)
    context = open_context(None, overrides, say=quiet)
    accounts = context.dataset.accounts
    mine = list(accounts.loc[accounts["ka_manager"] == "黄俊", "account_id"])
    assert book.sheetnames == ["Instructions", *mine, "_meta"]
    assert book["_meta"].sheet_state == "veryHidden"
    assert book.security.lockStructure
    sheet = book[ACCOUNT]
    assert sheet.protection.sheet
    r = row_of(sheet, "AP00002")
    assert isinstance(sheet[f"D{r}"].value, dt.datetime)
    assert sheet[f"D{r}"].number_format == "yyyy-mm-dd"
    assert sheet[f"E{r}"].value == "open / 进行中"
    assert not sheet[f"E{r}"].protection.locked and sheet[f"A{r}"].protection.locked
    validated = {str(cell): dv.formula1 for dv in sheet.data_validations.dataValidation
                 for cell in dv.sqref.ranges}  # fmt: skip
    assert validated[f"E{r}"] == '"open / 进行中,done / 已完成,dropped / 已放弃"'
    people = rows_of(sheet, "Key people")
    assert validated[f"D{people[0]}"].startswith('"supporter / 支持者')
    assert sheet[f"B{people[0]}"].value == "潘艳"  # the first contact of the account
    meta = {row[0]: row[1] for row in book["_meta"].iter_rows(values_only=True) if row[0]}
    assert meta["kind"] == "account_plans" and meta["as_of"] == "2026-09-30"
    assert len(meta["data_hash"]) == 64


def test_unknown_manager_is_an_error_naming_the_managers(overrides):
    with pytest.raises(KamReportError, match=r"KA managers in the data: .*黄俊"):
        written(overrides, manager="Nobody")


# --- import and review ---------------------------------------------------------------


def test_written_edited_imported_and_shown_in_the_review(overrides):
    before = text(plan_section(render(overrides)))
    assert "Changes since the previous version" not in before  # the data's plan, as before
    path = written(overrides, customer=ACCOUNT)
    edit(path, good_edits)
    result = import_plans(path, None, overrides, now=NOW, say=quiet)
    assert result.accounts == 1
    assert result.changes == {"added": 2, "changed": 1, "done": 1, "dropped": 1}
    store = Path(overrides["report"]["output_dir"]) / "plans"
    assert result.version == store / "plans-20261005-093000.json"
    assert (store / "current.json").read_text().count("plans-20261005-093000.json") == 1

    html = plan_section(render(overrides))
    shown = text(html)
    assert "The plan as imported from the plan workbook on Oct 5, 2026." in shown
    assert "Compared with the plan in the data." in shown
    for change in ("added", "changed", "done", "dropped"):
        assert f'data-change="{change}"' in html
    assert "Joint QBR with purchasing" in shown and "回款周期控制在50天以内" in shown
    assert "Three-year framework agreement &lt;renewed&gt;" in html  # escaped
    assert "竞争对手低价进入" in shown and "Expand into food-grade vitamins" in shown
    assert "A visit by our general manager before the renewal" in shown
    # an open action due before the as-of date is marked overdue
    overdue = re.search(r'<tr class="state-overdue">.*?</tr>', html, re.S)
    assert overdue is not None and "badge overdue" in overdue.group(0)

    # the next workbook is prefilled from the imported plan; a second import keeps the first
    again = written(overrides, customer=ACCOUNT)
    sheet = load_workbook(again)[ACCOUNT]
    new_row = row_of(sheet, f"{ACCOUNT}-A1")
    assert sheet[f"B{new_row}"].value == "Joint QBR with purchasing"
    edit(again, lambda b: b[ACCOUNT].__setitem__(f"E{new_row}", "done"))
    later = import_plans(again, None, overrides, now=NOW + dt.timedelta(days=1), say=quiet)
    assert later.changes == {"added": 0, "changed": 0, "done": 1, "dropped": 0}
    assert sorted(p.name for p in store.iterdir()) == [
        "current.json", "plans-20261005-093000.json", "plans-20261006-093000.json"]  # fmt: skip
    shown = text(plan_section(render(overrides)))
    assert "Compared with the plan imported before." in shown
    assert re.search(r"Action Joint QBR with purchasing done", shown)


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_the_imported_plan_renders_in_both_languages(overrides, locale):
    path = written(overrides, customer=ACCOUNT)
    edit(path, good_edits)
    import_plans(path, None, overrides, now=NOW, say=quiet)
    html = plan_section(render(overrides, locale))
    shown = text(html)
    words = {
        "en": ("Account plan", "SWOT", "Key people", "Resources needed", "Strengths", "supporter"),
        "zh-CN": ("客户计划", "SWOT 分析", "关键人物", "所需资源", "优势", "支持者", "逾期"),
    }[locale]
    for word in words:
        assert word in shown
    assert "plans." not in shown and "review." not in shown  # no untranslated key


def test_bad_edits_are_all_refused_with_their_cells_and_nothing_changes(overrides, capsys):
    first = written(overrides, customer=ACCOUNT)
    import_plans(first, None, overrides, now=NOW, say=quiet)  # a version to keep intact
    path = written(overrides, customer=ACCOUNT)
    cells: dict[str, str] = {}

    def bad(book):
        sheet = book[ACCOUNT]
        r = row_of(sheet, "AP00002")
        sheet[f"E{r}"] = "finished"
        cells["status"] = f"E{r}"
        r = row_of(sheet, "AP00004")
        sheet[f"D{r}"] = "next week"
        cells["date"] = f"D{r}"
        r = free_row(sheet, "Actions")
        sheet[f"B{r}"], sheet[f"E{r}"] = "Call the plant manager", "open"
        cells["missing"] = f"D{r}"
        people = rows_of(sheet, "Key people")
        sheet[f"D{people[0]}"] = "friendly"
        cells["attitude"] = f"D{people[0]}"
        book.create_sheet("KA9999")

    edit(path, bad)
    store = Path(overrides["report"]["output_dir"]) / "plans"
    before = fingerprint(store)
    with pytest.raises(PlansImportError) as caught:
        import_plans(path, None, overrides, now=NOW + dt.timedelta(hours=1), say=quiet)
    message = str(caught.value)
    assert "has 5 error(s); nothing was stored" in message
    assert f"{ACCOUNT}!{cells['status']}: found text 'finished', expected one of open, done, " \
           "dropped." in message  # fmt: skip
    assert f"{ACCOUNT}!{cells['date']}: found text 'next week', expected a date such as " \
           "2027-03-31." in message  # fmt: skip
    assert f"{ACCOUNT}!{cells['missing']}: found an empty cell, expected a due date." in message
    assert f"{ACCOUNT}!{cells['attitude']}: found text 'friendly', expected one of " \
           "supporter, neutral, opponent." in message  # fmt: skip
    assert "sheet 'KA9999': found a sheet of no account of this workbook" in message
    assert fingerprint(store) == before  # byte for byte

    # the command: every problem on stderr, a non-zero exit, still nothing written
    code = cli.main(["plans-import", "--file", str(path), "--source", overrides["data"]["source"],
                     "--output-dir", overrides["report"]["output_dir"]])  # fmt: skip
    assert code == 1
    err = capsys.readouterr().err
    assert f"error: The plan workbook {path} has 5 error(s)" in err
    assert fingerprint(store) == before


def test_a_workbook_of_other_data_is_refused(overrides, tmp_path):
    path = written(overrides, customer=ACCOUNT)

    def other(book):
        meta = book["_meta"]
        for row in meta.iter_rows():
            if row[0].value == "data_hash":
                row[1].value = "0" * 64

    edit(path, other)
    store = Path(overrides["report"]["output_dir"]) / "plans"
    with pytest.raises(PlansImportError, match="a workbook written from other data"):
        import_plans(path, None, overrides, now=NOW, say=quiet)
    assert not store.exists()
    with pytest.raises(PlansImportError, match="found no such file"):
        import_plans(tmp_path / "missing.xlsx", None, overrides, now=NOW, say=quiet)


@pytest.mark.system
def test_the_workbook_survives_a_libreoffice_round_trip(overrides, tmp_path):
    path = written(overrides, customer=ACCOUNT)
    edit(path, good_edits)
    saved = libreoffice_convert(path, "xlsx", tmp_path / "lo")
    assert load_workbook(saved).sheetnames == load_workbook(path).sheetnames
    from kamreport.workbook.plans_read import read_plans_workbook

    direct = read_plans_workbook(path).plans[ACCOUNT]
    round_trip = read_plans_workbook(saved).plans[ACCOUNT]
    assert round_trip == direct
    result = import_plans(saved, None, overrides, now=NOW, say=quiet)
    assert result.changes == {"added": 2, "changed": 1, "done": 1, "dropped": 1}
    assert "Joint QBR with purchasing" in text(plan_section(render(overrides)))


def test_an_import_makes_the_batch_render_that_account_again(overrides, tmp_path):
    from kamreport.batch.plan import HASH_KEY
    from kamreport.batch.run import make_plan

    context = open_context(None, overrides, say=quiet)

    def hashes() -> dict[str, str]:
        plan = make_plan(context, [ACCOUNT, "KA0002"], tmp_path / "snapshot.json", force=True)
        return {job.parameters["customer"]: job.extra[HASH_KEY] for job in plan.jobs}

    before = hashes()
    path = written(overrides, customer=ACCOUNT)
    edit(path, good_edits)
    import_plans(path, None, overrides, now=NOW, say=quiet)
    after = hashes()
    assert after[ACCOUNT] != before[ACCOUNT]
    assert after["KA0002"] == before["KA0002"]
