"""流程图全部中文: the process diagrams caption every node and every gateway's branches in Chinese."""

import re

import pytest

from tests.workflows.helpers import flow_url
from workflows.viewsets import FLOWS

pytestmark = pytest.mark.django_db

LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def diagram_captions(client, flow_class) -> list[str]:
    svg = client.get(flow_url(flow_class, "chart")).content.decode()
    return [
        re.sub(r"<[^>]+>", "", text).strip() for text in re.findall(r"<text[^>]*>(.*?)</text>", svg, re.S)
    ]


@pytest.mark.parametrize("flow_class", FLOWS, ids=lambda flow_class: flow_class.__name__)
def test_every_caption_of_a_process_diagram_is_chinese(admin_client, flow_class):
    captions = [caption for caption in diagram_captions(admin_client, flow_class) if caption]
    assert captions, "the diagram drew no caption at all"
    english = [caption for caption in captions if LATIN_WORD.search(caption)]
    assert not english, english


@pytest.mark.parametrize(
    "flow_class", [f for f in FLOWS if any(type(node).__name__ == "If" for node in f.instance.nodes())]
)
def test_a_gateway_branches_read_yes_and_no_in_chinese(admin_client, flow_class):
    captions = diagram_captions(admin_client, flow_class)
    assert "是" in captions and "否" in captions
