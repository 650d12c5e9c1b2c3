from datetime import date

from django.urls import path, register_converter

from . import views


class IsoDateConverter:
    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> date:
        return date.fromisoformat(value)  # ValueError → 404

    def to_url(self, value: date | str) -> str:
        return value.isoformat() if isinstance(value, date) else value


register_converter(IsoDateConverter, "isodate")

app_name = "workdays"
urlpatterns = [
    path("", views.calendar_year, name="calendar"),
    path("count/", views.count, name="count"),
    path("days/", views.day_set, name="day_set"),
    path("days/<isodate:day>/delete/", views.day_delete, name="day_delete"),
    path("years/<int:year>/", views.year_set, name="year_set"),
]
