"""The Home Office statistics categories as data: versioned schemes, each valid for a run of financial
years, and a crosswalk from every category to a consistent basis so one series spans the changes.

The lists live in ``data/categories.json``; a new Home Office release that changes a list adds a
scheme there, and nothing else needs to change.
"""
import datetime as dt
import functools
import json
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
DIMENSIONS = ("sector", "age", "gender", "concern", "stage")


@dataclass(frozen=True)
class Category:
    code: str
    label: str
    basis: str
    age_min: int | None = None
    age_max: int | None = None


@dataclass(frozen=True)
class Scheme:
    key: str
    label: str
    first_year: int
    last_year: int | None
    categories: tuple[Category, ...]
    aliases: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (code, other names for it)

    def covers(self, year: int) -> bool:
        return self.first_year <= year and (self.last_year is None or year <= self.last_year)

    def get(self, code: str) -> Category | None:
        return self._by_code().get(code)

    def match(self, text: str) -> Category | None:
        """The category whose code, label or alias is ``text`` (any case, any spacing)."""
        wanted = normalise(text)
        for category in self.categories:
            if wanted in (normalise(category.code), normalise(category.label)):
                return category
        for code, names in self.aliases:
            if wanted in (normalise(name) for name in names):
                return self.get(code)
        return None

    def nearest(self, text: str) -> Category | None:
        """The category whose label (or code) reads most like ``text``, if any is close."""
        import difflib

        names = {}
        for category in self.categories:
            names.setdefault(normalise(category.label), category)
            names.setdefault(normalise(category.code), category)
        wanted = normalise(text)
        close = difflib.get_close_matches(wanted, list(names), n=1, cutoff=0.6)
        if not close:  # "Right wing" is most of "Extreme right-wing"
            close = [name for name in names if wanted and (wanted in name or name in wanted)][:1]
        return names[close[0]] if close else None

    def band_for_age(self, age: int) -> Category | None:
        for category in self.categories:
            if category.age_min is not None and category.age_min <= age <= category.age_max:
                return category
        return None

    @functools.cache
    def _by_code(self):
        return {category.code: category for category in self.categories}


@dataclass(frozen=True)
class Dimension:
    name: str
    label: str
    basis_label: str
    basis: tuple[tuple[str, str], ...]  # (code, label) in order
    schemes: tuple[Scheme, ...]

    def scheme_for(self, year: int) -> Scheme:
        """The scheme in force in the financial year starting in April of ``year``."""
        for scheme in self.schemes:
            if scheme.covers(year):
                return scheme
        return self.schemes[0] if year < self.schemes[0].first_year else self.schemes[-1]

    def fit(self, code: str, year: int) -> str:
        """A code as that year's list has it. A Channel case is recorded in today's categories; for an
        earlier year its code goes to the band holding its lowest age, or to the first category of
        that year in the same basis group."""
        scheme = self.scheme_for(year)
        if scheme.get(code) is not None:
            return code
        category = next((c for s in self.schemes for c in s.categories if c.code == code), None)
        if category is None:
            return code
        if category.age_min is not None:
            band = scheme.band_for_age(category.age_min)
            return band.code if band else code
        same_group = next((c for c in scheme.categories if c.basis == category.basis), None)
        return same_group.code if same_group else code

    def basis_of(self, code: str, year: int) -> str:
        """Map a category code recorded in ``year`` to the consistent basis (via that year's scheme, or any)."""
        category = self.scheme_for(year).get(code)
        if category is None:  # a code from another year's list (a Channel case recorded in today's categories)
            category = next((c for s in self.schemes for c in s.categories if c.code == code), None)
        return category.basis if category else code

    def category_label(self, code: str, year: int | None = None) -> str:
        schemes = ([self.scheme_for(year)] if year is not None else []) + list(reversed(self.schemes))
        for scheme in schemes:
            category = scheme.get(code)
            if category:
                return category.label
        return dict(self.basis).get(code, code)

    def basis_label_of(self, code: str) -> str:
        return dict(self.basis).get(code, code)


@functools.cache
def dimensions() -> dict[str, Dimension]:
    raw = json.loads((DATA / "categories.json").read_text())["dimensions"]
    result = {}
    for name, spec in raw.items():
        schemes = tuple(
            Scheme(key=s["key"], label=s["label"], first_year=s["from"], last_year=s["to"],
                   categories=tuple(Category(*row) for row in s["categories"]),
                   aliases=tuple((code, tuple(names)) for code, names in s.get("aliases", {}).items()))
            for s in sorted(spec["schemes"], key=lambda s: s["from"]))
        result[name] = Dimension(name=name, label=spec["label"], basis_label=spec["basis"]["label"],
                                 basis=tuple(tuple(pair) for pair in spec["basis"]["categories"]), schemes=schemes)
    return result


def normalise(text) -> str:
    """How values are compared: any case, any spacing; hyphens and underscores as spaces."""
    return " ".join(str(text).replace("_", " ").replace("-", " ").split()).lower()


def dimension(name: str) -> Dimension:
    return dimensions()[name]


def financial_year(day: dt.date) -> int:
    """The financial year (April to March) a day falls in, named by the year it starts."""
    return day.year if day.month >= 4 else day.year - 1


def financial_year_label(year: int) -> str:
    return f"{year}/{(year + 1) % 100:02d}"


def quarter(day: dt.date) -> int:
    """Quarter of the financial year: April–June is 1."""
    return (day.month - 4) % 12 // 3 + 1


@functools.cache
def national_figures() -> dict:
    """The Home Office's national figures shipped with the product, by financial year: {year: {(dimension, code): figure}}."""
    raw = json.loads((DATA / "national.json").read_text())
    return {entry["start_year"]: {"release": entry["release"], "figures": {
        (figure["dimension"], figure["code"]): figure for figure in entry["figures"]}} for entry in raw["years"]}
