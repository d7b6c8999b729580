"""Follow links through the site with the test client, as a signed-in user would, from a start page.

Used by the canary crawl (nothing that should stay with the case team appears anywhere else) and
the navigation tests (every page a role may open is reachable from the menus).
"""
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlparse

from django.urls import Resolver404, resolve

# Not pages: sign-out ends the crawl's session, and these answer with files, not links.
SKIPPED_NAMES = ("account_logout", "download_recovery_codes")


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def links_in(html: str, base: str) -> list[str]:
    """Return the site-relative URLs (path and query) every ``<a href>`` in ``html`` points to."""
    parser = _Links()
    parser.feed(html)
    found = []
    for href in parser.hrefs:
        url = urlparse(urljoin(base, href))
        if url.scheme in ("http", "https", "") and url.netloc in ("", "testserver") and not url.path.startswith("/static/"):
            found.append(url.path + (f"?{url.query}" if url.query else ""))
    return found


@dataclass
class Crawl:
    pages: dict = field(default_factory=dict)  # url -> response
    views: Counter = field(default_factory=Counter)  # view name -> pages fetched

    def bodies(self):
        for url, response in self.pages.items():
            yield url, response.content.decode("utf-8", errors="replace") + "\n".join(
                f"{name}: {value}" for name, value in response.items())


def crawl(client, start: str | list[str], *, per_view: int = 1, limit: int = 400, fetch_files: bool = True) -> Crawl:
    """Fetch ``start`` and every page reachable from it by following links, breadth first.

    At most ``per_view`` pages of each view (a list and one of its records, not every record) and
    ``limit`` pages in all. File downloads are fetched too (their content is checked like a page's)
    unless ``fetch_files`` is False. Only GET requests: the crawl changes nothing.
    """
    result = Crawl()
    queue = list([start] if isinstance(start, str) else start)
    seen = set()
    while queue and len(result.pages) < limit:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        try:
            match = resolve(urlparse(url).path)
        except Resolver404:
            continue
        if match.url_name in SKIPPED_NAMES or result.views[match.view_name] >= per_view:
            continue
        response = client.get(url)
        result.views[match.view_name] += 1
        result.pages[url] = response
        content_type = response.get("Content-Type", "")
        if response.status_code in (301, 302, 303, 307, 308):
            queue.extend(links_in(f'<a href="{response["Location"]}"></a>', url))
        elif response.status_code < 500 and content_type.startswith("text/html"):  # a refusal still has the menus
            queue.extend(link for link in links_in(response.content.decode(), url) if link not in seen)
        elif not fetch_files:
            result.pages.pop(url)
    return result
