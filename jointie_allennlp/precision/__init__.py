"""
The precision a model predicts in, chosen for the CPU: `cpu_features`, `resolve_precision`,
`apply_precision` (fp32, bf16 autocast, int8 dynamic quantization), `prediction_drift`, and the
machine facts benchmark rows record (`machine_facts`).
"""
from jointie_allennlp.precision.choice import (  # noqa: F401
    PRECISIONS,
    PrecisionChoice,
    apply_precision,
    check_precision,
    evaluation_metrics,
    prediction_drift,
    resolve_precision,
)
from jointie_allennlp.precision.cpu import cpu_features, cpu_model, has_native_bf16, machine_facts  # noqa: F401
from jointie_allennlp.precision.int8 import INT8_CANDIDATES, quantize_int8, selected_linear_layers  # noqa: F401
