"""The people of benchmarks/load.py, for locust: inspectors, clerks of the office, the public.

Each simulated person signs in once through the sign-in page as a user of their own (made by
load_fill.py) and then goes about their work, finding what to open from the links of the pages
they are shown, as a browser would. Saves are POSTs of the forms as the pages render them,
with their CSRF token.

    locust -f benchmarks/load_users.py --host http://127.0.0.1:8000   (load.py runs it)
"""

import itertools
import os
import random
import re
import urllib.parse

from locust import HttpUser, between, task

PASSWORD = "Bench-load-2026!"  # load_fill.PASSWORD: this file is read without Django
INSPECTORS = int(os.environ.get("LOAD_INSPECTORS", "5000"))
CLERKS = 100
# Seconds a person spends on a page before the next click (reading, filling the form): every
# simulated session waits this long, drawn evenly, between requests. LOAD_WAIT="5,15".
WAIT = tuple(float(x) for x in os.environ.get("LOAD_WAIT", "5,15").split(","))
_inspector_numbers = itertools.count(1)
_clerk_numbers = itertools.count(1)
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_RESULTS = re.compile(r'href="/inspections/results/(\d+)/"')
_VISITS = re.compile(r'href="/inspections/visits/(\d+)/"')
_TARGETS = re.compile(r'href="/targets/(\d+)/"')
_PUBLIC_RESULTS = re.compile(r'href="/public/results/(\d+)/"')
_ENTITIES = re.compile(r'href="/public/entities/([0-9A-Z]{18})/"')
_ITEMS = re.compile(r'name="outcome_(\d+)"')
NAME_PARTS = ["兴达", "鑫源", "华泰", "恒信", "宏图", "永安", "金阳", "瑞丰", "安泰", "盛世",
              "商贸", "物业管理", "建筑工程", "煤业", "晋城市", "太原市", "长城", "东方", "太行",
              "九州", "龙腾", "佳美", "同心", "汇丰", "利民", "三晋", "沁河", "凤城", "丹河"]
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _csrf(html: str) -> str:
    match = _CSRF.search(html)
    return match.group(1) if match else ""


class Staff(HttpUser):
    abstract = True
    wait_time = between(*WAIT)
    username = ""

    def on_start(self) -> None:
        page = self.client.get("/login/", name="/login/")
        with self.client.post(
                "/login/", {"username": self.username, "password": PASSWORD,
                            "csrfmiddlewaretoken": _csrf(page.text)},
                headers={"Referer": self.host + "/login/"}, name="/login/",
                allow_redirects=False, catch_response=True) as response:
            if response.status_code != 302:
                response.failure(f"{self.username} could not sign in")
        self.home()

    @task(1)
    def home(self) -> None:
        self.client.get("/", name="/ (home)")

    def post(self, path: str, data: dict, name: str, referer: str):  # type: ignore[no-untyped-def]
        return self.client.post(path, data, name=name, headers={"Referer": self.host + referer})


class Inspector(Staff):
    """我的任务 → a visit → its checklist → save it (the inspector's day, on a computer)."""

    weight = 5

    def on_start(self) -> None:
        # Spread over every inspector: each has about four visits of the task under way.
        n = (next(_inspector_numbers) * 37) % INSPECTORS + 1
        self.username = f"lb-insp-{n:05d}"
        super().on_start()
        self.results: list[str] = []
        self.visits: list[str] = []

    @task(2)
    def my_tasks(self) -> None:
        html = self.client.get("/inspections/mine/", name="/inspections/mine/").text
        self.visits = _VISITS.findall(html)

    @task(2)
    def open_visit(self) -> None:
        if not self.visits:
            return self.my_tasks()
        html = self.client.get(f"/inspections/visits/{random.choice(self.visits)}/",
                               name="/inspections/visits/[id]/").text
        self.results = _RESULTS.findall(html) or self.results
        return None

    @task(3)
    def save_checklist(self) -> None:
        if not self.results:
            return self.open_visit()
        pk = random.choice(self.results)
        path = f"/inspections/results/{pk}/"
        page = self.client.get(path, name="/inspections/results/[id]/")
        items = _ITEMS.findall(page.text)
        if not items:  # submitted or approved: nothing to save, only to read
            return None
        data = {"csrfmiddlewaretoken": _csrf(page.text), "inspected_on": "2026-11-20",
                "methods": ["on_site"], "categories": ["no_problem"], "conduct": "",
                "summary": f"现场检查防护设备、平战转换预案，未发现问题（{random.randrange(999)}）",
                }
        for item in items:
            data[f"outcome_{item}"] = "compliant"
            data[f"note_{item}"] = ""
        with self.client.post(path, data, name="/inspections/results/[id]/",
                              headers={"Referer": self.host + path},
                              catch_response=True, allow_redirects=False) as response:
            if response.status_code != 302:
                response.failure(f"save answered {response.status_code}")
        return None


