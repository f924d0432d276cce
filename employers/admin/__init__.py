"""The workplace pledge in Wagtail's admin, registered in employers/wagtail_hooks.py: the
permissions and policies, the review queue and its decisions, the employers' listings (with
their members for Data officers, without for reviewers), what changed in a plan, the figures
and the forms they use."""
