"""Bar charts of the statistics: bars for the page (CSS widths, no inline style), SVG and PNG for reports.

Every chart is drawn from a table exactly as the reader may see it: a hidden figure has no bar,
only its label ("<5" or "[c]"). A chart never shows more than its table.
"""
import io
from xml.sax.saxutils import escape, quoteattr

from .disclosure import Shown

# Which table each chart draws, and which of its rows and columns.
CHARTS = {
    "months": "Referrals by month",
    "funnel": "From referral to Channel support",
    "sector": "Referrals by sector",
    "age_band": "Referrals by age at referral",
    "concern": "Referrals by type of concern",
    "series": "Referrals by financial year",
}


def bars(report, key: str) -> list[dict]:
    """(label, value or None, text) per bar, with a width in whole percent of the widest bar."""
    if key == "months":
        table = report.table(f"months_{report.year}")
        from .selectors import MONTH_NAMES, MONTHS

        rows = [(MONTH_NAMES[m], table.values[m_index // 3][m_index % 3], table.display[m_index // 3][m_index % 3])
                for m_index, m in enumerate(MONTHS)]
    elif key == "series":
        table = report.table("series_concern")
        last = len(table.col_labels) - 1
        rows = [(label, table.values[i][last], table.display[i][last]) for i, label in enumerate(table.row_labels)]
    else:
        table: Shown = report.table(key)
        # The categories themselves: not the group subtotals or the total.
        body = table.row_labels if key == "funnel" else [r for r in table.row_labels[:-1] if not r.startswith("All: ")]
        rows = [(label, table.values[i][0], table.display[i][0]) for i, label in enumerate(body)]
    widest = max((value for _, value, _ in rows if value), default=0) or 1
    return [{"label": label, "value": value, "text": text,
             "width": 0 if value is None else round(100 * value / widest)} for label, value, text in rows]


def svg(title: str, chart: list[dict]) -> bytes:
    """A self-contained SVG bar chart with its title, for Word and PDF reports."""
    row_height, label_width, bar_width = 28, 260, 360
    height = 40 + row_height * len(chart)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_width + bar_width + 90}" height="{height}" '
             f'role="img" aria-label={quoteattr(title)} font-family="Arial, Helvetica, sans-serif" font-size="13">',
             f"<title>{escape(title)}</title>",
             f'<text x="0" y="18" font-size="15" font-weight="bold">{escape(title)}</text>']
    for index, bar in enumerate(chart):
        y = 34 + index * row_height
        parts.append(f'<text x="{label_width - 8}" y="{y + 16}" text-anchor="end">{escape(bar["label"][:40])}</text>')
        if bar["value"] is not None:
            width = max(1, round(bar_width * bar["width"] / 100))
            parts.append(f'<rect x="{label_width}" y="{y + 4}" width="{width}" height="{row_height - 10}" fill="#1d70b8"/>')
            parts.append(f'<text x="{label_width + width + 6}" y="{y + 16}">{escape(bar["text"])}</text>')
        else:
            parts.append(f'<text x="{label_width + 6}" y="{y + 16}" fill="#484949">{escape(bar["text"])}</text>')
    parts.append("</svg>")
    return "\n".join(parts).encode()


def png(title: str, chart: list[dict]) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    labels = [bar["label"] for bar in chart][::-1]
    values = [bar["value"] or 0 for bar in chart][::-1]
    texts = [bar["text"] for bar in chart][::-1]
    figure, axes = pyplot.subplots(figsize=(8, 0.45 * len(chart) + 1.2), dpi=150)
    try:
        positions = range(len(labels))
        axes.barh(positions, values, color="#1d70b8")
        axes.set_yticks(list(positions), labels)
        widest = max(values, default=0) or 1
        for position, value, text in zip(positions, values, texts, strict=True):
            axes.text(value + widest * 0.01, position, text, va="center", fontsize=9)
        axes.set_title(title, loc="left", fontsize=12, fontweight="bold")
        axes.spines[["top", "right"]].set_visible(False)
        axes.set_xlim(0, widest * 1.15)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
    finally:
        pyplot.close(figure)
    return buffer.getvalue()
