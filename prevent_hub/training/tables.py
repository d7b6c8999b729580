from prevent_hub.core.tables import Column, Table


def course_table():
    return Table(columns=[
        Column("name", "Course", order_by="name", link=True),
        Column("level", "Level", accessor=lambda c: c.get_level_display(), order_by="level"),
        Column("delivery", "Delivery", accessor=lambda c: c.get_delivery_display(), order_by="delivery"),
    ], default_sort="name")


def trainer_table():
    return Table(columns=[
        Column("person", "Trainer", accessor=lambda t: t.person.name, order_by="person__name", link=True),
        Column("organisation", "Organisation", accessor=lambda t: t.organisation.name if t.organisation else ""),
        Column("course", "Accredited to deliver", accessor=lambda t: t.course.name, order_by="course__name"),
        Column("refresher_due", "Refresher due", order_by="refresher_due"),
        Column("active", "Status", accessor=lambda t: "Active" if t.is_active() else "Refresher overdue"),
    ], default_sort="person")


def session_table():
    return Table(columns=[
        Column("date", "Date", order_by="date", link=True),
        Column("course", "Course", accessor=lambda s: s.course.name, order_by="course__name"),
        Column("host", "Host", accessor=lambda s: s.host.name if s.host else ""),
        Column("trained", "People", accessor=lambda s: s.trained or 0, numeric=True),
    ], default_sort="-date")


def completion_table():
    return Table(columns=[
        Column("learner_ref", "Learner ID", order_by="learner_ref", link=True),
        Column("course", "Course", accessor=lambda c: c.course.name, order_by="course__name"),
        Column("organisation", "Organisation", accessor=lambda c: c.organisation.name, order_by="organisation__name"),
        Column("completed_on", "Completed on", order_by="completed_on"),
    ], default_sort="-completed_on")
