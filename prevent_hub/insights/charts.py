"""The statistics' charts: which table each draws, as a ``core.charts.Chart`` for the page, the SVG and PNG
downloads and the reports.

Every chart is drawn from a table exactly as the reader may see it: a hidden figure has no bar,
only its label ("<5" or "[c]"), and the key says so. A chart never shows more than its table.
"""
from prevent_hub.core import charts as core_charts

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
CATEGORY_AXIS = {
    "months": "Month",
    "funnel": "Stage",
    "sector": "Sector of referral",
    "age_band": "Age at referral",
    "concern": "Type of concern",
    "series": "Financial year",
}
HIDDEN_KEY = "No bar where a small number is hidden (“<5” or “[c]”)"
FILE_WIDTH = 720  # the downloads


def rows(report, key: str) -> list[tuple[str, int | None, str]]:
    """(label, value or None where hidden, text as shown) for each bar."""
    if key == "months":
        table = report.table(f"months_{report.year}")
        from .selectors import MONTH_NAMES, MONTHS

        return [(MONTH_NAMES[m], table.values[m_index // 3][m_index % 3], table.display[m_index // 3][m_index % 3])
                for m_index, m in enumerate(MONTHS)]
    if key == "series":
        table = report.table("series_concern")
        last = len(table.col_labels) - 1
        return [(label, table.values[i][last], table.display[i][last]) for i, label in enumerate(table.row_labels)]
    table: Shown = report.table(key)
    # The categories themselves: not the group subtotals or the total.
    body = table.row_labels if key == "funnel" else [r for r in table.row_labels[:-1] if not r.startswith("All: ")]
    return [(label, table.values[i][0], table.display[i][0]) for i, label in enumerate(body)]


def chart(report, key: str, title: str | None = None) -> core_charts.Chart:
    """One statistics chart: bars of referrals from one zero baseline, hidden figures named in the key."""
    return core_charts.simple(title or CHARTS[key], rows(report, key), value_axis="Referrals",
                              category_axis=CATEGORY_AXIS[key], hidden_key=HIDDEN_KEY)
