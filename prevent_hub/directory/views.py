from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.views import View

from django.utils.translation import gettext as _

from prevent_hub.core.generic import ModelViews, ObjectFormPostView, PartnershipMixin
from prevent_hub.core.permissions import has_perm

from . import filtersets, forms, importers, tables
from .models import GlossaryTerm, Organisation, Partnership, Person, PreventLead
from .selectors import current_leads, sector_summary, specified_authorities_without_lead, with_lead_status


class PartnershipDetailView(PartnershipMixin, View):
    """The partnership's overview: its directory at a glance and the gaps to chase."""

    def get(self, request, *args, **kwargs):
        if not self.can("view", Partnership):
            raise PermissionDenied
        context = {
            "partnership": self.partnership,
            "sectors": sector_summary(self.partnership),
            "without_lead": specified_authorities_without_lead(self.partnership),
            # Any partner can refer; the Channel pages themselves are for the case team.
            "can_refer": has_perm(request.user, "channel.add_case", self.partnership),
            "has_requests": has_perm(request.user, "channel.respond_informationrequest", self.partnership),
        }
        return render(request, "directory/partnership_detail.html", context)


def organisation_detail_context(org):
    return {
        "people": org.people.select_related("partnership").order_by("name"),
        "leads": org.prevent_leads.select_related("person", "partnership").order_by("-start_date"),
        "current_lead_ids": set(current_leads().filter(organisation=org).values_list("pk", flat=True)),
        "children": org.children.select_related("partnership").order_by("name"),
    }


organisation_views = ModelViews(
    model=Organisation,
    queryset=lambda: with_lead_status(Organisation.objects.select_related("parent")),
    form_class=forms.OrganisationForm,
    filterset_class=filtersets.OrganisationFilterSet,
    table=tables.organisation_table,
    importer=importers.OrganisationImporter(),
    list_template="directory/organisation_list.html",
    detail_template="directory/organisation_detail.html",
    detail_context=organisation_detail_context,
    summary=(
        ("Name", "name"),
        ("Short name", "short_name"),
        ("Sector", "get_sector_display"),
        ("Specified authority", lambda o: "Yes" if o.is_specified_authority else "No"),
        ("Part of", "parent"),
        ("Website", "website"),
        ("Notes", "notes"),
    ),
)

def person_detail_context(person, request):
    return {
        "can_invite": not person.user_id and has_perm(request.user, "directory.invite_person", person.partnership),
    }


person_views = ModelViews(
    model=Person,
    queryset=Person.objects.select_related("organisation", "user"),
    detail_template="directory/person_detail.html",
    detail_context=person_detail_context,
    form_class=forms.PersonForm,
    filterset_class=filtersets.PersonFilterSet,
    table=tables.person_table,
    importer=importers.PersonImporter(),
    summary=(
        ("Name", "name"),
        ("Job title or role", "job_title"),
        ("Organisation", "organisation"),
        ("Email", "email"),
        ("Telephone", "phone"),
        ("Signs in as", lambda p: p.user.email if p.user_id else "No account"),
    ),
)

prevent_lead_views = ModelViews(
    model=PreventLead,
    queryset=PreventLead.objects.select_related("organisation", "person"),
    form_class=forms.PreventLeadForm,
    filterset_class=filtersets.PreventLeadFilterSet,
    table=tables.prevent_lead_table,
    importer=importers.PreventLeadImporter(),
    summary=(("Organisation", "organisation"), ("Lead", "person"), ("From", "start_date"), ("Until", "end_date")),
)

glossary_views = ModelViews(
    model=GlossaryTerm,
    form_class=forms.GlossaryTermForm,
    filterset_class=filtersets.GlossaryTermFilterSet,
    table=tables.glossary_table,
    importer=importers.GlossaryTermImporter(),
    summary=(("Acronym", "acronym"), ("Meaning", "meaning")),
    paginate_by=50,
)


class PersonInviteView(ObjectFormPostView):
    """Invite a person in the directory to sign in: an account, their role as an action owner, an emailed link."""

    model = Person
    permission = "directory.invite_person"

    def save(self, person):
        from prevent_hub.accounts.services import AccountRuleError, person_invite

        try:
            person_invite(actor=self.request.user, person=person)
        except AccountRuleError as error:
            return False, str(error)
        return True, _("%(name)s has been emailed an invitation to sign in at %(email)s.") % {
            "name": person.name, "email": person.email}
