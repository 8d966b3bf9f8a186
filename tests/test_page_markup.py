"""Every page a persona opens is markup a screen reader can trust: no id appears twice,
so each label points at its own field (the reports page once had two "id_week")."""

import re
from collections import Counter

import pytest

from tests.test_no_server_errors import PERSONAS, client_for, paths, world  # noqa: F401 (fixture)

ID_ATTRIBUTE = re.compile(r"""\sid=["']([^"']+)["']""")


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p])
def test_no_page_repeats_an_id(request, world, persona):  # noqa: F811 (the imported fixture)
    client = client_for(request.getfixturevalue(persona))
    checked = 0
    for path in paths(world, ids=slice(0, 1)):
        response = client.get(path)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        checked += 1
        repeated = [i for i, n in Counter(ID_ATTRIBUTE.findall(response.content.decode())).items() if n > 1]
        assert not repeated, f"{path} repeats the ids {repeated}"
    assert checked, "the persona opened at least one page"
