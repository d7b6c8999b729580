from prevent_hub.core.tables import Column, Table


def plan_table():
    return Table(
        columns=[
            Column("title", "Plan", order_by="title", link=True),
            Column("period_start", "From", order_by="period_start", numeric=True),
            Column("period_end", "To", order_by="period_end", numeric=True),
        ],
        default_sort="title",
    )
