"""
Batching across documents: the instances of many documents (their sentences, or sentence x main
entity) are pooled, sorted by length and run in forward passes of up to `batch_size` instances;
each document gets back its own outputs. A document whose instances cannot be built or whose
forward pass fails gets its exception instead; the other documents of the batch are unaffected
(a failing pass is rerun one instance at a time to find the failing document). A stop request
(SIGTERM, which allennlp raises as `SigTermReceived`) is never taken for a failing document.
"""
import logging
from typing import Any, Callable, Dict, List, Sequence, Union

from allennlp.common.util import SigTermReceived
from allennlp.data import Instance

logger = logging.getLogger(__name__)

Outputs = List[Dict[str, Any]]
#: exceptions that stop the whole run rather than fail one document (`except INTERRUPTS: raise`)
INTERRUPTS = (SigTermReceived,)


def _length(instance: Instance) -> int:
    field = instance.fields.get("tokens")
    return len(field) if field is not None else 0


def forward_in_batches(
    instances_per_document: Sequence[Union[List[Instance], Exception]],
    forward: Callable[[List[Instance]], Outputs],
    batch_size: int,
) -> List[Union[Outputs, Exception]]:
    """
    Per document its outputs (one per instance, in instance order) or the exception that
    stopped it. `instances_per_document` holds per document its instances, or an exception
    (passed through).

    # Parameters

    instances_per_document : `Sequence[Union[List[Instance], Exception]]`
    forward : `Callable` e.g. `model.forward_on_instances`.
    batch_size : `int` instances per forward pass.
    """
    results: List[Union[Outputs, Exception]] = []
    pool = []  # (document, position in the document, instance)
    for document, instances in enumerate(instances_per_document):
        if isinstance(instances, Exception):
            results.append(instances)
            continue
        results.append([None] * len(instances))
        pool.extend((document, position, instance) for position, instance in enumerate(instances))
    pool.sort(key=lambda item: _length(item[2]))
    size = max(1, batch_size)
    for start in range(0, len(pool), size):
        chunk = pool[start : start + size]
        chunk = [item for item in chunk if not isinstance(results[item[0]], Exception)]
        if not chunk:
            continue
        try:
            outputs = forward([instance for _, _, instance in chunk])
        except INTERRUPTS:
            raise
        except Exception:  # noqa: BLE001  find the failing document(s), keep the others
            outputs = None
        if outputs is None:
            outputs = []
            for document, _, instance in chunk:
                if isinstance(results[document], Exception):  # already failed: skip its other instances
                    outputs.append(None)
                    continue
                try:
                    outputs.extend(forward([instance]))
                except INTERRUPTS:
                    raise
                except Exception as error:  # noqa: BLE001  one bad document must not end the batch
                    results[document] = error
                    outputs.append(None)
        for (document, position, _), output in zip(chunk, outputs):
            if not isinstance(results[document], Exception):
                results[document][position] = output
    return results
