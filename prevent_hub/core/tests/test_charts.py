"""Charts (core.charts): one zero baseline and one scale per chart, measured in the SVG; labelled axes and
categories; a text key for every colour; contrast; nothing the CSP refuses; the PNG drawn from the same
layout as the SVG."""
import io
import xml.etree.ElementTree as ET

import pytest
from PIL import Image

from prevent_hub.core import charts

SVG = "{http://www.w3.org/2000/svg}"
MONTHS = ["April", "May", "June", "July", "August", "September", "October", "November", "December", "January",
          "February", "March"]


def months_chart(values=(3, 9, 12, None, 7, 9, 0, 15, None, 4, 18, 6)):
    return charts.simple("Referrals by month", [(m, v, "<5" if v is None else str(v)) for m, v in zip(MONTHS, values)],
                         value_axis="Referrals", category_axis="Month", hidden_key="No bar where a number is hidden")


def rag_chart():
    series = [charts.Series("Red", "#ca3535"), charts.Series("Amber", "#f47738"), charts.Series("Green", "#0f7a52"),
              charts.Series("Not rated", "#cecece")]
    rows = [("1. Community and voluntary sector engagement", [1, 2, 3, 0]),
            ("2. Leadership, governance and accountability", [0, 1, 5, 1]),
            ("3. Awareness, Learning and Development", [2, 0, 2, 2]), ("4. Safe Education", [0, 0, 6, 0])]
    return charts.Chart("Actions by RAG rating and theme", series,
                        [charts.Bar(label, values, [str(v) for v in values]) for label, values in rows],
                        value_axis="Actions", category_axis="Theme")


def parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)


def bars(root) -> list[dict]:
    return [{"category": r.get("data-category"), "series": r.get("data-series"), "value": int(r.get("data-value")),
             "x": float(r.get("x")), "width": float(r.get("width")), "fill": r.get("fill")}
            for r in root.iter(f"{SVG}rect") if r.get("class") == "app-chart__bar"]


def texts(root, kind) -> list[str]:
    return [t.text for t in root.iter(f"{SVG}text") if t.get("class") == f"app-chart__{kind}"]


@pytest.mark.parametrize("width", [320, 460, 720])
def test_every_bar_starts_at_one_zero_baseline_and_equal_values_have_equal_lengths(width):
    root = parse(charts.svg(months_chart(), width=width))
    drawn = {bar["category"]: bar for bar in bars(root)}
    baseline = next(line for line in root.iter(f"{SVG}line") if line.get("class") == "app-chart__baseline")
    zero = float(baseline.get("x1"))
    assert {bar["x"] for bar in drawn.values()} == {zero}  # one baseline, whatever the label's length
    assert drawn["May"]["width"] == drawn["September"]["width"]  # 9 and 9
    scale = drawn["May"]["width"] / 9
    for bar in drawn.values():  # one scale: every length is its value times the same factor
        assert bar["width"] == pytest.approx(bar["value"] * scale, abs=0.02)
    # The value axis is ticked on that scale: the tick labelled n is n × scale from zero.
    ticks = [line for line in root.iter(f"{SVG}line") if line.get("class") == "app-chart__tick-mark"]
    labels = [int(t.replace(",", "")) for t in texts(root, "tick")]
    assert labels[0] == 0 and labels[-1] >= 18 and labels == sorted(labels)
    for line, value in zip(ticks, labels, strict=True):
        assert float(line.get("x1")) == pytest.approx(zero + value * scale, abs=0.02)
    # A zero or a hidden number has no bar, but its text is there.
    assert "July" not in drawn and "October" not in drawn
    assert texts(root, "value").count("<5") == 2 and "0" in texts(root, "value")


def test_axes_categories_and_key_are_labelled_in_text():
    root = parse(charts.svg(months_chart()))
    assert texts(root, "category") == MONTHS
    assert texts(root, "axis-title") == ["Month", "Referrals"]
    assert texts(root, "key") == ["Referrals", "No bar where a number is hidden"]
    assert texts(root, "title") == ["Referrals by month"]
    # Nothing hidden: the key does not mention hidden numbers.
    assert texts(parse(charts.svg(months_chart(values=range(12)))), "key") == ["Referrals"]


def test_a_divided_bar_names_every_colour_and_every_category():
    chart = rag_chart()
    root = parse(charts.svg(chart, width=460, show_title=False))
    assert texts(root, "key") == ["Red", "Amber", "Green", "Not rated"]
    swatches = [r.get("fill") for r in root.iter(f"{SVG}rect") if r.get("class") == "app-chart__swatch"]
    assert swatches == [s.colour for s in chart.series]
    labels = " ".join(texts(root, "category"))  # wrapped over lines, never cut short
    for bar in chart.bars:
        assert " ".join(bar.label.split()) in labels
    assert texts(root, "title") == []  # on a page the heading above names it; <title> still does
    assert root.find(f"{SVG}title").text == "Actions by RAG rating and theme"
    segments = bars(root)
    by_theme = {}
    for segment in segments:
        by_theme.setdefault(segment["category"], []).append(segment)
    scale = segments[0]["width"] / segments[0]["value"]
    for label, parts in by_theme.items():  # segments follow each other from the baseline, in the key's order
        assert parts[0]["x"] == segments[0]["x"]
        for before, after in zip(parts, parts[1:]):
            assert after["x"] == pytest.approx(before["x"] + before["width"], abs=0.02)
        assert [p["series"] for p in parts] == [s.label for s, v in zip(chart.series, next(
            b for b in chart.bars if b.label == label).values) if v]
    total = {label: sum(p["width"] for p in parts) for label, parts in by_theme.items()}
    assert total["1. Community and voluntary sector engagement"] == pytest.approx(total["4. Safe Education"], abs=0.05)
    assert total["2. Leadership, governance and accountability"] == pytest.approx(7 * scale, abs=0.05)
    assert texts(root, "value") == ["6", "7", "6", "6"]  # each bar's total at its end


