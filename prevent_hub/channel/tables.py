from prevent_hub.core.tables import Column, Table


def factor_table():
    return Table(columns=[
        Column("dimension", "Dimension", accessor=lambda f: f.get_dimension_display(), order_by="dimension"),
        Column("name", "Factor", order_by="name", link=True),
        Column("order", "Order", order_by="order", numeric=True),
        Column("is_active", "In use", accessor=lambda f: "Yes" if f.is_active else "No"),
    ], default_sort="dimension")


def retention_table():
    return Table(columns=[
        Column("outcome", "Outcome", accessor=lambda r: r.get_outcome_display(), order_by="outcome", link=True),
        Column("years", "Years kept after the case ends", order_by="years", numeric=True),
    ], default_sort="outcome")
