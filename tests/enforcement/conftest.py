from tests.inspections.conftest import drawn_task, private_files  # noqa: F401 the fixtures
