from django.apps import AppConfig


class ListsConfig(AppConfig):
    name = "xinyong.lists"
    label = "lists"
    verbose_name = "名单"

    def ready(self) -> None:
        from xinyong.lists import services
        from xinyong.policies.signals import rules_changed

        rules_changed.connect(services.on_rules_changed, dispatch_uid="lists.lapses")
