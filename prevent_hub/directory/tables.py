from prevent_hub.core.tables import Column, Table


def organisation_table():
    return Table(
        columns=[
            Column("name", "Name", order_by="name", link=True),
            Column("short_name", "Short name", order_by="short_name"),
            Column("sector", "Sector", accessor="get_sector_display", order_by="sector"),
            Column("is_specified_authority", "Specified authority", order_by="is_specified_authority",
                   template="directory/cells/specified_authority.html"),
            Column("parent", "Part of", accessor="parent.name", order_by="parent__name"),
        ],
        default_sort="name",
    )


def person_table():
    return Table(
        columns=[
            Column("name", "Name", order_by="name", link=True),
            Column("job_title", "Job title or role", order_by="job_title"),
            Column("organisation", "Organisation", accessor="organisation.name", order_by="organisation__name"),
            Column("email", "Email", order_by="email"),
        ],
        default_sort="name",
    )


def prevent_lead_table():
    return Table(
        columns=[
            Column("organisation", "Organisation", accessor="organisation.name", order_by="organisation__name", link=True),
            Column("person", "Lead", accessor="person.name", order_by="person__name"),
            Column("start_date", "From", order_by="start_date"),
            Column("end_date", "Until", order_by="end_date"),
        ],
        default_sort="organisation",
    )


def glossary_table():
    return Table(
        columns=[
            Column("acronym", "Acronym", order_by="acronym", link=True),
            Column("meaning", "Meaning", order_by="meaning"),
        ],
        default_sort="acronym",
    )
