from jointie_allennlp.data.document import Document, Entity
from jointie_allennlp.data.html import render_html


def test_nested_entities_are_properly_nested():
    document = Document.from_tokens(
        "d", ["University", "of", "Texas", "&", "A"],
        entities=[Entity(0, 3, "Org"), Entity(2, 3, "Loc")],
    )
    page = render_html([document])
    body = page[page.index("<p>"):page.index("</p>")]
    assert body.index("University") < body.index("Texas<sub>1:Loc</sub></mark>") < body.index("<sub>0:Org</sub></mark>")
    assert body.count("<mark") == 2 and "&amp; A" in body
