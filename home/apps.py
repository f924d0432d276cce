from django.apps import AppConfig


class HomeConfig(AppConfig):
    name = "home"
    verbose_name = "Campaign pages"

    def ready(self):
        from core.middleware import read_query_params
        from pledges.models import PledgePage, PledgeWallPage

        read_query_params("page", "q")  # story listing pages; search words
        # home composes the site, so it says where the features' pages go (they know no home
        # page types): under the home page or a campaign section.
        for page_type in (PledgePage, PledgeWallPage):
            page_type.parent_page_types = ["home.HomePage", "home.CampaignPage"]
