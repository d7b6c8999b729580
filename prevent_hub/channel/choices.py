from django.db import models
from django.utils.translation import gettext_lazy as _


class Stage(models.TextChoices):
    """Where a case is in the Channel process (domain.md §3). ``workflow`` says which step may follow which."""

    REFERRED = "referred", _("Referred: awaiting police screening")
    GATHERING = "gathering", _("Information gathering")
    PANEL = "panel", _("Listed for panel")
    ADOPTED = "adopted", _("Adopted: consent to be sought")
    SUPPORT = "support", _("Receiving support")
    EXITED = "exited", _("Exited: post-exit reviews")
    CLOSED = "closed", _("Closed")


class Outcome(models.TextChoices):
    """How a case ended, which decides how long it is kept."""

    OPEN = "open", _("Open")
    NO_FURTHER_ACTION = "no_further_action", _("No further action")
    SIGNPOSTED = "signposted", _("Signposted to other services")
    POLICE_LED = "police_led", _("Police-led Prevent case management")
    NOT_ADOPTED = "not_adopted", _("Not adopted by the panel")
    CHANNEL_CLOSED = "channel_closed", _("Channel case closed")


class GatewayOutcome(models.TextChoices):
    NO_FURTHER_ACTION = "no_further_action", _("No further action")
    SIGNPOSTED = "signposted", _("Signpost to other services")
    POLICE_LED = "police_led", _("Police-led Prevent case management")
    CHANNEL = "channel", _("Refer to Channel")


class ReferralSector(models.TextChoices):
    """The referrer's sector in the Home Office's statistics categories."""

    EDUCATION = "education", _("Education")
    POLICE = "police", _("Police")
    LOCAL_AUTHORITY = "local_authority", _("Local authority")
    HEALTH = "health", _("Health")
    PRISONS = "prisons", _("Prisons")
    PROBATION = "probation", _("Probation")
    COMMUNITY = "community", _("Family, friends or community")
    OTHER = "other", _("Other")


class ConcernType(models.TextChoices):
    """Type of concern as the Home Office statistics record it (2024/25 categories); ``insights`` crosswalks older ones."""

    EXTREME_RIGHT_WING = "extreme_right_wing", _("Extreme right-wing")
    ISLAMIST = "islamist", _("Islamist")
    CONFLICTED = "conflicted", _("Conflicted")
    SCHOOL_MASSACRE = "school_massacre", _("School massacre")
    INCEL = "incel", _("Incel")
    OTHER = "other", _("Other")
    NO_IDEOLOGY = "no_ideology", _("Vulnerability present but no ideology or counter-terrorism risk")
    NOT_KNOWN = "not_known", _("Not yet known")


class AgeBand(models.TextChoices):
    """Age at referral in the Home Office's bands from 2023/24 (``insights`` maps the older bands)."""

    UP_TO_10 = "10_or_under", _("10 or under")
    AGE_11_15 = "11_15", _("11 to 15")
    AGE_16_17 = "16_17", _("16 to 17")
    AGE_18_20 = "18_20", _("18 to 20")
    AGE_21_30 = "21_30", _("21 to 30")
    AGE_31_40 = "31_40", _("31 to 40")
    AGE_41_50 = "41_50", _("41 to 50")
    AGE_51_60 = "51_60", _("51 to 60")
    OVER_60 = "over_60", _("Over 60")
    UNKNOWN = "unknown", _("Not known")


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other or not known")


class PanelDecision(models.TextChoices):
    ADOPT = "adopt", _("Adopt as a Channel case")
    NOT_ADOPT = "not_adopt", _("Not adopt, and signpost")


class DecisionMethod(models.TextChoices):
    CONSENSUS = "consensus", _("Consensus")
    MAJORITY = "majority", _("Majority")
    CHAIR = "chair", _("Chair's decision")


class ConsentFrom(models.TextChoices):
    PERSON = "person", _("The person")
    PARENT = "parent", _("A parent or guardian")


class ConsentMethod(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("By phone")
    LETTER = "letter", _("By letter or email")
    VIDEO = "video", _("By video call")


class ConsentOutcome(models.TextChoices):
    GIVEN = "given", _("Given")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Dimension(models.TextChoices):
    ENGAGEMENT = "engagement", _("Engagement with a group, cause or ideology")
    INTENT = "intent", _("Intent to cause harm")
    CAPABILITY = "capability", _("Capability to cause harm")


class Rating(models.TextChoices):
    """A practitioner's judgement per factor. Deliberately words, not numbers: nothing adds them up."""

    NOT_EVIDENT = "not_evident", _("Not evident")
    SOME = "some", _("Some evidence")
    STRONG = "strong", _("Strong evidence")
    NOT_KNOWN = "not_known", _("Not known")


class InterventionType(models.TextChoices):
    IDEOLOGICAL_MENTORING = "ideological_mentoring", _("Ideological or theological mentoring")
    EDUCATION = "education", _("Education, training or careers")
    MENTAL_HEALTH = "mental_health", _("Mental health support")
    FAMILY = "family", _("Family support")
    HOUSING = "housing", _("Housing")
    SUBSTANCE = "substance", _("Substance misuse")
    LIFE_SKILLS = "life_skills", _("Life skills")
    DIVERSIONARY = "diversionary", _("Diversionary activity")
    OTHER = "other", _("Other")


class Funding(models.TextChoices):
    HOME_OFFICE = "home_office", _("Home Office (Intervention Provider)")
    LOCAL = "local", _("Local services")
    NONE = "none", _("No cost")


class ReviewKind(models.TextChoices):
    PANEL = "panel", _("Panel review")
    POST_EXIT_6 = "post_exit_6", _("Review 6 months after exit")
    POST_EXIT_12 = "post_exit_12", _("Review 12 months after exit")


class ExitReason(models.TextChoices):
    RISK_REDUCED = "risk_reduced", _("Vulnerability reduced: support no longer needed")
    CONSENT_REFUSED = "consent_refused", _("Consent refused")
    CONSENT_WITHDRAWN = "consent_withdrawn", _("Consent withdrawn")
    TRANSFERRED = "transferred", _("Moved to another area")
    OTHER_SERVICE = "other_service", _("Support better given by another service")
    OTHER = "other", _("Other")


class Purpose(models.TextChoices):
    """Why a user is opening a case: recorded in the access log (DPA 2018 s62)."""

    SCREENING = "screening", _("Screening the referral")
    PANEL_PREPARATION = "panel", _("Preparing for or attending the panel")
    SUPPORT = "support", _("Arranging or reviewing support")
    INFORMATION = "information", _("Gathering information from partners")
    ASSESSMENT = "assessment", _("Completing the vulnerability assessment")
    DATA_PROTECTION = "data_protection", _("A subject access, retention or data protection task")
    OTHER = "other", _("Other (say what)")


class FeedbackAudience(models.TextChoices):
    PERSON = "person", _("The person supported")
    FAMILY = "family", _("Family or carer")
    PROFESSIONAL = "professional", _("Professional or panel member")
    PROVIDER = "provider", _("Intervention provider")


class ApprovalKind(models.TextChoices):
    EARLY_ERASURE = "early_erasure", _("Erase a case before its retention date")
    BULK_EXPORT = "bulk_export", _("Export all cases")


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a second person")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    USED = "used", _("Carried out")
