"""Pages that answered 500: a template looked through a user nobody recorded
(`default:s.recorded_by.username`), which Django resolves before applying the filter. The test
settings now make any unresolved variable in this package's templates an error."""

import pytest
from django.conf import settings
from django.template import Context, Origin, Template

from shuangsuiji.inspectors.models import Conflict, InspectorStatusChange

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["office", "leader", "partner"])
def test_it_opens_the_inspector_and_conflict_pages_when_nobody_recorded_the_entry(
        data, login, role):
    # As the demo and the command line record them: no user behind the entry.
    InspectorStatusChange.objects.create(inspector=data.officer, status="in_post",
                                         effective_on=data.officer.status_since)
    Conflict.objects.filter(pk=data.conflict.pk).update(recorded_by=None)
    assert InspectorStatusChange.objects.filter(recorded_by=None).exists()
    client = login(role)
    if role != "partner":
        page = client.get(f"/inspectors/{data.officer.pk}/")
        assert page.status_code == 200
    assert client.get("/inspectors/conflicts/").status_code == 200


def _template(source: str) -> Template:
    # A template of this package, as far as the check can tell (by its origin).
    return Template(source, origin=Origin(name=str(settings.PACKAGE_DIR / "templates" / "t.html")))


def test_an_unresolved_variable_in_a_project_template_is_an_error():
    with pytest.raises(Exception, match=r"t\.html:1: template variable user\.name"):
        _template("{{ user.name }}").render(Context({"user": None}))
    with pytest.raises(Exception, match="does not resolve"):
        _template("{% url 'inspectors:detail' inspector.pk %}").render(Context({}))


def test_if_and_default_still_work_on_missing_and_empty_values():
    page = _template('{% if missing %}no{% else %}yes{% endif %}|{{ none|default:"—" }}|'
                     '{% for x in missing %}{{ x }}{% empty %}empty{% endfor %}|'
                     '{% firstof missing "first" %}|{{ user|default:"system" }}')
    assert page.render(Context({"none": None, "user": None})) == "yes|—|empty|first|system"
