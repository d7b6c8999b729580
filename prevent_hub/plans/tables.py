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


def action_table():
    return Table(
        columns=[
            Column("ref", "Ref", order_by="sort_key", link=True),
            Column("text", "Key action", order_by="text"),
            Column("plan_version", "Version", accessor=lambda a: a.plan_version.label, order_by="plan_version__label"),
            Column("status", "Status", accessor=lambda a: a.get_status_display() or "Not set", order_by="status"),
            Column("tags", "Tags", accessor=lambda a: ", ".join(a.tags)),
        ],
        default_sort="ref",
    )


def email_log_table():
    return Table(
        columns=[
            Column("created_at", "Sent", accessor=lambda e: e.created_at.strftime("%-d %b %Y %H:%M"), order_by="created_at"),
            Column("recipient", "To", order_by="recipient"),
            Column("kind", "Kind", accessor=lambda e: e.get_kind_display(), order_by="kind"),
            Column("action_refs", "Actions", accessor=lambda e: ", ".join(e.action_refs)),
            Column("sent", "Result", accessor=lambda e: "Sent" if e.sent else f"Failed: {e.error[:80]}", order_by="sent"),
        ],
        default_sort="-created_at",
    )
