"""界面全部中文: no English word on any page a member or officer sees.

Seeds the demo, logs in through the login page as every demo role and walks the site in Debian's
Chromium: from the landing page, every link of the site (one page per URL shape, so 审核 #12 and #13
count once), reading what the browser shows — text, shadow DOM of viewflow's components, field labels,
placeholders, tooltips and button captions — and fails on any Latin word that is not on the allow-list
(PDF, Excel, file names, organization codes, ID numbers…). Material icon ligatures are not words.
"""

from __future__ import annotations

import re
from collections import defaultdict
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.urls import get_resolver
from playwright.sync_api import Error as PlaywrightError

from accounts.demo import demo_seed
from accounts.models import Organization
from tests.e2e.conftest import TIMEOUT_MS
from workflows.viewsets import FLOWS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DEMO_PASSWORD = "Jifen@2026"
ROLES = ("member", "clerk", "clerk2", "committee", "secretary", "secretary2", "higher")

# Words a Chinese office uses as they are.
ALLOWED = {"PDF", "Excel", "ID", "BPMN", "CSV", "xlsx", "XLSX", "KB", "MB", "GB", "QR", "SHA", "YAML"}
# Pages that are not for members or officers, or are files rather than pages.
SKIPPED = re.compile(
    r"^/(admin|static|media|evidence|jsi18n|api|healthz)/|^/accounts/logout|[?&]format=|\.(pdf|xlsx|csv)$"
    r"|/(download|export|pdf)/?$"
)
MAX_PAGES_PER_ROLE = 120
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
FILE_NAME = re.compile(r"\S+\.(png|jpe?g|gif|webp|heic|pdf|xlsx|csv)\b", re.IGNORECASE)
# A file's SHA-256 (备案材料, 导出) is data: its hex letters are not words.
HEX_DIGEST = re.compile(r"\b[0-9a-f]{16,}\b")

# What the browser shows, shadow roots included: text of rendered elements, and the captions a person
# reads or hears (placeholder, tooltip, aria-label, a Material field's label, a button's value).
VISIBLE_TEXT_JS = """
() => {
  const out = [];
  const skip = new Set(["SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE"]);
  const isIcon = (el) =>
    el.tagName === "MD-ICON" || el.tagName === "I" && el.classList.contains("material-icons") ||
    el.classList.contains("material-icons") || el.classList.contains("material-symbols-outlined");
  const walk = (node) => {
    if (node.nodeType === Node.TEXT_NODE) {
      const text = node.textContent.trim();
      if (text) out.push(text);
      return;
    }
    if (node.nodeType === Node.ELEMENT_NODE) {
      const svg = node.namespaceURI === "http://www.w3.org/2000/svg";
      // translate="no" marks source a person edits as such (a rule set's YAML), not interface.
      if (skip.has(node.tagName) || svg || isIcon(node) || node.getAttribute("translate") === "no") return;
      const style = getComputedStyle(node);
      if (style.display === "none" || style.visibility === "hidden") return;
      for (const name of ["placeholder", "title", "aria-label", "label"]) {
        const value = node.getAttribute(name);
        if (value) out.push(value);
      }
      if (node.tagName.startsWith("MD-") && node.hasAttribute("value")) out.push(node.getAttribute("value"));
      if (node.tagName === "INPUT" && ["submit", "button", "reset"].includes(node.type)) out.push(node.value);
      if (node.shadowRoot) walk(node.shadowRoot);
    } else if (node.nodeType !== Node.DOCUMENT_FRAGMENT_NODE) {
      return;
    }
    for (const child of node.childNodes) walk(child);
  };
  walk(document.body);
  return out.join("\\n");
}
"""

# Where a person can go from the page: links, anything else with an href (viewflow's Material buttons),
# and the pages GET forms lead to (a filter or a picker submitting to another page).
LINKS_JS = """
() => {
  const urls = [];
  for (const el of document.body.querySelectorAll("[href]")) {
    if (el.hasAttribute("download")) continue;
    const url = new URL(el.getAttribute("href"), location.href);
    if (url.origin === location.origin) urls.push(url.pathname + url.search);
  }
  for (const form of document.body.querySelectorAll("form")) {
    if ((form.getAttribute("method") || "get").toLowerCase() !== "get") continue;
    const url = new URL(form.getAttribute("action") || location.href, location.href);
    if (url.origin === location.origin) urls.push(url.pathname);
  }
  return urls;
}
"""


