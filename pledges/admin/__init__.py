"""The pledges admin, registered in pledges/wagtail_hooks.py: permissions and policies, what the
listings share, the moderation queue, personal data for Data officers, assisted entry, and
the forms they use."""
