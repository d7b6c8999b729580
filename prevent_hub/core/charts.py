"""Bar charts, drawn one way for the pages, the SVG and PNG downloads and the reports.

A chart is data (``Chart``: its bars, its series, what its axes count). ``layout`` turns it into a
``Scene`` of rectangles, lines and text placed in pixels, and ``svg`` and ``png`` draw that same
scene, so a page, its downloads and a report show the same chart (docs/architecture.md, "Charts"):

- every bar starts from one zero baseline, on one scale for the whole chart, so equal values
  have equal lengths whatever their labels;
- the value axis has tick marks, tick values and a title; every bar has its category label
  (wrapped, never cut short silently) and the category axis its title;
- a key names every colour in text (Red, Amber, Green, Not rated…; the one series of a simple
  chart), and says when a hidden number has no bar;
- bars are outlined in near-black, so a pale colour (amber, not rated) still stands out from
  the white background (3:1), and numbers written on a bar take the text colour (white or
  near-black) that contrasts most with it (4.5:1).

The SVG carries ``role="img"`` with a ``<title>`` and ``<desc>``, and only presentation attributes
(no ``style``, no script), so it can be put inline in a page under the strict CSP. A page shows
its chart beside a table of the same figures.
"""
import io
import math
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

TEXT = "#0b0c0c"  # GOV.UK text colour
SECONDARY_TEXT = "#484949"
GRID = "#cecece"
OUTLINE = "#0b0c0c"
WHITE = "#ffffff"
BLUE = "#1d70b8"
FONT_FAMILY = "Arial, Helvetica, 'Liberation Sans', sans-serif"

FONT = 14  # category labels, values and the key (tick values and axis titles one smaller); pages use 16
PAGE_TEXT = 16  # GOV.UK's small body text, for a chart on a page
PAD = 12


@dataclass(frozen=True)
class Series:
    """One colour of a chart, named in its key."""

    label: str
    colour: str


@dataclass
class Bar:
    """One category: a value per series (None where the number is hidden) and the text shown for each."""

    label: str
    values: list
    texts: list

    @property
    def total(self) -> int:
        return sum(value for value in self.values if value)


@dataclass
class Chart:
    title: str
    series: list[Series]
    bars: list[Bar]
    value_axis: str  # what the bars count, e.g. "Referrals"
    category_axis: str  # what the bars are, e.g. "Month"
    hidden_key: str = ""  # the key's words for a hidden number, shown when one is hidden

    @property
    def stacked(self) -> bool:
        return len(self.series) > 1

    @property
    def any_hidden(self) -> bool:
        return any(value is None for bar in self.bars for value in bar.values)


def simple(title: str, rows, *, value_axis: str, category_axis: str, series_label: str | None = None,
           colour: str = BLUE, hidden_key: str = "") -> Chart:
    """A one-series chart from ``(label, value or None, text)`` rows."""
    return Chart(title=title, series=[Series(series_label or value_axis, colour)],
                 bars=[Bar(label, [value], [text]) for label, value, text in rows],
                 value_axis=value_axis, category_axis=category_axis, hidden_key=hidden_key)


# --- The scene: what is drawn, in pixels -------------------------------------------------------------


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    fill: str
    stroke: str | None = None
    kind: str = ""  # "bar", "swatch" or "background"
    category: str = ""
    series: str = ""
    value: int | None = None


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    stroke: str
    width: float = 1
    kind: str = ""  # "grid", "baseline", "axis" or "tick-mark"


@dataclass(frozen=True)
class Text:
    x: float
    y: float  # the baseline
    text: str
    size: int = FONT
    fill: str = TEXT
    anchor: str = "start"  # "start", "middle" or "end"
    bold: bool = False
    kind: str = ""  # "title", "key", "category", "value", "tick", "axis-title", "count"
    background: str = WHITE  # what the text is written on, for its contrast


@dataclass
class Scene:
    width: int
    height: int
    title: str
    description: str
    items: list = field(default_factory=list)
    ticks: list = field(default_factory=list)  # the value axis: (value, x)
    baseline: float = 0  # x of zero
    scale: float = 0  # pixels per unit

    def of(self, kind: str) -> list:
        return [item for item in self.items if getattr(item, "kind", "") == kind]


# Helvetica's advance widths (1/1000 em) for the printable ASCII characters; Arial and Liberation Sans
# share them, so this measures text as browsers, WeasyPrint and the PNG draw it, without a font file.
_REGULAR = [int(w) for w in (
    "278 278 355 556 556 889 667 222 333 333 389 584 278 333 278 278 556 556 556 556 556 556 556 556 556 556 278 278 "
    "584 584 584 556 1015 667 667 722 722 667 611 778 722 278 500 667 556 833 722 778 667 778 722 667 611 722 667 944 "
    "667 667 611 278 278 278 469 556 222 556 556 500 556 556 278 556 556 222 222 500 222 833 556 556 556 556 333 500 "
    "278 556 500 722 500 500 500 334 260 334 584").split()]
