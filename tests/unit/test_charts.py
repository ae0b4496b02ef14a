"""The dashboard's SVG charts: accessible (role, label, title, a table of the figures), drawn
to scale, and honest about having nothing to draw."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

from revalue.web import charts
from revalue.web.charts import Point, Target

SVG = "{http://www.w3.org/2000/svg}"
MONTHS = [Point("June 2026", 120, short="Jun"), Point("July 2026", 60, short="Jul")]


def _svg(markup: str) -> ET.Element:
    found = re.search(r"<svg.*</svg>", markup, re.S)
    assert found, markup
    return ET.fromstring(found.group(0).replace("<svg ", f'<svg xmlns="{SVG[1:-1]}" ', 1))


def _bars(markup: str) -> list[ET.Element]:
    return [r for r in _svg(markup).iter(f"{SVG}rect") if r.get("class") == "bar"]


@pytest.mark.parametrize("draw", [charts.columns, charts.hbars, charts.shares])
def test_a_chart_is_an_image_with_a_label_a_title_and_a_table_of_its_figures(draw):
    markup = draw("Trade-ins quoted", MONTHS, unit="Trade-ins")
    svg = _svg(markup)
    assert svg.get("role") == "img"
    assert svg.get("aria-label") == "Trade-ins quoted: June 2026 120; July 2026 60"
    assert svg.find(f"{SVG}title").text == "Trade-ins quoted"
    table = re.search(r'<div class="visually-hidden"><table>.*</table>', markup, re.S).group(0)
    assert "<caption>Trade-ins quoted</caption>" in table
    assert '<th scope="row">June 2026</th><td class="num">120</td>' in table
    assert "style=" not in markup


def test_column_heights_are_proportional_to_the_values():
    heights = [float(r.get("height")) for r in _bars(charts.columns("Q", MONTHS, unit="n"))]
    assert heights == [150.0, 75.0]


def test_horizontal_bar_lengths_are_proportional_to_the_values():
    points = [Point("received", 30), Point("inspected", 10), Point("sanitized", 0)]
    widths = [float(r.get("width")) for r in _bars(charts.hbars("Stages", points, unit="n"))]
    assert widths[1] == pytest.approx(widths[0] / 3, abs=0.06)
    assert widths[2] == 0


def test_horizontal_bars_leave_room_for_their_labels_and_figures():
    points = [Point("Purchase discount", 8479, "8479.00 USD"), Point("Cash", 23936, "23936.00 USD")]
    svg = _svg(charts.hbars("Paid", points, unit="Paid"))
    bars = [r for r in svg.iter(f"{SVG}rect") if r.get("class") == "bar"]
    start = float(bars[0].get("x"))
    end = max(float(b.get("x")) + float(b.get("width")) for b in bars)
    assert start >= len("Purchase discount") * charts.CHAR
    assert end + len("23936.00 USD") * charts.CHAR <= charts.WIDTH


def test_shares_fill_the_bar_in_proportion():
    points = [Point("Received", 3), Point("Not received", 1)]
    widths = [float(r.get("width")) for r in _bars(charts.shares("Conversion", points, unit="n"))]
    assert widths == [270.0, 90.0]
    assert "Received: 3 (75 %)" in charts.shares("Conversion", points, unit="n")


def test_labels_are_escaped():
    markup = charts.hbars("A <b> & c", [Point("<script>", 1)], unit="n")
    assert "<script>" not in markup and "&lt;script&gt;" in markup


@pytest.mark.parametrize("draw", [charts.columns, charts.hbars, charts.shares])
@pytest.mark.parametrize("points", [[], [Point("June 2026", 0)]])
def test_no_data_says_so_instead_of_drawing_an_empty_chart(draw, points):
    markup = draw("Trade-ins quoted", points, unit="n")
    assert "No data yet" in markup
    assert "<svg" not in markup
    assert "Trade-ins quoted" in markup  # still says what is missing


def test_targets_mark_each_objective_met_or_not():
    rows = [
        Target("Devices a month", 300, 600, "300", "600"),
        Target("Reuse share", 8000, 7000, "80 %", "70 %"),
    ]
    markup = charts.targets("Objectives", rows)
    svg = _svg(markup)
    widths = [float(r.get("width")) for r in _bars(markup)]
    assert widths == [pytest.approx(350 / 2), 350.0]
    assert len([x for x in svg.iter(f"{SVG}line") if x.get("class") == "target"]) == 2
    assert "Devices a month: 300 of 600 (not met)" in markup
    assert "Reuse share: 80 % of 70 % (met)" in markup
    assert "No data yet" in charts.targets("Objectives", [])


@given(st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=24))
def test_the_tallest_column_is_the_largest_value_and_none_exceeds_the_plot(values):
    points = [Point(f"m{i}", v) for i, v in enumerate(values)]
    markup = charts.columns("Q", points, unit="n")
    if not any(values):
        assert "No data yet" in markup
        return
    heights = [float(r.get("height")) for r in _bars(markup)]
    assert max(heights) == 150.0
    assert all(0 <= h <= 150.0 for h in heights)
    for h, v in zip(heights, values, strict=True):
        assert h == pytest.approx(150.0 * v / max(values), abs=0.06)
