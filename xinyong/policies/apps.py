from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "xinyong.policies"
    label = "policies"
    verbose_name = "政策规则包"
