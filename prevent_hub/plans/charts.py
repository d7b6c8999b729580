"""The plan's chart: actions by RAG rating and theme, for the dashboard and the reports (core.charts)."""
from prevent_hub.core import charts as core_charts

from .choices import Rag

# Every rating an action can have on a day (plans.selectors.dashboard), in the order the bars are divided,
# with its colour: GOV.UK's red, orange and green, and a light grey for "not rated" (not started, deferred).
RAG_SERIES = (
    (Rag.RED, "Red", "#ca3535"),
    (Rag.AMBER, "Amber", "#f47738"),
    (Rag.GREEN, "Green", "#0f7a52"),
    ("none", "Not rated", "#cecece"),
)


def rag_by_theme(themes: list[dict], title: str = "Actions by RAG rating and theme") -> core_charts.Chart:
    """One bar per theme (named), divided into its actions' ratings; ``themes`` as ``dashboard`` gives them."""
    return core_charts.Chart(
        title=title,
        series=[core_charts.Series(label, colour) for _, label, colour in RAG_SERIES],
        bars=[core_charts.Bar(f"{row['theme'].number}. {row['theme'].title}", [row[key] for key, _, _ in RAG_SERIES],
                              [f"{row[key]:,}" for key, _, _ in RAG_SERIES]) for row in themes],
        value_axis="Actions", category_axis="Theme",
    )
