"""Who may do what in the workplace pledge's admin: each role's permission (given to groups by
migration 0003_admin_roles) and the policies the listings ask.

- Reviewers (Wagtail's Moderators) work the review queue and see employers with their plans:
  never their members or members' email addresses.
- Data officers see employers with their members' names and emails, export them and mark the
  lead employer.
- Editors keep the commitments, sectors and check-in emails (Wagtail's own model permissions).
- All three see the figures."""

from core.admin import RolePermissionPolicy
from employers.models import Employer, EmployerForReview, Submission

REVIEW = "employers.review_submission"
VIEW_MEMBERS = "employers.view_employer_members"
EXPORT = "employers.export_employers"
MARK_LEAD = "employers.mark_lead_employer"
VIEW_FIGURES = "employers.view_employer_figures"

# The reviewer's permission lives on the reviewers' view of an employer, whichever listing.
review_policy = RolePermissionPolicy(
    Submission, {"view": REVIEW, "review": REVIEW}, auth_model=EmployerForReview
)
plans_policy = RolePermissionPolicy(EmployerForReview, {"view": REVIEW})
# "change" is the edit form that holds nothing but "lead employer".
members_policy = RolePermissionPolicy(
    Employer, {"view": VIEW_MEMBERS, "export": EXPORT, "change": MARK_LEAD}
)
