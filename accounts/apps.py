from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from core.personal_data import register_personal_data

        from . import services

        # After the apps that keep records on an account (they erase theirs first), before
        # mailings' emails.
        register_personal_data(
            key="account",
            label="Account",
            description=(
                "The sign-in account with this address: name, when it was made and last used, "
                "and whether it has an authenticator app. Erasing deletes it, with its places "
                "in organisations; a member of staff's account is removed by an administrator "
                "instead."
            ),
            find=services.find_for_address,
            export=services.export_for_address,
            erase=services.erase_for_address,
            order=900,
        )
