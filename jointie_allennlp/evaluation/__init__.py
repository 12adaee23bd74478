"""What extends `allennlp evaluate`: the `joint_extraction` prediction serializer (`joint_extraction.py`)."""
