from prevent_hub.core.tables import Column, Table


def monthly_count_table():
    return Table(columns=[
        Column("month", "Month", accessor=lambda c: f"{c.month:%B %Y}", order_by="month", link=True),
        Column("referrals", "Referrals", order_by="referrals", numeric=True),
        Column("discussed_at_panel", "Discussed at a panel", numeric=True),
        Column("adopted", "Adopted", numeric=True),
    ], default_sort="-month")


def referral_table():
    from . import categories

    dims = categories.dimensions()
    return Table(columns=[
        Column("reference", "Reference", order_by="reference", link=True),
        Column("referral_date", "Date", order_by="referral_date"),
        Column("sector", "Sector", accessor=lambda r: dims["sector"].category_label(r.sector, r.financial_year)),
        Column("concern", "Type of concern", accessor=lambda r: dims["concern"].category_label(r.concern, r.financial_year)),
        Column("stage", "Stage reached", accessor=lambda r: dims["stage"].category_label(r.stage, r.financial_year)),
    ], default_sort="-referral_date")


def national_release_table():
    from . import categories

    return Table(columns=[
        Column("financial_year", "Financial year", accessor=lambda r: categories.financial_year_label(r.financial_year),
               order_by="financial_year", link=True),
        Column("title", "Release"),
        Column("filename", "File"),
        Column("updated_at", "Uploaded", accessor=lambda r: r.updated_at, order_by="updated_at"),
    ], default_sort="-financial_year")
