from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import View

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


class PartnershipSettingsView(PartnershipMixin, View):
    """The partnership administrator's settings: its name and area, its year, who its emails come from."""

    def check(self):
        if not self.can("change", Partnership):
            raise PermissionDenied

    def get(self, request, *args, **kwargs):
        self.check()
        return self.render(forms.PartnershipSettingsForm(instance=self.partnership))

    def post(self, request, *args, **kwargs):
        from django.contrib import messages
        from django.http import HttpResponseRedirect

        from prevent_hub.core.services import ConflictError, object_update

        self.check()
        form = forms.PartnershipSettingsForm(request.POST, instance=Partnership.objects.get(pk=self.partnership.pk))
        if not form.is_valid():
            return self.render(form, status=400)
        try:
            object_update(actor=request.user, instance=form.instance,
                          expected_version=form.cleaned_data.get("expected_version"))
        except ConflictError:
            form.add_error(None, _("Someone else changed these settings while you were editing. Check them and save again."))
            return self.render(form, status=409)
        messages.success(request, _("Settings saved."))
        return HttpResponseRedirect(request.path)

    def render(self, form, status=200):
        return render(self.request, "directory/partnership_settings.html", {"partnership": self.partnership,
                                                                           "form": form}, status=status)
