"""A crawler over the platform's own pages with Django's test client: from a start page, every
same-site link (<a href>) a page shows to a user is followed, as that user, up to a bound."""

import re
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

from django.test import Client

# GET must never change anything, so every link is followed; these only end the session.
SKIPPED_PATHS = ("/logout/", "/admin/logout/")
# Bounded by shape as well as by count: per account, the first links of each shape (the path
# with its numbers taken out, and the names of its query's parameters) are followed, so every
# kind of page is opened, for several records each, without opening all of them. Files made
# on request (PDFs by WeasyPrint take a second or more) once per shape.
DOWNLOAD = re.compile(r"\.(pdf|xlsx|csv|json|png|svg|zip)$|/(pdf|export|download)/$")
PAGES_PER_SHAPE = 6
# Django's admin: the same few views for every model, read-only here for all but users.
ADMIN_PAGES_PER_SHAPE = 2
DOWNLOADS_PER_SHAPE = 1


def shape(url: str) -> str:
    parts = urlsplit(url)
    keys = sorted({pair.split("=")[0] for pair in parts.query.split("&") if pair})
    return re.sub(r"\d+", "N", parts.path) + ("?" + "&".join(keys) if keys else "")


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def same_site(href: str, base: str) -> str | None:
    """An absolute path with its query and without fragment, or None for another site."""
    url = urldefrag(urljoin(base, href.strip())).url
    parts = urlsplit(url)
    if parts.scheme not in ("", "http", "https") or parts.netloc not in ("", "testserver"):
        return None
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return path if path.startswith("/") and not path.startswith(SKIPPED_PATHS) else None


def links(html: str, base: str) -> list[str]:
    """The same-site links of a page."""
    parser = _Links()
    parser.feed(html)
    return [url for href in parser.hrefs if (url := same_site(href, base))]


@dataclass
class Visit:
    url: str
    status: int
    shown_on: str  # the page whose link led here ("" for a start page)
    content_type: str
    csp: str
    body: str = ""  # HTML pages only
    error: str = ""  # the exception behind a server error
    seconds: float = 0.0


@dataclass
class Crawl:
    visits: list[Visit] = field(default_factory=list)
    truncated: bool = False
    skipped: int = 0  # links not followed: more of a shape than its bound
    seconds: float = 0.0

    def problems(self) -> list[str]:
        return [f"{v.status} {v.url} (linked from {v.shown_on or 'start'}) {v.error}".strip()
                for v in self.visits if v.status >= 500 or v.status in (403, 404)]


def crawl(client: Client, starts: list[str], *, limit: int = 400) -> Crawl:
    result = Crawl()
    queue: deque[tuple[str, str]] = deque((url, "") for url in starts)
    seen = set(starts)
    shapes: Counter[str] = Counter()
    while queue:
        if len(result.visits) >= limit:
            result.truncated = True
            break
        url, shown_on = queue.popleft()
        started = time.monotonic()
        response = client.get(url)
        content_type = response.get("Content-Type", "")
        visit = Visit(url, response.status_code, shown_on, content_type,
                      response.get("Content-Security-Policy", ""))
        if getattr(response, "exc_info", None):
            visit.error = repr(response.exc_info[1])[:300]
        result.visits.append(visit)
        found: list[str] = []
        if response.status_code in (301, 302, 303, 307, 308):
            target = same_site(response["Location"], url)
            found = [target] if target else []
        # Read whole (downloads too); the client closes the response once it is read.
        body = (b"".join(response.streaming_content) if response.streaming
                else response.content)
        visit.seconds = time.monotonic() - started
        if response.status_code == 200 and content_type.startswith("text/html"):
            visit.body = body.decode()
            found = links(visit.body, url)
        for link in found:
            if link in seen:
                continue
            seen.add(link)
            kind = shape(link)
            shapes[kind] += 1
            bound = (DOWNLOADS_PER_SHAPE if DOWNLOAD.search(urlsplit(link).path)
                     else ADMIN_PAGES_PER_SHAPE if link.startswith("/admin/")
                     else PAGES_PER_SHAPE)
            if shapes[kind] > bound:
                result.skipped += 1
                continue
            queue.append((link, url))
    return result
