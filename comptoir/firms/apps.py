from django.apps import AppConfig


class FirmsConfig(AppConfig):
    name = "comptoir.firms"
    label = "firms"

    def ready(self) -> None:
        # What `accounts` knows of firms, registered here: accounts imports nothing of firms.
        from comptoir.accounts.extensions import (
            SettingsPanel,
            registered_once,
            two_factor_requirements,
            two_factor_settings_panel_register,
            user_mail_context,
        )
        from comptoir.firms.selectors import firm_mail_context, firm_two_factor_panel, two_factor_required_by_firm

        registered_once(two_factor_requirements, two_factor_required_by_firm)
        registered_once(user_mail_context, firm_mail_context)
        two_factor_settings_panel_register(SettingsPanel(key="firm_two_factor",
                                                         template="firms/settings_two_factor.html",
                                                         context=firm_two_factor_panel))
