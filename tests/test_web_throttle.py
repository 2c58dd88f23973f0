"""The limit on password guessing holds when the guesses come all at once, and across several
`rosterbook serve` processes sharing one PostgreSQL: every attempt is counted in the database
before its password is checked."""
from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from itertools import cycle

import pytest
import requests

from server.db import engine_for
from tests.plugin_server import make_app
from tests.web_client import ADMIN, create_admin

PER_NAME, PER_ADDRESS = 5, 20  # the defaults README states
SECRET = "one secret key for every process, so a form from one is good on all"


def _guess(url: str, username: str, barrier: threading.Barrier) -> int:
    """One person's wrong guess: the form first, then the post, all posts released together."""
    form = requests.get(url + "/sign-in", timeout=60)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    barrier.wait(timeout=120)
    answer = requests.post(url + "/sign-in", cookies=form.cookies, allow_redirects=False, timeout=120,
                           data={"csrf_token": token, "username": username, "password": "not the password"})
    return answer.status_code


def guess_at_once(urls: list[str], usernames: list[str]) -> dict[int, int]:
    """Each name guessed once, all at the same moment, spread over the servers; answers by status."""
    barrier = threading.Barrier(len(usernames))
    with ThreadPoolExecutor(len(usernames)) as pool:
        statuses = list(pool.map(_guess, [url for url, _ in zip(cycle(urls), usernames)], usernames,
                                 [barrier] * len(usernames)))
    return {status: statuses.count(status) for status in set(statuses)}


def _store_with_admin(url: str, instance) -> None:
    app = make_app(url, instance)
    create_admin(app)
    engine_for(app).dispose()


def test_forty_guesses_at_once_for_one_name_get_five_checks(serve, tmp_path):
    instance = tmp_path / "instance"
    url = f"sqlite:///{instance / 'rosterbook.sqlite3'}"
    _store_with_admin(url, instance)
    served = serve(database_url=url, instance=instance, token="unused")
    answers = guess_at_once([served.url], [ADMIN] * 40)
    print(f"\n40 guesses at once for one name: {answers}")
    assert answers == {401: PER_NAME, 429: 40 - PER_NAME}


def test_a_hundred_names_at_once_get_twenty_checks(serve, tmp_path):
    instance = tmp_path / "instance"
    url = f"sqlite:///{instance / 'rosterbook.sqlite3'}"
    _store_with_admin(url, instance)
    served = serve(database_url=url, instance=instance, token="unused")
    answers = guess_at_once([served.url], [f"name{i}" for i in range(100)])
    print(f"\n100 names at once: {answers}")
    assert answers == {401: PER_ADDRESS, 429: 100 - PER_ADDRESS}


@pytest.mark.parametrize("names", [1, 100])
def test_the_limit_holds_across_three_servers_on_one_postgresql(serve, postgres_url, tmp_path, names):
    _store_with_admin(postgres_url, tmp_path / "setup")
    servers = [serve(database_url=postgres_url, token="unused", ROSTERBOOK_SECRET_KEY=SECRET) for _ in range(3)]
    usernames = [ADMIN] * 40 if names == 1 else [f"name{i}" for i in range(100)]
    answers = guess_at_once([s.url for s in servers], usernames)
    print(f"\n{len(usernames)} guesses ({names} name(s)) over 3 servers on one PostgreSQL: {answers}")
    limit = PER_NAME if names == 1 else PER_ADDRESS
    assert answers == {401: limit, 429: len(usernames) - limit}