_BOLD = [int(w) for w in (
    "278 333 474 556 556 889 722 278 333 333 389 584 278 333 278 278 556 556 556 556 556 556 556 556 556 556 333 333 "
    "584 584 584 611 975 722 722 722 722 667 611 778 722 278 556 722 611 833 722 778 667 778 722 667 611 722 667 944 "
    "667 667 611 333 278 333 584 556 278 556 611 556 611 556 333 611 611 278 278 556 278 889 611 611 611 611 389 556 "
    "333 611 556 778 556 556 500 389 280 389 584").split()]


def text_width(text: str, size: float, bold: bool = False) -> float:
    """The width of ``text`` in pixels at ``size``, a little generous so a fallback font still fits."""
    widths = _BOLD if bold else _REGULAR
    units = sum(widths[ord(ch) - 32] if 32 <= ord(ch) < 127 else 600 for ch in text)
    return units * size / 1000 * 1.04


def wrap(text: str, size: float, width: float, *, bold: bool = False, max_lines: int = 3) -> list[str]:
    """``text`` in lines no wider than ``width``; beyond ``max_lines`` the last line ends with an ellipsis."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if text_width(candidate, size, bold) <= width or not current:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    lines = [_fit(line, size, width, bold) for line in lines] or [""]
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = _fit(lines[-1] + "…", size, width, bold, force=True)
    return lines


def _fit(line: str, size, width, bold, force=False) -> str:
    if text_width(line, size, bold) <= width and not (force and not line.endswith("…")):
        return line
    stem = line.rstrip("…")
    while stem and text_width(stem + "…", size, bold) > width:
        stem = stem[:-1]
    return stem.rstrip() + "…"


def nice_ticks(largest: float, max_intervals: int = 5) -> list[int]:
    """Tick values from 0 to the first round number at or above ``largest`` (counts: whole numbers)."""
    largest = max(largest, 5)
    magnitude = 1
    while True:
        for step in (magnitude, 2 * magnitude, 5 * magnitude):
            if math.ceil(largest / step) <= max_intervals:
                top = math.ceil(largest / step) * step
                return list(range(0, top + 1, step))
        magnitude *= 10


def contrast(foreground: str, background: str) -> float:
    """The WCAG contrast ratio of two ``#rrggbb`` colours."""
    def luminance(colour):
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    lighter, darker = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def text_colour_on(fill: str) -> str:
    return WHITE if contrast(WHITE, fill) >= contrast(TEXT, fill) else TEXT


