"""WSGI entry point: `gunicorn shuangsuiji.config.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuangsuiji.config.settings")
application = get_wsgi_application()
