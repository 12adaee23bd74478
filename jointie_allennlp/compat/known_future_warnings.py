"""
torch 2.x and transformers 4.4x: allennlp 2.10.1's own calls (the `huggingface_adamw` wrapper,
`torch.cuda.amp.autocast` in the trainer) print FutureWarnings on every training run; those two
are silenced, no others. Test: tests/compat/known_future_warnings_test.py.
"""



#: (message regex, module regex) of the FutureWarnings silenced by ``silence_known_future_warnings``.
KNOWN_FUTURE_WARNINGS = (
    # huggingface_adamw wraps transformers.AdamW (transformers/optimization.py), deprecated in
    # favour of torch.optim.AdamW; the wrapper is allennlp's and behaves the same until removal
    # (transformers 4.50, excluded by the requirements).
    (r"This implementation of AdamW is deprecated", r"transformers\.optimization"),
    # GradientDescentTrainer enters torch.cuda.amp.autocast(enabled=use_amp) around every
    # forward pass, also on CPU with use_amp=False, where it does nothing.
    (r"`torch\.cuda\.amp\.autocast\(args\.\.\.\)` is deprecated", r"allennlp\.training"),
)


def silence_known_future_warnings() -> bool:
    """Ignore the FutureWarnings that allennlp 2.10.1 triggers on every training run.

    What it fixes: every ``allennlp train`` prints ``This implementation of AdamW is deprecated``
    (once, when the optimizer is built) and ``torch.cuda.amp.autocast(args...) is deprecated``
    (once per training and per validation loop, from gradient_descent_trainer.py lines 509 and
    689), none of which the user can act on: they concern allennlp's own calls.  Reproduced with
    ``allennlp train training_configs/spert/conll04.jsonnet`` on the fixtures (torch 2.13,
    transformers 4.49).

    Only these two messages, and only when raised from the named modules, are filtered (see
    ``KNOWN_FUTURE_WARNINGS``); every other warning is shown as before.

    Returns True (the filters are installed once).
    """
    import warnings

    for message, module in KNOWN_FUTURE_WARNINGS:
        warnings.filterwarnings("ignore", message=message, category=FutureWarning, module=module)