class Clerk(Staff):
    """The office: the directory by name and by code, a target, the review queue, a review."""

    weight = 2

    def on_start(self) -> None:
        self.number = next(_clerk_numbers) % CLERKS + 1
        self.username = f"lb-clerk-{self.number:03d}"
        super().on_start()
        self.targets: list[str] = []

    @task(3)
    def search_by_name(self) -> None:
        # Two parts (four characters or more). One common part alone (兴达) matches hundreds
        # of thousands of a province's targets and takes minutes (docs/scaling.md, "Left as
        # found"): in the mix it would hold a worker and measure nothing else.
        q = "".join(random.sample(NAME_PARTS, 2))
        html = self.client.get("/targets/?" + urllib.parse.urlencode({"q": q}),
                               name="/targets/?q=name").text
        self.targets = _TARGETS.findall(html) or self.targets

    @task(2)
    def search_by_code(self) -> None:
        county = random.choice(["140502", "140105", "140202", "140581", "140821"])
        q = "91" + county + "".join(random.choices(ALPHABET, k=3))  # the first characters
        self.client.get("/targets/?" + urllib.parse.urlencode({"q": q}),
                        name="/targets/?q=code")

    @task(3)
    def open_target(self) -> None:
        if not self.targets:
            return self.search_by_name()
        self.client.get(f"/targets/{random.choice(self.targets)}/", name="/targets/[id]/")
        return None

    @task(2)
    def review(self) -> None:
        html = self.client.get("/inspections/review/", name="/inspections/review/").text
        waiting = _RESULTS.findall(html)
        if not waiting:
            return
        pk = random.choice(waiting)
        path = f"/inspections/results/{pk}/"
        page = self.client.get(path, name="/inspections/results/[id]/ (review)")
        if 'name="decision"' not in page.text:
            return
        approve = random.random() < 0.7
        data = {"csrfmiddlewaretoken": _csrf(page.text),
                "decision": "approve" if approve else "return",
                "reason": "" if approve else "请补充现场照片"}
        with self.client.post(f"{path}review/", data, name="/inspections/results/[id]/review/",
                              headers={"Referer": self.host + path}, catch_response=True,
                              allow_redirects=False) as response:
            if response.status_code == 302:
                return
            # Another clerk reviewed it between the two requests: a conflict, not an error.
            if "inspection.state" in response.text or response.status_code == 400:
                state = self.client.get(path, name="/inspections/results/[id]/ (review)")
                if 'name="decision"' not in state.text:
                    response.success()
                    return
            response.failure(f"review answered {response.status_code}")


class Public(HttpUser):
    """公示 portal: search the results by a part of a name or by code, a result, a credit file."""

    weight = 3
    wait_time = between(*WAIT)

    def on_start(self) -> None:
        self.results: list[str] = []
        self.entities: list[str] = []

    @task(3)
    def search(self) -> None:
        q = random.choice(NAME_PARTS) if random.random() < 0.8 else random.choice(
            ["太原市", "大同市", "长治市", "晋中市", "运城市"])
        html = self.client.get("/public/results/?" + urllib.parse.urlencode({"q": q}),
                               name="/public/results/?q=").text
        self.results = _PUBLIC_RESULTS.findall(html) or self.results

    @task(2)
    def result(self) -> None:
        if not self.results:
            return self.search()
        html = self.client.get(f"/public/results/{random.choice(self.results)}/",
                               name="/public/results/[id]/").text
        self.entities = _ENTITIES.findall(html) or self.entities
        return None

    @task(1)
    def credit_file(self) -> None:
        if not self.entities:
            return self.result()
        self.client.get(f"/public/entities/{random.choice(self.entities)}/",
                        name="/public/entities/[code]/")
        return None
