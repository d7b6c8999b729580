from prevent_hub.core.tables import Column, Table


def run_table():
    return Table(columns=[
        Column("title", "Report", order_by="title", link=True),
        Column("status", "Status", accessor=lambda r: r.get_status_display(), order_by="status"),
        Column("requested_by", "Asked for by", accessor=lambda r: str(r.requested_by or "")),
        Column("created_at", "Made", accessor=lambda r: f"{r.created_at:%-d %b %Y %H:%M}", order_by="created_at"),
    ], default_sort="-created_at")


def template_table():
    return Table(columns=[
        Column("name", "Template", order_by="name", link=True),
        Column("filename", "File"),
        Column("is_default", "Default", accessor=lambda t: "Yes" if t.is_default else ""),
    ], default_sort="name")