def unlinked_pages() -> list[str]:
    """Pages a person reaches from a link the demo rarely shows: a flow's task list (its board links
    it only from a step with more than 25 tasks)."""
    get_resolver().url_patterns  # noqa: B018 — viewflow names its flows' URLs when the URLconf is built
    return [flow.instance.reverse("task_list") for flow in FLOWS]


def url_shape(path: str) -> str:
    """One page per shape: ids become N and the query string is dropped."""
    return re.sub(r"\d+", "N", urlsplit(path).path)


def english_words(text: str, data_words: set[str]) -> list[str]:
    text = HEX_DIGEST.sub(" ", FILE_NAME.sub(" ", text))
    return [
        word for word in LATIN_WORD.findall(text) if word not in ALLOWED and word.lower() not in data_words
    ]


def data_words() -> set[str]:
    """Letters that are data, not interface: organization codes (CXL-01-01) and logins."""
    words: set[str] = set()
    for code in Organization.objects.values_list("code", flat=True):
        words.update(word.lower() for word in LATIN_WORD.findall(code))
    for username in get_user_model().objects.values_list("username", flat=True):
        words.update(word.lower() for word in LATIN_WORD.findall(username))
    return words


def walk(page, starts: list[str]) -> tuple[int, dict[str, list[str]]]:
    """Every page reachable from ``starts`` (one per URL shape): how many were read, and the English
    words each shows."""
    found: dict[str, list[str]] = {}
    read = 0
    seen_shapes: set[str] = set()
    queue = list(starts)
    known = data_words()
    while queue and len(seen_shapes) < MAX_PAGES_PER_ROLE:
        path = queue.pop(0)
        shape = url_shape(path)
        if shape in seen_shapes or SKIPPED.search(path) or SKIPPED.search(urlsplit(path).path):
            continue
        seen_shapes.add(shape)
        try:
            response = page.goto(path, wait_until="load")
        except PlaywrightError as error:
            # A file served as an attachment is not a page (a PDF or an export under another name).
            if "Download is starting" in str(error):
                continue
            raise
        if response is None or not response.ok or "html" not in (response.headers.get("content-type") or ""):
            continue
        read += 1
        words = english_words(page.evaluate(VISIBLE_TEXT_JS), known)
        if words:
            found[page.url] = sorted(set(words))
        for link in page.evaluate(LINKS_JS):
            if url_shape(link) not in seen_shapes:
                queue.append(link)
    return read, found


@pytest.fixture
def demo(db):
    state = demo_seed()
    assert state is not None
    return state


def test_no_page_of_any_role_shows_an_english_word(demo, browser, served):
    report: dict[str, dict[str, list[str]]] = defaultdict(dict)
    pages_read = {}
    for role in ROLES:
        context = browser.new_context(
            base_url=served.url, locale="zh-CN", viewport={"width": 1280, "height": 900}
        )
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        page.goto("/accounts/login/", wait_until="commit")
        page.locator("input[name=username]").fill(role)
        page.locator("input[name=password]").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url, wait_until="commit")
        pages_read[role], report[role] = walk(page, [urlsplit(page.url).path, *unlinked_pages()])
        context.close()
    # A walk that read next to nothing proves nothing: every role has a site to walk.
    assert all(count >= 10 for count in pages_read.values()), pages_read
    problems = [
        f"{role} · {url}: {', '.join(words)}"
        for role, found in report.items()
        for url, words in found.items()
    ]
    assert not problems, "页面上出现英文：\n" + "\n".join(problems)


def test_the_walk_tells_interface_english_from_data():
    known = {"cxl", "clerk"}
    text = (
        "王建国 2026-10-16 branch-meeting · 活动照片15.png · CXL-01-01 · 打印（PDF） · clerk · Search"
        " · SHA-256：9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    )
    assert english_words(text, known) == ["branch", "meeting", "Search"]
