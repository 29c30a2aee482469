import os
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"


@pytest.fixture
def eigenlens_bin():
    """The CLI that scripts/test-python.sh builds (cargo build --release --bin eigenlens), or
    $EIGENLENS_BIN. Missing is a failure, not a skip: these tests are the Python-to-CLI contract."""
    path = pathlib.Path(os.environ.get("EIGENLENS_BIN", ROOT / "target" / "release" / "eigenlens"))
    if not path.exists():
        pytest.fail(f"{path} does not exist: build it with `cargo build --release --bin eigenlens` "
                    "(scripts/test-python.sh does) or set EIGENLENS_BIN")
    return str(path)
