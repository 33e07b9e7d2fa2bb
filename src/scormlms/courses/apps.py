from django.apps import AppConfig


class CoursesConfig(AppConfig):
    name = "scormlms.courses"
    label = "courses"
