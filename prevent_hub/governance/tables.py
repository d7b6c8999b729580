from prevent_hub.core.tables import Column, Table


def group_table():
    return Table(columns=[
        Column("name", "Group", order_by="name", link=True),
        Column("kind", "Type", accessor=lambda g: g.get_kind_display(), order_by="kind"),
        Column("cadence", "Meets", accessor=lambda g: g.get_cadence_display() or "As needed", order_by="cadence"),
        Column("chair", "Chair", accessor=lambda g: g.chair.name if g.chair else ""),
    ], default_sort="name")


def reporting_line_table():
    return Table(columns=[
        Column("from_group", "Group", accessor=lambda r: r.from_group.name, order_by="from_group__name", link=True),
        Column("to_group", "Reports to", accessor=lambda r: r.to_group.name, order_by="to_group__name"),
    ], default_sort="from_group")


def seat_table():
    return Table(columns=[
        Column("group", "Group", accessor=lambda s: s.group.name, order_by="group__name", link=True),
        Column("organisation", "Organisation", accessor=lambda s: s.organisation.name if s.organisation else "",
               order_by="organisation__name"),
        Column("specified_authority", "Specified authority", template="governance/cells/authority.html",
               order_by="organisation__is_specified_authority"),
        Column("person", "Representative", accessor=lambda s: s.person.name if s.person else ""),
        Column("role", "Role", accessor=lambda s: s.get_role_display(), order_by="role"),
    ], default_sort="group")


def terms_table():
    return Table(columns=[
        Column("group", "Group", accessor=lambda t: t.group.name, order_by="group__name", link=True),
        Column("version_label", "Version", order_by="version_label"),
        Column("approved_on", "Approved", order_by="approved_on"),
        Column("next_review", "Next review", order_by="next_review"),
    ], default_sort="next_review")


def meeting_table():
    return Table(columns=[
        Column("starts_at", "When", accessor=lambda m: m.starts_at.strftime("%-d %b %Y %H:%M"), order_by="starts_at",
               link=True),
        Column("group", "Group", accessor=lambda m: m.group.name, order_by="group__name"),
        Column("status", "Status", accessor=lambda m: m.get_status_display(), order_by="status"),
    ], default_sort="-starts_at")


def obligation_table():
    return Table(columns=[
        Column("title", "Obligation", order_by="title", link=True),
        Column("due_date", "Due", order_by="due_date"),
        Column("owner_text", "Owner", order_by="owner_text"),
        Column("status", "Status", accessor=lambda o: o.get_status_display(), order_by="status"),
    ], default_sort="due_date")