def layout(chart: Chart, *, width: int = 640, show_title: bool = True, note: str = "", text_size: int = FONT) -> Scene:
    """Place every part of ``chart`` in a ``width``-pixel-wide picture (its height follows).

    ``text_size``: the labels' size in pixels (tick values and axis titles one smaller, the title three
    larger); a page uses the size of its small body text, a report the size of its own text.
    """
    size, small, big = text_size, text_size - 1, text_size + 3
    line = round(size * 1.3)  # the distance between lines of a label
    items: list = []
    y = PAD
    if show_title and chart.title:
        for title_line in wrap(chart.title, big, width - 2 * PAD, bold=True, max_lines=4):
            y += round(big * 1.25)
            items.append(Text(PAD, y, title_line, big, bold=True, kind="title"))
        y += 8

    # The key: a swatch and a name for every colour, then what a missing bar means; wrapped like text.
    swatch = round(size * 1.0)
    entries = [(s.colour, s.label) for s in chart.series]
    if chart.any_hidden and chart.hidden_key:
        entries.append((None, chart.hidden_key))
    x, row_top, row = PAD, y, line + 4
    for colour, label in entries:
        indent = swatch + 6 if colour else 0
        words = wrap(label, size, width - 2 * PAD - indent, max_lines=2)
        needed = indent + max(text_width(w, size) for w in words)
        if x > PAD and x + needed > width - PAD:
            x, row_top = PAD, row_top + row
        if colour:
            items.append(Rect(x, row_top + (row - swatch) / 2, swatch, swatch, colour, OUTLINE, kind="swatch",
                              series=label))
        for n, words_line in enumerate(words):
            items.append(Text(x + indent, row_top + row / 2 + size * 0.35 + line * n, words_line, size, kind="key"))
        if len(words) > 1:
            x, row_top = PAD, row_top + line * (len(words) - 1) + row
        else:
            x += needed + size + 4
    y = row_top + row + 10

    # The columns: category labels | bars from the baseline | room for the largest value's text.
    totals = [bar.total for bar in chart.bars]
    value_texts = [_end_text(chart, bar) for bar in chart.bars]
    top_tick = f"{nice_ticks(max(totals, default=0))[-1]:,}"
    right = max([text_width(t, size) for t in value_texts] + [text_width(top_tick, small) / 2]) + 8 + PAD
    natural = max([text_width(bar.label, size) for bar in chart.bars] + [text_width(chart.category_axis, small, True)])
    label_width = min(natural, 0.4 * width)
    labels = [wrap(bar.label, size, label_width) for bar in chart.bars]
    label_width = max([text_width(label, size) for lines in labels for label in lines]
                      + [min(text_width(chart.category_axis, small, True), label_width)], default=0)
    baseline = PAD + label_width + 10
    plot_width = max(width - baseline - right, 40)

    # The category axis's title, over the labels.
    y += small
    items.append(Text(baseline - 10, y, _fit(chart.category_axis, small, label_width, True), small, bold=True,
                      anchor="end", kind="axis-title"))
    y += 8
    top = y

    # One scale for the chart: from zero to a round number at or above the longest bar.
    largest = max(totals, default=0)
    max_intervals = max(1, min(5, int(plot_width // (text_width(top_tick, small) + 16))))
    ticks = nice_ticks(largest, max_intervals)
    scale = plot_width / ticks[-1]

    rows = []
    bar_height = round(size * 1.3)
    for bar, lines in zip(chart.bars, labels, strict=True):
        height = max(bar_height + 12, line * len(lines) + 10)
        rows.append((bar, lines, y, height))
        y += height
    bottom = y
    tick_x = [(value, baseline + value * scale) for value in ticks]
    for value, tx in tick_x[1:]:
        items.append(Line(tx, top, tx, bottom, GRID, 1, kind="grid"))
    for (bar, lines, row_y, height), end_text in zip(rows, value_texts, strict=True):
        middle = row_y + height / 2
        first = middle - line * (len(lines) - 1) / 2 + size * 0.35
        for n, label in enumerate(lines):
            items.append(Text(baseline - 10, first + line * n, label, size, anchor="end", kind="category"))
        x = baseline
        for series, value, text in zip(chart.series, bar.values, bar.texts, strict=True):
            if not value:
                continue
            length = value * scale
            items.append(Rect(x, middle - bar_height / 2, length, bar_height, series.colour, OUTLINE, kind="bar",
                              category=bar.label, series=series.label, value=value))
            if chart.stacked and text_width(text, small) + 6 <= length:
                items.append(Text(x + length / 2, middle + small * 0.35, text, small, text_colour_on(series.colour),
                                  anchor="middle", kind="count", background=series.colour))
            x += length
        hidden = all(value is None for value in bar.values)
        items.append(Text(x + 6, middle + size * 0.35, end_text, size, SECONDARY_TEXT if hidden else TEXT,
                          kind="value"))
    items.append(Line(baseline, top - 4, baseline, bottom, OUTLINE, 1.5, kind="baseline"))
    items.append(Line(baseline, bottom, baseline + plot_width, bottom, OUTLINE, 1, kind="axis"))
    for value, tx in tick_x:
        items.append(Line(tx, bottom, tx, bottom + 5, OUTLINE, 1, kind="tick-mark"))
        items.append(Text(tx, bottom + 5 + small, f"{value:,}", small, anchor="middle", kind="tick"))
    y = bottom + 5 + small + 8 + small
    items.append(Text(baseline + plot_width / 2, y, chart.value_axis, small, bold=True, anchor="middle",
                      kind="axis-title"))
    y += PAD

    key = ", ".join(s.label for s in chart.series)
    description = (f"Bar chart: {chart.category_axis.lower()} down the side, {chart.value_axis.lower()} along "
                   f"the bottom, from 0 to {ticks[-1]:,}. "
                   + (f"Each bar is divided by colour: {key}. " if chart.stacked else "")
                   + (f"{chart.hidden_key}. " if chart.any_hidden and chart.hidden_key else "") + note).strip()
    return Scene(width=width, height=math.ceil(y), title=chart.title, description=description,
                 items=[Rect(0, 0, width, math.ceil(y), WHITE, kind="background"), *items],
                 ticks=tick_x, baseline=baseline, scale=scale)


def _end_text(chart: Chart, bar: Bar) -> str:
    """What is written at the end of a bar: its value, or its total when it is divided."""
    if chart.stacked:
        return f"{bar.total:,}"
    return bar.texts[0]


# --- Drawing the scene ------------------------------------------------------------------------------


def _n(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def svg(chart: Chart, *, width: int = 640, show_title: bool = True, ident: str = "chart", note: str = "",
        text_size: int = FONT) -> str:
    """The chart as SVG markup: a standalone file, or inline in a page (``ident`` keeps its ids unique)."""
    return scene_svg(layout(chart, width=width, show_title=show_title, note=note, text_size=text_size), ident)


PAGE_WIDTH = 460  # half a page: a chart sits beside its table


def page_svg(chart: Chart, *, ident: str, note: str = "The figures are in the table beside this chart.",
             width: int = PAGE_WIDTH):
    """The chart for a page, inline and safe to insert: no title drawn (the heading above names it; its
    ``<title>`` still does), text at the page's small body size."""
    from django.utils.safestring import mark_safe

    return mark_safe(svg(chart, width=width, show_title=False, ident=ident, note=note, text_size=PAGE_TEXT))


def scene_svg(scene: Scene, ident: str = "chart") -> str:
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{scene.width}" height="{scene.height}" '
             f'viewBox="0 0 {scene.width} {scene.height}" class="app-chart" role="img" '
             f'aria-labelledby="{ident}-title {ident}-desc" font-family={quoteattr(FONT_FAMILY)}>',
             f'<title id="{ident}-title">{escape(scene.title)}</title>',
             f'<desc id="{ident}-desc">{escape(scene.description)}</desc>']
    for item in scene.items:
        if isinstance(item, Rect):
            extra = ""
            if item.kind == "bar":
                extra = (f' class="app-chart__bar" data-category={quoteattr(item.category)} '
                         f'data-series={quoteattr(item.series)} data-value="{item.value}"')
            elif item.kind:
                extra = f' class="app-chart__{item.kind}"'
            stroke = f' stroke="{item.stroke}" stroke-width="1"' if item.stroke else ""
            parts.append(f'<rect x="{_n(item.x)}" y="{_n(item.y)}" width="{_n(item.width)}" height="{_n(item.height)}" '
                         f'fill="{item.fill}"{stroke}{extra}/>')
        elif isinstance(item, Line):
            parts.append(f'<line x1="{_n(item.x1)}" y1="{_n(item.y1)}" x2="{_n(item.x2)}" y2="{_n(item.y2)}" '
                         f'stroke="{item.stroke}" stroke-width="{_n(item.width)}" class="app-chart__{item.kind}"/>')
        else:
            anchor = f' text-anchor="{item.anchor}"' if item.anchor != "start" else ""
            weight = ' font-weight="bold"' if item.bold else ""
            parts.append(f'<text x="{_n(item.x)}" y="{_n(item.y)}" font-size="{item.size}" fill="{item.fill}"'
                         f'{anchor}{weight} class="app-chart__{item.kind}">{escape(item.text)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def png(chart: Chart, *, width: int = 640, show_title: bool = True, scale: float = 2, text_size: int = FONT) -> bytes:
    """The chart as a PNG, drawn from the same scene as its SVG (``scale`` × its pixels, for print)."""
    return scene_png(layout(chart, width=width, show_title=show_title, text_size=text_size), scale)


def scene_png(scene: Scene, scale: float = 2) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Rectangle

    dpi = 96 * scale  # one scene pixel is one CSS pixel: 1/96 inch, 0.75 point
    figure = Figure(figsize=(scene.width / 96, scene.height / 96), dpi=dpi)
    FigureCanvasAgg(figure)
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_xlim(0, scene.width)
    axes.set_ylim(scene.height, 0)
    axes.axis("off")
    family = _png_font()
    for order, item in enumerate(scene.items):  # in the SVG's order: later items are drawn over earlier ones
        if isinstance(item, Rect):
            axes.add_patch(Rectangle((item.x, item.y), item.width, item.height, facecolor=item.fill,
                                     edgecolor=item.stroke or "none", linewidth=0.75 if item.stroke else 0,
                                     zorder=order))
        elif isinstance(item, Line):
            axes.add_line(Line2D([item.x1, item.x2], [item.y1, item.y2], color=item.stroke, linewidth=item.width * 0.75,
                                 solid_capstyle="butt", zorder=order))
        else:
            axes.text(item.x, item.y, item.text, fontsize=item.size * 0.75, color=item.fill, family=family,
                      fontweight="bold" if item.bold else "normal", ha={"start": "left", "end": "right"}.get(
                          item.anchor, "center"), va="baseline", parse_math=False, zorder=order)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, facecolor=WHITE)
    return buffer.getvalue()


def _png_font() -> str:
    """The first installed of the SVG's fonts (the same widths), else matplotlib's own DejaVu Sans."""
    from matplotlib import font_manager

    installed = {font.name for font in font_manager.fontManager.ttflist}
    return next((name for name in ("Arial", "Liberation Sans", "Helvetica") if name in installed), "DejaVu Sans")