def test_text_and_bars_have_enough_contrast():
    for chart in (months_chart(), rag_chart()):
        scene = charts.layout(chart)
        for text in scene.of("title") + scene.of("key") + scene.of("category") + scene.of("value") + scene.of(
                "tick") + scene.of("axis-title") + scene.of("count"):
            assert charts.contrast(text.fill, text.background) >= 4.5, text
        for bar in scene.of("bar") + scene.of("swatch"):  # outlined: a pale fill still stands out from the page
            assert charts.contrast(bar.stroke, charts.WHITE) >= 3, bar
    counts = charts.layout(rag_chart()).of("count")
    assert {c.background for c in counts} >= {"#ca3535", "#f47738", "#0f7a52", "#cecece"}


def test_the_svg_is_an_accessible_image_with_nothing_a_strict_csp_refuses():
    markup = charts.svg(rag_chart(), ident="rag")
    root = parse(markup)
    assert root.get("role") == "img" and root.get("aria-labelledby") == "rag-title rag-desc"
    assert root.find(f"{SVG}title").get("id") == "rag-title"
    description = root.find(f"{SVG}desc")
    assert description.get("id") == "rag-desc" and "Red, Amber, Green, Not rated" in description.text
    for element in root.iter():
        assert element.tag.rsplit("}", 1)[-1] not in ("style", "script", "foreignObject", "image", "a")
        assert not [name for name in element.attrib if name == "style" or name.startswith("on")]


def test_long_labels_wrap_within_their_column():
    chart = charts.simple("Concerns", [("Vulnerability present but no ideology or counter-terrorism risk", 12, "12"),
                                       ("Islamist", 12, "12")], value_axis="Referrals", category_axis="Type of concern")
    scene = charts.layout(chart, width=460)
    lines = [t for t in scene.of("category")]
    assert len(lines) > 2 and "".join(t.text for t in lines).replace(" ", "") == (
        "Vulnerability present but no ideology or counter-terrorism risk" + "Islamist").replace(" ", "")
    assert all(charts.text_width(t.text, t.size) <= scene.baseline - charts.PAD for t in lines)
    first, second = scene.of("bar")
    assert (first.x, first.width) == (second.x, second.width)


@pytest.mark.parametrize("largest,expected", [(0, [0, 1, 2, 3, 4, 5]), (9, [0, 2, 4, 6, 8, 10]),
                                              (18, [0, 5, 10, 15, 20]), (40, [0, 10, 20, 30, 40]),
                                              (1234, [0, 500, 1000, 1500])])
def test_ticks_are_round_numbers_from_zero_to_at_least_the_largest_value(largest, expected):
    assert charts.nice_ticks(largest) == expected


def pixel(image, x, y, scale):
    return "#%02x%02x%02x" % image.getpixel((round(x * scale), round(y * scale)))[:3]


@pytest.mark.parametrize("chart", [months_chart(), rag_chart()], ids=["months", "rag"])
def test_the_png_draws_the_same_layout_as_the_svg(chart):
    scale = 2
    scene = charts.layout(chart, width=640)
    image = Image.open(io.BytesIO(charts.scene_png(scene, scale))).convert("RGB")
    assert image.size == (round(scene.width * scale), round(scene.height * scale))
    # The SVG is the same scene: every bar and every text in it.
    markup = charts.scene_svg(scene)
    assert markup == charts.svg(chart, width=640)
    for bar in scene.of("bar"):
        middle = bar.y + bar.height / 2
        # Inside each bar, its colour (away from the text written on it); just past its end, no bar.
        assert pixel(image, bar.x + min(4, bar.width / 4), bar.y + 3, scale) == bar.fill, bar
        assert pixel(image, bar.x + bar.width - min(4, bar.width / 4), bar.y + 3, scale) == bar.fill, bar
        assert pixel(image, bar.x + bar.width + 3, middle, scale) != bar.fill, bar
    for swatch in scene.of("swatch"):  # the key's colours
        assert pixel(image, swatch.x + swatch.width / 2, swatch.y + swatch.height / 2, scale) == swatch.fill
    baseline = scene.of("baseline")[0]
    assert pixel(image, baseline.x1, (baseline.y1 + baseline.y2) / 2, scale) == charts.OUTLINE
    # Text is drawn where the SVG writes it: dark pixels at the axis title, none where nothing is drawn.
    title = scene.of("axis-title")[-1]
    box = image.crop((round((title.x - 30) * scale), round((title.y - title.size) * scale),
                      round((title.x + 30) * scale), round((title.y + 2) * scale)))
    assert min(low for low, _ in box.getextrema()) < 100
