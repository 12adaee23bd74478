"""`python -m jointie_allennlp` is `jointie` (`jointie_allennlp.cli`)."""
from jointie_allennlp.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
