"""The service as a WSGI application, for a WSGI server of your choice.

`kgqa serve` is the supported way to run kgqa (waitress with connection limits and header
timeouts, a reload on SIGHUP, a forked worker model). Where a deployment already standardises on
another WSGI server, point it here, from the repository root (tests/web/test_wsgi_entry.py runs the first):

    waitress-serve --threads 8 service.wsgi:app
    gunicorn --workers 1 --threads 8 service.wsgi:app

Settings come from `KGQA_*` environment variables (see the README's configuration table). The app
owns its query worker processes; one server process per app is enough, as the workers are where
queries run.
"""

from kgqa.web import create_app

app = create_app()
