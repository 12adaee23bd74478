"""What extends `allennlp train`: the `whole_test_set` train loop (`whole_test_set.py`)."""
